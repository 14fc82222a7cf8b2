// The two implementations behind one shape, so that each session benchmark is written once and
// runs hush and libsignal-protocol-c 2.3.3 (lspc) on the same steps and the same plaintext.
// Owns nothing of the protocol: HushParty and LspcParty (tests/support) do the work.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "hush/base/bytes.hpp"
#include "hush_party.hpp"
#include "lspc_peer.hpp"

namespace hush::bench {

// The plaintext of every session benchmark: 200 bytes, a typical short chat message with its
// Content framing (one AES block of PKCS#7 padding makes the body 208 bytes).
inline constexpr std::size_t kMessageSize = 200;

inline Bytes message_plaintext() {
  Bytes plaintext(kMessageSize);
  for (std::size_t i = 0; i < plaintext.size(); ++i) plaintext[i] = static_cast<std::uint8_t>(i * 31 + 7);
  return plaintext;
}

// A ciphertext in the numbering both libraries share (2 = SignalMessage, 3 = PreKeySignalMessage).
struct Wire {
  int type = 0;
  Bytes serialized;
};

// hush: HushParty with in-memory stores and the system CSPRNG (what a device uses).
struct HushSide {
  using Party = test::HushParty;
  using Bundle = protocol::PreKeyBundle;

  static std::unique_ptr<Party> make(const std::string& name, std::uint32_t device_id) {
    return std::make_unique<Party>(name, device_id);
  }
  static Bundle bundle(Party& party) { return party.make_bundle(true); }
  static bool process(Party& party, const Party& peer, const Bundle& bundle) {
    return party.process_bundle(peer.address(), bundle).ok();
  }
  static std::optional<Wire> encrypt(Party& party, const Party& peer, ByteView plaintext) {
    auto message = party.encrypt(peer.address(), plaintext);
    if (!message) return std::nullopt;
    return Wire{static_cast<int>(message->type), std::move(message->serialized)};
  }
  // True when the message decrypts to exactly kMessageSize bytes.
  static bool decrypt(Party& party, const Party& peer, const Wire& wire) {
    auto plaintext = party.decrypt(peer.address(), wire.type, wire.serialized);
    return plaintext && plaintext->size() == kMessageSize;
  }
};

// lspc: LspcParty, which owns an lspc context, in-memory stores and an OpenSSL crypto provider.
struct LspcSide {
  using Party = test::LspcParty;
  using Bundle = test::LspcBundle;

  static std::unique_ptr<Party> make(const std::string& name, std::uint32_t device_id) {
    return std::make_unique<Party>(name, device_id);
  }
  static Bundle bundle(Party& party) { return party.make_bundle(true); }
  static bool process(Party& party, const Party& peer, const Bundle& bundle) {
    return party.process_bundle(peer.name(), peer.device_id(), bundle) == 0;
  }
  static std::optional<Wire> encrypt(Party& party, const Party& peer, ByteView plaintext) {
    auto message = party.encrypt(peer.name(), peer.device_id(), plaintext);
    if (!message.ok()) return std::nullopt;
    return Wire{message.value.type, std::move(message.value.serialized)};
  }
  static bool decrypt(Party& party, const Party& peer, const Wire& wire) {
    auto plaintext = party.decrypt(peer.name(), peer.device_id(), wire.type, wire.serialized);
    return plaintext.ok() && plaintext.value.size() == kMessageSize;
  }
};

// Sends one message from `from` to `to`; false if either side fails.
template <class Side>
bool send(typename Side::Party& from, typename Side::Party& to, ByteView plaintext) {
  auto wire = Side::encrypt(from, to, plaintext);
  return wire && Side::decrypt(to, from, *wire);
}

// Two parties with an established session in which both have sent and received, so that
// every further message is a plain SignalMessage. Null if any step fails.
template <class Side>
struct Conversation {
  std::unique_ptr<typename Side::Party> alice;
  std::unique_ptr<typename Side::Party> bob;

  static std::optional<Conversation> start(ByteView plaintext) {
    Conversation c{Side::make("alice", 1), Side::make("bob", 1)};
    if (!Side::process(*c.alice, *c.bob, Side::bundle(*c.bob))) return std::nullopt;
    if (!send<Side>(*c.alice, *c.bob, plaintext) || !send<Side>(*c.bob, *c.alice, plaintext)) {
      return std::nullopt;
    }
    return c;
  }
};

}  // namespace hush::bench
