// The connectivity probe behind `hush probe` (modelled on OONI's WhatsApp and Signal tests,
// research/censorship-resilience.md §3): for each endpoint of the list, the connection's steps
// (DNS, TCP, TLS, WebSocket) with their failure strings, then, for each endpoint that connected and
// through it alone, authentication, a message round trip and a small and a large media transfer
// (the large one resuming across resets), with a control and a verdict (probe_report.hpp). It owns
// the steps and their bounds; not the endpoints (endpoints/), logging in (account/) or printing.
//
// Synchronous and single-threaded, like the connection. Leaves nothing behind but two blobs per
// endpoint tested, which the server expires with its messages: the message round trip is refused
// by the server without being stored (see run_probe), the media are not referenced by any message.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "hush/client/account/account.hpp"
#include "hush/client/endpoints/endpoint_list.hpp"
#include "hush/client/endpoints/pluggable_transports.hpp"
#include "hush/client/probe/probe_report.hpp"
#include "hush/client/transport/server_connection.hpp"
#include "hush/crypto/random.hpp"

namespace hush::client {

// Bound on each connection (DNS to the Challenge together) and on each request's answer: the
// default connect_timeout, long enough for Tor's first circuit, short enough that a blackholed
// list of a few endpoints is diagnosed within a minute.
inline constexpr std::chrono::milliseconds kDefaultProbeStepTimeout{10000};
// Bound on the whole large transfer, up and down with every resume: 2 MiB twice at 64 kbit/s
// (a throttled mobile link) takes about 9 minutes, at 1 Mbit/s about 35 s; 120 s tells "slow"
// from "blocked" without keeping the user waiting for minutes.
inline constexpr std::chrono::milliseconds kDefaultProbeMediaTimeout{120000};
// The small blob: a thumbnail or a voice note's first second; the text-sized frames it travels in
// look like messages. The large one: a photo, many frames, enough to trip a censor that cuts
// connections after a few hundred KB (research §5 "cut-after").
inline constexpr std::size_t kProbeSmallBlobSize = 1024;
inline constexpr std::size_t kProbeLargeBlobSize = 2 * 1024 * 1024;
// Resumes the large transfer may need before it fails with connection_reset: a censor cutting
// every connection after 100 KB needs about 42 for 2 MiB up and down; beyond 64 the link is
// unusable for media anyway.
inline constexpr std::uint32_t kMaxProbeResets = 64;
// The innocuous server name of the SNI control: a name no censor of a messenger filters.
inline constexpr std::string_view kProbeControlSni = "www.example.com";
// The message round trip's payload: one padded text message.
inline constexpr std::size_t kProbeMessageSize = 1024;

struct ProbeOptions {
  std::chrono::milliseconds step_timeout = kDefaultProbeStepTimeout;
  std::chrono::milliseconds media_timeout = kDefaultProbeMediaTimeout;
  std::size_t small_blob_size = kProbeSmallBlobSize;
  std::size_t large_blob_size = kProbeLargeBlobSize;
  std::uint32_t max_resets = kMaxProbeResets;
  std::string control_sni = std::string(kProbeControlSni);
};

// What is probed: the server and its trust (the account's, or given on the command line before
// registration), the endpoints in list order (none: the server itself, directly), and the base
// options (limits; the probe sets the timeouts). With an account, `endpoints` is the home's list
// (load_endpoints): the account's steps go through each endpoint by its number in it.
struct ProbeTarget {
  ServerAddress server;
  ServerTrust trust;
  std::vector<Endpoint> endpoints;
  ConnectionOptions base;
};

// Runs the probe and returns its report, concluded (conclude()).
//
// - Every endpoint: a connection of its own (ServerConnection::connect, bounded by
//   options.step_timeout), whose ConnectDiagnostics give dns, tcp_connect (with the proxy's or
//   obfs4proxy's handshake), tls_handshake and websocket_upgrade (with the Challenge). An obfs4
//   endpoint goes through `transports` (null: transport_unavailable). When TLS fails, the control:
//   the same handshake under options.control_sni (probe_certificate, trusting nothing).
// - `account` null (no account yet): the steps stop there, the others skipped "not_registered".
// - Otherwise, for each endpoint whose steps so far passed, in list order, one after the other:
//   account->log_in_through(its number) (that endpoint only, no failover, with the account's own
//   timeouts: set them to step_timeout) gives authentication, its time that of connecting and
//   logging in through that endpoint; then on that connection: message_round_trip (a Send of a
//   kProbeMessageSize envelope addressed to this very device, which hushd answers with
//   stale_devices and never stores: a device never receives its own sends, so the request reaches
//   the message handler and nothing is delivered anywhere), media_small and media_large
//   (CreateUpload, AppendChunk, FinishUpload, ReadMedia of random blobs, compared byte for byte; on
//   a reset the account logs in again through the same endpoint and the transfer resumes from the
//   committed offset, at most options.max_resets times, all within options.media_timeout). The
//   steps stop at the first that fails; the account is disconnected after each endpoint. An
//   endpoint whose connection failed gets no account steps. Logging in may upload prekeys, as any
//   login does.
ProbeReport run_probe(const ProbeTarget& target, Account* account, PluggableTransports* transports, crypto::Rng& rng,
                      const ProbeOptions& options = {});

// "direct", "socks5", "http_connect", "fronted" (an SNI or Host of its own) or "obfs4".
std::string transport_name(const Endpoint& endpoint);

}  // namespace hush::client
