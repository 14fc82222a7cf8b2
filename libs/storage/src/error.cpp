// Names of StorageError values. They appear in logs and in error frames, so they never change.
#include "hush/storage/error.hpp"

namespace hush::storage {

const char* to_string(StorageError error) {
  switch (error) {
    case StorageError::kNotFound: return "not_found";
    case StorageError::kConflict: return "conflict";
    case StorageError::kInvalidArgument: return "invalid_argument";
    case StorageError::kTooLarge: return "too_large";
    case StorageError::kLimitExceeded: return "limit_exceeded";
    case StorageError::kQueueFull: return "queue_full";
    case StorageError::kQuotaExceeded: return "quota_exceeded";
    case StorageError::kDigestMismatch: return "digest_mismatch";
    case StorageError::kCorrupt: return "corrupt";
    case StorageError::kIncompatibleSchema: return "incompatible_schema";
    case StorageError::kIo: return "io";
  }
  return "unknown";
}

}  // namespace hush::storage
