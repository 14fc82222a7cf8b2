// The link code and the sealed link payload (device_link.hpp).
#include "hush/client/account/device_link.hpp"

#include <algorithm>

#include "hush/crypto/aead.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::client {

namespace {

// What the payload key is derived for, so that it can serve nothing else.
constexpr std::string_view kLinkInfo = "hush-device-link-v1";

std::optional<crypto::AeadKey> payload_key(const crypto::PrivateKey& ours, const crypto::PublicKey& theirs,
                                           const crypto::PublicKey& sender, const crypto::PublicKey& receiver) {
  auto shared = crypto::agree(ours, theirs);
  if (!shared.ok()) return std::nullopt;
  crypto::AeadKey key;
  const Bytes salt = concat(ByteView(sender.raw()), ByteView(receiver.raw()));
  crypto::hkdf_sha256(shared->view(), salt, as_bytes(kLinkInfo), key.mutable_view());
  return key;
}

}  // namespace

std::string format_link_code(const LinkCode& code) {
  return std::string(kLinkCodePrefix) + to_hex(code.link_id) + to_hex(code.key.raw());
}

std::optional<LinkCode> parse_link_code(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
  if (!text.starts_with(kLinkCodePrefix)) return std::nullopt;
  text.remove_prefix(kLinkCodePrefix.size());
  if (text.size() != 2 * (kLinkIdSize + crypto::kCurveKeySize)) return std::nullopt;
  auto bytes = from_hex(text);
  if (!bytes) return std::nullopt;
  auto key = crypto::PublicKey::from_raw(ByteView(*bytes).subspan(kLinkIdSize));
  if (!key.ok()) return std::nullopt;
  return LinkCode{Bytes(bytes->begin(), bytes->begin() + kLinkIdSize), *key};
}

Bytes seal_link_payload(const LinkCode& code, ByteView payload, crypto::Rng& rng) {
  const crypto::KeyPair ephemeral = crypto::KeyPair::generate(rng);
  auto key = payload_key(ephemeral.private_key, code.key, ephemeral.public_key, code.key);
  if (!key) return {};  // a low-order key in the code: nothing can be sealed to it
  return concat(ByteView(ephemeral.public_key.raw()), crypto::aead_seal(*key, payload, code.link_id, rng));
}

std::optional<crypto::SecretBytes> open_link_payload(const LinkCode& code, const crypto::PrivateKey& key,
                                                     ByteView sealed) {
  if (sealed.size() < crypto::kCurveKeySize + crypto::kAeadSealOverhead || sealed.size() > kMaxSealedLinkSize) {
    return std::nullopt;
  }
  auto sender = crypto::PublicKey::from_raw(sealed.first(crypto::kCurveKeySize));
  if (!sender.ok()) return std::nullopt;
  auto aead_key = payload_key(key, *sender, *sender, code.key);
  if (!aead_key) return std::nullopt;
  auto opened = crypto::aead_open(*aead_key, sealed.subspan(crypto::kCurveKeySize), code.link_id);
  if (!opened.ok()) return std::nullopt;
  return std::move(*opened);
}

}  // namespace hush::client
