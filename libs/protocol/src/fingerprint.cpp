// Safety numbers (displayable and scannable).
#include "hush/protocol/fingerprint.hpp"

#include <cstdio>

#include "hush/crypto/hash.hpp"
#include "hush/wire/signal.pb.h"

namespace hush::protocol {
namespace {

constexpr std::size_t kDisplayBytes = 30;
constexpr std::size_t kScannableBytes = 32;

crypto::Sha512Digest iterate(std::string_view stable_id, const IdentityKey& identity, std::uint32_t iterations) {
  const auto key = identity.serialize();
  Bytes first = concat(Bytes{0x00, 0x00}, key, as_bytes(stable_id));
  crypto::Sha512 hash;
  hash.update(first);
  hash.update(key);
  crypto::Sha512Digest digest = hash.final();
  for (std::uint32_t i = 1; i < iterations; ++i) {
    hash.update(digest);
    hash.update(key);
    digest = hash.final();
  }
  return digest;
}

std::string digits(const crypto::Sha512Digest& digest) {
  std::string out;
  for (std::size_t i = 0; i < kDisplayBytes; i += 5) {
    std::uint64_t chunk = 0;
    for (std::size_t j = 0; j < 5; ++j) chunk = (chunk << 8) | digest[i + j];
    char group[6];
    std::snprintf(group, sizeof group, "%05u", static_cast<unsigned>(chunk % 100000));
    out += group;
  }
  return out;
}

}  // namespace

Fingerprint make_fingerprint(std::string_view local_stable_id, const IdentityKey& local_identity,
                             std::string_view remote_stable_id, const IdentityKey& remote_identity,
                             std::uint32_t iterations) {
  const auto local = iterate(local_stable_id, local_identity, iterations);
  const auto remote = iterate(remote_stable_id, remote_identity, iterations);
  const std::string local_digits = digits(local);
  const std::string remote_digits = digits(remote);

  Fingerprint out;
  out.display = local_digits <= remote_digits ? local_digits + remote_digits : remote_digits + local_digits;

  wire::signal::CombinedFingerprints combined;
  combined.set_version(kScannableFingerprintVersion);
  combined.mutable_local_fingerprint()->set_content(local.data(), kScannableBytes);
  combined.mutable_remote_fingerprint()->set_content(remote.data(), kScannableBytes);
  out.scannable.resize(combined.ByteSizeLong());
  combined.SerializeToArray(out.scannable.data(), static_cast<int>(out.scannable.size()));
  return out;
}

Result<bool, ProtocolError> compare_scannable(ByteView ours, ByteView scanned) {
  wire::signal::CombinedFingerprints mine;
  wire::signal::CombinedFingerprints theirs;
  if (ours.size() > kMaxScannableFingerprintSize || scanned.size() > kMaxScannableFingerprintSize ||
      !mine.ParseFromArray(ours.data(), static_cast<int>(ours.size())) ||
      !theirs.ParseFromArray(scanned.data(), static_cast<int>(scanned.size())) || !theirs.has_local_fingerprint() ||
      !theirs.has_remote_fingerprint() || theirs.version() != mine.version()) {
    return fail(ProtocolError::kFingerprintVersionMismatch);
  }
  // Public values: an ordinary comparison is fine.
  return mine.local_fingerprint().content() == theirs.remote_fingerprint().content() &&
         mine.remote_fingerprint().content() == theirs.local_fingerprint().content();
}

std::string format_safety_number(const std::string& display) {
  std::string out;
  for (std::size_t i = 0; i < display.size(); i += 5) {
    if (i) out += ' ';
    out += display.substr(i, 5);
  }
  return out;
}

}  // namespace hush::protocol
