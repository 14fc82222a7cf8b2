// A server's TLS identity as PEM text: a self-signed certificate for a server that has no
// certificate from a CA (clients pin its SHA-256 fingerprint), and that fingerprint. OpenSSL
// stays inside libs/crypto; the network code loads the PEM text into its TLS context.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/crypto/error.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::crypto {

struct TlsIdentity {
  std::string certificate_pem;  // X.509 certificate
  std::string private_key_pem;  // PKCS#8 private key: secret, write it readable by its owner only
};

// A fresh EC P-256 key and a self-signed certificate for it, valid from now for `valid_days`,
// with subject CN = `common_name` and subjectAltName entries for `dns_names` and `ip_addresses`
// (textual IPv4/IPv6). Errors: kBadLength for an IP address or name OpenSSL does not accept.
Result<TlsIdentity, CryptoError> generate_self_signed_tls_identity(std::string_view common_name,
                                                                   const std::vector<std::string>& dns_names,
                                                                   const std::vector<std::string>& ip_addresses,
                                                                   int valid_days);

// SHA-256 of the DER encoding of the first certificate in `certificate_pem` (what a client pins).
// Errors: kInvalidKey when the text holds no certificate.
Result<Sha256Digest, CryptoError> certificate_fingerprint(std::string_view certificate_pem);

}  // namespace hush::crypto
