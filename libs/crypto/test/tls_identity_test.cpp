// Self-signed TLS identities: PEM shape, fingerprints stable per certificate and distinct
// between certificates, and malformed PEM rejected.
#include "hush/crypto/tls_identity.hpp"

#include <gtest/gtest.h>

namespace hush::crypto {
namespace {

TEST(TlsIdentity, GeneratesPemCertificateAndKey) {
  auto identity = generate_self_signed_tls_identity("hushd", {"localhost"}, {"127.0.0.1"}, 30);
  ASSERT_TRUE(identity.ok());
  EXPECT_NE(identity->certificate_pem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_NE(identity->private_key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
}

TEST(TlsIdentity, FingerprintIsStablePerCertificateAndDistinctBetweenThem) {
  auto first = generate_self_signed_tls_identity("hushd", {}, {}, 1);
  auto second = generate_self_signed_tls_identity("hushd", {}, {}, 1);
  ASSERT_TRUE(first.ok() && second.ok());
  auto a1 = certificate_fingerprint(first->certificate_pem);
  auto a2 = certificate_fingerprint(first->certificate_pem);
  auto b = certificate_fingerprint(second->certificate_pem);
  ASSERT_TRUE(a1.ok() && a2.ok() && b.ok());
  EXPECT_EQ(*a1, *a2);
  EXPECT_NE(*a1, *b);
}

TEST(TlsIdentity, RejectsTextWithoutCertificateAndBadIp) {
  EXPECT_FALSE(certificate_fingerprint("not a certificate").ok());
  EXPECT_FALSE(certificate_fingerprint("").ok());
  EXPECT_FALSE(generate_self_signed_tls_identity("hushd", {}, {"not-an-ip"}, 1).ok());
}

}  // namespace
}  // namespace hush::crypto
