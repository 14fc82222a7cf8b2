// A device for protocol tests: its stores, its address, and a bundle it can publish.
#pragma once

#include <memory>
#include <string>

#include "hush/protocol/memory_stores.hpp"
#include "hush/protocol/prekey_bundle.hpp"
#include "hush/protocol/session_builder.hpp"
#include "hush/protocol/session_cipher.hpp"

namespace hush::protocol::testing {

class TestParty {
 public:
  TestParty(std::string name, std::uint32_t device_id, std::uint64_t seed);

  // Publishes a bundle with a fresh one-time prekey (or none) and the party's signed prekey.
  PreKeyBundle bundle(bool with_one_time_prekey = true);

  // Starts a session with `other` from its bundle.
  void start_session_with(TestParty& other, bool with_one_time_prekey = true);

  CiphertextMessage encrypt_to(const TestParty& other, std::string_view text);
  Result<std::string, ProtocolError> decrypt_from(const TestParty& other, const CiphertextMessage& message);

  const ProtocolAddress& address() const { return address_; }
  InMemoryProtocolStore& store() { return *store_; }
  ProtocolStores stores() { return store_->stores(); }
  crypto::Rng& rng() { return rng_; }
  std::uint32_t last_prekey_id() const { return next_prekey_id_ - 1; }

 private:
  ProtocolAddress address_;
  crypto::SeededRng rng_;
  std::unique_ptr<InMemoryProtocolStore> store_;
  SignedPreKeyRecord signed_prekey_;
  std::uint32_t next_prekey_id_ = 1;
};

}  // namespace hush::protocol::testing
