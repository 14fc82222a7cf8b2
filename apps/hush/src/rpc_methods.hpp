// hush's JSON-RPC methods (docs/cli.md, "daemon"): checking each method's params, calling the
// messenger through RpcBackend, and the JSON of the answer. The daemon implements RpcBackend over
// a real Messenger (daemon.cpp); the tests over a fake, so every params check is tested offline.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "hush/client/messenger/messenger.hpp"
#include "jsonrpc.hpp"

namespace hush::cli {

// Application error codes: kRpcClientErrorBase minus the ClientErrorKind's position, in the
// range JSON-RPC reserves for servers (-32000 to -32099). docs/cli.md lists them.
inline constexpr int kRpcClientErrorBase = -32000;

// Longest wait a `receive` request may ask for, in seconds. The daemon serves every client from
// one thread, so a waiting receive holds the others up: subscribe is the way to wait longer.
inline constexpr double kMaxRpcReceiveWaitSeconds = 30;

// What the methods need from the messenger. Each call is what Messenger does, except
// take_received, which hands over the messages the daemon received since the last call.
class RpcBackend {
 public:
  virtual ~RpcBackend() = default;
  virtual std::string own_username() const = 0;
  virtual Result<Bytes, client::ClientError> send_text(const std::string& recipient, std::string_view text) = 0;
  virtual Result<Bytes, client::ClientError> send_file(const std::string& recipient, const std::filesystem::path& file,
                                                       const client::FileOptions& options) = 0;
  virtual Result<Bytes, client::ClientError> send_location(const std::string& recipient,
                                                           const client::Location& location) = 0;
  // Receives for up to `wait` more, then returns every message not yet taken, oldest first.
  virtual Result<std::vector<client::Message>, client::ClientError> take_received(std::chrono::milliseconds wait) = 0;
  virtual Result<std::vector<client::Message>, client::ClientError> history(const std::string& peer) = 0;
  virtual Result<std::vector<client::Contact>, client::ClientError> contacts() = 0;
  virtual Result<std::size_t, client::ClientError> mark_read(const std::string& peer) = 0;
  virtual Result<std::vector<client::Message>, client::ClientError> trust(const std::string& peer) = 0;
};

// The RpcError for a failed library call: code from the kind, message describe(error), data
// {kind, detail} (and queued: true for a send that failed with kTransport: it goes later).
RpcError rpc_error_for(const client::ClientError& error, bool queued = false);

// Adds send, receive, subscribe, unsubscribe, history, contacts, markRead, trust and version.
// `backend` must outlive `dispatcher`.
void add_hush_methods(RpcDispatcher& dispatcher, RpcBackend& backend);

}  // namespace hush::cli
