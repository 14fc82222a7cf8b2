// The key directory: per device, one signed prekey, a stock of one-time prekeys and one
// last-resort key, from which the server builds prekey bundles. Owns storage and the atomic claim
// of one-time keys; not signature checks (the server verifies a signed prekey before storing it)
// nor the identity key (registered with the device, accounts.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hush/base/result.hpp"
#include "hush/storage/error.hpp"
#include "hush/storage/types.hpp"

namespace hush::storage {

struct SignedPreKey {
  std::uint32_t id = 0;
  SerializedPublicKey public_key{};
  Signature signature{};  // by the device's identity key, over public_key

  friend bool operator==(const SignedPreKey&, const SignedPreKey&) = default;
};

// A one-time prekey, or the last-resort key (same shape, never consumed).
struct PreKey {
  std::uint32_t id = 0;
  SerializedPublicKey public_key{};

  friend bool operator==(const PreKey&, const PreKey&) = default;
};

struct ClaimedPreKey {
  PreKey key;
  bool last_resort = false;  // true when the stock was empty and the last-resort key was given
};

// Thread safety: every method may be called from any thread at any time; each call is atomic.
// Every method fails with kNotFound when the device does not exist.
class KeyDirectory {
 public:
  virtual ~KeyDirectory() = default;

  // Replaces the device's signed prekey.
  virtual Result<void, StorageError> set_signed_prekey(DeviceAddress device, const SignedPreKey& key) = 0;

  // Errors: kNotFound (no device, or none uploaded yet).
  virtual Result<SignedPreKey, StorageError> signed_prekey(DeviceAddress device) = 0;

  // Adds one-time prekeys to the device's stock, all or nothing. A key whose id is already in the
  // stock with the same public key is skipped, so a retried upload succeeds.
  // Errors: kConflict (an id already stored with a different key, or repeated within `keys` with
  // different keys), kLimitExceeded (the stock would exceed
  // Options::max_one_time_prekeys_per_device).
  virtual Result<void, StorageError> add_one_time_prekeys(DeviceAddress device, std::span<const PreKey> keys) = 0;

  // Replaces the device's last-resort key.
  virtual Result<void, StorageError> set_last_resort_key(DeviceAddress device, const PreKey& key) = 0;

  // Takes one one-time prekey out of the stock (lowest id first) and returns it; two claims, even
  // concurrent ones, never return the same one-time key. With the stock empty, returns the
  // last-resort key (not removed). Errors: kNotFound (no device, or neither kind of key).
  virtual Result<ClaimedPreKey, StorageError> claim_prekey(DeviceAddress device) = 0;

  // One-time prekeys left, so the server can tell the client when its stock runs low.
  virtual Result<std::size_t, StorageError> one_time_prekey_count(DeviceAddress device) = 0;
};

}  // namespace hush::storage
