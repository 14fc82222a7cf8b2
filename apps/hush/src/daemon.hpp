// `hush daemon --jsonrpc`: serves JSON-RPC 2.0 (jsonrpc.hpp, rpc_methods.hpp) over stdio or a Unix
// stream socket for as long as it runs, keeping the account connected (reconnecting with
// backoff.hpp's delays) and pushing every new message to subscribed clients.
#pragma once

#include <filesystem>
#include <optional>

#include "unlock.hpp"

namespace hush::cli {

struct DaemonOptions {
  // Serve on a Unix stream socket at this path (created 0600, removed on exit) instead of stdio.
  std::optional<std::filesystem::path> socket_path;
};

// Runs until SIGINT/SIGTERM (or, on stdio, the end of stdin): exit code 0; kExitUsage when the
// socket cannot be created. Logs connection changes to stderr, never message content.
int run_daemon(Session& session, const DaemonOptions& options);

}  // namespace hush::cli
