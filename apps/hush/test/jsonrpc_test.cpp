// The JSON-RPC framing and dispatcher on hostile input: malformed JSON, oversize and split lines,
// wrong request shapes, unknown methods, params that are not an object, a method that throws.
#include "jsonrpc.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace hush::cli {
namespace {

using nlohmann::json;

json parse(const std::optional<std::string>& line) {
  EXPECT_TRUE(line.has_value());
  return line ? json::parse(*line) : json();
}

int error_code(const std::optional<std::string>& line) {
  return parse(line)["error"]["code"].get<int>();
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dispatcher_.add("echo", [this](const json& params, RpcPeer&) -> RpcResult {
      ++calls_;
      return json{{"params", params}};
    });
    dispatcher_.add("refuse", [](const json&, RpcPeer&) -> RpcResult {
      return fail(RpcError{-32001, "no", json{{"kind", "transport"}}});
    });
    dispatcher_.add("throws", [](const json&, RpcPeer&) -> RpcResult { throw std::runtime_error("bug"); });
  }

  std::optional<std::string> handle(std::string_view line) { return dispatcher_.handle_line(line, peer_); }

  RpcDispatcher dispatcher_;
  RpcPeer peer_;
  int calls_ = 0;
};

TEST_F(DispatcherTest, AnswersARequestWithItsId) {
  const json response = parse(handle(R"({"jsonrpc":"2.0","id":7,"method":"echo","params":{"a":1}})"));
  EXPECT_EQ(response["jsonrpc"], "2.0");
  EXPECT_EQ(response["id"], 7);
  EXPECT_EQ(response["result"]["params"]["a"], 1);
  EXPECT_FALSE(response.contains("error"));

  const json with_string_id = parse(handle(R"({"jsonrpc":"2.0","id":"x-1","method":"echo"})"));
  EXPECT_EQ(with_string_id["id"], "x-1");
  EXPECT_EQ(with_string_id["result"]["params"], json::object());  // no params: {}
}

TEST_F(DispatcherTest, MalformedJsonIsAParseErrorWithNullId) {
  for (const char* line : {"{", "not json", R"({"jsonrpc":"2.0",})", "\xff\xfe", "{\"a\":\"\xc3\x28\"}"}) {
    const json response = parse(handle(line));
    EXPECT_EQ(response["error"]["code"], kRpcParseError) << line;
    EXPECT_TRUE(response["id"].is_null());
  }
  EXPECT_EQ(calls_, 0);
}

TEST_F(DispatcherTest, WrongShapesAreInvalidRequests) {
  EXPECT_EQ(error_code(handle("42")), kRpcInvalidRequest);
  EXPECT_EQ(error_code(handle(R"("echo")")), kRpcInvalidRequest);
  EXPECT_EQ(error_code(handle(R"([{"jsonrpc":"2.0","id":1,"method":"echo"}])")), kRpcInvalidRequest);  // batch
  EXPECT_EQ(error_code(handle(R"({"id":1,"method":"echo"})")), kRpcInvalidRequest);                    // no version
  EXPECT_EQ(error_code(handle(R"({"jsonrpc":"1.0","id":1,"method":"echo"})")), kRpcInvalidRequest);
  EXPECT_EQ(error_code(handle(R"({"jsonrpc":"2.0","id":1})")), kRpcInvalidRequest);  // no method
  EXPECT_EQ(error_code(handle(R"({"jsonrpc":"2.0","id":1,"method":5})")), kRpcInvalidRequest);
  EXPECT_EQ(error_code(handle(R"({"jsonrpc":"2.0","id":{"a":1},"method":"echo"})")), kRpcInvalidRequest);
  EXPECT_EQ(error_code(handle(R"({"jsonrpc":"2.0","id":[1],"method":"echo"})")), kRpcInvalidRequest);
  EXPECT_EQ(calls_, 0);
  // The id is echoed once it is known to be valid.
  EXPECT_EQ(parse(handle(R"({"jsonrpc":"1.0","id":3,"method":"echo"})"))["id"], 3);
}

TEST_F(DispatcherTest, UnknownMethodIsMethodNotFound) {
  const json response = parse(handle(R"({"jsonrpc":"2.0","id":2,"method":"nope"})"));
  EXPECT_EQ(response["error"]["code"], kRpcMethodNotFound);
  EXPECT_EQ(response["id"], 2);
  // A long name is not echoed in full.
  const std::string long_name(10000, 'x');
  const json long_response = parse(handle(R"({"jsonrpc":"2.0","id":2,"method":")" + long_name + "\"}"));
  EXPECT_LT(long_response["error"]["message"].get<std::string>().size(), 200u);
}

