// Private to libs/crypto: what every source file of the component shares about its two backends
// (libsodium, OpenSSL). Nothing here is visible outside src/.
#pragma once

namespace hush::crypto::detail {

// Runs sodium_init() once per process, thread-safely. Call before any libsodium function other
// than sodium_memzero / sodium_memcmp (sodium_init selects the fast implementations).
void ensure_sodium_initialized();

// Throws std::runtime_error naming `operation`. Only for backend failures that no input can cause
// (allocation failure, a missing OpenSSL algorithm): those are bugs or a broken installation.
[[noreturn]] void throw_backend_failure(const char* operation);

}  // namespace hush::crypto::detail
