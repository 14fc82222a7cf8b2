// Every limit the storage enforces, with its default and the trade-off it makes. The server may
// change each one through Options (options.hpp); these are the values it gets when it does not.
// A limit that is hit is reported by a named StorageError, never by truncation or a silent drop.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hush::storage {

// Longest username, in bytes (UTF-8 as the server normalised it). Long enough for any readable
// name plus a discriminator; short enough that the username index stays small.
inline constexpr std::size_t kMaxUsernameLength = 64;

// Longest device name, in bytes (UTF-8, as the client sent it: "laptop", "Alice's phone"). Shown
// in device lists only; 64 bytes fits any label a person types while keeping a device row small.
inline constexpr std::size_t kMaxDeviceNameLength = 64;

// Devices one account may have at once: a primary and five linked devices, as Signal allows.
// Every device multiplies the work of each send (one envelope per device).
inline constexpr std::size_t kMaxDevicesPerAccount = 6;

// One-time prekeys stored per device. Clients upload about 100 at a time and top up when told the
// stock is low; 1,000 (about 50 KiB) survives a burst of new contacts without letting one device
// fill the directory.
inline constexpr std::size_t kMaxOneTimePreKeysPerDevice = 1000;

// Largest envelope ciphertext. The protocol bounds a message at 260 KiB
// (protocol::kMaxSerializedMessageSize); sealed sender adds a certificate and a few headers.
inline constexpr std::size_t kMaxEnvelopeSize = 320 * 1024;

// Envelopes queued per device. A device offline for the whole expiry period in busy groups stays
// well below this; it bounds one device's queue at kMaxQueueDepth * kMaxEnvelopeSize on disk.
// A full queue rejects new envelopes with kQueueFull so the sender learns it, rather than
// dropping the oldest.
inline constexpr std::size_t kMaxQueueDepth = 10000;

// Most envelopes one fetch() returns; larger requests are served in pages of this size. Bounds
// the memory of a fetch while keeping a reconnecting device's catch-up to a few round trips.
inline constexpr std::size_t kMaxFetchCount = 256;

// Delivery failure notices kept per sender device until it logs in (message_queue.hpp). A device
// offline for the whole expiry period while its messages to offline contacts expire needs one per
// envelope; 1,000 (about 60 bytes each) covers that for any ordinary use. Beyond it the oldest are
// dropped (and counted): the newest failures are the ones a returning user can still act on.
inline constexpr std::size_t kMaxNoticesPerDevice = 1000;

// Largest media upload (declared size), as Signal's attachment limit: a few minutes of video.
inline constexpr std::uint64_t kMaxUploadSize = 100ull * 1024 * 1024;

// Media bytes one account may hold at once, counting each live upload at its declared size
// from the moment it is created (so a quota cannot be overrun by uploads in parallel).
inline constexpr std::uint64_t kMediaQuotaPerAccount = 1024ull * 1024 * 1024;

// Largest chunk one append() takes and largest range one read() returns. Clients send and fetch
// media in frames of the message traffic's fixed sizes (decision 6), far below this; it bounds
// the memory of one call.
inline constexpr std::size_t kMaxMediaChunkSize = 1024 * 1024;

// Largest sealed payload of a pending device link: what an existing device hands a new one (the
// identity key pair, the link token, account settings: a few hundred bytes). 16 KiB leaves room
// for what later versions add while one link stays well inside a 64 KiB frame, and an account's
// pending links hold at most kMaxPendingLinksPerAccount times this for minutes.
inline constexpr std::size_t kMaxLinkPayload = 16 * 1024;

// Unexpired pending links one account may hold. A user links one device at a time; 4 tolerates
// abandoned attempts within a link's lifetime while bounding what one account stores.
inline constexpr std::size_t kMaxPendingLinksPerAccount = 4;

}  // namespace hush::storage
