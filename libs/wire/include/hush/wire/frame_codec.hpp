// Encodes and decodes the Frames of the client <-> server API (proto/hush/wire/api.proto). Every
// frame is padded to one of kFrameSizes, so an observer of the TLS stream sees a few fixed
// record sizes whatever travels: text, receipts or media chunks (ARCHITECTURE.md decision 6).
// Decoding is bounded by kMaxFrameSize before anything is parsed.
#pragma once

#include <array>
#include <cstddef>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/wire/api.pb.h"
#include "hush/wire/content_codec.hpp"

namespace hush::wire {

// The sizes a frame is padded to. Text messages and receipts fit the smallest; a media chunk of
// kMediaChunkSize fills the 16 KiB frame, and so does any message with a large thumbnail.
inline constexpr std::array<std::size_t, 4> kFrameSizes = {1024, 4096, 16384, 65536};
// The largest frame accepted; a bigger one closes the connection with "frame_too_large".
inline constexpr std::size_t kMaxFrameSize = kFrameSizes.back();
// Media bytes per AppendChunk or MediaChunk: leaves room for the frame's fields in 16 KiB.
inline constexpr std::size_t kMediaChunkSize = 15 * 1024;

// Both ends pad every TLS 1.3 record they write to a multiple of this many bytes (OpenSSL's
// SSL_CTX_set_block_padding), so that what frames cannot pad — the WebSocket upgrade with its
// Host, WebSocket control frames, a frame's few header bytes, the handshake's certificate — shows
// only to 256 bytes. It costs up to a quarter of a 1 KiB frame; a 16 KiB record is full anyway.
inline constexpr std::size_t kTlsRecordPadding = 256;

// The frame size for an unpadded encoding of `size` bytes (0 when above kMaxFrameSize).
std::size_t frame_size_for(std::size_t size);

// Serializes `frame` (its padding replaced) padded to a size in kFrameSizes. kTooLarge when it
// does not fit kMaxFrameSize; kInvalidField when no kind is set.
Result<Bytes, WireError> encode_frame(const api::Frame& frame);

// Parses a frame: kTooLarge above kMaxFrameSize (checked before parsing), kMalformed for bytes
// that are not a Frame, kInvalidField for a frame with no kind.
Result<api::Frame, WireError> decode_frame(ByteView encoded);

}  // namespace hush::wire
