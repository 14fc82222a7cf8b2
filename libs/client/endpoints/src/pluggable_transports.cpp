// PluggableTransports: the obfs4proxy client, started lazily and restarted when it has died.
#include "hush/client/endpoints/pluggable_transports.hpp"

namespace hush::client {

PluggableTransports::PluggableTransports(std::filesystem::path state_dir, pt::Obfs4ClientOptions options)
    : options_(std::move(options)) {
  options_.state_dir = std::move(state_dir);
}

PluggableTransports::~PluggableTransports() = default;

Result<ProxySettings, TransportError> PluggableTransports::obfs4_proxy(const Obfs4Bridge& bridge) {
  if (!obfs4_ || !obfs4_->running()) {
    obfs4_.reset();
    auto started = pt::Obfs4Client::start(options_);
    if (!started.ok()) {
      last_failure_ = pt::describe(started.error());
      return fail(TransportError::kTransportUnavailable);
    }
    obfs4_ = std::move(*started);
  }
  auto credentials = pt::obfs4_socks_credentials(bridge.cert, bridge.iat_mode);
  if (!credentials.ok()) return fail(TransportError::kInvalidArgument);
  ProxySettings proxy;
  proxy.kind = ProxySettings::kSocks5;
  proxy.host = obfs4_->socks_host();
  proxy.port = obfs4_->socks_port();
  proxy.username = std::move(credentials->username);
  proxy.password = std::move(credentials->password);
  return proxy;
}

}  // namespace hush::client
