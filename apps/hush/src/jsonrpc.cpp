// JSON-RPC 2.0 framing and dispatch (jsonrpc.hpp). Every check on a request happens here, before a
// method sees it: the methods get an object of params and answer with a result or an RpcError.
#include "jsonrpc.hpp"

#include <exception>

#include "message_json.hpp"

namespace hush::cli {

namespace {

using nlohmann::json;

// How much of an unknown method's name the error repeats: enough to spot a typo.
constexpr std::size_t kMaxEchoedName = 64;

json error_object(const RpcError& error) {
  json object{{"code", error.code}, {"message", error.message}};
  if (!error.data.is_null()) object["data"] = error.data;
  return object;
}

std::string error_line(int code, std::string message, const json& id = nullptr) {
  return to_json_line(rpc_error_response(RpcError{code, std::move(message), nullptr}, id));
}

// JSON-RPC 2.0, section 4: an id is a string, a number or null.
bool valid_id(const json& id) {
  return id.is_string() || id.is_number() || id.is_null();
}

}  // namespace

json rpc_error_response(const RpcError& error, const json& id) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", error_object(error)}};
}

json rpc_notification(std::string_view method, json params) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

void RpcDispatcher::add(std::string name, RpcMethod method) {
  methods_[std::move(name)] = std::move(method);
}

std::string RpcDispatcher::line_too_long_response() {
  return error_line(kRpcInvalidRequest, "request line longer than " + std::to_string(kMaxRpcLineSize) + " bytes");
}

std::optional<std::string> RpcDispatcher::handle_line(std::string_view line, RpcPeer& peer) const {
  // No exceptions from the parser: a malformed line is an answer, not a failure. The parser keeps
  // its nesting on the heap, so a deeply nested line cannot exhaust the stack.
  const json request = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return error_line(kRpcParseError, "parse error: not JSON");
  if (request.is_array()) return error_line(kRpcInvalidRequest, "batch requests are not supported");
  if (!request.is_object()) return error_line(kRpcInvalidRequest, "a request is a JSON object");

  // Untrusted members are only looked at by reference until checked: copying a deeply nested value
  // would recurse (destroying one does not).
  const auto id_member = request.find("id");
  const bool notification = id_member == request.end();
  if (!notification && !valid_id(*id_member)) {
    return error_line(kRpcInvalidRequest, "id must be a string, a number or null");
  }
  const json id = notification ? json(nullptr) : *id_member;

  const auto version = request.find("jsonrpc");
  if (version == request.end() || *version != "2.0") {
    return error_line(kRpcInvalidRequest, "jsonrpc must be \"2.0\"", id);
  }
  const auto method_name = request.find("method");
  if (method_name == request.end() || !method_name->is_string()) {
    return error_line(kRpcInvalidRequest, "method must be a string", id);
  }
  const auto method = methods_.find(method_name->get_ref<const std::string&>());
  if (method == methods_.end()) {
    if (notification) return std::nullopt;
    return error_line(kRpcMethodNotFound,
                      "method not found: " + method_name->get<std::string>().substr(0, kMaxEchoedName), id);
  }
  static const json kNoParams = json::object();
  const json* params = &kNoParams;
  if (const auto given = request.find("params"); given != request.end()) {
    if (!given->is_object()) {
      if (notification) return std::nullopt;
      return error_line(kRpcInvalidParams, "params must be an object (named parameters)", id);
    }
    params = &*given;
  }

  std::optional<RpcResult> result;
  try {
    result.emplace(method->second(*params, peer));
  } catch (const std::exception& error) {
    // A bug in a method: answered, logged by nobody but the caller, and the daemon goes on.
    result.emplace(fail(RpcError{kRpcInternalError, std::string("internal error: ") + error.what(), nullptr}));
  }
  if (notification) return std::nullopt;
  if (!result->ok()) return to_json_line(rpc_error_response(result->error(), id));
  return to_json_line(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(**result)}});
}

std::vector<LineSplitter::Line> LineSplitter::feed(std::string_view bytes) {
  std::vector<Line> lines;
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (!skipping_) {
      if (partial_.size() + piece.size() > max_line_size_) {
        // Reported now, not at the newline: a client that never sends one still gets its answer.
        partial_.clear();
        partial_.shrink_to_fit();
        skipping_ = true;
        lines.push_back(Line{"", true});
      } else {
        partial_.append(piece);
      }
    }
    if (newline == std::string_view::npos) break;
    if (!skipping_) {
      if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
      if (!partial_.empty()) lines.push_back(Line{std::move(partial_), false});
    }
    partial_.clear();
    skipping_ = false;
    bytes.remove_prefix(newline + 1);
  }
  return lines;
}

std::optional<LineSplitter::Line> LineSplitter::finish() {
  const bool had_line = !skipping_ && !partial_.empty();
  std::optional<Line> line;
  if (had_line) line = Line{std::move(partial_), false};
  partial_.clear();
  skipping_ = false;
  return line;
}

}  // namespace hush::cli
