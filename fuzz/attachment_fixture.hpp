// The input format of fuzz_attachment_decrypt and its fixed key, shared with make_fuzz_seeds so
// that its seeds are blobs that really decrypt under that key.
//
//   byte 0     flags: bit 0 kSenderMade, bit 1 kRealDigest; bits 2-7 pick the chunk size
//   bytes 1-2  the plaintext size the "message" claims, little-endian (0 to 65,535)
//   the rest   the blob (as downloaded), or with kSenderMade only IV || ciphertext: the target then
//              cuts or zero-extends it to the blob's size less the MAC and appends the right MAC,
//              as a sender holding the key could, to reach the padding checks. Sender-made sizes
//              are taken modulo kMaxSenderMadeSize + 1: the blob is built whatever the input's
//              length, and 64 KiB blobs fed a byte at a time would slow the fuzzer a hundredfold
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>

#include "hush/base/bytes.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::fuzz::attachment {

inline constexpr std::uint8_t kSenderMade = 1;  // the target appends a valid MAC
inline constexpr std::uint8_t kRealDigest = 2;  // the target gives the blob's own SHA-256 (else zeros)
inline constexpr std::uint64_t kMaxSenderMadeSize = 4096;
// Chunk sizes the blob is fed in, picked by flags >> 2.
inline constexpr std::size_t kChunkSizes[] = {1, 7, 16, 17, 64, 1000, 4096, 65536};

// 64 fixed bytes: AES-256 key || HMAC-SHA256 key.
inline crypto::SecretArray<64> key() {
  crypto::SecretArray<64> fixed;
  for (std::size_t i = 0; i < fixed.size(); ++i) fixed.data()[i] = static_cast<std::uint8_t>(0x5a ^ (i * 29));
  return fixed;
}

struct Input {
  std::uint8_t flags = 0;
  std::uint64_t plaintext_size = 0;
  ByteView body;
  std::size_t chunk_size() const { return kChunkSizes[(flags >> 2) % std::size(kChunkSizes)]; }
};

inline std::optional<Input> parse(ByteView data) {
  if (data.size() < 3) return std::nullopt;
  std::uint64_t plaintext_size = std::uint64_t{data[1]} | (std::uint64_t{data[2]} << 8);
  if ((data[0] & kSenderMade) != 0) plaintext_size %= kMaxSenderMadeSize + 1;
  return Input{data[0], plaintext_size, data.subspan(3)};
}

inline Bytes make_input(std::uint8_t flags, std::uint16_t plaintext_size, ByteView body) {
  Bytes out{flags, static_cast<std::uint8_t>(plaintext_size & 0xff), static_cast<std::uint8_t>(plaintext_size >> 8)};
  append(out, body);
  return out;
}

}  // namespace hush::fuzz::attachment
