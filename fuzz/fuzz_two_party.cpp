// A stateful fuzzer: the input is a script (fuzz_support.hpp, TwoPartyOp) run on a fresh
// deterministic Alice/Bob pair (Alice has processed Bob's bundle). Messages are sent, delivered in
// any order, lost, delivered twice, corrupted; either device restarts the session from a bundle
// (alone, or both at once: a simultaneous initiation) or is restored from a backup.
// Invariants, checked on every delivery:
//   - a message decrypts to exactly its own plaintext, or fails; never to another plaintext;
//   - a failed decryption leaves the receiver's stored state exactly as it was;
//   - a message the receiver's current state has already decrypted never decrypts again. After a
//     restore, the receiver's "already decrypted" set is the backup's: a restored device accepts
//     again what it decrypted after the backup was taken (inherent to restoring state; Signal
//     behaves the same), but never what the backup itself had decrypted;
//   - liveness, while no device has been restored: the first delivery of an intact message
//     succeeds, unless the receiver legitimately cannot decrypt it: its chain was dropped (the
//     session state that owns it already keeps kMaxReceiverChains other chains), or it starts a
//     session with a one-time prekey the receiver has already used up.
// Each run is bounded: at most kTwoPartyMaxOps operations, kTwoPartyMaxMessages messages and
// kTwoPartyMaxSessionStarts session starts (so no session state is dropped from a record).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "hush/protocol/limits.hpp"
#include "hush/protocol/messages.hpp"

namespace {

using namespace hush;
using namespace hush::protocol;
using fuzz::TwoPartyOp;

class Script {
 public:
  Script(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return position_ >= size_; }
  std::uint8_t next() { return position_ < size_ ? data_[position_++] : 0; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t position_ = 0;
};

struct Sent {
  bool from_alice = true;
  CiphertextMessage message;
  std::string plaintext;
  crypto::PublicKey ratchet_key;
  crypto::PublicKey session_base_key;      // which session (alice_base_key) it belongs to
  std::optional<std::uint32_t> prekey_id;  // the one-time prekey a PreKeySignalMessage names
  bool delivered = false;                  // delivered intact at least once
};

struct Backup {
  fuzz::Device device;
  std::set<std::size_t> decrypted;
};

struct Party {
  fuzz::Device device;
  std::set<std::size_t> decrypted;  // ids of messages the current state has decrypted
  std::vector<Backup> backups;
};

const fuzz::Pair& initial_pair() {
  static const fuzz::Pair pair = fuzz::make_fresh_pair();
  return pair;
}

// The session state of `record` built from `base_key`, current or archived.
const SessionState* owning_state(const SessionRecord& record, const crypto::PublicKey& base_key) {
  if (record.current() && record.current()->alice_base_key == base_key) return record.current();
  for (const auto& state : record.previous()) {
    if (state.alice_base_key == base_key) return &state;
  }
  return nullptr;
}

// True when the receiver cannot be expected to decrypt `message` (see the file comment).
bool may_fail_legitimately(const fuzz::Device& receiver, const ProtocolAddress& sender, const Sent& message) {
  auto record = receiver.store().sessions.load_session(sender);
  const SessionState* owner = record ? owning_state(*record, message.session_base_key) : nullptr;
  if (!owner) {
    return message.message.type == MessageType::kPreKey && message.prekey_id &&
           !receiver.store().prekeys.load_prekey(*message.prekey_id);
  }
  const auto& chains = owner->receiver_chains;
  const bool known = std::any_of(chains.begin(), chains.end(),
                                 [&](const ReceiverChain& chain) { return chain.ratchet_key == message.ratchet_key; });
  return !known && chains.size() >= kMaxReceiverChains;
}

class Run {
 public:
  Run() : alice_{initial_pair().alice, {}, {}}, bob_{initial_pair().bob, {}, {}} {}

