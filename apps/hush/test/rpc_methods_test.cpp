// hush's JSON-RPC methods over a fake backend: every params check, the mapping of library errors
// to application error codes, and the shape of each answer.
#include "rpc_methods.hpp"

#include <gtest/gtest.h>

namespace hush::cli {
namespace {

using nlohmann::json;

client::Message text_message(std::string peer, std::string body) {
  client::Message message;
  message.id = Bytes(16, 0xab);
  message.peer = std::move(peer);
  message.peer_device = 1;
  message.timestamp_ms = 1700000000000;
  message.kind = "text";
  message.body = std::move(body);
  return message;
}

class FakeBackend final : public RpcBackend {
 public:
  std::string own_username() const override { return "me"; }
  Result<Bytes, client::ClientError> send_text(const std::string& recipient, std::string_view text) override {
    calls.push_back("send_text " + recipient + " " + std::string(text));
    return next_send();
  }
  Result<Bytes, client::ClientError> send_file(const std::string& recipient, const std::filesystem::path& file,
                                               const client::FileOptions& options) override {
    calls.push_back("send_file " + recipient + " " + file.string() + " " + options.caption + " " +
                    (options.voice_note ? "voice" : "file"));
    return next_send();
  }
  Result<Bytes, client::ClientError> send_location(const std::string& recipient,
                                                   const client::Location& location) override {
    calls.push_back("send_location " + recipient + " " + std::to_string(location.latitude) + " " +
                    std::to_string(location.longitude) + " " + location.name);
    return next_send();
  }
  Result<std::vector<client::Message>, client::ClientError> take_received(std::chrono::milliseconds wait) override {
    calls.push_back("take_received " + std::to_string(wait.count()));
    return std::vector<client::Message>{text_message("alice", "hi")};
  }
  Result<std::vector<client::Message>, client::ClientError> history(const std::string& peer) override {
    calls.push_back("history " + peer);
    return std::vector<client::Message>{text_message(peer, "one"), text_message(peer, "two")};
  }
  Result<std::vector<client::Contact>, client::ClientError> contacts() override {
    client::Contact contact;
    contact.name = "alice";
    contact.verified = true;
    return std::vector<client::Contact>{contact};
  }
  Result<std::size_t, client::ClientError> mark_read(const std::string& peer) override {
    calls.push_back("mark_read " + peer);
    return std::size_t{3};
  }
  Result<std::vector<client::Message>, client::ClientError> trust(const std::string& peer) override {
    calls.push_back("trust " + peer);
    if (error) return fail(*error);
    return std::vector<client::Message>{};
  }

  std::vector<std::string> calls;
  std::optional<client::ClientError> error;

 private:
  Result<Bytes, client::ClientError> next_send() {
    if (error) return fail(*error);
    return Bytes(16, 0x11);
  }
};

class RpcMethodsTest : public ::testing::Test {
 protected:
  void SetUp() override { add_hush_methods(dispatcher_, backend_); }

