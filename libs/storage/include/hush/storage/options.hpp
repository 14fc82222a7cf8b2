// The limits a storage backend enforces, configurable by the server (ARCHITECTURE.md decision 10).
// Every field documents its meaning and default; the defaults are the named constants in
// limits.hpp. Backend-specific settings (file names, timeouts) live in the backend's own options.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hush/storage/limits.hpp"

namespace hush::storage {

struct Options {
  // Longest username accepted by create_account(), in bytes. Default kMaxUsernameLength (64).
  std::size_t max_username_length = kMaxUsernameLength;

  // Longest device name accepted by add_device() and create_account_with_device(), in bytes;
  // longer fails with kTooLarge. Default kMaxDeviceNameLength (64).
  std::size_t max_device_name_length = kMaxDeviceNameLength;

  // Devices an account may have at once; add_device() beyond it fails with kLimitExceeded.
  // Default kMaxDevicesPerAccount (6).
  std::size_t max_devices_per_account = kMaxDevicesPerAccount;

  // One-time prekeys stored per device; an upload that would exceed it fails with kLimitExceeded
  // and stores nothing. Default kMaxOneTimePreKeysPerDevice (1,000).
  std::size_t max_one_time_prekeys_per_device = kMaxOneTimePreKeysPerDevice;

  // Largest envelope ciphertext, in bytes; a larger envelope is rejected with kTooLarge.
  // Default kMaxEnvelopeSize (320 KiB).
  std::size_t max_envelope_size = kMaxEnvelopeSize;

  // Envelopes queued per recipient device; an envelope beyond it is rejected with kQueueFull.
  // Default kMaxQueueDepth (10,000).
  std::size_t max_queue_depth = kMaxQueueDepth;

  // Most envelopes one fetch() returns, whatever the caller asks. Default kMaxFetchCount (256).
  std::size_t max_fetch_count = kMaxFetchCount;

  // Delivery failure notices kept per sender device; expire() drops the oldest beyond it and
  // reports how many in ExpiredEnvelope::notices_dropped. At least 1. Default kMaxNoticesPerDevice
  // (1,000).
  std::size_t max_notices_per_device = kMaxNoticesPerDevice;

  // Largest declared size of one upload; create_upload() beyond it fails with kTooLarge.
  // Default kMaxUploadSize (100 MiB).
  std::uint64_t max_upload_size = kMaxUploadSize;

  // Bytes of live uploads (counted at their declared size) one account may hold; create_upload()
  // beyond it fails with kQuotaExceeded. Default kMediaQuotaPerAccount (1 GiB).
  std::uint64_t media_quota_per_account = kMediaQuotaPerAccount;

  // Largest chunk one append() accepts and largest length one read() serves; beyond it, kTooLarge.
  // Default kMaxMediaChunkSize (1 MiB).
  std::size_t max_media_chunk_size = kMaxMediaChunkSize;

  // Largest sealed payload of a pending device link; add_link() beyond it fails with kTooLarge.
  // Default kMaxLinkPayload (16 KiB).
  std::size_t max_link_payload = kMaxLinkPayload;

  // Unexpired pending links per account; add_link() beyond it fails with kLimitExceeded.
  // Default kMaxPendingLinksPerAccount (4).
  std::size_t max_pending_links_per_account = kMaxPendingLinksPerAccount;

  friend bool operator==(const Options&, const Options&) = default;
};

}  // namespace hush::storage
