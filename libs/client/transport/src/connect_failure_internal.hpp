// Internal: the failure string (connect_failure.hpp) of a Boost.Asio, OpenSSL or Beast error, for
// server_connection.cpp and its tests. Header-only so that the tests need no Beast TU of their own.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/error_code.hpp>
#include <string_view>

#include "hush/client/transport/connect_failure.hpp"

namespace hush::client::detail {

// What the network did, as a failure string; `upgrading` says the error ended the WebSocket
// upgrade (an HTTP-level error there is websocket_upgrade_failed). The certificate check is the
// caller's (it knows whether its verify callback refused).
inline std::string_view failure_from_error(const boost::system::error_code& error, bool upgrading = false) {
  namespace asio = boost::asio;
  if (!error) return "";
  if (error == asio::error::timed_out) return failure::kGenericTimeout;
  if (error == asio::error::eof || error == asio::ssl::error::stream_truncated) return failure::kEof;
  if (error.category() == boost::system::system_category() || error.category() == boost::system::generic_category()) {
    return failure_from_errno(error.value());
  }
  if (error.category() == asio::error::get_netdb_category()) {
    return error == asio::error::host_not_found ? failure::kDnsNxdomain : failure::kDnsLookup;
  }
  if (error.category() == asio::error::get_addrinfo_category()) return failure::kDnsLookup;
  if (error.category() == asio::error::get_ssl_category() ||
      error.category() == asio::ssl::error::get_stream_category()) {
    return failure::kSslFailedHandshake;
  }
  return upgrading ? failure::kWebSocketUpgradeFailed : failure::kUnknown;
}

}  // namespace hush::client::detail
