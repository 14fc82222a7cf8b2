// The JSON and human forms of messages and contacts: every documented field, null for unknowns,
// invalid UTF-8 and control characters from the network.
#include "message_json.hpp"

#include <gtest/gtest.h>

#include "message_text.hpp"

namespace hush::cli {
namespace {

using nlohmann::json;

client::Message incoming(std::string kind, std::string body = "") {
  client::Message message;
  message.id = Bytes(16, 0x0f);
  message.peer = "alice";
  message.peer_device = 2;
  message.timestamp_ms = 1700000000123;
  message.kind = std::move(kind);
  message.body = std::move(body);
  return message;
}

TEST(MessageJson, Text) {
  const json out = message_to_json(incoming("text", "hello"), "me");
  EXPECT_EQ(out["id"], "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f");
  EXPECT_EQ(out["from"], "alice");
  EXPECT_EQ(out["to"], "me");
  EXPECT_EQ(out["peer"], "alice");
  EXPECT_EQ(out["outgoing"], false);
  EXPECT_EQ(out["device"], 2);
  EXPECT_EQ(out["timestamp"], 1700000000123u);
  EXPECT_EQ(out["kind"], "text");
  EXPECT_EQ(out["body"], "hello");
  EXPECT_EQ(out["state"], "received");
  EXPECT_TRUE(out["failure"].is_null());
  EXPECT_FALSE(out.contains("attachment"));
  EXPECT_FALSE(out.contains("location"));
  EXPECT_FALSE(out.contains("target"));
  EXPECT_FALSE(out.contains("receipt"));
}

TEST(MessageJson, OutgoingWithStateAndFailure) {
  client::Message message = incoming("text", "hi");
  message.outgoing = true;
  message.peer_device = 0;
  message.state = client::MessageState::kFailed;
  message.failure = "unknown_account";
  const json out = message_to_json(message, "me");
  EXPECT_EQ(out["from"], "me");
  EXPECT_EQ(out["to"], "alice");
  EXPECT_EQ(out["outgoing"], true);
  EXPECT_EQ(out["state"], "failed");
  EXPECT_EQ(out["failure"], "unknown_account");
}

TEST(MessageJson, FileBeforeAndAfterDownload) {
  client::Message message = incoming("file", "the caption");
  client::Attachment file;
  file.file_name = "photo.jpg";
  file.content_type = "image/jpeg";
  file.size = 12345;
  file.width = 640;
  file.height = 480;
  message.attachment = file;
  json out = message_to_json(message, "me");
  const json& pending = out["attachment"];
  EXPECT_TRUE(pending["path"].is_null());
  EXPECT_TRUE(pending["sha256"].is_null());
  EXPECT_EQ(pending["name"], "photo.jpg");
  EXPECT_EQ(pending["size"], 12345);
  EXPECT_EQ(pending["content_type"], "image/jpeg");
  EXPECT_EQ(pending["width"], 640);
  EXPECT_EQ(pending["height"], 480);
  EXPECT_EQ(pending["duration_ms"], 0);
  EXPECT_EQ(pending["voice_note"], false);
  EXPECT_EQ(pending["caption"], "the caption");
  EXPECT_EQ(pending["transfer"], "pending");
  EXPECT_TRUE(pending["failure"].is_null());

  message.attachment->path = "/home/a/attachments/photo.jpg";
  message.attachment->sha256 = Bytes(32, 0xee);
  message.attachment->transfer = client::TransferState::kDone;
  out = message_to_json(message, "me");
  EXPECT_EQ(out["attachment"]["path"], "/home/a/attachments/photo.jpg");
  EXPECT_EQ(out["attachment"]["sha256"], std::string(64, 'e'));
  EXPECT_EQ(out["attachment"]["transfer"], "done");

  message.attachment->transfer = client::TransferState::kFailed;
  message.attachment->failure = "digest_mismatch";
  out = message_to_json(message, "me");
  EXPECT_EQ(out["attachment"]["transfer"], "failed");
  EXPECT_EQ(out["attachment"]["failure"], "digest_mismatch");
}

TEST(MessageJson, LocationReactionDeleteReceipt) {
  client::Message location = incoming("location", "Cafe");
  location.location = client::Location{48.2, 16.3, "Cafe"};
  json out = message_to_json(location, "me");
  EXPECT_DOUBLE_EQ(out["location"]["latitude"].get<double>(), 48.2);
  EXPECT_DOUBLE_EQ(out["location"]["longitude"].get<double>(), 16.3);
  EXPECT_EQ(out["location"]["name"], "Cafe");

  client::Message reaction = incoming("reaction", "\xF0\x9F\x91\x8D");
  reaction.target_id = Bytes(16, 0x01);
  out = message_to_json(reaction, "me");
  EXPECT_EQ(out["target"], "01010101010101010101010101010101");
  EXPECT_EQ(out["body"], "\xF0\x9F\x91\x8D");

  client::Message receipt = incoming("receipt", "read");
  receipt.target_ids = {Bytes(16, 0x02), Bytes(16, 0x03)};
  out = message_to_json(receipt, "me");
  EXPECT_EQ(out["receipt"], "read");
  EXPECT_EQ(out["targets"], (json{"02020202020202020202020202020202", "03030303030303030303030303030303"}));

  client::Message empty_receipt = incoming("receipt", "delivered");
  EXPECT_EQ(message_to_json(empty_receipt, "me")["targets"], json::array());
}

TEST(MessageJson, InvalidUtf8FromTheNetworkIsReplaced) {
  const client::Message message = incoming("text", "bad \xff\xfe bytes");
  std::string line;
  EXPECT_NO_THROW(line = to_json_line(message_to_json(message, "me")));
  EXPECT_NE(line.find("bad \xEF\xBF\xBD\xEF\xBF\xBD bytes"), std::string::npos);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(MessageJson, OneLineEvenWithNewlinesInTheBody) {
  const std::string line = to_json_line(message_to_json(incoming("text", "a\nb"), "me"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(json::parse(line)["body"], "a\nb");
}

TEST(ContactJson, Fields) {
  client::Contact contact;
  contact.name = "bob";
  contact.identity_changed = true;
  contact.added_ms = 5;
  const json out = contact_to_json(contact);
  EXPECT_EQ(out["name"], "bob");
  EXPECT_EQ(out["verified"], false);
  EXPECT_EQ(out["identity_changed"], true);
  EXPECT_EQ(out["awaiting_link_check"], false);
  EXPECT_EQ(out["added_ms"], 5);
}

TEST(MessageText, TextLineAndControlCharacters) {
  const std::string line = message_to_text(incoming("text", "hi\x1b[2J there\nnext"));
  EXPECT_NE(line.find("] alice: hi?[2J there next"), std::string::npos) << line;
  EXPECT_EQ(line.front(), '[');
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
}

TEST(MessageText, ReceiptsFilesAndIdentityChanges) {
  client::Message receipt = incoming("receipt", "read");
  receipt.target_ids = {Bytes(16, 0x02)};
  EXPECT_NE(message_to_text(receipt).find("alice read 02020202020202020202020202020202"), std::string::npos);

  client::Message file = incoming("file");
  client::Attachment attachment;
  attachment.file_name = "a.pdf";
  attachment.size = 2048;
  attachment.path = "/h/attachments/a.pdf";
  attachment.transfer = client::TransferState::kDone;
  file.attachment = attachment;
  EXPECT_NE(message_to_text(file).find("alice: file a.pdf (2.0 KiB) saved to /h/attachments/a.pdf"), std::string::npos)
      << message_to_text(file);

  const std::string warning = message_to_text(incoming("identity_changed"));
  EXPECT_EQ(warning.rfind("WARNING", 0), 0u);
  EXPECT_NE(warning.find("hush trust alice"), std::string::npos);
  EXPECT_NE(warning.find("hush verify alice"), std::string::npos);
}

TEST(MessageText, Sizes) {
  EXPECT_EQ(format_size(0), "0 B");
  EXPECT_EQ(format_size(1023), "1023 B");
  EXPECT_EQ(format_size(1536), "1.5 KiB");
  EXPECT_EQ(format_size(std::uint64_t{5} << 30), "5.0 GiB");
}

}  // namespace
}  // namespace hush::cli
