// Wiping, constant-time comparison and SecretBytes growth, all through libsodium; also the
// component's one-time sodium_init().
#include "hush/crypto/secret.hpp"

#include <sodium.h>

#include <cstdlib>

#include "backend.hpp"

namespace hush::crypto {

namespace detail {

void ensure_sodium_initialized() {
  // 0: initialised now, 1: already initialised, -1: no usable entropy source (nothing works).
  static const int result = sodium_init();
  if (result < 0) std::abort();
}

}  // namespace detail

void secure_wipe(void* data, std::size_t size) {
  if (data == nullptr || size == 0) return;
  sodium_memzero(data, size);
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void SecretBytes::resize(std::size_t size) {
  const std::size_t old_size = bytes_.size();
  if (size <= old_size) {
    secure_wipe(bytes_.data() + size, old_size - size);
    bytes_.resize(size);
    return;
  }
  // Bytes between size() and capacity() were wiped when they were cut off, so growing in place
  // exposes nothing.
  if (size <= bytes_.capacity()) {
    bytes_.resize(size, 0);
    return;
  }
  // Reallocate by hand so that the old block is wiped before the allocator gets it back.
  std::vector<std::uint8_t> grown;
  grown.reserve(size);
  grown.assign(bytes_.begin(), bytes_.end());
  grown.resize(size, 0);
  wipe();
  bytes_.swap(grown);
}

}  // namespace hush::crypto
