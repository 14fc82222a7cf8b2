// The world fuzz_requests runs each input in, shared with make_fuzz_seeds so that seeds carry
// valid signatures and media ids: a fresh in-memory storage holding account "fuzzer" (devices 1
// and 2, keys uploaded) and account "peer" (device 1), a Router over it with deterministic
// randomness, and two fake connections (sessions 0 and 1) that got the same challenge nonce.
// Owns the input format of fuzz_requests; not the invariants (fuzz_requests.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "committer.hpp"
#include "hush/base/bytes.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/ed25519.hpp"
#include "hush/server/options.hpp"
#include "hush/storage/storage.hpp"
#include "log.hpp"
#include "registry.hpp"
#include "router.hpp"
#include "session.hpp"

namespace hush::fuzz {

// Input of fuzz_requests: byte 0 holds flags (kStartLoggedIn0: session 0 starts logged in as
// fuzzer/1; kStartLoggedIn1: session 1 as fuzzer/2). Then records, each a session byte (bit 0
// picks the session), a 2-byte big-endian length and that many bytes of one encoded api Frame.
// At most kMaxRequestRecords records are handled; a truncated record ends the input.
inline constexpr std::uint8_t kStartLoggedIn0 = 0x01;
inline constexpr std::uint8_t kStartLoggedIn1 = 0x02;
inline constexpr std::size_t kMaxRequestRecords = 64;

inline constexpr const char* kFuzzerUsername = "fuzzer";
inline constexpr const char* kPeerUsername = "peer";
inline constexpr const char* kNewcomerUsername = "newcomer";  // registrable with newcomer_keys()

// Keys of one device of the fixture (deterministic; made once per process).
struct FixtureDevice {
  std::uint32_t registration_id = 0;
  crypto::KeyPair identity;
  crypto::Ed25519KeyPair auth;
};

struct RequestFixtureKeys {
  FixtureDevice fuzzer1, fuzzer2, peer1, newcomer;
  Bytes challenge_nonce;  // what both sessions were challenged with
};
const RequestFixtureKeys& request_fixture_keys();

// Ed25519 signature of `device` over the login message for the fixture's challenge.
std::string challenge_signature(const FixtureDevice& device);
// A signed prekey of `device` (id `id`), signature included, as api.proto wants it.
wire::api::SignedPreKey signed_prekey(const FixtureDevice& device, std::uint32_t id);
// A valid serialized public key (33 bytes) made from `seed`.
std::string public_key_field(std::uint64_t seed);

// A connection as the router sees it: pushes and closes are recorded, not sent.
class FakeSession final : public server::Session {
 public:
  void send_push(wire::api::Push push) override;
  void deliver(wire::api::Envelope envelope) override;
  void wake(storage::WakeKind) override {}
  void close(std::string reason) override;

  bool closed() const;
  std::size_t pushes() const;

 private:
  mutable std::mutex mutex_;
  std::size_t pushes_ = 0;
  std::size_t notifications_ = 0;
  bool closed_ = false;
};

// One fresh world per input. Destroying it stops the commit thread.
class RequestWorld {
 public:
  RequestWorld();
  ~RequestWorld();
  RequestWorld(const RequestWorld&) = delete;
  RequestWorld& operator=(const RequestWorld&) = delete;

  // Logs session `index` in as fuzzer/1 (index 0) or fuzzer/2 (index 1), as Authenticate would.
  void log_in(std::size_t index);

  // Handles `request` on session `index` and waits for its one reply (Send is answered from the
  // commit thread). nullopt when no reply came within a few seconds or more than one came.
  std::optional<wire::api::Response> handle(std::size_t index, const wire::api::Request& request);

  storage::Storage& storage() { return *storage_; }
  server::SessionState& state(std::size_t index) { return states_[index]; }
  const std::shared_ptr<FakeSession>& session(std::size_t index) { return sessions_[index]; }
  storage::DeviceAddress fuzzer_device(std::uint32_t device) const { return {fuzzer_account_, device}; }

 private:
  server::Options options_;
  std::unique_ptr<storage::Storage> storage_;
  server::DeliveryRegistry registry_;
  std::unique_ptr<server::Committer> committer_;
  server::Logger logger_;
  std::unique_ptr<crypto::Rng> rng_;
  std::unique_ptr<server::Router> router_;
  std::array<server::SessionState, 2> states_;
  std::array<std::shared_ptr<FakeSession>, 2> sessions_;
  storage::AccountId fuzzer_account_ = 0;
};

// One record of the input format above.
Bytes request_record(std::uint8_t session, const wire::api::Request& request);

}  // namespace hush::fuzz
