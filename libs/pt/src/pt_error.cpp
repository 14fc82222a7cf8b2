// to_string and describe for PtError (pt_error.hpp).
#include "hush/pt/pt_error.hpp"

namespace hush::pt {

const char* to_string(PtError error) {
  switch (error) {
    case PtError::kInvalidArgument: return "invalid_argument";
    case PtError::kNotInstalled: return "not_installed";
    case PtError::kStateDirFailed: return "state_dir_failed";
    case PtError::kSpawnFailed: return "spawn_failed";
    case PtError::kStartTimeout: return "start_timeout";
    case PtError::kExitedEarly: return "exited_early";
    case PtError::kVersionError: return "version_error";
    case PtError::kEnvError: return "env_error";
    case PtError::kMethodError: return "method_error";
    case PtError::kProtocolError: return "protocol_error";
  }
  return "unknown";
}

std::string describe(const PtFailure& failure) {
  // Its message is already the whole sentence (obfs4.cpp), naming the package to install.
  if (failure.error == PtError::kNotInstalled) return failure.message;
  std::string text = to_string(failure.error);
  if (!failure.message.empty()) text += ": " + failure.message;
  return text;
}

}  // namespace hush::pt
