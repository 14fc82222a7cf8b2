// Secret material: fixed-size and variable-size byte containers that wipe themselves
// (sodium_memzero) when destroyed or overwritten, compare in constant time, and cannot be printed.
// Also the constant-time comparison used for MACs and tags everywhere in hush.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "hush/base/bytes.hpp"

namespace hush::crypto {

// Overwrites `size` bytes at `data` with zeros in a way the compiler cannot elide.
void secure_wipe(void* data, std::size_t size);

// True when `a` and `b` have the same length and contents. Time depends only on the lengths.
bool constant_time_equal(ByteView a, ByteView b);

// N secret bytes. Zero-initialised; wiped on destruction and before being overwritten.
// Deliberately has no stream operator and no implicit conversion to Bytes.
template <std::size_t N>
class SecretArray {
 public:
  static constexpr std::size_t kSize = N;

  SecretArray() { bytes_.fill(0); }
  explicit SecretArray(ByteView source) {
    bytes_.fill(0);
    assign(source);
  }
  SecretArray(const SecretArray& other) : bytes_(other.bytes_) {}
  SecretArray& operator=(const SecretArray& other) {
    if (this != &other) bytes_ = other.bytes_;
    return *this;
  }
  ~SecretArray() { secure_wipe(bytes_.data(), N); }

  // Copies exactly N bytes from `source`; returns false (leaving *this unchanged) on a size mismatch.
  bool assign(ByteView source) {
    if (source.size() != N) return false;
    std::copy(source.begin(), source.end(), bytes_.begin());
    return true;
  }

  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  static constexpr std::size_t size() { return N; }
  ByteView view() const { return {bytes_.data(), N}; }
  MutableByteView mutable_view() { return {bytes_.data(), N}; }

  friend bool operator==(const SecretArray& a, const SecretArray& b) { return constant_time_equal(a.view(), b.view()); }

 private:
  std::array<std::uint8_t, N> bytes_;
};

// A variable-length secret buffer (plaintexts, derived key material of dynamic length).
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : bytes_(size, 0) {}
  explicit SecretBytes(ByteView source) : bytes_(source.begin(), source.end()) {}
  SecretBytes(const SecretBytes& other) = default;
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {}
  SecretBytes& operator=(const SecretBytes& other) {
    if (this != &other) {
      wipe();
      bytes_ = other.bytes_;
    }
    return *this;
  }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      wipe();
      bytes_ = std::move(other.bytes_);
    }
    return *this;
  }
  ~SecretBytes() { wipe(); }

  // Grows or shrinks; bytes cut off are wiped first. Growing may reallocate, so the old storage
  // is wiped before it is released.
  void resize(std::size_t size);

  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  ByteView view() const { return bytes_; }
  MutableByteView mutable_view() { return bytes_; }

  friend bool operator==(const SecretBytes& a, const SecretBytes& b) { return constant_time_equal(a.view(), b.view()); }

 private:
  void wipe() { secure_wipe(bytes_.data(), bytes_.size()); }
  std::vector<std::uint8_t> bytes_;
};

}  // namespace hush::crypto
