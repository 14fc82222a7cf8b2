// A stateful fuzzer: the input is a script (fuzz_support.hpp, TwoPartyOp) run on a fresh
// deterministic Alice/Bob pair (Alice has processed Bob's bundle). Messages are sent, delivered in
// any order, lost, delivered twice, corrupted, and either device is restored from a backup.
// Invariants, checked on every delivery:
//   - a message decrypts to exactly its own plaintext, or fails; never to another plaintext;
//   - a failed decryption leaves the receiver's stored state exactly as it was;
//   - a message the receiver's current state has already decrypted never decrypts again. After a
//     restore, the receiver's "already decrypted" set is the backup's: a restored device accepts
//     again what it decrypted after the backup was taken (inherent to restoring state; Signal
//     behaves the same), but never what the backup itself had decrypted;
//   - liveness, while no device has been restored: the first delivery of an intact message
//     succeeds, unless its chain was dropped (the receiver already keeps kMaxReceiverChains
//     newer chains).
// Each run is bounded: at most kTwoPartyMaxOps operations and kTwoPartyMaxMessages messages.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
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
  bool delivered = false;   // delivered at least once (intact)
};

struct Backup {
  fuzz::Device device;
  std::set<std::size_t> decrypted;
};

struct Party {
  fuzz::Device device;
  std::set<std::size_t> decrypted;   // ids of messages the current state has decrypted
  std::vector<Backup> backups;
};

const fuzz::Pair& initial_pair() {
  static const fuzz::Pair pair = fuzz::make_fresh_pair();
  return pair;
}

crypto::PublicKey ratchet_key_of(const CiphertextMessage& message) {
  if (message.type == MessageType::kPreKey) {
    auto parsed = PreKeySignalMessage::parse(message.serialized);
    HUSH_FUZZ_CHECK(parsed.ok());
    return parsed->message().ratchet_key();
  }
  auto parsed = SignalMessage::parse(message.serialized);
  HUSH_FUZZ_CHECK(parsed.ok());
  return parsed->ratchet_key();
}

// True when the receiver may legitimately have forgotten the chain `ratchet_key` belongs to.
bool chain_may_be_dropped(const fuzz::Device& receiver, const ProtocolAddress& sender,
                          const crypto::PublicKey& ratchet_key) {
  auto record = receiver.store().sessions.load_session(sender);
  if (!record || !record->current()) return false;
  const auto& chains = record->current()->receiver_chains;
  const bool known = std::any_of(chains.begin(), chains.end(),
                                 [&](const ReceiverChain& chain) { return chain.ratchet_key == ratchet_key; });
  return !known && chains.size() >= kMaxReceiverChains;
}

class Run {
 public:
  Run()
      : alice_{initial_pair().alice, {}, {}},
        bob_{initial_pair().bob, {}, {}} {}

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
          if (!in_flight_.empty()) in_flight_.erase(in_flight_.begin() + index % in_flight_.size());
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
          if (tampered.serialized.empty()) break;
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
    auto message = encrypt(stores, to.device.address(), as_bytes(plaintext));
    if (!message) {
      // Only Bob can lack a session (before Alice's first message arrives, or restored to a
      // backup from before it); Alice's backups all hold her session.
      HUSH_FUZZ_CHECK(message.error() == ProtocolError::kNoSession);
      HUSH_FUZZ_CHECK(!from_alice);
      return;
    }
    // Alice's messages carry the X3DH prekey data until Bob has answered; Bob's never do.
    HUSH_FUZZ_CHECK(from_alice || message->type == MessageType::kSignal);
    Sent record;
    record.from_alice = from_alice;
    record.ratchet_key = ratchet_key_of(*message);
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
    auto plaintext = decrypt(stores, from, wire.type, wire.serialized, receiver.device.rng());

    if (plaintext) {
      // Exactly its own plaintext, and only once per state.
      HUSH_FUZZ_CHECK(to_string(plaintext->view()) == message.plaintext);
      HUSH_FUZZ_CHECK(!already_decrypted);
      receiver.decrypted.insert(id);
    } else {
      HUSH_FUZZ_CHECK(receiver.device.state_digest(from) == before);
      if (!tampered && first_delivery && !restored_) {
        HUSH_FUZZ_CHECK(chain_may_be_dropped(receiver.device, from, message.ratchet_key));
      }
    }
    if (!tampered && !message.delivered) {
      message.delivered = true;
      delivered_.push_back(id);
    }
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
  bool restored_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Script script(data, size);
  Run run;
  run.execute(script);
  return 0;
}
