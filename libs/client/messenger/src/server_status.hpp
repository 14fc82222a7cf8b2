// Internal: what a server's answer other than OK means for the messenger.
#pragma once

#include "hush/client/account/client_error.hpp"
#include "hush/wire/api.pb.h"

namespace hush::client::detail {

// The server asks to come back later (a rate limit with a retry time).
inline bool asks_to_wait(const wire::api::Status& status) {
  return status.code() == wire::api::Status::LIMIT_EXCEEDED && status.retry_after_ms() > 0;
}

// A refusal as a ClientError: the server's own trouble (unavailable, internal, asked to wait) is
// kTransport — what was being sent stays queued — and anything else kServer with its reason.
inline ClientError status_failure(const wire::api::Status& status) {
  if (status.code() == wire::api::Status::UNAVAILABLE || status.code() == wire::api::Status::INTERNAL ||
      asks_to_wait(status)) {
    return ClientError{ClientErrorKind::kTransport, status.reason().empty() ? "unavailable" : status.reason()};
  }
  return ClientError::server(status.reason().empty() ? wire::api::Status::Code_Name(status.code()) : status.reason());
}

}  // namespace hush::client::detail
