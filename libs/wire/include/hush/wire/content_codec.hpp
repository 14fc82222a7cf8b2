// Encodes and decodes the Content that travels inside the end-to-end encryption
// (proto/hush/wire/content.proto), padding it to a size bucket so that the ciphertext length
// says little about what is inside. Decoding is bounded: every limit below is named.
#pragma once

#include <cstddef>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/wire/content.pb.h"

namespace hush::wire {

// Largest encoded (padded) Content accepted. Media never travels inline (only thumbnails), so
// 256 KiB leaves room for long texts and a thumbnail while bounding what a peer can make us parse.
inline constexpr std::size_t kMaxContentSize = 256 * 1024;
// A message id is 16 random bytes: the dedup key on sender, server and recipient.
inline constexpr std::size_t kMessageIdSize = 16;
// At most this many attachments in one message (WhatsApp and Signal allow 30-32).
inline constexpr int kMaxAttachments = 32;
// Inline thumbnails are previews, not media: 32 KiB is plenty for a small JPEG.
inline constexpr std::size_t kMaxThumbnailSize = 32 * 1024;
// Receipts acknowledge at most this many messages at once.
inline constexpr int kMaxReceiptIds = 1000;
// A sent transcript's destination: an account name or "#" and a group id in hex, with room to spare.
inline constexpr std::size_t kMaxTranscriptDestinationSize = 64;
// A group's id: 16 random bytes chosen by its creator.
inline constexpr std::size_t kGroupIdSize = 16;
// Disappearing-message timers, in seconds (DataMessage.expire_timer_seconds; 0 = off): from 30
// seconds to 4 weeks, as Signal and WhatsApp offer. Anything else is an invalid field.
inline constexpr std::uint32_t kMinExpireTimerSeconds = 30;
inline constexpr std::uint32_t kMaxExpireTimerSeconds = 28 * 24 * 60 * 60;
// Sizes up to this are padded to a multiple of kSmallBucket; larger ones to 1/8 of their
// power of two (at most 12.5% overhead). Both keep the padded size a multiple of 16 (AES block).
inline constexpr std::size_t kSmallBucket = 160;
inline constexpr std::size_t kSmallBucketLimit = 1600;

enum class WireError {
  kTooLarge,      // larger than the named limit
  kMalformed,     // not a valid protobuf encoding
  kInvalidField,  // well-formed but violates a limit (id size, counts, thumbnail size)
};

const char* to_string(WireError error);

// The padded size for an unpadded size of `size` bytes.
std::size_t padded_size(std::size_t size);

// Serializes `content` (its padding field is replaced) padded to padded_size().
Result<Bytes, WireError> encode_content(const content::Content& content);

// Parses and validates an encoded Content.
Result<content::Content, WireError> decode_content(ByteView encoded);

}  // namespace hush::wire
