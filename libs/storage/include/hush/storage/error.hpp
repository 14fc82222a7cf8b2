// Errors of the storage component. Each names one outcome the server must handle differently, so
// it can answer the client by name (ARCHITECTURE.md decision 10) without knowing the backend.
// None carries user data: a message is the same for every backend and never includes a key.
#pragma once

namespace hush::storage {

enum class StorageError {
  kNotFound,            // no such account, device, key, envelope, upload or invite
  kConflict,            // exists already (username, upload id, prekey id with another key), or the
                        // wrong state for the call (append at a stale offset, read of an unfinished upload)
  kInvalidArgument,     // a value no caller should send: empty username, zero-sized upload, zero limit
  kTooLarge,            // larger than its size limit: username, envelope, chunk, read, upload, or
                        // an append beyond the upload's declared size
  kLimitExceeded,       // a count limit: devices per account, one-time prekeys per device
  kQueueFull,           // the recipient device's queue holds Options::max_queue_depth envelopes
  kQuotaExceeded,       // the account's media uploads would exceed Options::media_quota_per_account
  kDigestMismatch,      // finish(): the stored bytes do not hash to the digest the client declared
  kCorrupt,             // the database file is damaged or is not a hush database
  kIncompatibleSchema,  // the database was written by a newer hushd (schema version unknown here)
  kIo,                  // the backend failed to read, write or sync; nothing of the call was applied
};

// A short, stable, lower_snake_case name, for logs and for the error frame sent to the client.
const char* to_string(StorageError error);

}  // namespace hush::storage
