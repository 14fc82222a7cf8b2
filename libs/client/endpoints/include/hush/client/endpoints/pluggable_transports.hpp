// The pluggable transports an account runs for its endpoints: today the obfs4proxy client that
// reaches obfs4 bridges (libs/pt). Started on first need, kept for the next connection, started
// again if it died; stopped with the object. Owns the process and its state folder; not the
// connection through it (failover.hpp hands the SOCKS5 settings to the transport).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "hush/base/result.hpp"
#include "hush/client/endpoints/endpoint_list.hpp"
#include "hush/client/transport/transport_error.hpp"
#include "hush/pt/obfs4.hpp"

namespace hush::client {

// The folder in a home where an account's transports keep their state (HOME/transports).
inline constexpr std::string_view kPluggableTransportsFolder = "transports";

// Not thread-safe. obfs4proxy dies with the thread that started it (PR_SET_PDEATHSIG): use it from
// a thread that lives as long as the connections through it (a program's main thread).
class PluggableTransports {
 public:
  // obfs4proxy keeps its state in `state_dir` (created 0700); `options.state_dir` is replaced.
  explicit PluggableTransports(std::filesystem::path state_dir, pt::Obfs4ClientOptions options = {});
  ~PluggableTransports();
  PluggableTransports(const PluggableTransports&) = delete;
  PluggableTransports& operator=(const PluggableTransports&) = delete;

  // The SOCKS5 proxy that reaches `bridge` (at the endpoint's address): obfs4proxy's local port,
  // with the bridge's cert and iat-mode as credentials. kTransportUnavailable when obfs4proxy
  // cannot be started (not installed, or it failed; last_failure() says why).
  Result<ProxySettings, TransportError> obfs4_proxy(const Obfs4Bridge& bridge);

  // Why the last start failed, for a person ("obfs4proxy not installed: apt-get install ...").
  const std::string& last_failure() const { return last_failure_; }

 private:
  pt::Obfs4ClientOptions options_;
  std::unique_ptr<pt::Obfs4Client> obfs4_;
  std::string last_failure_;
};

}  // namespace hush::client
