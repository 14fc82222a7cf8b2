// Scratch folders, raw database access and the StoreParty device for the client store tests.
#include "store_test_support.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>

#include "hush/protocol/session_builder.hpp"

namespace hush::client::test {

StoreOptions cheap_options() {
  StoreOptions options;
  options.kdf = kCheapKdf;
  return options;
}

Unlock passphrase(std::string_view text) {
  return Passphrase{crypto::SecretBytes(as_bytes(text))};
}

Unlock key_file(const std::filesystem::path& path) {
  return KeyFile{path};
}

RawDatabase::RawDatabase(const std::filesystem::path& path) {
  auto opened = StoreConnection::open(path, sqlite::OpenMode::kReadWrite, std::chrono::milliseconds(2000));
  EXPECT_TRUE(opened.ok()) << "open " << path;
  if (opened.ok()) connection_ = std::move(*opened);
}

void RawDatabase::exec(const std::string& sql) {
  ASSERT_NE(connection_, nullptr);
  auto done = connection_->exec(sql.c_str());
  EXPECT_TRUE(done.ok()) << sql << ": " << (done.ok() ? "" : to_string(done.error()));
}

std::string RawDatabase::query(const std::string& sql) {
  if (connection_ == nullptr) return "";
  // Not a constant: prepared once per call text, which the cache keeps; fine for tests.
  auto statement = connection_->prepare(sql);
  auto row = statement.step();
  EXPECT_TRUE(row.ok()) << sql;
  if (!row.ok() || !*row) return "";
  return statement.column_text(0);
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool contains(ByteView haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

StoreParty::StoreParty(std::string name, std::uint32_t device_id, std::filesystem::path home, Unlock unlock,
                       std::uint64_t seed)
    : address_{std::move(name), device_id}, home_(std::move(home)), unlock_(std::move(unlock)), rng_(seed) {
  const protocol::IdentityKeyPair identity = protocol::IdentityKeyPair::generate(rng_);
  auto created =
      ClientStore::create(home_, unlock_, identity, protocol::generate_registration_id(rng_), cheap_options());
  if (!created.ok()) {
    ADD_FAILURE() << "create: " << to_string(created.error());
    return;
  }
  store_ = std::move(*created);
  auto transaction = store_->transaction();
  store_->signed_prekeys().store_signed_prekey(protocol::generate_signed_prekey(identity, 7, 1700000000000, rng_));
  auto committed = transaction.commit();
  EXPECT_TRUE(committed.ok());
}

void StoreParty::reopen() {
  store_.reset();
  auto opened = ClientStore::open(home_, unlock_, cheap_options());
  ASSERT_TRUE(opened.ok()) << to_string(opened.error());
  store_ = std::move(*opened);
}

protocol::PreKeyBundle StoreParty::bundle(bool with_one_time_prekey) {
  auto transaction = store_->transaction();
  std::optional<std::uint32_t> one_time_prekey_id;
  if (with_one_time_prekey) {
    protocol::PreKeyRecord prekey = protocol::generate_prekeys(next_prekey_id_++, 1, rng_).front();
    store_->prekeys().store_prekey(prekey);
    one_time_prekey_id = prekey.id;
  }
  auto bundle = protocol::build_prekey_bundle(store_->protocol_stores(), address_.device_id, 7, one_time_prekey_id);
  EXPECT_TRUE(bundle.ok()) << protocol::to_string(bundle.error());
  auto committed = transaction.commit();
  EXPECT_TRUE(committed.ok()) << to_string(committed.error());
  return bundle.ok() ? *bundle : protocol::PreKeyBundle{};
}

void StoreParty::start_session_with(const protocol::ProtocolAddress& peer, const protocol::PreKeyBundle& bundle) {
  auto transaction = store_->transaction();
  auto stores = store_->protocol_stores();
  auto started = protocol::process_prekey_bundle(stores, peer, bundle, rng_);
  ASSERT_TRUE(started.ok()) << protocol::to_string(started.error());
  auto committed = transaction.commit();
  ASSERT_TRUE(committed.ok()) << to_string(committed.error());
}

protocol::CiphertextMessage StoreParty::encrypt_to(const protocol::ProtocolAddress& peer, std::string_view text) {
  auto transaction = store_->transaction();
  auto stores = store_->protocol_stores();
  auto message = protocol::encrypt(stores, peer, as_bytes(text), rng_);
  EXPECT_TRUE(message.ok()) << protocol::to_string(message.error());
  auto committed = transaction.commit();
  EXPECT_TRUE(committed.ok()) << to_string(committed.error());
  return message.ok() ? *message : protocol::CiphertextMessage{protocol::MessageType::kSignal, {}};
}

Result<std::string, protocol::ProtocolError> StoreParty::decrypt_from(const protocol::ProtocolAddress& peer,
                                                                      const protocol::CiphertextMessage& message) {
  auto transaction = store_->transaction();
  auto stores = store_->protocol_stores();
  auto plaintext = protocol::decrypt(stores, peer, message.type, message.serialized);
  if (!plaintext.ok()) return fail(plaintext.error());  // rolled back by the transaction's destructor
  auto committed = transaction.commit();
  EXPECT_TRUE(committed.ok()) << to_string(committed.error());
  return hush::to_string(plaintext->view());
}

protocol::CiphertextMessage encrypt_from_memory(protocol::testing::TestParty& party,
                                                const protocol::ProtocolAddress& peer, std::string_view text) {
  auto stores = party.stores();
  auto message = protocol::encrypt(stores, peer, as_bytes(text), party.rng());
  EXPECT_TRUE(message.ok()) << protocol::to_string(message.error());
  return message.ok() ? *message : protocol::CiphertextMessage{protocol::MessageType::kSignal, {}};
}

Result<std::string, protocol::ProtocolError> decrypt_in_memory(protocol::testing::TestParty& party,
                                                               const protocol::ProtocolAddress& peer,
                                                               const protocol::CiphertextMessage& message) {
  auto stores = party.stores();
  auto plaintext = protocol::decrypt(stores, peer, message.type, message.serialized);
  if (!plaintext.ok()) return fail(plaintext.error());
  return hush::to_string(plaintext->view());
}

}  // namespace hush::client::test
