// Helpers shared by the request handlers: filling Status with a named reason, mapping storage
// errors to API errors, and converting fixed-size byte fields.
#pragma once

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "hush/base/bytes.hpp"
#include "hush/server/options.hpp"
#include "hush/storage/error.hpp"
#include "hush/wire/api.pb.h"

namespace hush::server {

namespace api = wire::api;

inline void set_status(api::Response& response, api::Status::Code code, std::string_view reason) {
  response.mutable_status()->set_code(code);
  response.mutable_status()->set_reason(std::string(reason));
}

inline void set_limit(api::Response& response, std::string_view limit, std::uint64_t value) {
  set_status(response, api::Status::LIMIT_EXCEEDED, limit);
  response.mutable_status()->set_limit(std::string(limit));
  response.mutable_status()->set_limit_value(value);
}

// The API's answer to a storage error that the handler does not treat specially.
inline void set_storage_error(api::Response& response, storage::StorageError error, const storage::Options& limits) {
  using storage::StorageError;
  switch (error) {
    case StorageError::kNotFound: return set_status(response, api::Status::NOT_FOUND, "not_found");
    case StorageError::kConflict: return set_status(response, api::Status::CONFLICT, "conflict");
    case StorageError::kInvalidArgument: return set_status(response, api::Status::BAD_REQUEST, "invalid_argument");
    case StorageError::kTooLarge: return set_status(response, api::Status::LIMIT_EXCEEDED, "too_large");
    case StorageError::kLimitExceeded: return set_status(response, api::Status::LIMIT_EXCEEDED, "limit_exceeded");
    case StorageError::kQueueFull: return set_limit(response, "max_queue_depth", limits.max_queue_depth);
    case StorageError::kQuotaExceeded:
      return set_limit(response, "media_quota_per_account", limits.media_quota_per_account);
    case StorageError::kDigestMismatch: return set_status(response, api::Status::BAD_REQUEST, "digest_mismatch");
    case StorageError::kCorrupt:
    case StorageError::kIncompatibleSchema:
    case StorageError::kIo: return set_status(response, api::Status::UNAVAILABLE, "storage_unavailable");
  }
  set_status(response, api::Status::INTERNAL, "internal");
}

// Copies `bytes` into a fixed-size array; nullopt unless the size matches exactly.
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> fixed(const std::string& bytes) {
  if (bytes.size() != N) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(out.data()));
  return out;
}

template <std::size_t N>
std::string to_field(const std::array<std::uint8_t, N>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), N);
}

inline ByteView field_bytes(const std::string& field) {
  return {reinterpret_cast<const std::uint8_t*>(field.data()), field.size()};
}

}  // namespace hush::server
