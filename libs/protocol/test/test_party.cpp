#include "test_party.hpp"

#include <gtest/gtest.h>

namespace hush::protocol::testing {

TestParty::TestParty(std::string name, std::uint32_t device_id, std::uint64_t seed)
    : address_{std::move(name), device_id}, rng_(seed) {
  IdentityKeyPair identity = IdentityKeyPair::generate(rng_);
  store_ = std::make_unique<InMemoryProtocolStore>(identity, generate_registration_id(rng_));
  signed_prekey_ = generate_signed_prekey(identity, 7, 1700000000000, rng_);
  store_->signed_prekeys.store_signed_prekey(signed_prekey_);
}

PreKeyBundle TestParty::bundle(bool with_one_time_prekey) {
  std::optional<std::uint32_t> one_time_prekey_id;
  if (with_one_time_prekey) {
    PreKeyRecord prekey = generate_prekeys(next_prekey_id_++, 1, rng_).front();
    store_->prekeys.store_prekey(prekey);
    one_time_prekey_id = prekey.id;
  }
  auto bundle = build_prekey_bundle(store_->stores(), address_.device_id, signed_prekey_.id, one_time_prekey_id);
  EXPECT_TRUE(bundle.ok()) << to_string(bundle.error());
  return bundle.ok() ? *bundle : PreKeyBundle{};
}

void TestParty::start_session_with(TestParty& other, bool with_one_time_prekey) {
  auto stores = this->stores();
  auto result = process_prekey_bundle(stores, other.address(), other.bundle(with_one_time_prekey), rng_);
  ASSERT_TRUE(result.ok()) << to_string(result.error());
}

CiphertextMessage TestParty::encrypt_to(const TestParty& other, std::string_view text) {
  auto stores = this->stores();
  auto message = encrypt(stores, other.address(), as_bytes(text), rng_);
  EXPECT_TRUE(message.ok()) << to_string(message.error());
  return message.ok() ? *message : CiphertextMessage{MessageType::kSignal, {}};
}

Result<std::string, ProtocolError> TestParty::decrypt_from(const TestParty& other, const CiphertextMessage& message) {
  auto stores = this->stores();
  auto plaintext = decrypt(stores, other.address(), message.type, message.serialized);
  if (!plaintext) return fail(plaintext.error());
  return hush::to_string(plaintext->view());
}

}  // namespace hush::protocol::testing
