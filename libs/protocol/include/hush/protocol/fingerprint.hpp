// Safety numbers: the 60-digit number two people compare, and the scannable form shown as a QR
// code, computed exactly as libsignal-protocol-c's fingerprint.c (version 0 hash input,
// scannable version 1, 5,200 iterations as Signal uses):
//   h = 0x00 0x00 ‖ identity(33) ‖ stable_id;  repeat n times: h = SHA-512(h ‖ identity(33))
//   30 digits from h[0..30] (six 5-byte big-endian chunks mod 100000); the two halves sorted.
#pragma once

#include <cstdint>
#include <string>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/protocol/error.hpp"
#include "hush/protocol/keys.hpp"

namespace hush::protocol {

// About 112 bits of second-preimage resistance per half (libsignal-protocol-c's header).
inline constexpr std::uint32_t kFingerprintIterations = 5200;
inline constexpr std::uint32_t kScannableFingerprintVersion = 1;
// A scannable payload is a few dozen bytes; anything bigger is not one.
inline constexpr std::size_t kMaxScannableFingerprintSize = 1024;

struct Fingerprint {
  std::string display;  // 60 digits
  Bytes scannable;      // serialized CombinedFingerprints, for a QR code
};

Fingerprint make_fingerprint(std::string_view local_stable_id, const IdentityKey& local_identity,
                             std::string_view remote_stable_id, const IdentityKey& remote_identity,
                             std::uint32_t iterations = kFingerprintIterations);

// Compares our scannable fingerprint with one scanned from the peer's screen: true when both
// sides see the same pair of keys. kFingerprintVersionMismatch when the scanned payload is of
// another version or malformed.
Result<bool, ProtocolError> compare_scannable(ByteView ours, ByteView scanned);

// The 60 digits in 12 groups of 5, separated by spaces, as apps show them.
std::string format_safety_number(const std::string& display);

}  // namespace hush::protocol
