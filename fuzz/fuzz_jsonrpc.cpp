// Fuzzes the daemon's JSON-RPC framing and dispatch (apps/hush/src/jsonrpc.cpp): a byte stream as a
// socket client may send it, split into bounded lines, each answered by the dispatcher with a table
// of two methods. Every answer to a request is one JSON object with "jsonrpc": "2.0" and either a
// result or an error; no line is longer than the bound; nothing throws out of the dispatcher.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "jsonrpc.hpp"

namespace {

// A small bound so that the fuzzer reaches the too-long path with short inputs.
constexpr std::size_t kFuzzLineSize = 256;

void check_answer(const std::string& line) {
  const auto answer = nlohmann::json::parse(line, nullptr, false);
  HUSH_FUZZ_CHECK(answer.is_object());
  HUSH_FUZZ_CHECK(answer.value("jsonrpc", "") == "2.0");
  HUSH_FUZZ_CHECK(answer.contains("result") != answer.contains("error"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hush::cli;
  static const RpcDispatcher dispatcher = [] {
    RpcDispatcher table;
    table.add("echo", [](const nlohmann::json& params, RpcPeer&) -> RpcResult { return params; });
    table.add("subscribe", [](const nlohmann::json& params, RpcPeer& peer) -> RpcResult {
      if (!params.is_object() || params.size() > 1) {
        return hush::fail(RpcError{kRpcInvalidParams, "expected {} or {\"on\": bool}", nullptr});
      }
      peer.subscribed = params.value("on", true);
      return nlohmann::json(true);
    });
    return table;
  }();
  LineSplitter splitter(kFuzzLineSize);
  RpcPeer peer;
  auto handle = [&](const LineSplitter::Line& line) {
    if (line.too_long) {
      HUSH_FUZZ_CHECK(line.text.empty());
      check_answer(RpcDispatcher::line_too_long_response());
      return;
    }
    HUSH_FUZZ_CHECK(line.text.size() <= kFuzzLineSize);
    if (auto answer = dispatcher.handle_line(line.text, peer)) check_answer(*answer);
  };
  // Fed in two pieces, as a socket may deliver them.
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const auto& line : splitter.feed(bytes.substr(0, size / 2))) handle(line);
  for (const auto& line : splitter.feed(bytes.substr(size / 2))) handle(line);
  if (auto last = splitter.finish()) handle(*last);
  return 0;
}
