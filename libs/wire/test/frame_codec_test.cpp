#include "hush/wire/frame_codec.hpp"

#include <gtest/gtest.h>

namespace hush::wire {
namespace {

api::Frame send_frame(std::size_t content_size) {
  api::Frame frame;
  auto* send = frame.mutable_request()->mutable_send();
  frame.mutable_request()->set_id(42);
  send->set_recipient("bob");
  send->set_message_id(std::string(16, 'i'));
  auto* envelope = send->add_envelopes();
  envelope->set_device_id(1);
  envelope->set_type(2);
  envelope->set_content(std::string(content_size, 'c'));
  return frame;
}

TEST(FrameCodec, EveryFrameHasOneOfTheFixedSizes) {
  for (std::size_t size = 0; size < 70000; size += (size < 20000 ? 1 : 97)) {
    auto encoded = encode_frame(send_frame(size));
    if (!encoded.ok()) {
      EXPECT_EQ(encoded.error(), WireError::kTooLarge);
      EXPECT_GT(size, kMaxFrameSize - 64);
      continue;
    }
    EXPECT_EQ(encoded->size(), frame_size_for(encoded->size())) << size;
    auto decoded = decode_frame(*encoded);
    ASSERT_TRUE(decoded.ok()) << size;
    EXPECT_EQ(decoded->request().send().envelopes(0).content().size(), size);
    EXPECT_TRUE(decoded->padding().empty());
  }
}

TEST(FrameCodec, TextAndMediaChunksShareSizes) {
  api::Frame chunk;
  chunk.mutable_request()->mutable_append_chunk()->set_data(std::string(kMediaChunkSize, 'm'));
  chunk.mutable_request()->mutable_append_chunk()->set_media_id(std::string(16, 'x'));
  chunk.mutable_request()->mutable_append_chunk()->set_offset(1ull << 40);
  EXPECT_EQ(encode_frame(chunk)->size(), 16384u);
  EXPECT_EQ(encode_frame(send_frame(300))->size(), 1024u);
}

TEST(FrameCodec, RejectsOversizedGarbageAndEmptyFrames) {
  Bytes oversized(kMaxFrameSize + 1, 0);
  EXPECT_EQ(decode_frame(oversized).error(), WireError::kTooLarge);
  Bytes garbage{0xff, 0xff, 0xff};
  EXPECT_EQ(decode_frame(garbage).error(), WireError::kMalformed);
  Bytes empty;
  EXPECT_EQ(decode_frame(empty).error(), WireError::kInvalidField);
  EXPECT_EQ(encode_frame(api::Frame{}).error(), WireError::kInvalidField);
  EXPECT_EQ(encode_frame(send_frame(kMaxFrameSize)).error(), WireError::kTooLarge);
}

}  // namespace
}  // namespace hush::wire

namespace hush::wire {
namespace {

TEST(FrameCodec, DecodeRefusesWhatEncodeCannotPad) {
  for (std::size_t content_size = kMaxFrameSize - 17000; content_size <= kMaxFrameSize; content_size += 7) {
    api::Frame frame = send_frame(content_size);
    const std::string raw = frame.SerializeAsString();
    if (raw.size() > kMaxFrameSize) break;
    EXPECT_EQ(decode_frame(as_bytes(raw)).ok(), encode_frame(frame).ok()) << raw.size();
  }
}

}  // namespace
}  // namespace hush::wire
