// Shared set-up for the fuzz targets and the seed generator: deterministic devices (keys from a
// SeededRng), deep copies of a device's stores (to fuzz on a copy, or to roll a device back), the
// fixed keys the single-message targets verify against, and a check that traps on failure.
// Everything here is deterministic so that make_fuzz_seeds and the fuzzers build the same state:
// a seed message made by make_fuzz_seeds decrypts in fuzz_session_decrypt.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/random.hpp"
#include "hush/crypto/secret.hpp"
#include "hush/protocol/memory_stores.hpp"
#include "hush/protocol/sender_keys.hpp"
#include "hush/protocol/session_builder.hpp"
#include "hush/protocol/session_cipher.hpp"

// An invariant of the code under test: when it does not hold, print where and trap, so that
// libFuzzer records the input as a crash.
#define HUSH_FUZZ_CHECK(condition)                                                                \
  do {                                                                                            \
    if (!(condition)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      __builtin_trap();                                                                           \
    }                                                                                             \
  } while (0)

namespace hush::fuzz {

// The seed every fixture starts from; changing it invalidates fuzz/seeds (regenerate them).
inline constexpr std::uint64_t kFixtureSeed = 0x6875736866757A7AULL;  // "hushfuzz"
// One-time prekeys each device publishes (ids 1..kPrekeyCount). The fixtures use the first.
inline constexpr std::uint32_t kPrekeyCount = 4;
inline constexpr std::uint32_t kSignedPrekeyId = 7;

// Fixed keys for the single-message targets: the seed generator MACs and signs with them, so
// seeds verify and mutations of them reach the "verified" paths.
struct FixedKeys {
  crypto::PublicKey sender_identity;
  crypto::PublicKey receiver_identity;
  crypto::SecretArray<32> mac_key;
  crypto::PrivateKey signing_private;
  crypto::PublicKey signing_public;
};
const FixedKeys& fixed_keys();

// One device: address, deterministic randomness, its stores, and the keys it publishes.
// Copying a Device copies everything (stores included): a copy is an independent device state,
// which is what "a device restored from backup" is.
class Device {
 public:
  Device(std::string name, std::uint32_t device_id, std::uint64_t seed);
  Device(const Device& other);
  Device& operator=(const Device& other);
  Device(Device&&) noexcept = default;
  Device& operator=(Device&&) noexcept = default;
  ~Device() = default;

  // A bundle naming one-time prekey `prekey_id` (1..kPrekeyCount), or none.
  protocol::PreKeyBundle bundle(std::optional<std::uint32_t> prekey_id) const;

  // A device restored from `backup`, a copy of this device taken earlier: everything it stores
  // (or, with `sessions_only`, only the session records) goes back to the backup. Randomness is
  // not restored: a restored device draws fresh random numbers.
  void restore_from(const Device& backup, bool sessions_only);

  // A byte string that changes whenever anything a decryption may touch changes: the session
  // record with `peer`, the identity saved for it, and which one-time prekeys remain.
  Bytes state_digest(const protocol::ProtocolAddress& peer) const;

  const protocol::ProtocolAddress& address() const { return address_; }
  protocol::ProtocolStores stores() { return store_->stores(); }
  protocol::InMemoryProtocolStore& store() { return *store_; }
  const protocol::InMemoryProtocolStore& store() const { return *store_; }
  crypto::Rng& rng() { return rng_; }

 private:
  protocol::ProtocolAddress address_;
  crypto::SeededRng rng_;
  std::unique_ptr<protocol::InMemoryProtocolStore> store_;
  protocol::SignedPreKeyRecord signed_prekey_;
  std::vector<protocol::PreKeyRecord> prekeys_;
};

// Alice has processed Bob's bundle (one-time prekey 1); nothing has been sent.
struct Pair {
  Device alice;
  Device bob;
};
Pair make_fresh_pair();

// A session in both directions: Alice sent a PreKeySignalMessage, Bob decrypted it and replied,
// Alice decrypted the reply. Bob keeps one-time prekeys 2..kPrekeyCount.
Pair make_established_pair();

// Encrypts at `from` for `to`; traps if encryption fails (the fixtures always have a session).
protocol::CiphertextMessage send(Device& from, const Device& to, std::string_view plaintext);

// Decrypts at `to` a message from `from`.
Result<crypto::SecretBytes, protocol::ProtocolError> receive(Device& to, const Device& from,
                                                             const protocol::CiphertextMessage& message);

// A group sender's chain under the fixed signing key, seen from both ends: the owner's record
// (with the signing private key), a member's record made from the distribution message, and a
// group message at iteration kGroupMessageIteration that the member's record decrypts.
inline constexpr std::uint32_t kGroupKeyId = 0x1234;
inline constexpr std::uint32_t kGroupMessageIteration = 3;
struct GroupFixture {
  protocol::SenderKeyName name;
  protocol::SenderKeyRecord owner_record;
  protocol::SenderKeyRecord member_record;
  crypto::SecretBytes distribution;
  Bytes message;
  std::string plaintext;
};
const GroupFixture& group_fixture();

// The script language of fuzz_two_party: each operation is one byte (its value modulo
// kTwoPartyOpCount) followed by the argument bytes listed; missing bytes read as zero.
enum class TwoPartyOp : std::uint8_t {
  kAliceSends = 0,     // [filler length] Alice encrypts the next plaintext for Bob
  kBobSends = 1,       // [filler length] Bob does, once he has a session
  kDeliverOldest = 2,  // the oldest message in flight (either direction) is delivered
  kDeliverNewest = 3,
  kDeliverChosen = 4,    // [index] in-flight message index % in-flight count
  kDrop = 5,             // [index] an in-flight message is lost
  kDuplicate = 6,        // [index] an already delivered message is delivered again
  kDeliverTampered = 7,  // [index, position, xor] a corrupted copy; the original stays in flight
  kBackupAlice = 8,      // a copy of Alice's whole device is kept (at most 8 backups each)
  kBackupBob = 9,
  kRestoreAlice = 10,  // [backup index, mode] Alice restored from a backup; mode bit 0: sessions only
  kRestoreBob = 11,
  kAliceStartsSession = 12,  // [prekey] Alice processes a bundle of Bob's again (a reset or a reinstall):
                             // one-time prekey 1 + prekey % kPrekeyCount, or none when prekey is 0
  kBobStartsSession = 13,    // [prekey] Bob processes a bundle of Alice's (with Alice's start: a
                             // simultaneous initiation)
};
inline constexpr std::uint8_t kTwoPartyOpCount = 14;
inline constexpr std::size_t kTwoPartyMaxOps = 64;
inline constexpr std::size_t kTwoPartyMaxMessages = 32;
inline constexpr std::size_t kTwoPartyMaxBackups = 8;
// Far below kMaxArchivedStates, so that no session state is ever dropped from a record.
inline constexpr std::size_t kTwoPartyMaxSessionStarts = 8;

// The fixed pair of scannable fingerprints the fingerprint target compares against: ours and the
// peer's (which compares equal to ours). Computed once with the full iteration count.
const Bytes& our_scannable_fingerprint();
const Bytes& their_scannable_fingerprint();

}  // namespace hush::fuzz
