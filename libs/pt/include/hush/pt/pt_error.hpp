// Errors of running a pluggable transport (libs/pt): each names an outcome the caller handles
// differently (install a package, fix the options, retry later, report a broken transport). The
// transport's own words, when it gave any, travel beside the code in PtFailure.
#pragma once

#include <string>

namespace hush::pt {

enum class PtError {
  kInvalidArgument,  // an empty state_dir, a host that is not an IP literal, port 0 where one is needed
  kNotInstalled,     // no file at the executable path ("apt-get install obfs4proxy")
  kStateDirFailed,   // the state folder could not be created or made private (0700)
  kSpawnFailed,      // pipe, fork or exec failed (e.g. the file is not executable)
  kStartTimeout,     // the transport did not finish its start-up lines within start_timeout
  kExitedEarly,      // the transport closed its stdout (exited) before "CMETHODS/SMETHODS DONE"
  kVersionError,     // VERSION-ERROR, or a VERSION other than 1
  kEnvError,         // ENV-ERROR: the transport refused its environment
  kMethodError,      // CMETHOD-ERROR / SMETHOD-ERROR: the transport could not open the method
  kProtocolError,    // a line that breaks pt-spec (malformed, too long, out of order, wrong method)
};

// A short, stable, lower_snake_case name ("not_installed").
const char* to_string(PtError error);

// A failure and what the transport said about it: the message of VERSION-ERROR, ENV-ERROR,
// CMETHOD-ERROR or SMETHOD-ERROR (at most kMaxPtLineSize bytes, no control characters), or a
// sentence of ours for the other codes. Never holds secrets: the transport's lines hold none.
struct PtFailure {
  PtError error = PtError::kProtocolError;
  std::string message;
};

// "method_error: listen tcp 127.0.0.1:6000: bind: address already in use"; for kNotInstalled
// "obfs4proxy not installed: apt-get install obfs4proxy (no file at PATH)".
std::string describe(const PtFailure& failure);

}  // namespace hush::pt
