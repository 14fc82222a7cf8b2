// Argon2id: libsodium's own known answers (tests/vectors/argon2id_libsodium.json), and the bounds
// that give each bad input its own error.
#include "hush/crypto/password_hash.hpp"

#include <gtest/gtest.h>

#include "test_vectors.hpp"

namespace hush::crypto {
namespace {

using test::hex;
using test::load_vectors;

constexpr Argon2idParameters kCheap{1, kArgon2idMinMemory};

TEST(Argon2id, MatchesLibsodiumVectors) {
  const auto file = load_vectors("argon2id_libsodium.json");
  ASSERT_GE(file["vectors"].size(), 5u);
  for (const auto& v : file["vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const Bytes expected = hex(v["output"]);
    const Argon2idParameters parameters{v["operations"].get<std::uint64_t>(), v["memory_bytes"].get<std::size_t>()};
    auto derived = argon2id(hex(v["password"]), hex(v["salt"]), parameters, expected.size());
    ASSERT_TRUE(derived.ok()) << to_string(derived.error());
    EXPECT_EQ(to_hex(derived->view()), to_hex(expected));
  }
}

TEST(Argon2id, DependsOnEveryInput) {
  const Bytes salt(kArgon2idSaltSize, 0x5a);
  Bytes other_salt = salt;
  other_salt[0] ^= 1;
  auto derive = [](std::string_view password, ByteView salt_bytes, Argon2idParameters parameters) {
    auto derived = argon2id(as_bytes(password), salt_bytes, parameters, 32);
    EXPECT_TRUE(derived.ok());
    return derived.ok() ? to_hex(derived->view()) : std::string();
  };
  const std::string reference = derive("passphrase", salt, kCheap);
  EXPECT_EQ(derive("passphrase", salt, kCheap), reference);
  EXPECT_NE(derive("passphrasf", salt, kCheap), reference);
  EXPECT_NE(derive("passphrase", other_salt, kCheap), reference);
  EXPECT_NE(derive("passphrase", salt, {2, kArgon2idMinMemory}), reference);
  EXPECT_NE(derive("passphrase", salt, {1, 2 * kArgon2idMinMemory}), reference);
}

TEST(Argon2id, EmptyPasswordIsAccepted) {
  auto derived = argon2id({}, Bytes(kArgon2idSaltSize, 1), kCheap, 32);
  ASSERT_TRUE(derived.ok());
  EXPECT_EQ(derived->size(), 32u);
}

TEST(Argon2id, RejectsBadLengthsAndParameters) {
  const Bytes salt(kArgon2idSaltSize, 1);
  EXPECT_EQ(argon2id(to_bytes("p"), Bytes(15, 1), kCheap, 32).error(), CryptoError::kBadLength);
  EXPECT_EQ(argon2id(to_bytes("p"), Bytes(17, 1), kCheap, 32).error(), CryptoError::kBadLength);
  EXPECT_EQ(argon2id(to_bytes("p"), salt, kCheap, kArgon2idMinOutput - 1).error(), CryptoError::kBadLength);
  EXPECT_EQ(argon2id(to_bytes("p"), salt, {0, kArgon2idMinMemory}, 32).error(), CryptoError::kBadParameters);
  EXPECT_EQ(argon2id(to_bytes("p"), salt, {1, kArgon2idMinMemory - 1}, 32).error(), CryptoError::kBadParameters);
}

}  // namespace
}  // namespace hush::crypto
