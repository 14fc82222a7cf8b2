// Helpers shared by the client store tests: scratch home folders, cheap key-derivation options,
// direct access to the database file, and a device whose protocol state lives in a ClientStore
// (the in-memory peer is libs/protocol's TestParty).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "hush/client/store/client_store.hpp"
#include "hush/protocol/prekey_bundle.hpp"
#include "hush/protocol/session_cipher.hpp"
#include "scratch_folder.hpp"
#include "test_party.hpp"

namespace hush::client::test {

using hush::test::ScratchFolder;

// Argon2id at libsodium's minimum cost: tests unlock stores often.
inline constexpr crypto::Argon2idParameters kCheapKdf{1, crypto::kArgon2idMinMemory};
StoreOptions cheap_options();

Unlock passphrase(std::string_view text);
Unlock key_file(const std::filesystem::path& path);

// A second connection to a store's database file, for what the store API cannot do: planting
// triggers, altering and reading rows.
class RawDatabase {
 public:
  explicit RawDatabase(const std::filesystem::path& path);
  void exec(const std::string& sql);
  // The first column of the first row, as text ("" when there is no row).
  std::string query(const std::string& sql);

 private:
  std::unique_ptr<StoreConnection> connection_;
};

Bytes read_file(const std::filesystem::path& path);
bool contains(ByteView haystack, ByteView needle);

// One device whose protocol state is a ClientStore in `home`. Every operation runs in its own
// transaction and expects the commit to succeed.
class StoreParty {
 public:
  // Creates the store (identity from `seed`) and a signed prekey with id 7.
  StoreParty(std::string name, std::uint32_t device_id, std::filesystem::path home, Unlock unlock, std::uint64_t seed);

  const protocol::ProtocolAddress& address() const { return address_; }
  ClientStore& store() { return *store_; }
  crypto::Rng& rng() { return rng_; }

  // Closes the store and opens it again with the unlock it was created with.
  void reopen();
  void close() { store_.reset(); }

  protocol::PreKeyBundle bundle(bool with_one_time_prekey = true);
  void start_session_with(const protocol::ProtocolAddress& peer, const protocol::PreKeyBundle& bundle);
  protocol::CiphertextMessage encrypt_to(const protocol::ProtocolAddress& peer, std::string_view text);
  Result<std::string, protocol::ProtocolError> decrypt_from(const protocol::ProtocolAddress& peer,
                                                            const protocol::CiphertextMessage& message);

  std::uint32_t last_prekey_id() const { return next_prekey_id_ - 1; }

 private:
  protocol::ProtocolAddress address_;
  std::filesystem::path home_;
  Unlock unlock_;
  crypto::SeededRng rng_;
  std::unique_ptr<ClientStore> store_;
  std::uint32_t next_prekey_id_ = 1;
};

// The in-memory peer's side, addressed to any address (TestParty's own helpers take a TestParty).
protocol::CiphertextMessage encrypt_from_memory(protocol::testing::TestParty& party,
                                                const protocol::ProtocolAddress& peer, std::string_view text);
Result<std::string, protocol::ProtocolError> decrypt_in_memory(protocol::testing::TestParty& party,
                                                               const protocol::ProtocolAddress& peer,
                                                               const protocol::CiphertextMessage& message);

}  // namespace hush::client::test
