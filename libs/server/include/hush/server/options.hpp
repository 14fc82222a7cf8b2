// Everything an operator can configure in hushd, with its meaning and default (ARCHITECTURE.md
// decision 10: limits are configured and reported to the client by name). The storage limits
// (queue depth, upload size, quota) live in storage::Options; the server reads them from the
// Storage it is given (Storage::options()) and reports them by the same names.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "hush/storage/options.hpp"
#include "hush/wire/frame_codec.hpp"

namespace hush::server {

struct Limits {
  // Largest WebSocket message (one Frame) accepted; a larger one closes the connection with
  // "frame_too_large". Fixed by the wire format: wire::kMaxFrameSize (64 KiB).
  std::size_t max_frame_size = wire::kMaxFrameSize;

  // Largest ciphertext of one envelope, in bytes ("max_envelope_size"). A Send must fit one
  // frame, so the effective bound is the smaller of this and the frame. Default 60 KiB.
  std::size_t max_envelope_size = 60 * 1024;

  // Envelopes one Send may carry, one per recipient device ("max_envelopes_per_send").
  // Default 16 (storage allows 6 devices per account; the slack tolerates a stale view).
  std::size_t max_envelopes_per_send = 16;

  // Recipient devices one SendToMany may list ("max_devices_per_send_to_many"); an account listed
  // with no device counts as one, since it costs the same device-list check. Its body counts
  // against max_envelope_size, as an envelope's content. The frame caps the list anyway: a device
  // takes about 7 bytes of it and an account about its username's length more, so a 64 KiB frame
  // without a body holds at most some 9,000 devices, and with a 60 KiB body a few hundred. This
  // bound keeps the work of one request well below that, about a quarter of one group commit
  // (4,096 envelopes), and its STALE_DEVICES answer within a frame. A larger group is sent in
  // several requests with the same message_id, the body in the first only. Default 1,024.
  std::size_t max_devices_per_send_to_many = 1024;

  // Requests per second one connection may make, averaged by a token bucket that holds
  // `requests_burst` tokens ("requests_per_second"). Over it: LIMIT_EXCEEDED with retry_after_ms.
  // Default 200 per second, burst 400.
  std::uint32_t requests_per_second = 200;
  std::uint32_t requests_burst = 400;

  // AppendChunk and ReadMedia requests per second one connection may make, in a bucket of their
  // own holding `media_chunks_burst` ("media_chunks_per_second"): a file is thousands of chunks,
  // and counting them as requests would cap a transfer at 200 x 15 KiB = 3 MB/s. Over it:
  // LIMIT_EXCEEDED with retry_after_ms. Default 20,000 per second (about 300 MB/s, above what one
  // connection reaches on loopback: 86 MB/s downloading in docs/benchmarks.md), burst 20,000.
  std::uint32_t media_chunks_per_second = 20000;
  std::uint32_t media_chunks_burst = 20000;

  // Accounts one IP address may register: `registrations_per_ip_burst` at once, refilled at
  // `registrations_per_ip_per_hour` ("registrations_per_ip"). Over it: LIMIT_EXCEEDED with
  // retry_after_ms. Default 20 per hour, burst 20.
  std::uint32_t registrations_per_ip_per_hour = 20;
  std::uint32_t registrations_per_ip_burst = 20;

  // FetchBundles requests one account may make: `bundle_fetches_per_account_burst` at once,
  // refilled at `bundle_fetches_per_account_per_minute` ("bundle_fetches_per_account"). Over it:
  // LIMIT_EXCEEDED with retry_after_ms, and no prekey is claimed. Each fetch claims a one-time
  // prekey of every device it returns, so without this bound one client could drain a victim's
  // prekeys at `requests_per_second`. Counted per account, shared by its devices and connections:
  // a client cannot multiply its allowance by opening connections or adding devices, only by
  // registering accounts (bounded by registrations_per_ip). A fetch counts once, whatever the
  // number of devices it returns. Default 60 per minute, burst 30: a person starting
  // conversations never meets it, and a client draining prekeys is slowed from 12,000 a minute per
  // connection (requests_per_second) to 60 a minute per account; a drained device is still reached
  // through its last-resort key.
  std::uint32_t bundle_fetches_per_account_per_minute = 60;
  std::uint32_t bundle_fetches_per_account_burst = 30;

