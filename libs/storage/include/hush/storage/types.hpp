// The vocabulary every storage interface shares: account and device ids, the (account, device)
// address (ARCHITECTURE.md decision 3), time, and the fixed-size byte strings the server stores.
// Storage never reads a clock and never draws randomness: callers pass `now` and random ids in.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>

namespace hush::storage {

// Assigned by storage when an account is created: 1, 2, 3, ... never 0, never reused.
using AccountId = std::uint64_t;

// Assigned by storage when a device is added to an account: 1 for the first device, then the next
// number never used by that account (a removed device's id is not handed out again, so a peer's
// stale session can never address a different device).
using DeviceId = std::uint32_t;

// Where envelopes are queued and sessions live: one device of one account.
struct DeviceAddress {
  AccountId account = 0;
  DeviceId device = 0;

  friend auto operator<=>(const DeviceAddress&, const DeviceAddress&) = default;
  friend bool operator==(const DeviceAddress&, const DeviceAddress&) = default;
};

// Wall-clock time in milliseconds since the Unix epoch, as the caller's clock reported it.
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// A public key as libsignal serializes it: type byte 0x05 then 32 bytes of Curve25519.
// Storage keeps the bytes as given; the server checks the type byte and signatures.
using SerializedPublicKey = std::array<std::uint8_t, 33>;

// A Curve25519 (XEdDSA) signature, as over a signed prekey.
using Signature = std::array<std::uint8_t, 64>;

// The public key a device authenticates connections with (Ed25519 or Curve25519). The server
// verifies a signature over its challenge, so nothing stored here lets anyone log in.
using DeviceAuthKey = std::array<std::uint8_t, 32>;

// SHA-256 output: invite token hashes and media digests.
using Sha256Digest = std::array<std::uint8_t, 32>;

// A sender-chosen message id (random), unique per (sender, recipient device).
using MessageId = std::array<std::uint8_t, 16>;

// A media upload id, drawn by the server from a CSPRNG: 128 bits, so it cannot be guessed, and
// the id is the only way to name a blob (there is no listing API).
using MediaId = std::array<std::uint8_t, 16>;

// A device link's id, drawn by the new device from its CSPRNG (docs/protocol.md, linking a device).
using LinkId = std::array<std::uint8_t, 16>;

}  // namespace hush::storage
