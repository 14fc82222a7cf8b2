// The hush command's exit codes: what each outcome returns, so that scripts can tell "try again
// later" (kNetwork) from "fix something first". The whole mapping from ClientError lives in
// exit_codes.cpp; docs/cli.md and `hush --help` list the same table.
#pragma once

#include <string>

#include "hush/client/account/client_error.hpp"

namespace hush::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,              // the command line is wrong (CLI11 says what)
  kExitAccount = 2,            // no account in the home, wrong passphrase or key file, store failure
  kExitNetwork = 3,            // the server is unreachable; a message is queued where that applies
  kExitServerRefused = 4,      // the server refused (its reason is printed)
  kExitUntrustedIdentity = 5,  // a contact's identity key changed: check `hush verify`, then `hush trust`
  kExitInvalidInput = 6,       // an input the library refused (unreadable file, text too long, ...)
  kExitProtocol = 7,           // a contact's keys or a message could not be processed
};

// The exit code for a failed library call.
ExitCode exit_code_for(const client::ClientError& error);

// The table above as text, for `hush --help`.
std::string exit_code_help();

}  // namespace hush::cli
