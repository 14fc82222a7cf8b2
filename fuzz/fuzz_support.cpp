// Deterministic devices and fixtures for the fuzz targets (see fuzz_support.hpp).
#include "fuzz_support.hpp"

#include <array>

#include "hush/protocol/fingerprint.hpp"
#include "hush/protocol/messages.hpp"

namespace hush::fuzz {

using protocol::InMemoryProtocolStore;
using protocol::PreKeyBundle;
using protocol::ProtocolAddress;

namespace {

crypto::PrivateKey private_key_from_byte(std::uint8_t fill) {
  std::array<std::uint8_t, 32> raw{};
  raw.fill(fill);
  return *crypto::PrivateKey::from_bytes(raw);
}

std::unique_ptr<InMemoryProtocolStore> copy_store(const InMemoryProtocolStore& source) {
  auto copy = std::make_unique<InMemoryProtocolStore>(source.identities.identity_key_pair(),
                                                      source.identities.local_registration_id());
  copy->identities = source.identities;
  copy->prekeys = source.prekeys;
  copy->signed_prekeys = source.signed_prekeys;
  copy->sessions = source.sessions;
  copy->sender_keys = source.sender_keys;
  return copy;
}

}  // namespace

const FixedKeys& fixed_keys() {
  static const FixedKeys keys = [] {
    FixedKeys out;
    out.sender_identity = private_key_from_byte(0x11).public_key();
    out.receiver_identity = private_key_from_byte(0x22).public_key();
    std::array<std::uint8_t, 32> mac{};
    mac.fill(0x33);
    out.mac_key.assign(mac);
    out.signing_private = private_key_from_byte(0x44);
    out.signing_public = out.signing_private.public_key();
    return out;
  }();
  return keys;
}

Device::Device(std::string name, std::uint32_t device_id, std::uint64_t seed)
    : address_{std::move(name), device_id}, rng_(seed) {
  protocol::IdentityKeyPair identity = protocol::IdentityKeyPair::generate(rng_);
  store_ = std::make_unique<InMemoryProtocolStore>(identity, protocol::generate_registration_id(rng_));
  signed_prekey_ = protocol::generate_signed_prekey(identity, kSignedPrekeyId, 1700000000000, rng_);
  store_->signed_prekeys.store_signed_prekey(signed_prekey_);
  prekeys_ = protocol::generate_prekeys(1, kPrekeyCount, rng_);
  for (const auto& prekey : prekeys_) store_->prekeys.store_prekey(prekey);
}

Device::Device(const Device& other)
    : address_(other.address_),
      rng_(other.rng_),
      store_(copy_store(*other.store_)),
      signed_prekey_(other.signed_prekey_),
      prekeys_(other.prekeys_) {}

Device& Device::operator=(const Device& other) {
  if (this != &other) {
    address_ = other.address_;
    rng_ = other.rng_;
    store_ = copy_store(*other.store_);
    signed_prekey_ = other.signed_prekey_;
    prekeys_ = other.prekeys_;
  }
  return *this;
}

PreKeyBundle Device::bundle(std::optional<std::uint32_t> prekey_id) const {
  PreKeyBundle bundle;
  bundle.registration_id = store_->identities.local_registration_id();
  bundle.device_id = address_.device_id;
  if (prekey_id) {
    const auto& prekey = prekeys_.at(*prekey_id - 1);
    bundle.one_time_prekey_id = prekey.id;
    bundle.one_time_prekey = prekey.key_pair.public_key;
  }
  bundle.signed_prekey_id = signed_prekey_.id;
  bundle.signed_prekey = signed_prekey_.key_pair.public_key;
  bundle.signed_prekey_signature = signed_prekey_.signature;
  bundle.identity_key = store_->identities.identity_key_pair().public_key;
  return bundle;
}

void Device::restore_from(const Device& backup, bool sessions_only) {
  if (sessions_only) {
    store_->sessions = backup.store_->sessions;
  } else {
    store_ = copy_store(*backup.store_);
  }
}

Bytes Device::state_digest(const ProtocolAddress& peer) const {
  Bytes out;
  if (auto record = store_->sessions.load_session(peer)) {
    out.push_back(1);
    append(out, record->serialize().view());
  } else {
    out.push_back(0);
  }
  if (auto identity = store_->identities.identity(peer)) {
    out.push_back(1);
    append(out, identity->serialize());
  } else {
    out.push_back(0);
  }
  for (const auto& prekey : prekeys_) out.push_back(store_->prekeys.load_prekey(prekey.id) ? 1 : 0);
  return out;
}

Pair make_fresh_pair() {
  Pair pair{Device("alice", 1, kFixtureSeed), Device("bob", 1, kFixtureSeed + 1)};
  auto stores = pair.alice.stores();
  auto started = protocol::process_prekey_bundle(stores, pair.bob.address(), pair.bob.bundle(1), pair.alice.rng());
  HUSH_FUZZ_CHECK(started.ok());
  return pair;
}

Pair make_established_pair() {
  Pair pair = make_fresh_pair();
  auto hello = send(pair.alice, pair.bob, "hello bob");
  HUSH_FUZZ_CHECK(hello.type == protocol::MessageType::kPreKey);
  HUSH_FUZZ_CHECK(receive(pair.bob, pair.alice, hello).ok());
  auto reply = send(pair.bob, pair.alice, "hello alice");
  HUSH_FUZZ_CHECK(reply.type == protocol::MessageType::kSignal);
  HUSH_FUZZ_CHECK(receive(pair.alice, pair.bob, reply).ok());
  return pair;
}

protocol::CiphertextMessage send(Device& from, const Device& to, std::string_view plaintext) {
  auto stores = from.stores();
  auto message = protocol::encrypt(stores, to.address(), as_bytes(plaintext), from.rng());
  HUSH_FUZZ_CHECK(message.ok());
  return std::move(*message);
}

Result<crypto::SecretBytes, protocol::ProtocolError> receive(Device& to, const Device& from,
                                                             const protocol::CiphertextMessage& message) {
  auto stores = to.stores();
  return protocol::decrypt(stores, from.address(), message.type, message.serialized);
}

const GroupFixture& group_fixture() {
  static const GroupFixture fixture = [] {
    const auto& keys = fixed_keys();
    GroupFixture out;
    out.name = protocol::SenderKeyName{to_bytes("fuzz group"), ProtocolAddress{"carol", 2}};
    protocol::SenderKeyState own;
    own.key_id = kGroupKeyId;
    std::array<std::uint8_t, 32> seed{};
    seed.fill(0x55);
    own.chain_key.seed.assign(seed);
    own.signing_public = keys.signing_public;
    own.signing_private = keys.signing_private;
    out.owner_record.add_state(own);

    protocol::InMemorySenderKeyStore owner;
    owner.store_sender_key(out.name, out.owner_record);
    crypto::SeededRng rng(kFixtureSeed + 2);
    out.plaintext = "group message " + std::to_string(kGroupMessageIteration);
    for (std::uint32_t i = 0; i <= kGroupMessageIteration; ++i) {
      auto message = protocol::group_encrypt(owner, out.name, as_bytes(out.plaintext), rng);
      HUSH_FUZZ_CHECK(message.ok());
      out.message = std::move(*message);
    }
    out.distribution =
        protocol::SenderKeyDistributionMessage::create(kGroupKeyId, 0, own.chain_key.seed, keys.signing_public)
            .serialized();
    protocol::InMemorySenderKeyStore member;
    HUSH_FUZZ_CHECK(protocol::process_sender_key_distribution(member, out.name, out.distribution.view()).ok());
    out.member_record = *member.load_sender_key(out.name);
    return out;
  }();
  return fixture;
}

namespace {
struct ScannablePair {
  Bytes ours;
  Bytes theirs;
};
const ScannablePair& scannable_pair() {
  static const ScannablePair pair = [] {
    const auto& keys = fixed_keys();
    ScannablePair out;
    out.ours = protocol::make_fingerprint("+14155550100", keys.sender_identity, "+14155550111", keys.receiver_identity)
                   .scannable;
    out.theirs =
        protocol::make_fingerprint("+14155550111", keys.receiver_identity, "+14155550100", keys.sender_identity)
            .scannable;
    return out;
  }();
  return pair;
}
}  // namespace

const Bytes& our_scannable_fingerprint() {
  return scannable_pair().ours;
}
const Bytes& their_scannable_fingerprint() {
  return scannable_pair().theirs;
}

}  // namespace hush::fuzz
