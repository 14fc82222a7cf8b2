// LspcParty: one party of a Signal Protocol conversation played by libsignal-protocol-c 2.3.3
// (lspc), for interop tests and benchmarks. It owns an lspc context, in-memory stores and an
// OpenSSL crypto provider; it does not own the other party, the transport, or any hush type.
#pragma once

#include "hush/base/bytes.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace hush::test {

namespace detail {
struct LspcPartyState;  // the lspc context, stores and keys of one party
}  // namespace detail

// lspc's own error codes (signal_protocol.h), so that callers need not include C headers.
// The ones interop tests meet; a negative `code` may also be another SG_ERR_* value.
namespace lspc_error {
inline constexpr int kNoMemory = -12;                      // SG_ERR_NOMEM
inline constexpr int kInvalidArgument = -22;               // SG_ERR_INVAL
inline constexpr int kUnknown = -1000;                     // SG_ERR_UNKNOWN
inline constexpr int kDuplicateMessage = -1001;            // SG_ERR_DUPLICATE_MESSAGE
inline constexpr int kInvalidKey = -1002;                  // SG_ERR_INVALID_KEY
inline constexpr int kInvalidKeyId = -1003;                // SG_ERR_INVALID_KEY_ID
inline constexpr int kInvalidMac = -1004;                  // SG_ERR_INVALID_MAC (lspc never returns it for 1:1 MACs)
inline constexpr int kInvalidMessage = -1005;              // SG_ERR_INVALID_MESSAGE
inline constexpr int kInvalidVersion = -1006;              // SG_ERR_INVALID_VERSION
inline constexpr int kLegacyMessage = -1007;               // SG_ERR_LEGACY_MESSAGE
inline constexpr int kNoSession = -1008;                   // SG_ERR_NO_SESSION
inline constexpr int kUntrustedIdentity = -1010;           // SG_ERR_UNTRUSTED_IDENTITY
inline constexpr int kInvalidProtobuf = -1100;             // SG_ERR_INVALID_PROTO_BUF
inline constexpr int kFingerprintVersionMismatch = -1200;  // SG_ERR_FP_VERSION_MISMATCH
}  // namespace lspc_error

// Message types as lspc numbers them (protocol.h: CIPHERTEXT_*_TYPE).
inline constexpr int kLspcSignalMessage = 2;
inline constexpr int kLspcPreKeySignalMessage = 3;

// What a server would hand out for one device. Public keys are Signal's 33-byte form
// (0x05 ‖ X25519 u-coordinate); the signature is 64 bytes over the 33-byte signed prekey.
struct LspcBundle {
  std::uint32_t registration_id = 0;
  std::uint32_t device_id = 0;
  std::optional<std::uint32_t> one_time_prekey_id;  // nullopt when the bundle has none
  Bytes one_time_prekey;                            // empty when the bundle has none
  std::uint32_t signed_prekey_id = 0;
  Bytes signed_prekey;
  Bytes signed_prekey_signature;
  Bytes identity_key;
};

// A 1:1 ciphertext: `type` is kLspcSignalMessage or kLspcPreKeySignalMessage, `serialized`
// the exact bytes on the wire.
struct LspcCiphertext {
  int type = 0;
  Bytes serialized;
};

// `code` is lspc's return value: >= 0 success (then `value` is set), negative = an lspc_error.
template <class T>
struct LspcResult {
  int code = 0;
  T value{};
  bool ok() const { return code >= 0; }
};

// A Curve25519 key pair in lspc's encodings.
struct LspcKeyPair {
  Bytes public_key;   // 33 bytes, 0x05 prefix
  Bytes private_key;  // 32 bytes, clamped
};

// One device of one user, driven through lspc. Addresses of peers are (name, device id) as
// lspc sees them; each party keeps its own sessions, prekeys, identities and sender keys in
// memory, so two parties in one process never share state.
//
// Not thread-safe: use one party from one thread at a time (different parties may be used
// from different threads). Non-copyable; a moved-from party may only be destroyed or assigned.
class LspcParty {
 public:
  // Creates the lspc context and stores, a fresh identity key pair, a registration id in
  // [1, 16380] and one signed prekey (id 1). Aborts if lspc or OpenSSL cannot be set up
  // (a broken test environment, not an input error). Setting the environment variable
  // HUSH_LSPC_LOG prints lspc's own log lines to stderr.
  LspcParty(std::string name, std::uint32_t device_id);
  ~LspcParty();
  LspcParty(const LspcParty&) = delete;
  LspcParty& operator=(const LspcParty&) = delete;
  LspcParty(LspcParty&&) noexcept;
  LspcParty& operator=(LspcParty&&) noexcept;

  const std::string& name() const;
  std::uint32_t device_id() const;
  std::uint32_t registration_id() const;
  Bytes identity_public() const;   // 33 bytes
  Bytes identity_private() const;  // 32 bytes; tests only

  // --- Prekeys -------------------------------------------------------------------------------
  // A bundle for this device with the current signed prekey and, if asked, a new one-time
  // prekey (stored; ids 1, 2, 3, … in order of creation).
  LspcBundle make_bundle(bool with_one_time_prekey = true);
  // Whether one-time prekey `id` is still stored (lspc removes it after the first successful
  // decryption of a PreKeySignalMessage that used it).
  bool has_one_time_prekey(std::uint32_t id) const;
  // Generates and stores a new signed prekey (id = previous id + 1) that later bundles carry;
  // older signed prekeys stay stored, so messages built on them still decrypt. Returns its id.
  std::uint32_t rotate_signed_prekey();
  // Removes a stored signed prekey, so a PreKeySignalMessage naming it fails.
  void remove_signed_prekey(std::uint32_t id);

