// Every limit of the protocol component, with the trade-off it makes. Values follow
// libsignal-protocol-c 2.3.3 and libsignal (rust/protocol/src/consts.rs) unless said otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hush::protocol {

// Message keys kept per receiver chain for messages that have not arrived yet (out-of-order
// delivery). More tolerates longer reordering; each key costs ~100 bytes of stored state.
inline constexpr std::size_t kMaxMessageKeys = 2000;

// Largest counter jump accepted in one chain. Each skipped step costs two HMACs, so this bounds
// the work a forged counter can cause (25,000 steps, a few ms) while tolerating a sender that
// wrote many messages we never received. libsignal uses 25,000; libsignal-protocol-c 2,000.
inline constexpr std::uint32_t kMaxForwardJump = 25000;

// Receiver chains kept per session state: chains of older peer ratchet keys, so late messages
// from before the peer's last ratchet step still decrypt.
inline constexpr std::size_t kMaxReceiverChains = 5;

// Previous session states kept per record, so that a simultaneous session start from both sides,
// or a peer that reinstalled, still decrypts what the old session sent.
inline constexpr std::size_t kMaxArchivedStates = 40;

// Sender-key states kept per group sender (key rotations on member removal).
inline constexpr std::size_t kMaxSenderKeyStates = 5;

// Sender-key message keys kept for out-of-order group messages, and the largest jump.
inline constexpr std::size_t kMaxSenderMessageKeys = 2000;
inline constexpr std::uint32_t kMaxSenderKeyForwardJump = 25000;

// Largest serialized ciphertext message accepted for parsing (any of the four types). Content is
// bounded at 256 KiB (libs/wire kMaxContentSize); this leaves room for framing.
inline constexpr std::size_t kMaxSerializedMessageSize = 260 * 1024;

// Largest stored record accepted: 40 archived states with 5 chains of 2,000 keys each would be
// far larger, but records are trimmed long before that in practice; 8 MiB bounds a corrupt one.
inline constexpr std::size_t kMaxRecordSize = 8 * 1024 * 1024;

// A one-time prekey id of this value means "no one-time key to delete" (libsignal-protocol-c's
// PRE_KEY_MEDIUM_MAX_VALUE); generated ids stay below it.
inline constexpr std::uint32_t kMediumMaxValue = 0xFFFFFF;

}  // namespace hush::protocol
