// Randomness is passed in, never reached for: every function that needs random bytes takes an
// Rng&. Production code uses SystemRng (libsodium's CSPRNG); tests use SeededRng to reproduce runs.
#pragma once

#include <cstdint>

#include "hush/base/bytes.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::crypto {

class Rng {
 public:
  virtual ~Rng() = default;
  // Fills `out` with random bytes. Never fails.
  virtual void fill(MutableByteView out) = 0;

  // A uniformly random integer in [0, upper_bound). upper_bound must be > 0.
  std::uint32_t uniform(std::uint32_t upper_bound);
};

// The operating system's CSPRNG through libsodium (randombytes_buf). Stateless and thread-safe.
class SystemRng final : public Rng {
 public:
  void fill(MutableByteView out) override;
};

// A deterministic stream (ChaCha20 keyed by the seed) for tests and fuzzers. Not for production.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(std::uint64_t seed);
  void fill(MutableByteView out) override;

 private:
  SecretArray<32> key_;
  std::uint64_t counter_ = 0;
};

}  // namespace hush::crypto
