// SHA-256 / SHA-512 and HMAC-SHA256 through OpenSSL's EVP (SHA-NI where the CPU has it), and
// HKDF-SHA256 (RFC 5869) built on HmacSha256. Algorithms are fetched once per process.
#include "hush/crypto/hash.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
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
struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacContextDeleter {
  void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};
using MdPtr = std::unique_ptr<EVP_MD, MdDeleter>;
using MdContextPtr = std::unique_ptr<EVP_MD_CTX, MdContextDeleter>;
using MacPtr = std::unique_ptr<EVP_MAC, MacDeleter>;
using MacContextPtr = std::unique_ptr<EVP_MAC_CTX, MacContextDeleter>;

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
MacContextPtr make_hmac_template() {
  MacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) detail::throw_backend_failure("EVP_MAC_fetch(HMAC)");
  MacContextPtr context(EVP_MAC_CTX_new(mac.get()));
  if (!context) detail::throw_backend_failure("EVP_MAC_CTX_new");
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(context.get(), params) != 1) {
    detail::throw_backend_failure("EVP_MAC_CTX_set_params");
  }
  return context;
}

const EVP_MAC_CTX* hmac_template() {
  static const MacContextPtr context = make_hmac_template();
  return context.get();
}

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
struct HmacSha256::State {
  MacContextPtr context;
  bool needs_restart = false;

  void restart_if_needed() {
    if (!needs_restart) return;
    if (EVP_MAC_init(context.get(), nullptr, 0, nullptr) != 1) {
      detail::throw_backend_failure("EVP_MAC_init(HMAC reset)");
    }
    needs_restart = false;
  }
};

HmacSha256::HmacSha256(ByteView key) : state_(std::make_unique<State>()) {
  state_->context.reset(EVP_MAC_CTX_dup(hmac_template()));
  // A null key would mean "keep the previous key", so an empty key is passed as a non-null pointer.
  if (!state_->context || EVP_MAC_init(state_->context.get(), non_null(key), key.size(), nullptr) != 1) {
    detail::throw_backend_failure("EVP_MAC_init(HMAC-SHA256)");
  }
}

HmacSha256::~HmacSha256() = default;

void HmacSha256::reset() {
  state_->needs_restart = true;
}

void HmacSha256::update(ByteView data) {
  state_->restart_if_needed();
  if (data.empty()) return;
  if (EVP_MAC_update(state_->context.get(), data.data(), data.size()) != 1) {
    detail::throw_backend_failure("EVP_MAC_update(HMAC-SHA256)");
  }
}

SecretArray<32> HmacSha256::final() {
  state_->restart_if_needed();
  SecretArray<32> out;
  std::size_t length = 0;
  if (EVP_MAC_final(state_->context.get(), out.data(), &length, out.size()) != 1 || length != out.size()) {
    detail::throw_backend_failure("EVP_MAC_final(HMAC-SHA256)");
  }
  state_->needs_restart = true;
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
  static const std::array<std::uint8_t, kHashSize> kZeroSalt{};
  const SecretArray<32> pseudo_random_key = hmac_sha256(salt.empty() ? ByteView(kZeroSalt) : salt, input_key_material);

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