  json call(const std::string& method, const json& params) {
    const json request{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    const auto line = dispatcher_.handle_line(request.dump(), peer_);
    EXPECT_TRUE(line.has_value());
    return line ? json::parse(*line) : json();
  }
  int error_code(const std::string& method, const json& params) {
    const json response = call(method, params);
    EXPECT_TRUE(response.contains("error")) << response.dump();
    return response.contains("error") ? response["error"]["code"].get<int>() : 0;
  }

  FakeBackend backend_;
  RpcDispatcher dispatcher_;
  RpcPeer peer_;
};

TEST_F(RpcMethodsTest, SendsATextAndAnswersTheId) {
  const json response = call("send", {{"recipient", "bob"}, {"text", "hello"}});
  EXPECT_EQ(response["result"]["id"], std::string(32, '1'));
  EXPECT_EQ(backend_.calls, std::vector<std::string>{"send_text bob hello"});
}

TEST_F(RpcMethodsTest, SendsAFileAndALocation) {
  EXPECT_TRUE(call("send", {{"recipient", "bob"}, {"file", "/tmp/a.jpg"}, {"caption", "c"}, {"voice_note", true}})
                  .contains("result"));
  EXPECT_TRUE(
      call("send", {{"recipient", "bob"}, {"location", {{"latitude", 48.5}, {"longitude", -16.25}, {"name", "Cafe"}}}})
          .contains("result"));
  EXPECT_EQ(backend_.calls, (std::vector<std::string>{"send_file bob /tmp/a.jpg c voice",
                                                      "send_location bob 48.500000 -16.250000 Cafe"}));
}

TEST_F(RpcMethodsTest, SendRefusesBadParams) {
  const json bad[] = {
      json::object(),                                                              // nothing
      {{"text", "hi"}},                                                            // no recipient
      {{"recipient", 5}, {"text", "hi"}},                                          // recipient not a string
      {{"recipient", ""}, {"text", "hi"}},                                         // empty recipient
      {{"recipient", "bob"}},                                                      // no content
      {{"recipient", "bob"}, {"text", 5}},                                         // text not a string
      {{"recipient", "bob"}, {"text", "hi"}, {"file", "/tmp/a"}},                  // two contents
      {{"recipient", "bob"}, {"text", "hi"}, {"caption", "c"}},                    // caption without file
      {{"recipient", "bob"}, {"file", "/tmp/a"}, {"voice_note", "yes"}},           // voice_note not a bool
      {{"recipient", "bob"}, {"file", ""}},                                        // empty path
      {{"recipient", "bob"}, {"location", "48,16"}},                               // location not an object
      {{"recipient", "bob"}, {"location", {{"latitude", 48}}}},                    // no longitude
      {{"recipient", "bob"}, {"location", {{"latitude", 91}, {"longitude", 0}}}},  // out of range
      {{"recipient", "bob"}, {"location", {{"latitude", "48"}, {"longitude", 0}}}},
      {{"recipient", "bob"}, {"location", {{"latitude", 1}, {"longitude", 0}, {"name", 3}}}},
  };
  for (const json& params : bad) EXPECT_EQ(error_code("send", params), kRpcInvalidParams) << params.dump();
  EXPECT_TRUE(backend_.calls.empty());
}

TEST_F(RpcMethodsTest, LibraryErrorsBecomeApplicationErrors) {
  backend_.error = client::ClientError{client::ClientErrorKind::kTransport, "connect_failed"};
  json response = call("send", {{"recipient", "bob"}, {"text", "hi"}});
  EXPECT_EQ(response["error"]["code"], -32001);
  EXPECT_EQ(response["error"]["data"]["kind"], "transport");
  EXPECT_EQ(response["error"]["data"]["detail"], "connect_failed");
  EXPECT_EQ(response["error"]["data"]["queued"], true);

  backend_.error = client::ClientError::server("unknown_account");
  response = call("send", {{"recipient", "bob"}, {"text", "hi"}});
  EXPECT_EQ(response["error"]["code"], -32002);
  EXPECT_EQ(response["error"]["data"]["detail"], "unknown_account");
  EXPECT_FALSE(response["error"]["data"].contains("queued"));

  backend_.error = client::ClientError{client::ClientErrorKind::kUntrustedIdentity, "identity_changed"};
  EXPECT_EQ(error_code("trust", {{"peer", "bob"}}), -32004);
}

TEST_F(RpcMethodsTest, ApplicationErrorCodesFollowTheKinds) {
  using client::ClientErrorKind;
  EXPECT_EQ(rpc_error_for({ClientErrorKind::kStore, "busy"}).code, -32000);
  EXPECT_EQ(rpc_error_for({ClientErrorKind::kProtocol, "x"}).code, -32003);
  EXPECT_EQ(rpc_error_for({ClientErrorKind::kNotRegistered, "x"}).code, -32005);
  EXPECT_EQ(rpc_error_for({ClientErrorKind::kInvalidArgument, "text_too_long"}).code, -32006);
}

TEST_F(RpcMethodsTest, ReceiveChecksItsTimeout) {
  for (const json& timeout : {json(-1), json("5"), json(31), json(true), json::array()}) {
    EXPECT_EQ(error_code("receive", {{"timeout", timeout}}), kRpcInvalidParams) << timeout.dump();
  }
  const json response = call("receive", {{"timeout", 0.5}});
  ASSERT_TRUE(response["result"].is_array());
  EXPECT_EQ(response["result"][0]["from"], "alice");
  EXPECT_EQ(response["result"][0]["body"], "hi");
  EXPECT_EQ(call("receive", json::object())["result"].size(), 1u);
  EXPECT_EQ(backend_.calls, (std::vector<std::string>{"take_received 500", "take_received 0"}));
}

TEST_F(RpcMethodsTest, SubscribeAndUnsubscribeChangeTheCaller) {
  EXPECT_EQ(call("subscribe", json::object())["result"], true);
  EXPECT_TRUE(peer_.subscribed);
  EXPECT_EQ(call("unsubscribe", json::object())["result"], true);
  EXPECT_FALSE(peer_.subscribed);
}

TEST_F(RpcMethodsTest, PeerMethodsNeedAPeer) {
  for (const char* method : {"history", "markRead", "trust"}) {
    EXPECT_EQ(error_code(method, json::object()), kRpcInvalidParams) << method;
    EXPECT_EQ(error_code(method, {{"peer", 1}}), kRpcInvalidParams) << method;
  }
  EXPECT_EQ(call("history", {{"peer", "alice"}})["result"].size(), 2u);
  EXPECT_EQ(call("markRead", {{"peer", "alice"}})["result"]["count"], 3);
  EXPECT_TRUE(call("trust", {{"peer", "alice"}})["result"].is_array());
}

TEST_F(RpcMethodsTest, ContactsAndVersion) {
  const json contacts = call("contacts", json::object())["result"];
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0]["name"], "alice");
  EXPECT_EQ(contacts[0]["verified"], true);
  EXPECT_EQ(call("version", json::object())["result"]["name"], "hush");
}

}  // namespace
}  // namespace hush::cli