TEST_F(DispatcherTest, ParamsMustBeAnObject) {
  EXPECT_EQ(error_code(handle(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[1,2]})")), kRpcInvalidParams);
  EXPECT_EQ(error_code(handle(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":"a"})")), kRpcInvalidParams);
  EXPECT_EQ(calls_, 0);
}

TEST_F(DispatcherTest, NotificationsGetNoAnswerButRun) {
  EXPECT_FALSE(handle(R"({"jsonrpc":"2.0","method":"echo"})").has_value());
  EXPECT_EQ(calls_, 1);
  EXPECT_FALSE(handle(R"({"jsonrpc":"2.0","method":"nope"})").has_value());
  EXPECT_FALSE(handle(R"({"jsonrpc":"2.0","method":"refuse"})").has_value());
  // id null is a request (discouraged by the specification, but answered).
  EXPECT_TRUE(parse(handle(R"({"jsonrpc":"2.0","id":null,"method":"echo"})"))["id"].is_null());
}

TEST_F(DispatcherTest, MethodErrorsCarryTheirData) {
  const json response = parse(handle(R"({"jsonrpc":"2.0","id":1,"method":"refuse"})"));
  EXPECT_EQ(response["error"]["code"], -32001);
  EXPECT_EQ(response["error"]["message"], "no");
  EXPECT_EQ(response["error"]["data"]["kind"], "transport");
  EXPECT_FALSE(response.contains("result"));
}

TEST_F(DispatcherTest, AThrowingMethodIsAnInternalErrorNotACrash) {
  EXPECT_EQ(error_code(handle(R"({"jsonrpc":"2.0","id":1,"method":"throws"})")), kRpcInternalError);
  EXPECT_FALSE(handle(R"({"jsonrpc":"2.0","method":"throws"})").has_value());
}

TEST_F(DispatcherTest, DeepNestingDoesNotExhaustTheStack) {
  const std::size_t depth = 200000;
  const std::string nested = std::string(depth, '[') + std::string(depth, ']');
  EXPECT_EQ(error_code(handle(nested)), kRpcInvalidRequest);
  const std::string in_params = R"({"jsonrpc":"2.0","id":1,"method":"refuse","params":{"a":)" + nested + "}}";
  EXPECT_EQ(error_code(handle(in_params)), -32001);
  EXPECT_EQ(error_code(handle(std::string(depth, '['))), kRpcParseError);
}

TEST_F(DispatcherTest, InvalidUtf8InAnAnswerIsReplacedNotThrown) {
  // The parser refuses invalid UTF-8, so it can only come from a method's own result.
  dispatcher_.add("bytes", [](const json&, RpcPeer&) -> RpcResult { return json("\xff\xfe"); });
  const json response = parse(handle(R"({"jsonrpc":"2.0","id":1,"method":"bytes"})"));
  EXPECT_EQ(response["result"], "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(LineTooLongResponse, IsAnInvalidRequestWithNullId) {
  const json response = json::parse(RpcDispatcher::line_too_long_response());
  EXPECT_EQ(response["error"]["code"], kRpcInvalidRequest);
  EXPECT_TRUE(response["id"].is_null());
}

std::vector<std::string> texts(const std::vector<LineSplitter::Line>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) out.push_back(line.too_long ? "<too long>" : line.text);
  return out;
}

TEST(LineSplitter, SplitsOnNewlinesAcrossFeeds) {
  LineSplitter splitter(100);
  EXPECT_EQ(texts(splitter.feed("ab")), std::vector<std::string>{});
  EXPECT_EQ(texts(splitter.feed("c\nde\r\n\n\nf")), (std::vector<std::string>{"abc", "de"}));
  EXPECT_EQ(texts(splitter.feed("g\n")), std::vector<std::string>{"fg"});
  EXPECT_FALSE(splitter.finish().has_value());
}

TEST(LineSplitter, FinishReturnsTheUnterminatedLine) {
  LineSplitter splitter(100);
  (void)splitter.feed("last");
  const auto last = splitter.finish();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->text, "last");
  EXPECT_FALSE(splitter.finish().has_value());
}

TEST(LineSplitter, AnOversizeLineIsReportedOnceAndSkippedToItsNewline) {
  LineSplitter splitter(10);
  EXPECT_EQ(texts(splitter.feed("0123456789")), std::vector<std::string>{});  // exactly the bound: fine so far
  EXPECT_EQ(texts(splitter.feed("x")), std::vector<std::string>{"<too long>"});
  EXPECT_EQ(texts(splitter.feed(std::string(100000, 'y'))), std::vector<std::string>{});
  EXPECT_EQ(texts(splitter.feed("zz\nok\n")), std::vector<std::string>{"ok"});
  EXPECT_EQ(texts(splitter.feed("0123456789\n")), std::vector<std::string>{"0123456789"});
  (void)splitter.feed(std::string(11, 'a'));
  EXPECT_FALSE(splitter.finish().has_value());  // an oversize tail at the end is dropped, not returned
}

TEST(LineSplitter, TheDefaultBoundIsOneMebibyte) {
  LineSplitter splitter;
  const std::string big(kMaxRpcLineSize + 1, 'a');
  EXPECT_EQ(texts(splitter.feed(big + "\n{}\n")), (std::vector<std::string>{"<too long>", "{}"}));
}

}  // namespace
}  // namespace hush::cli
