#include "hush/wire/content_codec.hpp"

#include <gtest/gtest.h>

namespace hush::wire {
namespace {

content::Content text_message(const std::string& text) {
  content::Content content;
  content.set_message_id(std::string(kMessageIdSize, '\x07'));
  content.set_timestamp_ms(1700000000000);
  content.mutable_data()->set_text(text);
  return content;
}

TEST(ContentCodec, PadsToBucketsAndRoundTrips) {
  for (std::size_t length : {0, 1, 100, 140, 159, 160, 500, 1600, 5000, 40000}) {
    auto encoded = encode_content(text_message(std::string(length, 'x')));
    ASSERT_TRUE(encoded.ok()) << length;
    EXPECT_EQ(encoded->size(), padded_size(encoded->size())) << length;
    EXPECT_EQ(encoded->size() % 16, 0u) << length;
    auto decoded = decode_content(*encoded);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->data().text(), std::string(length, 'x'));
    EXPECT_TRUE(decoded->padding().empty());
  }
}

TEST(ContentCodec, EveryNearbyLengthFindsABucket) {
  // Covers the sizes where the padding field's length varint changes width.
  for (std::size_t length = 0; length < 3000; ++length) {
    auto encoded = encode_content(text_message(std::string(length, 'y')));
    ASSERT_TRUE(encoded.ok()) << length;
    EXPECT_EQ(encoded->size(), padded_size(encoded->size())) << length;
  }
}

TEST(ContentCodec, SmallMessagesShareOneSize) {
  EXPECT_EQ(encode_content(text_message("hi"))->size(),
            encode_content(text_message("a somewhat longer hello"))->size());
}

TEST(ContentCodec, RejectsOversizedInput) {
  Bytes huge(kMaxContentSize + 1, 0);
  EXPECT_EQ(decode_content(huge).error(), WireError::kTooLarge);
  EXPECT_EQ(encode_content(text_message(std::string(kMaxContentSize, 'z'))).error(), WireError::kTooLarge);
}

TEST(ContentCodec, ExpireTimersOutsideThirtySecondsToFourWeeksAreRefused) {
  for (const std::uint32_t timer : {0u, kMinExpireTimerSeconds, kMaxExpireTimerSeconds}) {
    content::Content content = text_message("x");
    content.mutable_data()->set_expire_timer_seconds(timer);
    auto encoded = encode_content(content);
    ASSERT_TRUE(encoded.ok()) << timer;
    EXPECT_EQ(decode_content(*encoded)->data().expire_timer_seconds(), timer);
  }
  for (const std::uint32_t timer : {1u, kMinExpireTimerSeconds - 1, kMaxExpireTimerSeconds + 1}) {
    content::Content content = text_message("x");
    content.mutable_data()->set_expire_timer_seconds(timer);
    EXPECT_EQ(encode_content(content).error(), WireError::kInvalidField) << timer;
    const std::string raw = content.SerializeAsString();
    EXPECT_EQ(decode_content(as_bytes(raw)).error(), WireError::kInvalidField) << timer;
  }
}

TEST(ContentCodec, RejectsGarbageAndBadFields) {
  Bytes garbage{0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(decode_content(garbage).error(), WireError::kMalformed);

  content::Content no_id = text_message("x");
  no_id.clear_message_id();
  EXPECT_EQ(encode_content(no_id).error(), WireError::kInvalidField);
  std::string raw = no_id.SerializeAsString();
  EXPECT_EQ(decode_content(as_bytes(raw)).error(), WireError::kInvalidField);

  content::Content many = text_message("x");
  for (int i = 0; i <= kMaxAttachments; ++i) many.mutable_data()->add_attachments();
  EXPECT_EQ(encode_content(many).error(), WireError::kInvalidField);

  content::Content big_thumb = text_message("x");
  big_thumb.mutable_data()->add_attachments()->set_thumbnail(std::string(kMaxThumbnailSize + 1, 't'));
  EXPECT_EQ(encode_content(big_thumb).error(), WireError::kInvalidField);

  content::Content receipts = text_message("");
  receipts.mutable_receipt()->set_type(content::ReceiptMessage::READ);
  for (int i = 0; i <= kMaxReceiptIds; ++i) receipts.mutable_receipt()->add_message_ids("id");
  EXPECT_EQ(encode_content(receipts).error(), WireError::kInvalidField);
}

TEST(ContentCodec, ASentTranscriptNamesItsDestinationAndCarriesContent) {
  content::Content transcript = text_message("");
  transcript.mutable_sent_transcript()->set_destination("bob");
  transcript.mutable_sent_transcript()->set_content(text_message("hi").SerializeAsString());
  EXPECT_TRUE(decode_content(*encode_content(transcript)).ok());
  transcript.mutable_sent_transcript()->set_destination(std::string(kMaxTranscriptDestinationSize + 1, 'b'));
  EXPECT_EQ(encode_content(transcript).error(), WireError::kInvalidField);
  transcript.mutable_sent_transcript()->set_destination("");
  EXPECT_EQ(encode_content(transcript).error(), WireError::kInvalidField);
  transcript.mutable_sent_transcript()->set_destination("bob");
  transcript.mutable_sent_transcript()->clear_content();
  EXPECT_EQ(encode_content(transcript).error(), WireError::kInvalidField);
}

TEST(ContentCodec, AGroupIdIsSixteenBytesWhereverItIsNamed) {
  const std::string id(kGroupIdSize, 'g'), short_id(kGroupIdSize - 1, 'g');
  content::Content data = text_message("to the group");
  data.mutable_data()->mutable_group()->set_group_id(id);
  EXPECT_TRUE(encode_content(data).ok());
  data.mutable_data()->mutable_group()->set_group_id(short_id);
  EXPECT_EQ(encode_content(data).error(), WireError::kInvalidField);
  data.mutable_data()->mutable_group()->set_group_id("");  // a group context without its group
  EXPECT_EQ(encode_content(data).error(), WireError::kInvalidField);

  content::Content receipt = text_message("");
  receipt.mutable_receipt()->add_message_ids("0123456789abcdef");
  EXPECT_TRUE(encode_content(receipt).ok());  // no group: a 1:1 receipt
  receipt.mutable_receipt()->set_group_id(id);
  EXPECT_TRUE(encode_content(receipt).ok());
  receipt.mutable_receipt()->set_group_id(short_id);
  EXPECT_EQ(encode_content(receipt).error(), WireError::kInvalidField);

  content::Content key = text_message("");
  key.mutable_group_sender_key()->set_distribution("chain");
  EXPECT_EQ(encode_content(key).error(), WireError::kInvalidField);
  key.mutable_group_sender_key()->set_group_id(id);
  EXPECT_TRUE(encode_content(key).ok());

  content::Content typing = text_message("");
  typing.mutable_typing()->set_group_id(id + "x");
  EXPECT_EQ(encode_content(typing).error(), WireError::kInvalidField);
}

TEST(ContentCodec, CarriesEveryKindOfContent) {
  content::Content content = text_message("caption below");
  auto* attachment = content.mutable_data()->add_attachments();
  attachment->set_content_type("audio/ogg");
  attachment->set_flags(content::AttachmentPointer::VOICE_NOTE);
  attachment->set_duration_ms(4200);
  content.mutable_data()->mutable_location()->set_latitude(52.52);
  content.mutable_data()->mutable_reaction()->set_emoji("👍");
  content.mutable_data()->mutable_delete_()->set_target_message_id("0123456789abcdef");
  auto decoded = decode_content(*encode_content(content));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->data().attachments(0).duration_ms(), 4200u);
  EXPECT_DOUBLE_EQ(decoded->data().location().latitude(), 52.52);
  EXPECT_EQ(decoded->data().reaction().emoji(), "👍");
}

}  // namespace
}  // namespace hush::wire

