// The one mapping from ClientErrorKind to the hush command's exit codes (exit_codes.hpp).
#include "exit_codes.hpp"

namespace hush::cli {

ExitCode exit_code_for(const client::ClientError& error) {
  switch (error.kind) {
    case client::ClientErrorKind::kStore: return kExitAccount;
    case client::ClientErrorKind::kNotRegistered: return kExitAccount;
    case client::ClientErrorKind::kTransport: return kExitNetwork;
    case client::ClientErrorKind::kServer: return kExitServerRefused;
    case client::ClientErrorKind::kUntrustedIdentity: return kExitUntrustedIdentity;
    case client::ClientErrorKind::kInvalidArgument: return kExitInvalidInput;
    case client::ClientErrorKind::kProtocol: return kExitProtocol;
  }
  return kExitProtocol;  // not reached: every kind is handled above
}

std::string exit_code_help() {
  return "Exit codes:\n"
         "  0  ok\n"
         "  1  usage error (the command line is wrong)\n"
         "  2  no account in the home, wrong passphrase or key file, or the local store failed\n"
         "  3  the server is unreachable; a message being sent is queued and goes at the next connection\n"
         "  4  the server refused (its reason is printed)\n"
         "  5  a contact's identity key changed: check `hush verify NAME`, then run `hush trust NAME`\n"
         "  6  invalid input (a file that cannot be read, a text or caption too long, ...)\n"
         "  7  a contact's keys or a message could not be processed (protocol error)\n";
}

}  // namespace hush::cli