  // How long an approved device link (ApproveLink) waits for the new device to fetch it and link
  // (FetchLink, LinkDevice); after it, "no_link". The user approves on one device and types or
  // scans on the other within moments; longer only widens the window in which the sealed payload
  // sits on the server. Default 10 minutes.
  std::chrono::milliseconds link_ttl{10 * 60'000};

  // FetchLink and LinkDevice requests (before login) one IP address may make:
  // `link_fetches_per_ip_burst` at once, refilled at `link_fetches_per_ip_per_minute`
  // ("link_fetches_per_ip"). Over it: LIMIT_EXCEEDED with retry_after_ms. A new device polls
  // FetchLink until the user approves it; a poll every 2 s, as a client does, takes 30 a minute.
  // The bound keeps unauthenticated clients from probing link ids (128 random bits) or signature
  // checks at `requests_per_second`. Default 60 per minute, burst 60.
  std::uint32_t link_fetches_per_ip_per_minute = 60;
  std::uint32_t link_fetches_per_ip_burst = 60;

  // Open connections per remote IP address ("connections_per_ip"); the next one is closed right
  // after the TLS accept. Default 64.
  std::size_t connections_per_ip = 64;

  // Frames queued for sending on one connection; a client that lets more pile up (it does not
  // read) is disconnected with "slow_consumer". Queued envelopes are not counted: they are
  // pushed only as the queue drains. Default 256.
  std::size_t max_outgoing_frames = 256;

  // Envelopes fetched from storage at a time when pushing a device's queue. Default 32.
  std::size_t delivery_batch = 32;

  // Seconds without a frame from the client after which the connection is closed with
  // "idle_timeout". Clients Ping to keep a quiet connection open. Default 60 s.
  std::chrono::milliseconds idle_timeout{60'000};

  // Time allowed for the TCP accept to finish the TLS and WebSocket handshakes; a half-open or
  // slowloris client is dropped after it. Default 10 s.
  std::chrono::milliseconds handshake_timeout{10'000};

  // A device is told (Push.keys_low) when a bundle fetch leaves fewer one-time prekeys than
  // this. Default 10.
  std::size_t key_low_threshold = 10;
};

struct Options {
  // Address and TCP port to listen on. Port 0 picks an ephemeral port (see Server::port()).
  // Default 127.0.0.1:7443; production sets "0.0.0.0" or "::".
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 7443;

  // The server's data folder (database, tls/). Default empty: the caller must set it.
  std::filesystem::path data_dir;

  // Where the state lives, for the caller that opens the storage (apps/hushd; the Server never
  // reads it): empty (the default) for SQLite in data_dir, or a PostgreSQL URI
  // ("postgres://USER@HOST:PORT/DB" or "postgresql://..."), which several hushd nodes may share
  // (ARCHITECTURE.md decision 8; docs/operations.md).
  std::string store;

  // Connections each node keeps to PostgreSQL (ignored on SQLite). Default 8: the commit thread,
  // the blocking pool and the delivery reads each hold one at a time; more only queue in PostgreSQL.
  std::size_t store_connections = 8;

  // PEM files of the TLS certificate chain and private key. Default empty: apps/hushd creates a
  // self-signed pair in data_dir/tls/ and fills these in.
  std::filesystem::path tls_certificate_file;
  std::filesystem::path tls_private_key_file;

  // When true, RegisterAccount needs an unused invite token (`hushd invite`). Default false.
  bool invite_only = false;

  // Threads running the network and request handlers. Default 0: one per hardware thread.
  std::size_t threads = 0;

  // How long an undelivered envelope and an upload are kept before they expire. Default 30 days.
  std::chrono::milliseconds message_expiry = std::chrono::hours(24 * 30);

  // How often expired envelopes and uploads are swept. Default 60 s.
  std::chrono::milliseconds sweep_interval{60'000};

  // How long stop() waits for connections to close after telling them "service_restart".
  // Default 5 s.
  std::chrono::milliseconds shutdown_grace{5'000};

  // When true, GET /metrics is answered only to connections from a loopback address (127.0.0.0/8,
  // ::1); others get 403. The page holds counts only, but they show how busy the server is.
  // GET /health is answered to everyone. Default true.
  bool metrics_loopback_only = true;

  Limits limits;

  // The limits to open the storage backend with, for the caller that opens it (apps/hushd copies
  // them into SqliteOptions::limits). The Server never reads this field: it takes every storage
  // limit (queue depth, upload size, media quota, ...) from Storage::options() of the backend it is
  // given, so what it checks and reports cannot differ from what the backend enforces.
  // Default: storage::Options{} (the constants of storage/limits.hpp).
  storage::Options storage;

  // Where log lines go (one structured line per call, no trailing newline). Default empty:
  // standard error. Tests capture it to check that no user data is logged.
  std::function<void(std::string_view line)> log_sink;
};

}  // namespace hush::server