namespace hush::wire {
namespace {

// Regressions from fuzzing: decode accepted unpadded sizes that encode could not pad.
TEST(ContentCodec, DecodeRefusesWhatEncodeCannotPad) {
  for (std::size_t unpadded : {std::size_t{262014}, std::size_t{262143}, kMaxContentSize - 16387}) {
    content::Content content = text_message("");
    const std::size_t overhead = content.ByteSizeLong() + 1 + 3;  // text tag + 3-byte length
    content.mutable_data()->set_text(std::string(unpadded - overhead, 'p'));
    const std::string raw = content.SerializeAsString();
    if (raw.size() != unpadded) continue;  // the varint widths differ: not this boundary
    auto decoded = decode_content(as_bytes(raw));
    auto encoded = encode_content(content);
    EXPECT_EQ(decoded.ok(), encoded.ok()) << unpadded;
  }
  for (std::size_t size = kMaxContentSize - 20000; size <= kMaxContentSize; size += 61) {
    content::Content content = text_message(std::string(size - 40, 'q'));
    const std::string raw = content.SerializeAsString();
    if (raw.size() > kMaxContentSize) continue;
    EXPECT_EQ(decode_content(as_bytes(raw)).ok(), encode_content(content).ok()) << raw.size();
  }
}

TEST(ContentCodec, InvalidUtf8IsMalformed) {
  content::Content content = text_message("ok");
  std::string raw = content.SerializeAsString();
  const std::size_t at = raw.find("ok");
  raw[at] = '\xff';
  EXPECT_EQ(decode_content(as_bytes(raw)).error(), WireError::kMalformed);
}

}  // namespace
}  // namespace hush::wire
