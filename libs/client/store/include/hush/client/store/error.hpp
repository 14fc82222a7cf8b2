// Errors of the client's local store. Each names one outcome a caller (the hush command, a bot)
// handles differently or reports to a person; describe() gives the sentence to show. None carries
// a key, a passphrase or stored content.
#pragma once

namespace hush::client {

enum class StoreError {
  kNotFound,            // open(): no store in this home (no file, or a database that was never set up)
  kAlreadyExists,       // create(): this home has a store already; create_key_file(): the file exists
  kWrongPassphrase,     // the passphrase does not unlock this store
  kWrongKeyFile,        // the key file is well-formed but is not this store's key
  kWrongUnlockMethod,   // the store is protected by a key file and a passphrase was given, or the reverse
  kKeyFileUnreadable,   // the key file is missing or cannot be read
  kKeyFileInvalid,      // the key file is not a regular file of exactly kKeyFileSize bytes
  kKeyFileInsecure,     // the key file can be read or written by group or others (it must be 0600 or 0400)
  kInvalidArgument,     // an empty or overlong passphrase, key-derivation parameters out of bounds
  kTooLarge,            // a record, name or group id larger than its limit (limits.hpp)
  kBusy,                // another process held the store's write lock for longer than busy_timeout
  kCorrupt,             // the database is damaged, altered, or not a hush client store
  kIncompatibleSchema,  // the database was written by a newer hush
  kIo,                  // reading, writing or syncing failed; nothing of the transaction was applied
};

// A short, stable, lower_snake_case name, for logs and --json output.
const char* to_string(StoreError error);

// One sentence for a person, e.g. "the key file can be read by other users; run chmod 600 on it".
const char* describe(StoreError error);

}  // namespace hush::client
