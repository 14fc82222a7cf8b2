// SHA-256/512, HMAC-SHA256 and HKDF-SHA256: FIPS 180-2, RFC 4231 and RFC 5869 known answers,
// reuse of the incremental objects, and HKDF cross-checked against OpenSSL's own EVP_KDF "HKDF".
#include "hush/crypto/hash.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

#include "hush/crypto/random.hpp"
#include "test_vectors.hpp"

namespace hush::crypto {
namespace {

using test::hex;
using test::load_vectors;

TEST(Sha2, MatchesFips180Vectors) {
  const auto file = load_vectors("sha2_fips180.json");
  ASSERT_FALSE(file["vectors"].empty());
  for (const auto& v : file["vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const Bytes message = hex(v["message"]);
    if (v.contains("sha256")) {
      EXPECT_EQ(to_hex(sha256(message)), v["sha256"].get<std::string>());
      Sha256 incremental;
      for (std::uint8_t byte : message) incremental.update(ByteView(&byte, 1));
      EXPECT_EQ(to_hex(incremental.final()), v["sha256"].get<std::string>());
    }
    if (v.contains("sha512")) {
      EXPECT_EQ(to_hex(sha512(message)), v["sha512"].get<std::string>());
      Sha512 incremental;
      for (std::uint8_t byte : message) incremental.update(ByteView(&byte, 1));
      EXPECT_EQ(to_hex(incremental.final()), v["sha512"].get<std::string>());
    }
  }
}

TEST(Sha256, FinalResetsForReuse) {
  Sha256 hasher;
  hasher.update(as_bytes("ab"));
  hasher.update(as_bytes("c"));
  EXPECT_EQ(hasher.final(), sha256(as_bytes("abc")));
  hasher.update(as_bytes("abc"));
  EXPECT_EQ(hasher.final(), sha256(as_bytes("abc")));
  EXPECT_EQ(hasher.final(), sha256(ByteView()));
}

TEST(Sha512, FinalResetsForReuse) {
  Sha512 hasher;
  hasher.update(as_bytes("ab"));
  hasher.update(as_bytes("c"));
  EXPECT_EQ(hasher.final(), sha512(as_bytes("abc")));
  hasher.update(as_bytes("abc"));
  EXPECT_EQ(hasher.final(), sha512(as_bytes("abc")));
  EXPECT_EQ(hasher.final(), sha512(ByteView()));
}

TEST(HmacSha256, MatchesRfc4231Vectors) {
  const auto file = load_vectors("hmac_sha256_rfc4231.json");
  ASSERT_EQ(file["vectors"].size(), 7u);
  for (const auto& v : file["vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const Bytes expected = hex(v["mac"]);  // test case 5 is truncated: compare the prefix
    ASSERT_LE(expected.size(), 32u);
    const SecretArray<32> mac = hmac_sha256(hex(v["key"]), hex(v["data"]));
    EXPECT_EQ(to_hex(mac.view().first(expected.size())), to_hex(expected));
  }
}

TEST(HmacSha256, ResetAndFinalStartFreshMacsWithTheSameKey) {
  const Bytes key = to_bytes("chain key chain key chain key 32");
  HmacSha256 mac(key);
  mac.update(Bytes{0x01});
  const SecretArray<32> first = mac.final();
  EXPECT_TRUE(first == hmac_sha256(key, Bytes{0x01}));

  // After final() the same object computes an independent MAC.
  mac.update(Bytes{0x02});
  EXPECT_TRUE(mac.final() == hmac_sha256(key, Bytes{0x02}));

  // reset() discards partial input.
  mac.update(as_bytes("discarded"));
  mac.reset();
  mac.update(Bytes{0x01});
  EXPECT_TRUE(mac.final() == first);

  // Repeated resets and a MAC over nothing.
  mac.reset();
  mac.reset();
  EXPECT_TRUE(mac.final() == hmac_sha256(key, ByteView()));

  // Split updates equal one update.
  mac.update(as_bytes("hello "));
  mac.update(ByteView());
  mac.update(as_bytes("world"));
  EXPECT_TRUE(mac.final() == hmac_sha256(key, as_bytes("hello world")));
}

TEST(HmacSha256, EmptyKeyIsAllowedAndEqualsAZeroBlockKey) {
  // RFC 2104 pads keys with zeros to the block size, so "" and 64 zero bytes are the same key.
  const Bytes zeros(64, 0);
  EXPECT_TRUE(hmac_sha256(ByteView(), as_bytes("x")) == hmac_sha256(zeros, as_bytes("x")));
  EXPECT_FALSE(hmac_sha256(Bytes{1}, as_bytes("x")) == hmac_sha256(zeros, as_bytes("x")));
}

// OpenSSL's EVP_MAC HMAC, an implementation independent of ours (built on the SHA-256 block API).
SecretArray<32> evp_hmac_sha256(ByteView key, ByteView data) {
  SecretArray<32> out;
  std::size_t length = 0;
  static const unsigned char kNothing = 0;
  unsigned char* result =
      EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.empty() ? &kNothing : key.data(), key.size(),
                data.empty() ? &kNothing : data.data(), data.size(), out.data(), out.size(), &length);
  EXPECT_NE(result, nullptr);
  EXPECT_EQ(length, 32u);
  return out;
}

TEST(HmacSha256, AgreesWithOpenSslEvpMacOnRandomInputs) {
  SeededRng rng(4231);
  for (std::size_t key_size : {0, 1, 31, 32, 33, 63, 64, 65, 100, 131, 200}) {
    for (std::size_t data_size : {0, 1, 55, 56, 63, 64, 65, 119, 120, 300, 1000}) {
      Bytes key(key_size), data(data_size);
      rng.fill(key);
      rng.fill(data);
      EXPECT_TRUE(hmac_sha256(key, data) == evp_hmac_sha256(key, data)) << key_size << "/" << data_size;
      // Incremental, in two pieces, after a discarded partial MAC and a copy.
      HmacSha256 mac(key);
      mac.update(data);
      mac.reset();
      HmacSha256 copy(mac);
      copy.update(ByteView(data).first(data_size / 2));
      copy.update(ByteView(data).subspan(data_size / 2));
      EXPECT_TRUE(copy.final() == evp_hmac_sha256(key, data)) << key_size << "/" << data_size;
    }
  }
}

TEST(Hkdf, MatchesRfc5869Vectors) {
  const auto file = load_vectors("hkdf_sha256_rfc5869.json");
  ASSERT_EQ(file["vectors"].size(), 3u);
  for (const auto& v : file["vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const Bytes salt = hex(v["salt"]);
    // The extract step alone is HMAC(salt or 32 zero bytes, IKM).
    const Bytes extract_key = salt.empty() ? Bytes(32, 0) : salt;
    EXPECT_EQ(to_hex(hmac_sha256(extract_key, hex(v["ikm"])).view()), v["prk"].get<std::string>());
    Bytes okm(v["length"].get<std::size_t>());
    hkdf_sha256(hex(v["ikm"]), salt, hex(v["info"]), okm);
    EXPECT_EQ(to_hex(okm), v["okm"].get<std::string>());
  }
}

// OpenSSL's HKDF, an implementation independent of ours (which is built on HmacSha256).
Bytes openssl_hkdf(ByteView ikm, ByteView salt, ByteView info, std::size_t length) {
  struct KdfDeleter {
    void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
  };
  struct KdfContextDeleter {
    void operator()(EVP_KDF_CTX* context) const { EVP_KDF_CTX_free(context); }
  };
  std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) throw std::runtime_error("EVP_KDF_fetch");
  std::unique_ptr<EVP_KDF_CTX, KdfContextDeleter> context(EVP_KDF_CTX_new(kdf.get()));
  if (!context) throw std::runtime_error("EVP_KDF_CTX_new");
  char digest[] = "SHA256";
  // OpenSSL wants non-null buffers; copies make the const-casts below harmless.
  Bytes ikm_copy(ikm.begin(), ikm.end());
  Bytes salt_copy(salt.begin(), salt.end());
  Bytes info_copy(info.begin(), info.end());
  ikm_copy.reserve(1);
  salt_copy.reserve(1);
  info_copy.reserve(1);
  OSSL_PARAM params[5];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm_copy.data(), ikm_copy.size());
  if (!salt_copy.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_copy.data(), salt_copy.size());
  }
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info_copy.data(), info_copy.size());
  params[n] = OSSL_PARAM_construct_end();
  Bytes out(length);
  if (EVP_KDF_derive(context.get(), out.data(), out.size(), params) != 1) {
    throw std::runtime_error("EVP_KDF_derive");
  }
  return out;
}

