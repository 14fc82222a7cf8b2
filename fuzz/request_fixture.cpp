// The fuzz_requests world (request_fixture.hpp): deterministic keys made once, a fresh storage,
// router and commit thread per input.
#include "request_fixture.hpp"

#include <chrono>
#include <condition_variable>

#include "fuzz_support.hpp"
#include "hush/storage/memory_storage.hpp"
#include "rules.hpp"

namespace hush::fuzz {
namespace {

using namespace std::chrono_literals;

// The fixture's clock for what it stores itself (the router reads the system clock).
const storage::Timestamp kFixtureTime{std::chrono::milliseconds(1'700'000'000'000)};

FixtureDevice make_device(std::uint32_t registration_id, crypto::Rng& rng) {
  FixtureDevice device;
  device.registration_id = registration_id;
  device.identity = crypto::KeyPair::generate(rng);
  device.auth = crypto::Ed25519KeyPair::generate(rng);
  return device;
}

storage::NewDevice new_device(const FixtureDevice& device, std::string name) {
  storage::NewDevice out;
  out.registration_id = device.registration_id;
  out.identity_key = device.identity.public_key.serialize();
  out.auth_key = device.auth.public_key;
  out.name = std::move(name);
  return out;
}

// Signed prekey, 4 one-time prekeys and a last-resort key for `address`, made from `seed`.
void publish_keys(storage::Storage& storage, storage::DeviceAddress address, const FixtureDevice& device,
                  std::uint64_t seed) {
  const wire::api::SignedPreKey api_signed = signed_prekey(device, 7);
  storage::SignedPreKey signed_key;
  signed_key.id = api_signed.id();
  std::copy(api_signed.public_key().begin(), api_signed.public_key().end(),
            reinterpret_cast<char*>(signed_key.public_key.data()));
  std::copy(api_signed.signature().begin(), api_signed.signature().end(),
            reinterpret_cast<char*>(signed_key.signature.data()));
  HUSH_FUZZ_CHECK(storage.keys().set_signed_prekey(address, signed_key).ok());
  std::vector<storage::PreKey> one_time;
  for (std::uint32_t id = 1; id <= 4; ++id) {
    storage::PreKey key;
    key.id = id;
    const std::string field = public_key_field(seed + id);
    std::copy(field.begin(), field.end(), reinterpret_cast<char*>(key.public_key.data()));
    one_time.push_back(key);
  }
  HUSH_FUZZ_CHECK(storage.keys().add_one_time_prekeys(address, one_time).ok());
  storage::PreKey last_resort = one_time.back();
  last_resort.id = 100;
  HUSH_FUZZ_CHECK(storage.keys().set_last_resort_key(address, last_resort).ok());
}

}  // namespace

const RequestFixtureKeys& request_fixture_keys() {
  static const RequestFixtureKeys keys = [] {
    crypto::SeededRng rng(kFixtureSeed ^ 0x7265717565737473ULL);  // "requests"
    RequestFixtureKeys made;
    made.fuzzer1 = make_device(1001, rng);
    made.fuzzer2 = make_device(1002, rng);
    made.peer1 = make_device(2001, rng);
    made.newcomer = make_device(3001, rng);
    made.challenge_nonce.resize(32);
    rng.fill(made.challenge_nonce);
    return made;
  }();
  return keys;
}

std::string challenge_signature(const FixtureDevice& device) {
  const Bytes message = server::auth_message(request_fixture_keys().challenge_nonce);
  const crypto::Ed25519Signature signature = crypto::ed25519_sign(device.auth, message);
  return std::string(reinterpret_cast<const char*>(signature.data()), signature.size());
}

wire::api::SignedPreKey signed_prekey(const FixtureDevice& device, std::uint32_t id) {
  crypto::SeededRng rng(kFixtureSeed + id + device.registration_id);
  const std::string public_key = public_key_field(kFixtureSeed + 1000 + id + device.registration_id);
  const crypto::Signature signature =
      crypto::sign(device.identity.private_key,
                   ByteView(reinterpret_cast<const std::uint8_t*>(public_key.data()), public_key.size()), rng);
  wire::api::SignedPreKey out;
  out.set_id(id);
  out.set_public_key(public_key);
  out.set_signature(std::string(reinterpret_cast<const char*>(signature.data()), signature.size()));
  return out;
}

std::string public_key_field(std::uint64_t seed) {
  crypto::SeededRng rng(seed);
  const auto serialized = crypto::PrivateKey::generate(rng).public_key().serialize();
  return std::string(reinterpret_cast<const char*>(serialized.data()), serialized.size());
}

void FakeSession::send_push(wire::api::Push push) {
  HUSH_FUZZ_CHECK(push.body_case() != wire::api::Push::BODY_NOT_SET);
  std::lock_guard lock(mutex_);
  ++pushes_;
}

void FakeSession::deliver(wire::api::Envelope envelope) {
  HUSH_FUZZ_CHECK(envelope.sequence() != 0 && !envelope.content().empty());
  std::lock_guard lock(mutex_);
  ++notifications_;
}

void FakeSession::close(std::string reason) {
  HUSH_FUZZ_CHECK(!reason.empty());
  std::lock_guard lock(mutex_);
  closed_ = true;
}

bool FakeSession::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::size_t FakeSession::pushes() const {
  std::lock_guard lock(mutex_);
  return pushes_;
}

RequestWorld::RequestWorld()
    : storage_(storage::make_memory_storage(options_.storage)), logger_([](std::string_view) {}) {
  const RequestFixtureKeys& keys = request_fixture_keys();
  auto fuzzer = storage_->accounts().create_account_with_device(kFuzzerUsername, std::nullopt,
                                                                new_device(keys.fuzzer1, "one"), kFixtureTime);
  HUSH_FUZZ_CHECK(fuzzer.ok());
  fuzzer_account_ = fuzzer->account.id;
  auto second = storage_->accounts().add_device(fuzzer_account_, new_device(keys.fuzzer2, "two"), kFixtureTime);
  HUSH_FUZZ_CHECK(second.ok() && second->id == 2);
  auto peer = storage_->accounts().create_account_with_device(kPeerUsername, std::nullopt,
                                                              new_device(keys.peer1, "peer"), kFixtureTime);
  HUSH_FUZZ_CHECK(peer.ok());
  publish_keys(*storage_, {fuzzer_account_, 1}, keys.fuzzer1, 10);
  publish_keys(*storage_, {fuzzer_account_, 2}, keys.fuzzer2, 20);
  publish_keys(*storage_, {peer->account.id, 1}, keys.peer1, 30);

  committer_ = std::make_unique<server::Committer>(storage_->messages());
  rng_ = std::make_unique<crypto::SeededRng>(kFixtureSeed ^ 0x726f75746572ULL);  // "router"
  router_ = std::make_unique<server::Router>(options_, *storage_, registry_, *committer_, logger_, *rng_);
  for (std::size_t i = 0; i < states_.size(); ++i) {
    states_[i].challenge_nonce = keys.challenge_nonce;
    states_[i].remote_ip = "192.0.2.1";
    sessions_[i] = std::make_shared<FakeSession>();
  }
}

RequestWorld::~RequestWorld() {
  committer_->stop();  // every pending Send is answered before the router goes away
  for (std::size_t i = 0; i < states_.size(); ++i) {
    router_->on_session_closed(states_[i], sessions_[i].get());
  }
}

void RequestWorld::log_in(std::size_t index) {
  const storage::DeviceId device = index == 0 ? 1 : 2;
  states_[index].device = storage::DeviceAddress{fuzzer_account_, device};
  states_[index].username = kFuzzerUsername;
  registry_.add(*states_[index].device, sessions_[index]);
}

std::optional<wire::api::Response> RequestWorld::handle(std::size_t index, const wire::api::Request& request) {
  struct Replies {
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<wire::api::Response> responses;
  };
  auto replies = std::make_shared<Replies>();
  std::shared_ptr<server::Session> self = sessions_[index];
  router_->handle(states_[index], self, request, [replies](wire::api::Response response) {
    std::lock_guard lock(replies->mutex);
    replies->responses.push_back(std::move(response));
    replies->arrived.notify_all();
  });
  std::unique_lock lock(replies->mutex);
  if (!replies->arrived.wait_for(lock, 5s, [&] { return !replies->responses.empty(); })) return std::nullopt;
  if (replies->responses.size() != 1) return std::nullopt;
  return replies->responses.front();
}

Bytes request_record(std::uint8_t session, const wire::api::Request& request) {
  wire::api::Frame frame;
  *frame.mutable_request() = request;
  const std::string encoded = frame.SerializeAsString();
  Bytes out;
  out.push_back(session);
  out.push_back(static_cast<std::uint8_t>(encoded.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(encoded.size() & 0xff));
  out.insert(out.end(), encoded.begin(), encoded.end());
  return out;
}

}  // namespace hush::fuzz
