// Differential fuzzing of the crypto primitives the protocol targets lean on, against independent
// references linked here only: HmacSha256 (RFC 2104 on OpenSSL's SHA-256 block function, keyed
// once, used incrementally, reset, reused after final, copied) and hmac_sha256 against OpenSSL's
// HMAC(); hkdf_sha256 (including its cached all-zero-salt extractor) against EVP_KDF "HKDF";
// PrivateKey::public_key (Edwards fixed-base multiplication mapped to Montgomery u) against
// libsodium's crypto_scalarmult_base; agree() against crypto_scalarmult and for symmetry; and
// sign/verify round trips. Input: a FuzzedDataProvider stream (sizes, keys, data, split points).
#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_support.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/hash.hpp"

namespace {

using namespace hush;

Bytes reference_hmac(ByteView key, ByteView data) {
  Bytes out(32);
  unsigned int length = 0;
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* key_data = key.empty() ? &kEmpty : key.data();
  const std::uint8_t* message = data.empty() ? &kEmpty : data.data();
  HUSH_FUZZ_CHECK(HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()), message, data.size(), out.data(),
                       &length) != nullptr &&
                  length == 32);
  return out;
}

Bytes reference_hkdf(ByteView ikm, ByteView salt, ByteView info, std::size_t length) {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  HUSH_FUZZ_CHECK(kdf != nullptr);
  EVP_KDF_CTX* context = EVP_KDF_CTX_new(kdf);
  HUSH_FUZZ_CHECK(context != nullptr);
  static std::array<std::uint8_t, 32> zero_salt{};
  static std::uint8_t empty = 0;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                        ikm.empty() ? &empty : const_cast<std::uint8_t*>(ikm.data()), ikm.size()),
      salt.empty()
          ? OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, zero_salt.data(), zero_salt.size())
          : OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                        info.empty() ? &empty : const_cast<std::uint8_t*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  Bytes out(length);
  HUSH_FUZZ_CHECK(EVP_KDF_derive(context, out.data(), out.size(), params) == 1);
  EVP_KDF_CTX_free(context);
  return out;
}

Bytes as_vector(const crypto::SecretArray<32>& secret) {
  return Bytes(secret.data(), secret.data() + 32);
}

void check_hmac(FuzzedDataProvider& input) {
  const Bytes key = input.ConsumeBytes<std::uint8_t>(input.ConsumeIntegralInRange<std::size_t>(0, 160));
  const Bytes data = input.ConsumeBytes<std::uint8_t>(input.ConsumeIntegralInRange<std::size_t>(0, 600));
  const Bytes expected = reference_hmac(key, data);
  HUSH_FUZZ_CHECK(as_vector(crypto::hmac_sha256(key, data)) == expected);

  // Incrementally, in chunks the input chooses, after some discarded input and a reset.
  crypto::HmacSha256 mac(key);
  mac.update(ByteView(data).first(data.size() / 3));
  mac.reset();
  std::size_t position = 0;
  while (position < data.size()) {
    const std::size_t chunk = input.ConsumeIntegralInRange<std::size_t>(0, data.size() - position);
    mac.update(ByteView(data).subspan(position, chunk));
    position += chunk;
    if (input.remaining_bytes() == 0 && position < data.size()) {
      mac.update(ByteView(data).subspan(position));
      position = data.size();
    }
  }
  // A copy taken mid-stream finishes independently.
  crypto::HmacSha256 copy(mac);
  HUSH_FUZZ_CHECK(as_vector(mac.final()) == expected);
  HUSH_FUZZ_CHECK(as_vector(copy.final()) == expected);
  // final() leaves the object ready for a fresh MAC with the same key.
  HUSH_FUZZ_CHECK(as_vector(mac.final()) == reference_hmac(key, {}));
  mac.update(data);
  HUSH_FUZZ_CHECK(as_vector(mac.final()) == expected);
}

void check_hkdf(FuzzedDataProvider& input) {
  const Bytes ikm = input.ConsumeBytes<std::uint8_t>(input.ConsumeIntegralInRange<std::size_t>(0, 100));
  Bytes salt;
  switch (input.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: break;                      // empty: 32 zero bytes
    case 1: salt.assign(32, 0); break;  // explicit zeros (the cached extractor)
    case 2:
      salt.assign(32, 0);
      salt[input.ConsumeIntegralInRange<std::size_t>(0, 31)] = 1;
      break;
    default: salt = input.ConsumeBytes<std::uint8_t>(input.ConsumeIntegralInRange<std::size_t>(0, 100)); break;
  }
  const Bytes info = input.ConsumeBytes<std::uint8_t>(input.ConsumeIntegralInRange<std::size_t>(0, 100));
  const std::size_t length = input.ConsumeIntegralInRange<std::size_t>(1, 200);
  Bytes out(length);
  crypto::hkdf_sha256(ikm, salt, info, out);
  HUSH_FUZZ_CHECK(out == reference_hkdf(ikm, salt, info, length));
}

void check_keys(FuzzedDataProvider& input) {
  std::array<std::uint8_t, 32> a{};
  std::array<std::uint8_t, 32> b{};
  const Bytes a_bytes = input.ConsumeBytes<std::uint8_t>(32);
  const Bytes b_bytes = input.ConsumeBytes<std::uint8_t>(32);
  std::copy(a_bytes.begin(), a_bytes.end(), a.begin());
  std::copy(b_bytes.begin(), b_bytes.end(), b.begin());
  auto a_private = crypto::PrivateKey::from_bytes(a);
  auto b_private = crypto::PrivateKey::from_bytes(b);
  HUSH_FUZZ_CHECK(a_private.ok() && b_private.ok());

  // public_key() is X25519(a, 9), whatever route it takes.
  std::array<std::uint8_t, 32> reference{};
  HUSH_FUZZ_CHECK(crypto_scalarmult_base(reference.data(), a.data()) == 0);
  const crypto::PublicKey a_public = a_private->public_key();
  HUSH_FUZZ_CHECK(a_public.raw() == reference);
  const crypto::PublicKey b_public = b_private->public_key();

  auto ab = crypto::agree(*a_private, b_public);
  auto ba = crypto::agree(*b_private, a_public);
  HUSH_FUZZ_CHECK(ab.ok() && ba.ok());
  HUSH_FUZZ_CHECK(*ab == *ba);
  std::array<std::uint8_t, 32> shared{};
  HUSH_FUZZ_CHECK(crypto_scalarmult(shared.data(), a.data(), b_public.raw().data()) == 0);
  HUSH_FUZZ_CHECK(as_vector(*ab) == Bytes(shared.begin(), shared.end()));

  // Signatures: a fresh one verifies under its key only, and not for another message.
  Bytes message = input.ConsumeBytes<std::uint8_t>(input.ConsumeIntegralInRange<std::size_t>(0, 200));
  crypto::SeededRng rng(message.size());
  const crypto::Signature signature = crypto::sign(*a_private, message, rng);
  HUSH_FUZZ_CHECK(crypto::verify(a_public, message, signature));
  HUSH_FUZZ_CHECK(!crypto::verify(b_public, message, signature) || a_public == b_public);
  message.push_back(0);
  HUSH_FUZZ_CHECK(!crypto::verify(a_public, message, signature));
  // Arbitrary bytes as a signature must not crash (and essentially never verify).
  const Bytes garbage = input.ConsumeBytes<std::uint8_t>(64);
  (void)crypto::verify(a_public, message, garbage);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  switch (input.ConsumeIntegralInRange<int>(0, 2)) {
    case 0: check_hmac(input); break;
    case 1: check_hkdf(input); break;
    default: check_keys(input); break;
  }
  return 0;
}
