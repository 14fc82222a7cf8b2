// Bounded parsers of the two container formats whose duration a recording's facts carry:
// ISO base media files (ISO/IEC 14496-12: MP4, M4A, MOV, 3GP) and RIFF WAVE (also RF64). They
// read a few header bytes at a time through a random-access reader, never the whole file, so a
// movie header behind gigabytes of media data costs a handful of small reads.
// Does not own: other formats (MP3, Ogg, FLAC, WebM/Matroska give no duration), or opening files
// (file_facts.hpp does, and fuzz/fuzz_media_duration drives these parsers from memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "hush/base/bytes.hpp"

namespace hush::client {

// The most boxes (ISO-BMFF) or chunks (WAVE) one file may make the parser visit, all levels
// together. A normal file has a dozen top-level boxes (ftyp, free, mdat, moov, ...); fragmented
// MP4 has its moov first. Bounds the work a hostile file causes to this many small reads.
inline constexpr std::size_t kMaxMediaBoxesVisited = 1024;

// Fills all of `out` with the file's bytes from `offset`, or returns false (past the end, or an
// error). Called with small `out` only (at most 32 bytes).
using ByteReader = std::function<bool(std::uint64_t offset, MutableByteView out)>;

// The duration in milliseconds (rounded down) of the ISO-BMFF or WAVE file of `file_size` bytes
// that `read_at` reads, or nullopt: another format, a malformed or truncated structure, more than
// kMaxMediaBoxesVisited boxes, a zero time scale or byte rate, an "unknown" duration (all ones),
// or a duration over 2^32 - 1 ms (49 days).
// ISO-BMFF: the file must start with an ftyp, moov, mdat, free, skip or wide box; top-level
// boxes are walked (32-bit sizes, 64-bit "largesize", size 0 = to the end of the file) to moov,
// whose mvhd (version 0 or 1) gives duration / timescale. When that duration is 0 (a fragmented
// file), moov/mvex/mehd's fragment duration is used instead. Every box must lie inside its parent.
// WAVE: "RIFF" or "RF64", "WAVE", then chunks up to fmt (byte rate) and data (size; RF64 takes it
// from ds64); a data size running past the end of the file (a recording still being written) is
// cut to what the file holds.
std::optional<std::uint32_t> media_duration_ms(const ByteReader& read_at, std::uint64_t file_size);

}  // namespace hush::client
