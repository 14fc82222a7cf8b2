// SIGINT and SIGTERM for the long-running commands (`receive --follow`, `daemon`): the handler only
// sets a flag, which the loops check between library calls, so a store transaction is never cut
// short and the command ends cleanly with exit code 0.
#pragma once

namespace hush::cli {

// Installs the handlers (without SA_RESTART, so that poll() returns early) and ignores SIGPIPE (a
// reader that went away is reported by write(), not by killing the process).
void install_stop_handlers();

// True once SIGINT or SIGTERM arrived.
bool stop_requested();

}  // namespace hush::cli
