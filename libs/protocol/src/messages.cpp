// Framing, serialization and bounded parsing of the four v3 ciphertext messages.
#include "hush/protocol/messages.hpp"

#include "hush/crypto/hash.hpp"
#include "hush/protocol/limits.hpp"
#include "hush/wire/signal.pb.h"

namespace hush::protocol {
namespace {

namespace pb = hush::wire::signal;

// Checks size bounds and the version nibble; libsignal-protocol-c reads only the high nibble.
Result<std::uint8_t, ProtocolError> check_frame(ByteView serialized, std::size_t trailer) {
  if (serialized.size() > kMaxSerializedMessageSize) return fail(ProtocolError::kMessageTooLarge);
  if (serialized.size() <= 1 + trailer) return fail(ProtocolError::kInvalidMessage);
  std::uint8_t version = serialized[0] >> 4;
  if (version < kCiphertextVersion) return fail(ProtocolError::kLegacyMessage);
  if (version > kCiphertextVersion) return fail(ProtocolError::kInvalidVersion);
  return version;
}

template <class Proto>
bool parse_body(Proto& proto, ByteView serialized, std::size_t trailer) {
  return proto.ParseFromArray(serialized.data() + 1, static_cast<int>(serialized.size() - 1 - trailer));
}

// version ‖ protobuf, with `trailer` bytes of room reserved at the end.
template <class Proto>
Bytes frame(const Proto& proto, std::size_t trailer) {
  const std::size_t body = proto.ByteSizeLong();
  Bytes out(1 + body + trailer);
  out[0] = kVersionByte;
  proto.SerializeToArray(out.data() + 1, static_cast<int>(body));
  return out;
}

std::string key_bytes(const crypto::PublicKey& key) {
  auto serialized = key.serialize();
  return std::string(serialized.begin(), serialized.end());
}

Result<crypto::PublicKey, ProtocolError> parse_key(const std::string& bytes) {
  auto key = crypto::PublicKey::deserialize(as_bytes(bytes));
  if (!key) return fail(ProtocolError::kInvalidKey);
  return *key;
}

crypto::SecretArray<32> compute_mac(const crypto::PublicKey& sender_identity,
                                    const crypto::PublicKey& receiver_identity, const crypto::SecretArray<32>& mac_key,
                                    ByteView framed) {
  crypto::HmacSha256 hmac(mac_key.view());
  hmac.update(sender_identity.serialize());
  hmac.update(receiver_identity.serialize());
  hmac.update(framed);
  return hmac.final();
}

}  // namespace

// ---- SignalMessage ----

SignalMessage SignalMessage::create(const crypto::PublicKey& ratchet_key, std::uint32_t counter,
                                    std::uint32_t previous_counter, Bytes ciphertext,
                                    const crypto::SecretArray<32>& mac_key, const crypto::PublicKey& sender_identity,
                                    const crypto::PublicKey& receiver_identity) {
  pb::SignalMessage proto;
  proto.set_ratchet_key(key_bytes(ratchet_key));
  proto.set_counter(counter);
  proto.set_previous_counter(previous_counter);
  proto.set_ciphertext(ciphertext.data(), ciphertext.size());

  SignalMessage message;
  message.ratchet_key_ = ratchet_key;
  message.counter_ = counter;
  message.previous_counter_ = previous_counter;
  message.ciphertext_ = std::move(ciphertext);
  message.serialized_ = frame(proto, kMacSize);
  const std::size_t framed = message.serialized_.size() - kMacSize;
  auto mac = compute_mac(sender_identity, receiver_identity, mac_key, ByteView(message.serialized_).first(framed));
  std::copy_n(mac.data(), kMacSize, message.serialized_.begin() + static_cast<std::ptrdiff_t>(framed));
  return message;
}

Result<SignalMessage, ProtocolError> SignalMessage::parse(ByteView serialized) {
  auto version = check_frame(serialized, kMacSize);
  if (!version) return fail(version.error());
  pb::SignalMessage proto;
  if (!parse_body(proto, serialized, kMacSize)) return fail(ProtocolError::kInvalidMessage);
  if (!proto.has_ratchet_key() || !proto.has_counter() || !proto.has_ciphertext()) {
    return fail(ProtocolError::kInvalidMessage);
  }
  auto ratchet_key = parse_key(proto.ratchet_key());
  if (!ratchet_key) return fail(ratchet_key.error());

  SignalMessage message;
  message.version_ = *version;
  message.ratchet_key_ = *ratchet_key;
  message.counter_ = proto.counter();
  message.previous_counter_ = proto.previous_counter();
  ByteView ciphertext = as_bytes(proto.ciphertext());
  message.ciphertext_.assign(ciphertext.begin(), ciphertext.end());
  message.serialized_.assign(serialized.begin(), serialized.end());
  return message;
}

bool SignalMessage::verify_mac(const crypto::PublicKey& sender_identity, const crypto::PublicKey& receiver_identity,
                               const crypto::SecretArray<32>& mac_key) const {
  const std::size_t framed = serialized_.size() - kMacSize;
  auto expected = compute_mac(sender_identity, receiver_identity, mac_key, ByteView(serialized_).first(framed));
  return crypto::constant_time_equal(expected.view().first(kMacSize), ByteView(serialized_).subspan(framed));
}

// ---- PreKeySignalMessage ----

PreKeySignalMessage PreKeySignalMessage::create(std::uint32_t registration_id, std::optional<std::uint32_t> prekey_id,
                                                std::uint32_t signed_prekey_id, const crypto::PublicKey& base_key,
                                                const crypto::PublicKey& identity_key, SignalMessage message) {
  pb::PreKeySignalMessage proto;
  proto.set_registration_id(registration_id);
  if (prekey_id) proto.set_pre_key_id(*prekey_id);
  proto.set_signed_pre_key_id(signed_prekey_id);
  proto.set_base_key(key_bytes(base_key));
  proto.set_identity_key(key_bytes(identity_key));
  proto.set_message(message.serialized().data(), message.serialized().size());

  PreKeySignalMessage out;
  out.registration_id_ = registration_id;
  out.prekey_id_ = prekey_id;
  out.signed_prekey_id_ = signed_prekey_id;
  out.base_key_ = base_key;
  out.identity_key_ = identity_key;
  out.message_ = std::move(message);
  out.serialized_ = frame(proto, 0);
  return out;
}

Result<PreKeySignalMessage, ProtocolError> PreKeySignalMessage::parse(ByteView serialized) {
  auto version = check_frame(serialized, 0);
  if (!version) return fail(version.error());
  pb::PreKeySignalMessage proto;
  if (!parse_body(proto, serialized, 0)) return fail(ProtocolError::kInvalidMessage);
  if (!proto.has_signed_pre_key_id() || !proto.has_base_key() || !proto.has_identity_key() || !proto.has_message()) {
    return fail(ProtocolError::kInvalidMessage);
  }
  auto base_key = parse_key(proto.base_key());
  if (!base_key) return fail(base_key.error());
  auto identity_key = parse_key(proto.identity_key());
  if (!identity_key) return fail(identity_key.error());
  auto inner = SignalMessage::parse(as_bytes(proto.message()));
  if (!inner) return fail(inner.error());
  if (inner->version() != *version) return fail(ProtocolError::kInvalidMessage);

  PreKeySignalMessage out;
  out.version_ = *version;
  out.registration_id_ = proto.registration_id();
  if (proto.has_pre_key_id()) out.prekey_id_ = proto.pre_key_id();
  out.signed_prekey_id_ = proto.signed_pre_key_id();
  out.base_key_ = *base_key;
  out.identity_key_ = *identity_key;
  out.message_ = std::move(*inner);
  out.serialized_.assign(serialized.begin(), serialized.end());
  return out;
}

// ---- SenderKeyMessage ----

SenderKeyMessage SenderKeyMessage::create(std::uint32_t key_id, std::uint32_t iteration, Bytes ciphertext,
                                          const crypto::PrivateKey& signing_key, crypto::Rng& rng) {
  pb::SenderKeyMessage proto;
  proto.set_id(key_id);
  proto.set_iteration(iteration);
  proto.set_ciphertext(ciphertext.data(), ciphertext.size());

  SenderKeyMessage out;
  out.key_id_ = key_id;
  out.iteration_ = iteration;
  out.ciphertext_ = std::move(ciphertext);
  out.serialized_ = frame(proto, crypto::kSignatureSize);
  const std::size_t signed_size = out.serialized_.size() - crypto::kSignatureSize;
  auto signature = crypto::sign(signing_key, ByteView(out.serialized_).first(signed_size), rng);
  std::copy(signature.begin(), signature.end(), out.serialized_.begin() + static_cast<std::ptrdiff_t>(signed_size));
  return out;
}

Result<SenderKeyMessage, ProtocolError> SenderKeyMessage::parse(ByteView serialized) {
  auto version = check_frame(serialized, crypto::kSignatureSize);
  if (!version) return fail(version.error());
  pb::SenderKeyMessage proto;
  if (!parse_body(proto, serialized, crypto::kSignatureSize)) return fail(ProtocolError::kInvalidMessage);
  if (!proto.has_id() || !proto.has_iteration() || !proto.has_ciphertext()) {
    return fail(ProtocolError::kInvalidMessage);
  }
  SenderKeyMessage out;
  out.key_id_ = proto.id();
  out.iteration_ = proto.iteration();
  ByteView ciphertext = as_bytes(proto.ciphertext());
  out.ciphertext_.assign(ciphertext.begin(), ciphertext.end());
  out.serialized_.assign(serialized.begin(), serialized.end());
  return out;
}

bool SenderKeyMessage::verify_signature(const crypto::PublicKey& signing_key) const {
  const std::size_t signed_size = serialized_.size() - crypto::kSignatureSize;
  return crypto::verify(signing_key, ByteView(serialized_).first(signed_size),
                        ByteView(serialized_).subspan(signed_size));
}

// ---- SenderKeyDistributionMessage ----

SenderKeyDistributionMessage SenderKeyDistributionMessage::create(std::uint32_t key_id, std::uint32_t iteration,
                                                                  const crypto::SecretArray<32>& chain_key,
                                                                  const crypto::PublicKey& signing_key) {
  pb::SenderKeyDistributionMessage proto;
  proto.set_id(key_id);
  proto.set_iteration(iteration);
  proto.set_chain_key(chain_key.data(), chain_key.size());
  proto.set_signing_key(key_bytes(signing_key));

  SenderKeyDistributionMessage out;
  out.key_id_ = key_id;
  out.iteration_ = iteration;
  out.chain_key_ = chain_key;
  out.signing_key_ = signing_key;
  Bytes framed = frame(proto, 0);
  out.serialized_ = crypto::SecretBytes(framed);
  crypto::secure_wipe(framed.data(), framed.size());
  crypto::secure_wipe(proto.mutable_chain_key()->data(), proto.chain_key().size());
  return out;
}

Result<SenderKeyDistributionMessage, ProtocolError> SenderKeyDistributionMessage::parse(ByteView serialized) {
  auto version = check_frame(serialized, 0);
  if (!version) return fail(version.error());
  pb::SenderKeyDistributionMessage proto;
  if (!parse_body(proto, serialized, 0)) return fail(ProtocolError::kInvalidMessage);
  if (!proto.has_id() || !proto.has_iteration() || !proto.has_chain_key() || !proto.has_signing_key() ||
      proto.chain_key().size() != 32) {
    return fail(ProtocolError::kInvalidMessage);
  }
  auto signing_key = parse_key(proto.signing_key());
  if (!signing_key) return fail(signing_key.error());

  SenderKeyDistributionMessage out;
  out.key_id_ = proto.id();
  out.iteration_ = proto.iteration();
  out.chain_key_.assign(as_bytes(proto.chain_key()));
  out.signing_key_ = *signing_key;
  out.serialized_ = crypto::SecretBytes(serialized);
  crypto::secure_wipe(proto.mutable_chain_key()->data(), proto.chain_key().size());
  return out;
}

}  // namespace hush::protocol
