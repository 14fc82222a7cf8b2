// Names of the crypto errors, and the one place that turns an impossible backend failure into an
// exception.
#include "hush/crypto/error.hpp"

#include <stdexcept>
#include <string>

#include "backend.hpp"

namespace hush::crypto {

const char* to_string(CryptoError error) {
  switch (error) {
    case CryptoError::kInvalidKey: return "invalid_key";
    case CryptoError::kLowOrderPoint: return "low_order_point";
    case CryptoError::kBadPadding: return "bad_padding";
    case CryptoError::kBadLength: return "bad_length";
    case CryptoError::kAuthenticationFailed: return "authentication_failed";
    case CryptoError::kBadParameters: return "bad_parameters";
    case CryptoError::kOutOfMemory: return "out_of_memory";
  }
  return "unknown_crypto_error";
}

namespace detail {

void throw_backend_failure(const char* operation) {
  throw std::runtime_error(std::string("hush::crypto: backend operation failed: ") + operation);
}

}  // namespace detail
}  // namespace hush::crypto
