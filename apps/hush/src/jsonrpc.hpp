// JSON-RPC 2.0 over newline-delimited JSON, as `hush daemon --jsonrpc` speaks it: splitting a byte
// stream into bounded lines, and turning one request line into one response line through a table
// of methods. Knows nothing of hush's methods (rpc_methods.hpp) or of sockets (daemon.cpp), so
// tests drive it with strings.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hush/base/result.hpp"

namespace hush::cli {

// Longest request line, newline excluded. A file is sent by path, so requests are small; 1 MiB
// leaves room for a long text with every character escaped while bounding what one client can make
// the daemon hold. A longer line is answered with kInvalidRequest and discarded up to its newline.
inline constexpr std::size_t kMaxRpcLineSize = std::size_t{1} << 20;

// The codes of the JSON-RPC 2.0 specification, section 5.1.
inline constexpr int kRpcParseError = -32700;
inline constexpr int kRpcInvalidRequest = -32600;
inline constexpr int kRpcMethodNotFound = -32601;
inline constexpr int kRpcInvalidParams = -32602;
inline constexpr int kRpcInternalError = -32603;

struct RpcError {
  int code = kRpcInternalError;
  std::string message;
  nlohmann::json data;  // null: no "data" member
};

// What one connection has asked for; handed to every method it calls.
struct RpcPeer {
  bool subscribed = false;
};

using RpcResult = Result<nlohmann::json, RpcError>;
// A method: its params (an object; {} when the request had none) and the caller's state.
using RpcMethod = std::function<RpcResult(const nlohmann::json& params, RpcPeer& peer)>;

class RpcDispatcher {
 public:
  void add(std::string name, RpcMethod method);

  // Handles one request line: the response line (no newline), or nullopt for a notification (a
  // request without "id"), which is answered by nothing, not even an error. A batch (array) is
  // answered with kInvalidRequest. A method that throws is answered with kInternalError: the
  // daemon keeps serving.
  std::optional<std::string> handle_line(std::string_view line, RpcPeer& peer) const;

  // The answer to a line longer than kMaxRpcLineSize.
  static std::string line_too_long_response();

 private:
  std::map<std::string, RpcMethod, std::less<>> methods_;
};

// A response object with an error and the given id (null when the request's id is unknown).
nlohmann::json rpc_error_response(const RpcError& error, const nlohmann::json& id);

// A notification: {"jsonrpc":"2.0","method":method,"params":params}.
nlohmann::json rpc_notification(std::string_view method, nlohmann::json params);

// Splits a byte stream into lines ending in '\n' (a '\r' before it is dropped; empty lines are
// skipped), holding at most max_line_size bytes of an unfinished line.
class LineSplitter {
 public:
  struct Line {
    std::string text;
    bool too_long = false;  // the line exceeded the bound: `text` is empty, the rest is skipped
  };

  explicit LineSplitter(std::size_t max_line_size = kMaxRpcLineSize) : max_line_size_(max_line_size) {}

  // The lines `bytes` completes, in order. A line over the bound yields one too_long entry as soon
  // as it passes the bound; its bytes up to the next '\n' are then dropped.
  std::vector<Line> feed(std::string_view bytes);
  // At the end of the stream: the unterminated last line, if any.
  std::optional<Line> finish();

 private:
  std::size_t max_line_size_;
  std::string partial_;
  bool skipping_ = false;
};

}  // namespace hush::cli
