// Internal: the store's `account` row (schema version 2) — username, server and its trust, device
// id, prekey ids — and the sealed device auth key. Read with bounds: a row whose text is longer
// than any valid value, or whose key does not open, is kCorrupt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hush/base/result.hpp"
#include "hush/client/account/account.hpp"
#include "hush/client/store/transaction.hpp"

namespace hush::client::detail {

struct AccountRecord {
  std::string username;
  ServerSettings server;
  std::uint32_t device_id = 0;  // 0 until the server confirmed the registration
  std::uint32_t next_prekey_id = 1;
  std::uint32_t signed_prekey_id = 1;
  std::uint32_t last_resort_id = 0;
  crypto::Ed25519KeyPair auth_key;
};

// Inside `transaction`: insert the row (there must be none).
Result<void, StoreError> insert_account(StoreTransaction& transaction, const AccountRecord& record);
// Inside `transaction`: the row, nullopt when there is none.
Result<std::optional<AccountRecord>, StoreError> load_account(StoreTransaction& transaction);
// Inside `transaction`: update one field.
Result<void, StoreError> save_device_id(StoreTransaction& transaction, std::uint32_t device_id);
Result<void, StoreError> save_next_prekey_id(StoreTransaction& transaction, std::uint32_t next_prekey_id);

}  // namespace hush::client::detail