  // --- 1:1 sessions --------------------------------------------------------------------------
  // session_builder_process_pre_key_bundle: checks trust, then the signature, then starts a
  // session as the initiator ("Alice"). Returns 0 or an lspc_error; keys that do not decode
  // give kInvalidKey, a missing signature kInvalidArgument (lspc itself would crash on it).
  int process_bundle(const std::string& peer, std::uint32_t peer_device, const LspcBundle& bundle);
  // session_cipher_encrypt. lspc adds no padding. The initiator's messages are PreKey messages
  // until it has decrypted one from the peer.
  LspcResult<LspcCiphertext> encrypt(const std::string& peer, std::uint32_t peer_device, ByteView plaintext);
  // Deserializes `serialized` as `type` (2 or 3; other types give kInvalidArgument) and
  // decrypts it. Any bytes may be passed: malformed input yields an error code, never a crash.
  LspcResult<Bytes> decrypt(const std::string& peer, std::uint32_t peer_device, int type, ByteView serialized);
  bool has_session(const std::string& peer, std::uint32_t peer_device) const;
  bool delete_session(const std::string& peer, std::uint32_t peer_device);
  // session_cipher_get_session_version (3 for every session lspc creates).
  LspcResult<std::uint32_t> session_version(const std::string& peer, std::uint32_t peer_device);
  // The peer's registration id as the session recorded it (from its bundle or PreKey message).
  LspcResult<std::uint32_t> remote_registration_id(const std::string& peer, std::uint32_t peer_device);

  // --- Trust ---------------------------------------------------------------------------------
  // The identity store is trust-on-first-use per (name, device): an unknown identity is
  // trusted, a saved one must match exactly, a changed one gives kUntrustedIdentity unless
  // trust_all is set. lspc checks trust only when it processes a bundle or a PreKey message.
  void set_trust_all(bool trust_all);
  std::optional<Bytes> known_identity(const std::string& peer, std::uint32_t peer_device) const;
  // Records `identity_key33` as the trusted identity (what a user does after verifying a new
  // safety number); an empty view forgets the identity.
  void trust_identity(const std::string& peer, std::uint32_t peer_device, ByteView identity_key33);

  // --- Groups (sender keys) ------------------------------------------------------------------
  // The serialized SenderKeyDistributionMessage of our own sender key in `group_id` (created
  // on first use; later calls describe the same chain at its current iteration).
  LspcResult<Bytes> create_sender_key_distribution(ByteView group_id);
  int process_sender_key_distribution(ByteView group_id, const std::string& sender, std::uint32_t sender_device,
                                      ByteView skdm);
  // A serialized SenderKeyMessage (version ‖ protobuf ‖ 64-byte signature).
  LspcResult<Bytes> group_encrypt(ByteView group_id, ByteView plaintext);
  LspcResult<Bytes> group_decrypt(ByteView group_id, const std::string& sender, std::uint32_t sender_device,
                                  ByteView ciphertext);

  // --- Safety numbers ------------------------------------------------------------------------
  // fingerprint_generator with `iterations` and scannable version 1, our identity as local.
  // lspc reads stable ids as C strings, so an id containing a NUL byte gives kInvalidArgument;
  // a key that does not decode gives kInvalidKey. The 60-digit displayable number:
  LspcResult<std::string> safety_number(ByteView local_stable_id, ByteView remote_stable_id,
                                        ByteView remote_identity_key33, int iterations = 5200);
  // The serialized CombinedFingerprints protobuf (version 1, 32 bytes of each hash):
  LspcResult<Bytes> scannable_fingerprint(ByteView local_stable_id, ByteView remote_stable_id,
                                          ByteView remote_identity_key33, int iterations = 5200);
  // The same for any pair of identity keys (for known-answer vectors).
  static LspcResult<std::string> safety_number_of(ByteView local_stable_id, ByteView local_identity_key33,
                                                  ByteView remote_stable_id, ByteView remote_identity_key33,
                                                  int iterations = 5200);
  static LspcResult<Bytes> scannable_fingerprint_of(ByteView local_stable_id, ByteView local_identity_key33,
                                                    ByteView remote_stable_id, ByteView remote_identity_key33,
                                                    int iterations = 5200);
  // scannable_fingerprint_compare(ours, theirs): 1 if they match (our local is their remote
  // and vice versa), 0 if not, negative on a parse error or version mismatch.
  static int compare_scannable(ByteView ours, ByteView theirs);

  // --- Raw curve functions (lspc's built-in Curve25519 and "curve25519_sign" signatures) -----
  static LspcKeyPair generate_key_pair();
  // 64-byte signature over `message`; empty if the private key is not 32 bytes.
  static Bytes curve_sign(ByteView private32, ByteView message);
  static bool curve_verify(ByteView public33, ByteView message, ByteView signature64);
  // 33 bytes; empty if the private key is not 32 bytes.
  static Bytes curve_public_from_private(ByteView private32);
  // Raw X25519 (32 bytes); empty if a key does not decode. lspc does not reject low-order
  // points: an all-zero result is returned as is.
  static Bytes curve_agree(ByteView public33, ByteView private32);

  // Runs the OpenSSL crypto provider that every party uses against published vectors
  // (RFC 4231 HMAC-SHA256, FIPS 180 SHA-512 with context reuse, SP 800-38A AES-256-CBC/CTR),
  // including recycled contexts. Two lspc parties agree even with a wrong provider, so only this
  // shows it is right. True if every vector matches.
  static bool crypto_provider_self_check();

 private:
  std::unique_ptr<detail::LspcPartyState> impl_;
};

}  // namespace hush::test
