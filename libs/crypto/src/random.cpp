// The two random sources: libsodium's CSPRNG for production and a seeded ChaCha20 stream for
// reproducible tests; plus unbiased integer sampling shared by both.
#include "hush/crypto/random.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include "backend.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::crypto {

std::uint32_t Rng::uniform(std::uint32_t upper_bound) {
  if (upper_bound == 0) throw std::invalid_argument("Rng::uniform: upper_bound must be > 0");
  if (upper_bound == 1) return 0;
  // Rejection sampling: draws below 2^32 mod upper_bound would make the low residues more likely.
  const std::uint32_t threshold = (0u - upper_bound) % upper_bound;
  for (;;) {
    std::array<std::uint8_t, 4> bytes{};
    fill(bytes);
    const std::uint32_t draw = static_cast<std::uint32_t>(bytes[0]) | (static_cast<std::uint32_t>(bytes[1]) << 8) |
                               (static_cast<std::uint32_t>(bytes[2]) << 16) |
                               (static_cast<std::uint32_t>(bytes[3]) << 24);
    if (draw >= threshold) return draw % upper_bound;
  }
}

void SystemRng::fill(MutableByteView out) {
  if (out.empty()) return;
  detail::ensure_sodium_initialized();
  randombytes_buf(out.data(), out.size());
}

// key = SHA-256(seed as 8 little-endian bytes); fill number n (from 0) is the ChaCha20 (IETF)
// keystream under that key with nonce = n as 8 little-endian bytes followed by 4 zero bytes.
SeededRng::SeededRng(std::uint64_t seed) {
  std::array<std::uint8_t, 8> seed_bytes{};
  for (std::size_t i = 0; i < seed_bytes.size(); ++i) {
    seed_bytes[i] = static_cast<std::uint8_t>(seed >> (8 * i));
  }
  Sha256Digest digest = sha256(seed_bytes);
  key_.assign(digest);
  secure_wipe(digest.data(), digest.size());
}

void SeededRng::fill(MutableByteView out) {
  if (out.empty()) return;
  detail::ensure_sodium_initialized();
  std::array<std::uint8_t, crypto_stream_chacha20_ietf_NONCEBYTES> nonce{};
  for (std::size_t i = 0; i < 8; ++i) nonce[i] = static_cast<std::uint8_t>(counter_ >> (8 * i));
  ++counter_;
  crypto_stream_chacha20_ietf(out.data(), out.size(), nonce.data(), key_.data());
}

}  // namespace hush::crypto
