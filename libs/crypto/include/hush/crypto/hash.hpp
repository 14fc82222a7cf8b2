// SHA-256, SHA-512 (OpenSSL), HMAC-SHA256 and HKDF-SHA256 (RFC 5869).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "hush/base/bytes.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha512Digest = std::array<std::uint8_t, 64>;

Sha256Digest sha256(ByteView data);
Sha512Digest sha512(ByteView data);

// Incremental SHA-256, for data streamed in chunks (attachment blobs and their plaintext);
// final() resets the state so the object can be reused. Same bytes as sha256() over the whole.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(ByteView data);
  Sha256Digest final();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Incremental SHA-512; final() resets the state so the object can be reused.
class Sha512 {
 public:
  Sha512();
  ~Sha512();
  Sha512(const Sha512&) = delete;
  Sha512& operator=(const Sha512&) = delete;
  void update(ByteView data);
  Sha512Digest final();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// HMAC-SHA256 (RFC 2104) with a key that is used more than once: the key schedule (the inner
// and outer padded-key states) is computed once, and each MAC then costs two SHA-256
// compressions plus the data. The output is a secret whenever the key is (chain keys, message
// keys), hence SecretArray. All state lives inline (no allocation) and is wiped on destruction.
class HmacSha256 {
 public:
  explicit HmacSha256(ByteView key);
  ~HmacSha256();
  HmacSha256(const HmacSha256& other);
  HmacSha256& operator=(const HmacSha256&) = delete;

  // Starts a fresh MAC with the same key, discarding input not yet finalised.
  void reset();
  void update(ByteView data);
  // Returns the MAC and starts a fresh one with the same key (as reset() would).
  SecretArray<32> final();

  // Room for three SHA-256 states (OpenSSL's SHA256_CTX, 112 bytes each), kept opaque so that no
  // OpenSSL header leaks out of libs/crypto; hash.cpp checks the size.
  static constexpr std::size_t kStateBytes = 3 * 128;

 private:
  alignas(16) std::array<std::uint8_t, kStateBytes> state_;
};

// One-shot HMAC-SHA256(key, data).
SecretArray<32> hmac_sha256(ByteView key, ByteView data);

// HKDF-SHA256 (RFC 5869): extract with `salt` (empty means 32 zero bytes), expand with `info`
// into `out`. out.size() must be at most 255 * 32.
void hkdf_sha256(ByteView input_key_material, ByteView salt, ByteView info, MutableByteView out);

}  // namespace hush::crypto
