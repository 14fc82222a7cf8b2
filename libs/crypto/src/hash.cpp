// SHA-256 / SHA-512 through OpenSSL's EVP (SHA-NI where the CPU has it), HMAC-SHA256 on
// OpenSSL's SHA-256 block API, and HKDF-SHA256 (RFC 5869) built on HmacSha256.
#include "hush/crypto/hash.hpp"

// The SHA256_* block API is deprecated in OpenSSL 3.0 in favour of EVP, but remains supported
// through 3.x; see the HMAC section below for why it is used. This file alone opts in.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <algorithm>
#include <new>
#include <stdexcept>

#include "backend.hpp"

namespace hush::crypto {
namespace {

struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdPtr = std::unique_ptr<EVP_MD, MdDeleter>;
using MdContextPtr = std::unique_ptr<EVP_MD_CTX, MdContextDeleter>;

// EVP functions must not see a null pointer even for empty input.
const unsigned char* non_null(ByteView data) {
  static const unsigned char kNothing = 0;
  return data.empty() ? &kNothing : data.data();
}

MdPtr fetch_digest(const char* name) {
  MdPtr md(EVP_MD_fetch(nullptr, name, nullptr));
  if (!md) detail::throw_backend_failure("EVP_MD_fetch");
  return md;
}

const EVP_MD* sha256_md() {
  static const MdPtr md = fetch_digest("SHA256");
  return md.get();
}

const EVP_MD* sha512_md() {
  static const MdPtr md = fetch_digest("SHA512");
  return md.get();
}

// An unkeyed HMAC context with the digest already set. Duplicating it is cheaper than creating a
// context and setting the digest by name (which looks the digest up again). Only read after
// construction, which OpenSSL allows from several threads at once.
}  // namespace

Sha256Digest sha256(ByteView data) {
  Sha256Digest out{};
  if (EVP_Digest(non_null(data), data.size(), out.data(), nullptr, sha256_md(), nullptr) != 1) {
    detail::throw_backend_failure("EVP_Digest(SHA256)");
  }
  return out;
}

Sha512Digest sha512(ByteView data) {
  Sha512Digest out{};
  if (EVP_Digest(non_null(data), data.size(), out.data(), nullptr, sha512_md(), nullptr) != 1) {
    detail::throw_backend_failure("EVP_Digest(SHA512)");
  }
  return out;
}

struct Sha256::State {
  MdContextPtr context;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->context.reset(EVP_MD_CTX_new());
  if (!state_->context || EVP_DigestInit_ex2(state_->context.get(), sha256_md(), nullptr) != 1) {
    detail::throw_backend_failure("EVP_DigestInit_ex2(SHA256)");
  }
}

Sha256::~Sha256() = default;

void Sha256::update(ByteView data) {
  if (data.empty()) return;
  if (EVP_DigestUpdate(state_->context.get(), data.data(), data.size()) != 1) {
    detail::throw_backend_failure("EVP_DigestUpdate(SHA256)");
  }
}

Sha256Digest Sha256::final() {
  Sha256Digest out{};
  if (EVP_DigestFinal_ex(state_->context.get(), out.data(), nullptr) != 1 ||
      EVP_DigestInit_ex2(state_->context.get(), sha256_md(), nullptr) != 1) {
    detail::throw_backend_failure("EVP_DigestFinal_ex(SHA256)");
  }
  return out;
}

struct Sha512::State {
  MdContextPtr context;
};

Sha512::Sha512() : state_(std::make_unique<State>()) {
  state_->context.reset(EVP_MD_CTX_new());
  if (!state_->context || EVP_DigestInit_ex2(state_->context.get(), sha512_md(), nullptr) != 1) {
    detail::throw_backend_failure("EVP_DigestInit_ex2(SHA512)");
  }
}

Sha512::~Sha512() = default;

void Sha512::update(ByteView data) {
  if (data.empty()) return;
  if (EVP_DigestUpdate(state_->context.get(), data.data(), data.size()) != 1) {
    detail::throw_backend_failure("EVP_DigestUpdate(SHA512)");
  }
}

Sha512Digest Sha512::final() {
  Sha512Digest out{};
  if (EVP_DigestFinal_ex(state_->context.get(), out.data(), nullptr) != 1 ||
      EVP_DigestInit_ex2(state_->context.get(), sha512_md(), nullptr) != 1) {
    detail::throw_backend_failure("EVP_DigestFinal_ex(SHA512)");
  }
  return out;
}

// `needs_restart`: the context holds a finished MAC or discarded input, so the next update() or
// final() first re-initialises it with the same key (EVP_MAC_init with a null key keeps the key
// schedule, which costs far less than keying again).
// HMAC is built here on OpenSSL's SHA-256 block function rather than on EVP_MAC: through EVP
// each MAC cost 0.7-1 us of context duplication, allocation and parameter handling, about five
// times the hashing itself, and the ratchet runs a dozen MACs per message. SHA-256 is still
// OpenSSL's (with SHA-NI where the CPU has it); the construction is RFC 2104's, checked against
// the RFC 4231 vectors and against EVP_MAC on random keys and messages (hash_test.cpp).
namespace {

constexpr std::size_t kBlockSize = 64;

struct HmacState {
  SHA256_CTX inner_keyed;  // after absorbing key ^ ipad
  SHA256_CTX outer_keyed;  // after absorbing key ^ opad
  SHA256_CTX running;      // inner_keyed plus the data so far
};
static_assert(sizeof(HmacState) <= HmacSha256::kStateBytes, "HmacSha256::kStateBytes too small");
static_assert(alignof(HmacState) <= 16, "HmacSha256 state alignment");

HmacState& hmac_state(std::array<std::uint8_t, HmacSha256::kStateBytes>& bytes) {
  return *std::launder(reinterpret_cast<HmacState*>(bytes.data()));
}

}  // namespace

HmacSha256::HmacSha256(ByteView key) {
  HmacState* state = new (state_.data()) HmacState;
  std::array<std::uint8_t, kBlockSize> block{};
  if (key.size() > kBlockSize) {
    SHA256(key.data(), key.size(), block.data());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::array<std::uint8_t, kBlockSize> pad{};
  for (std::size_t i = 0; i < kBlockSize; ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&state->inner_keyed);
  SHA256_Update(&state->inner_keyed, pad.data(), kBlockSize);
  for (std::size_t i = 0; i < kBlockSize; ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&state->outer_keyed);
  SHA256_Update(&state->outer_keyed, pad.data(), kBlockSize);
  state->running = state->inner_keyed;
  secure_wipe(block.data(), block.size());
  secure_wipe(pad.data(), pad.size());
}

HmacSha256::HmacSha256(const HmacSha256& other) : state_(other.state_) {}

HmacSha256::~HmacSha256() {
  secure_wipe(state_.data(), state_.size());
}

void HmacSha256::reset() {
  HmacState& state = hmac_state(state_);
  state.running = state.inner_keyed;
}

void HmacSha256::update(ByteView data) {
  if (data.empty()) return;
  SHA256_Update(&hmac_state(state_).running, data.data(), data.size());
}

SecretArray<32> HmacSha256::final() {
  HmacState& state = hmac_state(state_);
  SecretArray<32> inner;
  SHA256_Final(inner.data(), &state.running);
  SHA256_CTX outer = state.outer_keyed;
  SHA256_Update(&outer, inner.data(), inner.size());
  SecretArray<32> out;
  SHA256_Final(out.data(), &outer);
  secure_wipe(&outer, sizeof outer);
  state.running = state.inner_keyed;
  return out;
}

SecretArray<32> hmac_sha256(ByteView key, ByteView data) {
  HmacSha256 mac(key);
  mac.update(data);
  return mac.final();
}

void hkdf_sha256(ByteView input_key_material, ByteView salt, ByteView info, MutableByteView out) {
  constexpr std::size_t kHashSize = 32;
  if (out.size() > 255 * kHashSize) {
    throw std::invalid_argument("hkdf_sha256: output longer than 255 * 32 bytes");
  }
  // RFC 5869 section 2.2: PRK = HMAC-Hash(salt, IKM), salt defaulting to HashLen zeros.
  // The Signal Protocol extracts with an all-zero salt for every message key: that key schedule
  // is computed once. (The check is constant-time: the salt is a root key in ratchet steps.)
  static const std::array<std::uint8_t, kHashSize> kZeroSalt{};
  static const HmacSha256 kZeroSaltExtractor(kZeroSalt);
  const bool zero_salt = salt.empty() || (salt.size() == kHashSize && sodium_is_zero(salt.data(), kHashSize) == 1);
  HmacSha256 extractor = zero_salt ? HmacSha256(kZeroSaltExtractor) : HmacSha256(salt);
  extractor.update(input_key_material);
  const SecretArray<32> pseudo_random_key = extractor.final();

  // Section 2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = first L bytes of T(1) | T(2) | ...
  HmacSha256 mac(pseudo_random_key.view());
  SecretArray<32> block;
  std::size_t written = 0;
  for (std::uint8_t counter = 1; written < out.size(); ++counter) {
    if (counter > 1) mac.update(block.view());
    mac.update(info);
    mac.update(ByteView(&counter, 1));
    block = mac.final();
    const std::size_t take = std::min(kHashSize, out.size() - written);
    std::copy_n(block.data(), take, out.data() + written);
    written += take;
  }
}

}  // namespace hush::crypto
