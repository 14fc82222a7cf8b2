// Self-signed TLS certificates (EC P-256, SHA-256 signature) and certificate fingerprints, with
// OpenSSL 3. Every OpenSSL handle is owned by a unique_ptr with its deleter.
#include "hush/crypto/tls_identity.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <memory>

#include "backend.hpp"
#include "hush/crypto/random.hpp"

namespace hush::crypto {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

Result<TlsIdentity, CryptoError> generate_self_signed_tls_identity(std::string_view common_name,
                                                                   const std::vector<std::string>& dns_names,
                                                                   const std::vector<std::string>& ip_addresses,
                                                                   int valid_days) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) detail::throw_backend_failure("EVP_PKEY_Q_keygen");
  X509Ptr cert(X509_new());
  if (!cert) detail::throw_backend_failure("X509_new");
  X509_set_version(cert.get(), 2);
  // A random 64-bit serial (RFC 5280 asks for unique, positive serials).
  std::array<unsigned char, 8> serial{};
  SystemRng rng;
  rng.fill(serial);
  serial[0] &= 0x7f;
  BIGNUM* serial_bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  if (serial_bn == nullptr) detail::throw_backend_failure("BN_bin2bn");
  BN_to_ASN1_INTEGER(serial_bn, X509_get_serialNumber(cert.get()));
  BN_free(serial_bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(valid_days) * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn(common_name);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);

  std::string alt_names;
  for (const std::string& dns : dns_names) alt_names += (alt_names.empty() ? "DNS:" : ",DNS:") + dns;
  for (const std::string& ip : ip_addresses) alt_names += (alt_names.empty() ? "IP:" : ",IP:") + ip;
  // Like `openssl req -x509`: the certificate is its own trust anchor, which clients pin.
  if (!add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !add_extension(cert.get(), NID_subject_key_identifier, "hash")) {
    detail::throw_backend_failure("X509V3_EXT_conf_nid");
  }
  if (!alt_names.empty() && !add_extension(cert.get(), NID_subject_alt_name, alt_names)) {
    return fail(CryptoError::kBadLength);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) detail::throw_backend_failure("X509_sign");

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio) detail::throw_backend_failure("BIO_new");
  if (PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    detail::throw_backend_failure("PEM_write_bio");
  }
  TlsIdentity identity;
  identity.certificate_pem = bio_text(cert_bio.get());
  identity.private_key_pem = bio_text(key_bio.get());
  return identity;
}

Result<Sha256Digest, CryptoError> certificate_fingerprint(std::string_view certificate_pem) {
  BioPtr bio(BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
  if (!bio) detail::throw_backend_failure("BIO_new_mem_buf");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return fail(CryptoError::kInvalidKey);
  Sha256Digest digest{};
  unsigned int length = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest.data(), &length) != 1 || length != digest.size()) {
    detail::throw_backend_failure("X509_digest");
  }
  return digest;
}

}  // namespace hush::crypto