TEST(Hkdf, AgreesWithOpenSslHkdf) {
  SeededRng rng(5869);
  for (std::size_t length : {1u, 31u, 32u, 33u, 64u, 80u, 255u, 1000u, 255u * 32u}) {
    for (int round = 0; round < 4; ++round) {
      Bytes ikm(rng.uniform(100) + 1);
      Bytes salt(round == 0 ? 0 : rng.uniform(100));
      Bytes info(round == 1 ? 0 : rng.uniform(100));
      rng.fill(ikm);
      rng.fill(salt);
      rng.fill(info);
      Bytes ours(length);
      hkdf_sha256(ikm, salt, info, ours);
      ASSERT_EQ(to_hex(ours), to_hex(openssl_hkdf(ikm, salt, info, length)))
          << "length " << length << " round " << round;
    }
  }
}

TEST(Hkdf, PrefixPropertyAndLengthLimit) {
  const Bytes ikm = to_bytes("input key material");
  Bytes long_out(100);
  Bytes short_out(40);
  hkdf_sha256(ikm, ByteView(), as_bytes("WhisperText"), long_out);
  hkdf_sha256(ikm, ByteView(), as_bytes("WhisperText"), short_out);
  EXPECT_EQ(to_hex(ByteView(long_out).first(40)), to_hex(short_out));
  hkdf_sha256(ikm, ByteView(), ByteView(), MutableByteView());  // zero-length output is fine
  Bytes too_long(255 * 32 + 1);
  EXPECT_THROW(hkdf_sha256(ikm, ByteView(), ByteView(), too_long), std::invalid_argument);
}

}  // namespace
}  // namespace hush::crypto
