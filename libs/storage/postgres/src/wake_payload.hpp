// Internal to the PostgreSQL backend: the text a wake travels as in a NOTIFY payload. Many wakes go
// in one payload, so a commit of hundreds of envelopes sends a handful of notifications:
//
//   payload := "w1" (" " item)*        "w1": this format, version 1
//   item    := kind account "." device  kind: "e" kEnvelopes, "n" kNotices, "r" kDeviceRemoved
//   account := 1 to 20 decimal digits, at most 2^64 - 1; device := 1 to 10 digits, at most 2^32 - 1
//
// e.g. "w1 e12.1 e40.3 n7.2". kResync is never sent: each node makes it itself.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hush/storage/wakes.hpp"

namespace hush::storage::postgres {

// PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (in the default configuration).
inline constexpr std::size_t kMaxWakePayloadSize = 7999;

// The payloads announcing `wakes` (kResync ones are skipped), each at most kMaxWakePayloadSize
// bytes, every distinct (kind, device) once. Empty when there is nothing to announce.
std::vector<std::string> pack_wakes(std::span<const Wake> wakes);

// The wakes of one payload, in order; nullopt when it is not a well-formed payload of this format
// (then the caller ignores all of it). Bounded: reads at most kMaxWakePayloadSize bytes.
std::optional<std::vector<Wake>> parse_wake_payload(std::string_view payload);

}  // namespace hush::storage::postgres