  void execute(Script& script) {
    for (std::size_t ops = 0; ops < fuzz::kTwoPartyMaxOps && !script.done(); ++ops) {
      const auto op = static_cast<TwoPartyOp>(script.next() % fuzz::kTwoPartyOpCount);
      switch (op) {
        case TwoPartyOp::kAliceSends: send(alice_, bob_, true, script.next()); break;
        case TwoPartyOp::kBobSends: send(bob_, alice_, false, script.next()); break;
        case TwoPartyOp::kDeliverOldest:
          if (!in_flight_.empty()) deliver_and_remove(0);
          break;
        case TwoPartyOp::kDeliverNewest:
          if (!in_flight_.empty()) deliver_and_remove(in_flight_.size() - 1);
          break;
        case TwoPartyOp::kDeliverChosen: {
          const std::uint8_t index = script.next();
          if (!in_flight_.empty()) deliver_and_remove(index % in_flight_.size());
          break;
        }
        case TwoPartyOp::kDrop: {
          const std::uint8_t index = script.next();
          if (!in_flight_.empty()) {
            in_flight_.erase(in_flight_.begin() + static_cast<std::ptrdiff_t>(index % in_flight_.size()));
          }
          break;
        }
        case TwoPartyOp::kDuplicate: {
          const std::uint8_t index = script.next();
          if (!delivered_.empty()) deliver(delivered_[index % delivered_.size()], nullptr);
          break;
        }
        case TwoPartyOp::kDeliverTampered: {
          const std::uint8_t index = script.next();
          const std::uint8_t position = script.next();
          const std::uint8_t flip = script.next();
          if (in_flight_.empty()) break;
          const std::size_t id = in_flight_[index % in_flight_.size()];
          CiphertextMessage tampered = sent_[id].message;
          tampered.serialized[position % tampered.serialized.size()] ^= static_cast<std::uint8_t>(flip | 1);
          deliver(id, &tampered);
          break;
        }
        case TwoPartyOp::kBackupAlice: backup(alice_); break;
        case TwoPartyOp::kBackupBob: backup(bob_); break;
        case TwoPartyOp::kRestoreAlice: {
          const std::uint8_t index = script.next();
          const std::uint8_t mode = script.next();
          restore(alice_, index, mode);
          break;
        }
        case TwoPartyOp::kRestoreBob: {
          const std::uint8_t index = script.next();
          const std::uint8_t mode = script.next();
          restore(bob_, index, mode);
          break;
        }
        case TwoPartyOp::kAliceStartsSession: start_session(alice_, bob_, script.next()); break;
        case TwoPartyOp::kBobStartsSession: start_session(bob_, alice_, script.next()); break;
      }
    }
  }

 private:
  void send(Party& from, const Party& to, bool from_alice, std::uint8_t filler) {
    if (sent_.size() >= fuzz::kTwoPartyMaxMessages) return;
    const std::size_t id = sent_.size();
    std::string plaintext = (from_alice ? "alice#" : "bob#") + std::to_string(id) + ":";
    plaintext.append(filler % 48, static_cast<char>('a' + id % 26));
    auto stores = from.device.stores();
    auto message = encrypt(stores, to.device.address(), as_bytes(plaintext), from.device.rng());
    if (!message) {
      // Only Bob can lack a session (before Alice's first message arrives, or restored to a
      // backup from before it); Alice's backups all hold a session.
      HUSH_FUZZ_CHECK(message.error() == ProtocolError::kNoSession);
      HUSH_FUZZ_CHECK(!from_alice);
      return;
    }
    Sent record;
    record.from_alice = from_alice;
    if (message->type == MessageType::kPreKey) {
      auto parsed = PreKeySignalMessage::parse(message->serialized);
      HUSH_FUZZ_CHECK(parsed.ok());
      record.ratchet_key = parsed->message().ratchet_key();
      record.prekey_id = parsed->prekey_id();
    } else {
      auto parsed = SignalMessage::parse(message->serialized);
      HUSH_FUZZ_CHECK(parsed.ok());
      record.ratchet_key = parsed->ratchet_key();
    }
    auto session = from.device.store().sessions.load_session(to.device.address());
    HUSH_FUZZ_CHECK(session && session->current());
    record.session_base_key = session->current()->alice_base_key;
    record.message = std::move(*message);
    record.plaintext = std::move(plaintext);
    sent_.push_back(std::move(record));
    in_flight_.push_back(id);
  }

  void deliver_and_remove(std::size_t in_flight_index) {
    const std::size_t id = in_flight_[in_flight_index];
    in_flight_.erase(in_flight_.begin() + static_cast<std::ptrdiff_t>(in_flight_index));
    deliver(id, nullptr);
  }

  // Delivers message `id` (or a tampered copy of it) to its receiver and checks every invariant.
  void deliver(std::size_t id, const CiphertextMessage* tampered) {
    Sent& message = sent_[id];
    Party& receiver = message.from_alice ? bob_ : alice_;
    const Party& sender = message.from_alice ? alice_ : bob_;
    const ProtocolAddress& from = sender.device.address();
    const CiphertextMessage& wire = tampered ? *tampered : message.message;

    const Bytes before = receiver.device.state_digest(from);
    const bool already_decrypted = receiver.decrypted.count(id) > 0;
    const bool first_delivery = !message.delivered && !already_decrypted;
    auto stores = receiver.device.stores();
    auto plaintext = decrypt(stores, from, wire.type, wire.serialized);

    if (plaintext) {
      // Exactly its own plaintext, and only once per state.
      HUSH_FUZZ_CHECK(to_string(plaintext->view()) == message.plaintext);
      HUSH_FUZZ_CHECK(!already_decrypted);
      receiver.decrypted.insert(id);
    } else {
      HUSH_FUZZ_CHECK(receiver.device.state_digest(from) == before);
      if (!tampered && first_delivery && !restored_) {
        HUSH_FUZZ_CHECK(may_fail_legitimately(receiver.device, from, message));
      }
    }
    if (!tampered && !message.delivered) {
      message.delivered = true;
      delivered_.push_back(id);
    }
  }

  void start_session(Party& initiator, const Party& responder, std::uint8_t prekey) {
    if (session_starts_ >= fuzz::kTwoPartyMaxSessionStarts) return;
    ++session_starts_;
    std::optional<std::uint32_t> prekey_id;
    if (prekey != 0) prekey_id = 1 + prekey % fuzz::kPrekeyCount;
    auto stores = initiator.device.stores();
    auto started = process_prekey_bundle(stores, responder.device.address(), responder.device.bundle(prekey_id),
                                         initiator.device.rng());
    HUSH_FUZZ_CHECK(started.ok());
  }

  void backup(Party& party) {
    Backup copy{party.device, party.decrypted};
    if (party.backups.size() < fuzz::kTwoPartyMaxBackups) {
      party.backups.push_back(std::move(copy));
    } else {
      party.backups[backups_taken_ % fuzz::kTwoPartyMaxBackups] = std::move(copy);
    }
    ++backups_taken_;
  }

  void restore(Party& party, std::uint8_t index, std::uint8_t mode) {
    if (party.backups.empty()) return;
    const Backup& backup = party.backups[index % party.backups.size()];
    party.device.restore_from(backup.device, (mode & 1) != 0);
    party.decrypted = backup.decrypted;
    restored_ = true;
  }

  Party alice_;
  Party bob_;
  std::vector<Sent> sent_;
  std::deque<std::size_t> in_flight_;   // ids, oldest first
  std::vector<std::size_t> delivered_;  // ids delivered intact at least once
  std::size_t backups_taken_ = 0;
  std::size_t session_starts_ = 0;
  bool restored_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Script script(data, size);
  Run run;
  run.execute(script);
  return 0;
}
