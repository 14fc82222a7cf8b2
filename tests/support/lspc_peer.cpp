// LspcParty: libsignal-protocol-c driven from C++. Holds the three pieces lspc asks its user to
// supply (research notes 2.11): an OpenSSL 3 crypto provider, five in-memory stores, and the
// calls of the typical flow. Longer than most files because it is the one place C details live.
#include "lspc_peer.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

extern "C" {
#include <curve.h>
#include <fingerprint.h>
#include <group_cipher.h>
#include <group_session_builder.h>
#include <key_helper.h>
#include <protocol.h>
#include <session_builder.h>
#include <session_cipher.h>
#include <session_pre_key.h>
#include <signal_protocol.h>
}

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace hush::test {
namespace {

// ---------------------------------------------------------------------------------------------
// Ownership of C handles.

template <auto Free>
struct CallFree {
  template <class T>
  void operator()(T* pointer) const {
    Free(pointer);
  }
};
template <class T, auto Free>
using Owned = std::unique_ptr<T, CallFree<Free>>;

// lspc's reference-counted objects (keys, messages, records, fingerprints).
struct Unref {
  template <class T>
  void operator()(T* pointer) const {
    SIGNAL_UNREF(pointer);
  }
};
template <class T>
using Ref = std::unique_ptr<T, Unref>;

using Buffer = Owned<signal_buffer, signal_buffer_free>;

// Memory that lspc allocated with malloc.
struct FreeWithFree {
  void operator()(void* pointer) const { std::free(pointer); }
};

// lspc treats a null data pointer with a zero length inconsistently; never hand it one.
const std::uint8_t kEmpty[1] = {0};
const std::uint8_t* data_or_empty(ByteView bytes) {
  return bytes.empty() ? kEmpty : bytes.data();
}

Bytes copy_of(const signal_buffer* buffer) {
  if (buffer == nullptr) return {};
  const std::uint8_t* data = signal_buffer_const_data(buffer);
  return Bytes(data, data + signal_buffer_len(buffer));
}

Bytes serialize(const ec_public_key* key) {
  signal_buffer* raw = nullptr;
  if (ec_public_key_serialize(&raw, key) < 0) return {};
  return copy_of(Buffer(raw).get());
}

// Aborts on a failure that means the test environment is broken, not that an input was bad.
void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "lspc_peer: %s failed\n", what);
    std::abort();
  }
}

// ---------------------------------------------------------------------------------------------
// Crypto provider (OpenSSL 3). The algorithms are fetched once per process; each context keeps
// its own reusable HMAC and cipher contexts so that the per-call cost is only the computation.
// Failures are reported with SG_ERR_UNKNOWN, as lspc's reference provider does.

struct Algorithms {
  Owned<EVP_MAC, EVP_MAC_free> hmac{EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr)};
  Owned<EVP_MD, EVP_MD_free> sha512{EVP_MD_fetch(nullptr, OSSL_DIGEST_NAME_SHA2_512, nullptr)};
  Owned<EVP_CIPHER, EVP_CIPHER_free> aes_256_cbc{EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)};
  Owned<EVP_CIPHER, EVP_CIPHER_free> aes_256_ctr{EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr)};
};

const Algorithms& algorithms() {
  static const Algorithms fetched = [] {
    Algorithms a;
    require(a.hmac && a.sha512 && a.aes_256_cbc && a.aes_256_ctr, "fetching OpenSSL algorithms");
    return a;
  }();
  return fetched;
}

using MacContext = Owned<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using DigestContext = Owned<EVP_MD_CTX, EVP_MD_CTX_free>;
using CipherContext = Owned<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;

// The digest of every HMAC context; a static because OSSL_PARAM wants a mutable string.
char hmac_digest_name[] = "SHA256";

class CryptoState {
 public:
  CryptoState() = default;
  CryptoState(const CryptoState&) = delete;
  CryptoState& operator=(const CryptoState&) = delete;

  // An HMAC-SHA256 context keyed with `key`: recycled from earlier operations when possible
  // (lspc nests at most a few at a time).
  EVP_MAC_CTX* take_hmac(const std::uint8_t* key, std::size_t key_len) {
    MacContext context;
    const OSSL_PARAM digest[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, hmac_digest_name, 0),
                                 OSSL_PARAM_END};
    const OSSL_PARAM* params = nullptr;
    if (!free_hmacs_.empty()) {
      context = std::move(free_hmacs_.back());
      free_hmacs_.pop_back();
    } else {
      context.reset(EVP_MAC_CTX_new(algorithms().hmac.get()));
      if (!context) return nullptr;
      params = digest;  // the digest stays set when the context is re-keyed later
    }
    // A null key would make OpenSSL reuse the previous key of a recycled context.
    if (EVP_MAC_init(context.get(), key != nullptr ? key : kEmpty, key_len, params) != 1) return nullptr;
    return context.release();
  }
  void give_back_hmac(EVP_MAC_CTX* context) {
    if (free_hmacs_.size() < kMaxFreeHmacs) {
      free_hmacs_.emplace_back(context);
    } else {
      EVP_MAC_CTX_free(context);
    }
  }

  // The cipher context for (cipher, direction). The caller sets the algorithm only while the
  // context has none, so that later calls only set key and IV.
  EVP_CIPHER_CTX* cipher_context(int cipher, bool encrypt) {
    CipherContext& slot = ciphers_[cipher == SG_CIPHER_AES_CBC_PKCS5 ? 0 : 1][encrypt ? 0 : 1];
    if (!slot) slot.reset(EVP_CIPHER_CTX_new());
    return slot.get();
  }

  // Scratch space for CBC decryption, whose output length is known only at the end.
  Bytes& scratch() { return scratch_; }

 private:
  static constexpr std::size_t kMaxFreeHmacs = 8;
  std::vector<MacContext> free_hmacs_;
  CipherContext ciphers_[2][2];
  Bytes scratch_;
};

CryptoState& crypto_of(void* user_data) {
  return *static_cast<CryptoState*>(user_data);
}

int random_bytes(std::uint8_t* data, std::size_t len, void*) {
  while (len > 0) {
    const int chunk = static_cast<int>(std::min<std::size_t>(len, INT_MAX));
    if (RAND_bytes(data, chunk) != 1) return SG_ERR_UNKNOWN;
    data += chunk;
    len -= static_cast<std::size_t>(chunk);
  }
  return SG_SUCCESS;
}

int hmac_init(void** context, const std::uint8_t* key, std::size_t key_len, void* user_data) {
  EVP_MAC_CTX* mac = crypto_of(user_data).take_hmac(key, key_len);
  if (mac == nullptr) return SG_ERR_UNKNOWN;
  *context = mac;
  return SG_SUCCESS;
}

int hmac_update(void* context, const std::uint8_t* data, std::size_t len, void*) {
  if (len == 0) return SG_SUCCESS;
  return EVP_MAC_update(static_cast<EVP_MAC_CTX*>(context), data, len) == 1 ? SG_SUCCESS : SG_ERR_UNKNOWN;
}

int hmac_final(void* context, signal_buffer** output, void*) {
  constexpr std::size_t kSha256Size = 32;
  Buffer buffer(signal_buffer_alloc(kSha256Size));
  if (!buffer) return SG_ERR_NOMEM;
  std::size_t written = 0;
  if (EVP_MAC_final(static_cast<EVP_MAC_CTX*>(context), signal_buffer_data(buffer.get()), &written, kSha256Size) != 1 ||
      written != kSha256Size) {
    return SG_ERR_UNKNOWN;
  }
  *output = buffer.release();
  return SG_SUCCESS;
}

void hmac_cleanup(void* context, void* user_data) {
  if (context != nullptr) crypto_of(user_data).give_back_hmac(static_cast<EVP_MAC_CTX*>(context));
}

int sha512_init(void** context, void*) {
  DigestContext digest(EVP_MD_CTX_new());
  if (!digest) return SG_ERR_NOMEM;
  if (EVP_DigestInit_ex2(digest.get(), algorithms().sha512.get(), nullptr) != 1) return SG_ERR_UNKNOWN;
  *context = digest.release();
  return SG_SUCCESS;
}

int sha512_update(void* context, const std::uint8_t* data, std::size_t len, void*) {
  if (len == 0) return SG_SUCCESS;
  return EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context), data, len) == 1 ? SG_SUCCESS : SG_ERR_UNKNOWN;
}

// Finalises and resets the context: the fingerprint loop reuses one context for every round.
int sha512_final(void* context, signal_buffer** output, void*) {
  constexpr std::size_t kSha512Size = 64;
  auto* digest = static_cast<EVP_MD_CTX*>(context);
  Buffer buffer(signal_buffer_alloc(kSha512Size));
  if (!buffer) return SG_ERR_NOMEM;
  unsigned int written = 0;
  if (EVP_DigestFinal_ex(digest, signal_buffer_data(buffer.get()), &written) != 1 || written != kSha512Size ||
      EVP_DigestInit_ex2(digest, algorithms().sha512.get(), nullptr) != 1) {
    return SG_ERR_UNKNOWN;
  }
  *output = buffer.release();
  return SG_SUCCESS;
}

void sha512_cleanup(void* context, void*) {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context));
}

// AES-256 in CBC with PKCS#7 padding (every v3 message) or CTR (legacy v2 only).
int aes(signal_buffer** output, int cipher, const std::uint8_t* key, std::size_t key_len, const std::uint8_t* iv,
        std::size_t iv_len, const std::uint8_t* input, std::size_t input_len, bool encrypt, void* user_data) {
  constexpr std::size_t kBlock = 16;
  const bool cbc = cipher == SG_CIPHER_AES_CBC_PKCS5;
  if ((!cbc && cipher != SG_CIPHER_AES_CTR_NOPADDING) || key_len != 32 || iv_len != kBlock ||
      input_len > static_cast<std::size_t>(INT_MAX) - kBlock) {
    return SG_ERR_UNKNOWN;
  }
  if (cbc && !encrypt && (input_len == 0 || input_len % kBlock != 0)) return SG_ERR_UNKNOWN;
  if (input == nullptr) input = kEmpty;

  CryptoState& crypto = crypto_of(user_data);
  EVP_CIPHER_CTX* context = crypto.cipher_context(cipher, encrypt);
  if (context == nullptr) return SG_ERR_NOMEM;
  const EVP_CIPHER* algorithm = nullptr;
  if (EVP_CIPHER_CTX_get0_cipher(context) == nullptr) {
    algorithm = cbc ? algorithms().aes_256_cbc.get() : algorithms().aes_256_ctr.get();
  }
  if (EVP_CipherInit_ex2(context, algorithm, key, iv, encrypt ? 1 : 0, nullptr) != 1) {
    return SG_ERR_UNKNOWN;
  }

  // Encryption and CTR know their output length in advance and write straight into the
  // buffer lspc receives; CBC decryption goes through scratch space.
  const std::size_t known_len = !cbc ? input_len : (input_len / kBlock + 1) * kBlock;
  const bool direct = encrypt || !cbc;
  Buffer direct_buffer;
  std::uint8_t* out = nullptr;
  if (direct) {
    direct_buffer.reset(signal_buffer_alloc(known_len));
    if (!direct_buffer) return SG_ERR_NOMEM;
    out = signal_buffer_data(direct_buffer.get());
  } else {
    crypto.scratch().resize(input_len + kBlock);
    out = crypto.scratch().data();
  }
  int update_len = 0;
  int final_len = 0;
  if (EVP_CipherUpdate(context, out, &update_len, input, static_cast<int>(input_len)) != 1 ||
      EVP_CipherFinal_ex(context, out + update_len, &final_len) != 1) {
    if (!direct) OPENSSL_cleanse(out, input_len + kBlock);
    return SG_ERR_UNKNOWN;  // includes bad padding
  }
  const auto produced = static_cast<std::size_t>(update_len) + static_cast<std::size_t>(final_len);
  if (direct) {
    if (produced != known_len) return SG_ERR_UNKNOWN;
    *output = direct_buffer.release();
    return SG_SUCCESS;
  }
  signal_buffer* plain = signal_buffer_create(out, produced);
  OPENSSL_cleanse(out, input_len + kBlock);
  if (plain == nullptr) return SG_ERR_NOMEM;
  *output = plain;
  return SG_SUCCESS;
}

int aes_encrypt(signal_buffer** output, int cipher, const std::uint8_t* key, std::size_t key_len,
                const std::uint8_t* iv, std::size_t iv_len, const std::uint8_t* plaintext, std::size_t plaintext_len,
                void* user_data) {
  return aes(output, cipher, key, key_len, iv, iv_len, plaintext, plaintext_len, true, user_data);
}

int aes_decrypt(signal_buffer** output, int cipher, const std::uint8_t* key, std::size_t key_len,
                const std::uint8_t* iv, std::size_t iv_len, const std::uint8_t* ciphertext, std::size_t ciphertext_len,
                void* user_data) {
  return aes(output, cipher, key, key_len, iv, iv_len, ciphertext, ciphertext_len, false, user_data);
}

void log_to_stderr(int level, const char* message, std::size_t len, void* user_data) {
  const auto* party_name = static_cast<const std::string*>(user_data);
  std::fprintf(stderr, "[lspc %s level %d] %.*s\n", party_name->c_str(), level, static_cast<int>(len), message);
}

using ContextPtr = Owned<signal_context, signal_context_destroy>;

// A signal_context with the provider above. `log_name` (may be null) names the party in logs.
ContextPtr make_context(CryptoState& crypto, const std::string* log_name) {
  signal_context* raw = nullptr;
  require(signal_context_create(&raw, const_cast<std::string*>(log_name)) == 0, "signal_context_create");
  ContextPtr context(raw);
  signal_crypto_provider provider{};
  provider.random_func = random_bytes;
  provider.hmac_sha256_init_func = hmac_init;
  provider.hmac_sha256_update_func = hmac_update;
  provider.hmac_sha256_final_func = hmac_final;
  provider.hmac_sha256_cleanup_func = hmac_cleanup;
  provider.sha512_digest_init_func = sha512_init;
  provider.sha512_digest_update_func = sha512_update;
  provider.sha512_digest_final_func = sha512_final;
  provider.sha512_digest_cleanup_func = sha512_cleanup;
  provider.encrypt_func = aes_encrypt;
  provider.decrypt_func = aes_decrypt;
  provider.user_data = &crypto;
  require(signal_context_set_crypto_provider(context.get(), &provider) == 0, "set_crypto_provider");
  if (log_name != nullptr && std::getenv("HUSH_LSPC_LOG") != nullptr) {
    signal_context_set_log_function(context.get(), log_to_stderr);
  }
  return context;
}

// A context for the static curve and fingerprint helpers, one per thread (they use only the
// random callback and parsing, but a CryptoState must not be shared between threads).
signal_context* utility_context() {
  struct Utility {
    CryptoState crypto;
    ContextPtr context = make_context(crypto, nullptr);
  };
  thread_local Utility utility;
  return utility.context.get();
}

// ---------------------------------------------------------------------------------------------
// Keys and addresses.

Ref<ec_public_key> decode_public(ByteView key, signal_context* context, int& code) {
  ec_public_key* raw = nullptr;
  code = curve_decode_point(&raw, key.data(), key.size(), context);
  return Ref<ec_public_key>(code < 0 ? nullptr : raw);
}

Ref<ec_private_key> decode_private(ByteView key, signal_context* context, int& code) {
  ec_private_key* raw = nullptr;
  code = curve_decode_private_point(&raw, key.data(), key.size(), context);
  return Ref<ec_private_key>(code < 0 ? nullptr : raw);
}

// lspc keeps a pointer to the address for the life of a cipher: build it from a string that
// outlives the call.
signal_protocol_address address_of(const std::string& name, std::uint32_t device) {
  return {name.c_str(), name.size(), static_cast<std::int32_t>(device)};
}

using AddressKey = std::pair<std::string, std::int32_t>;
AddressKey key_of(const signal_protocol_address* address) {
  return {std::string(address->name, address->name_len), address->device_id};
}

using SenderKeyKey = std::tuple<std::string, std::string, std::int32_t>;  // group, name, device
SenderKeyKey key_of(const signal_protocol_sender_key_name* name) {
  return {std::string(name->group_id, name->group_id_len), std::string(name->sender.name, name->sender.name_len),
          name->sender.device_id};
}

// lspc records plus the optional application data stored beside them.
struct StoredRecord {
  Bytes record;
  std::optional<Bytes> user_record;
};

void store_record(StoredRecord& slot, const std::uint8_t* record, std::size_t record_len,
                  const std::uint8_t* user_record, std::size_t user_record_len) {
  slot.record.assign(record, record + record_len);
  if (user_record != nullptr) {
    slot.user_record.emplace(user_record, user_record + user_record_len);
  } else {
    slot.user_record.reset();
  }
}

// Hands lspc fresh copies, as the store contract requires (it frees them).
int load_record(const StoredRecord* slot, signal_buffer** record, signal_buffer** user_record) {
  if (slot == nullptr) return 0;
  Buffer copy(signal_buffer_create(data_or_empty(slot->record), slot->record.size()));
  if (!copy) return SG_ERR_NOMEM;
  if (slot->user_record) {
    *user_record = signal_buffer_create(data_or_empty(*slot->user_record), slot->user_record->size());
    if (*user_record == nullptr) return SG_ERR_NOMEM;
  }
  *record = copy.release();
  return 1;
}

std::string group_string(ByteView group_id) {
  return std::string(reinterpret_cast<const char*>(group_id.data()), group_id.size());
}

// Stable identifiers are C strings to lspc; an embedded NUL would silently truncate them.
std::optional<std::string> stable_id_string(ByteView id) {
  if (std::find(id.begin(), id.end(), std::uint8_t{0}) != id.end()) return std::nullopt;
  return group_string(id);
}

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The party: context, stores and keys. Members are destroyed in reverse order, so the store
// context and lspc objects go before the context, and the context before its CryptoState.

using State = detail::LspcPartyState;

struct detail::LspcPartyState {
  std::string name;
  std::uint32_t device_id = 0;
  std::uint32_t registration_id = 0;
  bool trust_all = false;

  CryptoState crypto;
  ContextPtr context;
  Owned<signal_protocol_store_context, signal_protocol_store_context_destroy> store;
  Ref<ratchet_identity_key_pair> identity;
  Bytes identity_public;
  Bytes identity_private;

  std::map<AddressKey, StoredRecord> sessions;
  std::map<std::uint32_t, Bytes> pre_keys;
  std::map<std::uint32_t, Bytes> signed_pre_keys;
  std::map<AddressKey, Bytes> identities;
  std::map<SenderKeyKey, StoredRecord> sender_keys;

  std::uint32_t next_pre_key_id = 1;
  std::uint32_t signed_pre_key_id = 0;
  Bytes signed_pre_key_public;
  Bytes signed_pre_key_signature;

  LspcPartyState(std::string party_name, std::uint32_t device);
  void install_stores();
  void new_signed_pre_key(std::uint32_t id);
  signal_protocol_sender_key_name sender_key_name(const std::string& group, const std::string& sender,
                                                  std::uint32_t device) const {
    return {group.c_str(), group.size(), address_of(sender, device)};
  }
};

namespace {

State& party_of(void* user_data) {
  return *static_cast<State*>(user_data);
}

// --- session store
int load_session(signal_buffer** record, signal_buffer** user_record, const signal_protocol_address* address,
                 void* user_data) {
  auto& sessions = party_of(user_data).sessions;
  auto found = sessions.find(key_of(address));
  return load_record(found == sessions.end() ? nullptr : &found->second, record, user_record);
}

int get_sub_device_sessions(signal_int_list** sessions, const char* name, std::size_t name_len, void* user_data) {
  Owned<signal_int_list, signal_int_list_free> list(signal_int_list_alloc());
  if (!list) return SG_ERR_NOMEM;
  const std::string_view wanted(name, name_len);
  for (const auto& entry : party_of(user_data).sessions) {
    const AddressKey& key = entry.first;
    if (key.first == wanted && signal_int_list_push_back(list.get(), key.second) < 0) return SG_ERR_NOMEM;
  }
  const auto count = static_cast<int>(signal_int_list_size(list.get()));
  *sessions = list.release();
  return count;
}

int store_session(const signal_protocol_address* address, std::uint8_t* record, std::size_t record_len,
                  std::uint8_t* user_record, std::size_t user_record_len, void* user_data) {
  store_record(party_of(user_data).sessions[key_of(address)], record, record_len, user_record, user_record_len);
  return SG_SUCCESS;
}

int contains_session(const signal_protocol_address* address, void* user_data) {
  return party_of(user_data).sessions.count(key_of(address)) != 0 ? 1 : 0;
}

int delete_session(const signal_protocol_address* address, void* user_data) {
  return party_of(user_data).sessions.erase(key_of(address)) != 0 ? 1 : 0;
}

int delete_all_sessions(const char* name, std::size_t name_len, void* user_data) {
  auto& sessions = party_of(user_data).sessions;
  const std::string_view wanted(name, name_len);
  int deleted = 0;
  for (auto it = sessions.begin(); it != sessions.end();) {
    if (it->first.first == wanted) {
      it = sessions.erase(it);
      ++deleted;
    } else {
      ++it;
    }
  }
  return deleted;
}

// --- one-time and signed prekey stores (same contract, different maps)
template <std::map<std::uint32_t, Bytes> State::*Keys>
struct KeyStore {
  static int load(signal_buffer** record, std::uint32_t id, void* user_data) {
    const auto& keys = party_of(user_data).*Keys;
    auto found = keys.find(id);
    if (found == keys.end()) return SG_ERR_INVALID_KEY_ID;
    *record = signal_buffer_create(data_or_empty(found->second), found->second.size());
    return *record != nullptr ? SG_SUCCESS : SG_ERR_NOMEM;
  }
  static int store(std::uint32_t id, std::uint8_t* record, std::size_t record_len, void* user_data) {
    (party_of(user_data).*Keys)[id].assign(record, record + record_len);
    return SG_SUCCESS;
  }
  static int contains(std::uint32_t id, void* user_data) { return (party_of(user_data).*Keys).count(id) != 0 ? 1 : 0; }
  static int remove(std::uint32_t id, void* user_data) {
    (party_of(user_data).*Keys).erase(id);
    return SG_SUCCESS;
  }
};
using PreKeyStore = KeyStore<&State::pre_keys>;
using SignedPreKeyStore = KeyStore<&State::signed_pre_keys>;

// --- identity store: TOFU per address
int get_identity_key_pair(signal_buffer** public_data, signal_buffer** private_data, void* user_data) {
  const auto& party = party_of(user_data);
  Buffer public_copy(signal_buffer_create(party.identity_public.data(), party.identity_public.size()));
  Buffer private_copy(signal_buffer_create(party.identity_private.data(), party.identity_private.size()));
  if (!public_copy || !private_copy) return SG_ERR_NOMEM;
  *public_data = public_copy.release();
  *private_data = private_copy.release();
  return SG_SUCCESS;
}

int get_local_registration_id(void* user_data, std::uint32_t* registration_id) {
  *registration_id = party_of(user_data).registration_id;
  return SG_SUCCESS;
}

int save_identity(const signal_protocol_address* address, std::uint8_t* key_data, std::size_t key_len,
                  void* user_data) {
  auto& identities = party_of(user_data).identities;
  if (key_data == nullptr) {
    identities.erase(key_of(address));
  } else {
    identities[key_of(address)].assign(key_data, key_data + key_len);
  }
  return SG_SUCCESS;
}

int is_trusted_identity(const signal_protocol_address* address, std::uint8_t* key_data, std::size_t key_len,
                        void* user_data) {
  const auto& party = party_of(user_data);
  if (party.trust_all) return 1;
  auto found = party.identities.find(key_of(address));
  if (found == party.identities.end()) return 1;
  const Bytes& saved = found->second;
  return saved.size() == key_len && std::equal(saved.begin(), saved.end(), key_data) ? 1 : 0;
}

// --- sender key store
int store_sender_key(const signal_protocol_sender_key_name* name, std::uint8_t* record, std::size_t record_len,
                     std::uint8_t* user_record, std::size_t user_record_len, void* user_data) {
  store_record(party_of(user_data).sender_keys[key_of(name)], record, record_len, user_record, user_record_len);
  return SG_SUCCESS;
}

int load_sender_key(signal_buffer** record, signal_buffer** user_record, const signal_protocol_sender_key_name* name,
                    void* user_data) {
  auto& keys = party_of(user_data).sender_keys;
  auto found = keys.find(key_of(name));
  return load_record(found == keys.end() ? nullptr : &found->second, record, user_record);
}

}  // namespace

State::LspcPartyState(std::string party_name, std::uint32_t device) : name(std::move(party_name)), device_id(device) {
  context = make_context(crypto, &name);
  signal_protocol_store_context* raw_store = nullptr;
  require(signal_protocol_store_context_create(&raw_store, context.get()) == 0, "store_context_create");
  store.reset(raw_store);
  install_stores();

  ratchet_identity_key_pair* raw_identity = nullptr;
  require(signal_protocol_key_helper_generate_identity_key_pair(&raw_identity, context.get()) == 0,
          "generate_identity_key_pair");
  identity.reset(raw_identity);
  identity_public = serialize(ratchet_identity_key_pair_get_public(identity.get()));
  signal_buffer* raw_private = nullptr;
  require(ec_private_key_serialize(&raw_private, ratchet_identity_key_pair_get_private(identity.get())) == 0,
          "ec_private_key_serialize");
  identity_private = copy_of(Buffer(raw_private).get());
  require(signal_protocol_key_helper_generate_registration_id(&registration_id, 0, context.get()) == 0,
          "generate_registration_id");
  new_signed_pre_key(1);
}

void State::install_stores() {
  signal_protocol_session_store sessions_store{};
  sessions_store.load_session_func = load_session;
  sessions_store.get_sub_device_sessions_func = get_sub_device_sessions;
  sessions_store.store_session_func = store_session;
  sessions_store.contains_session_func = contains_session;
  sessions_store.delete_session_func = delete_session;
  sessions_store.delete_all_sessions_func = delete_all_sessions;
  sessions_store.user_data = this;

  signal_protocol_pre_key_store pre_key_store{};
  pre_key_store.load_pre_key = PreKeyStore::load;
  pre_key_store.store_pre_key = PreKeyStore::store;
  pre_key_store.contains_pre_key = PreKeyStore::contains;
  pre_key_store.remove_pre_key = PreKeyStore::remove;
  pre_key_store.user_data = this;

  signal_protocol_signed_pre_key_store signed_store{};
  signed_store.load_signed_pre_key = SignedPreKeyStore::load;
  signed_store.store_signed_pre_key = SignedPreKeyStore::store;
  signed_store.contains_signed_pre_key = SignedPreKeyStore::contains;
  signed_store.remove_signed_pre_key = SignedPreKeyStore::remove;
  signed_store.user_data = this;

  signal_protocol_identity_key_store identity_store{};
  identity_store.get_identity_key_pair = get_identity_key_pair;
  identity_store.get_local_registration_id = get_local_registration_id;
  identity_store.save_identity = save_identity;
  identity_store.is_trusted_identity = is_trusted_identity;
  identity_store.user_data = this;

  signal_protocol_sender_key_store sender_store{};
  sender_store.store_sender_key = store_sender_key;
  sender_store.load_sender_key = load_sender_key;
  sender_store.user_data = this;

  require(signal_protocol_store_context_set_session_store(store.get(), &sessions_store) == 0 &&
              signal_protocol_store_context_set_pre_key_store(store.get(), &pre_key_store) == 0 &&
              signal_protocol_store_context_set_signed_pre_key_store(store.get(), &signed_store) == 0 &&
              signal_protocol_store_context_set_identity_key_store(store.get(), &identity_store) == 0 &&
              signal_protocol_store_context_set_sender_key_store(store.get(), &sender_store) == 0,
          "setting the stores");
}

void State::new_signed_pre_key(std::uint32_t id) {
  session_signed_pre_key* raw = nullptr;
  require(signal_protocol_key_helper_generate_signed_pre_key(&raw, identity.get(), id, now_ms(), context.get()) == 0,
          "generate_signed_pre_key");
  Ref<session_signed_pre_key> signed_pre_key(raw);
  require(signal_protocol_signed_pre_key_store_key(store.get(), signed_pre_key.get()) == 0, "store signed prekey");
  signed_pre_key_id = id;
  signed_pre_key_public = serialize(ec_key_pair_get_public(session_signed_pre_key_get_key_pair(signed_pre_key.get())));
  const std::uint8_t* signature = session_signed_pre_key_get_signature(signed_pre_key.get());
  signed_pre_key_signature.assign(signature,
                                  signature + session_signed_pre_key_get_signature_len(signed_pre_key.get()));
}

// ---------------------------------------------------------------------------------------------

LspcParty::LspcParty(std::string name, std::uint32_t device_id)
    : impl_(std::make_unique<State>(std::move(name), device_id)) {}
LspcParty::~LspcParty() = default;
LspcParty::LspcParty(LspcParty&&) noexcept = default;
LspcParty& LspcParty::operator=(LspcParty&&) noexcept = default;

const std::string& LspcParty::name() const {
  return impl_->name;
}
std::uint32_t LspcParty::device_id() const {
  return impl_->device_id;
}
std::uint32_t LspcParty::registration_id() const {
  return impl_->registration_id;
}
Bytes LspcParty::identity_public() const {
  return impl_->identity_public;
}
Bytes LspcParty::identity_private() const {
  return impl_->identity_private;
}

LspcBundle LspcParty::make_bundle(bool with_one_time_prekey) {
  State& p = *impl_;
  LspcBundle bundle;
  bundle.registration_id = p.registration_id;
  bundle.device_id = p.device_id;
  bundle.signed_prekey_id = p.signed_pre_key_id;
  bundle.signed_prekey = p.signed_pre_key_public;
  bundle.signed_prekey_signature = p.signed_pre_key_signature;
  bundle.identity_key = p.identity_public;
  if (with_one_time_prekey) {
    ec_key_pair* raw_pair = nullptr;
    require(curve_generate_key_pair(p.context.get(), &raw_pair) == 0, "curve_generate_key_pair");
    Ref<ec_key_pair> pair(raw_pair);
    session_pre_key* raw_pre_key = nullptr;
    const std::uint32_t id = p.next_pre_key_id++;
    require(session_pre_key_create(&raw_pre_key, id, pair.get()) == 0, "session_pre_key_create");
    Ref<session_pre_key> pre_key(raw_pre_key);
    require(signal_protocol_pre_key_store_key(p.store.get(), pre_key.get()) == 0, "store prekey");
    bundle.one_time_prekey_id = id;
    bundle.one_time_prekey = serialize(ec_key_pair_get_public(pair.get()));
  }
  return bundle;
}

bool LspcParty::has_one_time_prekey(std::uint32_t id) const {
  return impl_->pre_keys.count(id) != 0;
}

std::uint32_t LspcParty::rotate_signed_prekey() {
  impl_->new_signed_pre_key(impl_->signed_pre_key_id + 1);
  return impl_->signed_pre_key_id;
}

void LspcParty::remove_signed_prekey(std::uint32_t id) {
  impl_->signed_pre_keys.erase(id);
}

int LspcParty::process_bundle(const std::string& peer, std::uint32_t peer_device, const LspcBundle& bundle) {
  State& p = *impl_;
  signal_context* context = p.context.get();
  int code = 0;
  Ref<ec_public_key> identity = decode_public(bundle.identity_key, context, code);
  if (!identity) return code;
  Ref<ec_public_key> signed_pre_key = decode_public(bundle.signed_prekey, context, code);
  if (!signed_pre_key) return code;
  Ref<ec_public_key> one_time;
  if (bundle.one_time_prekey_id) {
    one_time = decode_public(bundle.one_time_prekey, context, code);
    if (!one_time) return code;
  }
  // lspc dereferences a missing signature; any other length it rejects with SG_ERR_INVAL.
  if (bundle.signed_prekey_signature.empty()) return SG_ERR_INVAL;

  session_pre_key_bundle* raw_bundle = nullptr;
  code = session_pre_key_bundle_create(&raw_bundle, bundle.registration_id, static_cast<int>(bundle.device_id),
                                       bundle.one_time_prekey_id.value_or(0), one_time.get(), bundle.signed_prekey_id,
                                       signed_pre_key.get(), bundle.signed_prekey_signature.data(),
                                       bundle.signed_prekey_signature.size(), identity.get());
  if (code < 0) return code;
  Ref<session_pre_key_bundle> lspc_bundle(raw_bundle);

  const signal_protocol_address address = address_of(peer, peer_device);
  session_builder* raw_builder = nullptr;
  code = session_builder_create(&raw_builder, p.store.get(), &address, context);
  if (code < 0) return code;
  Owned<session_builder, session_builder_free> builder(raw_builder);
  return session_builder_process_pre_key_bundle(builder.get(), lspc_bundle.get());
}

LspcResult<LspcCiphertext> LspcParty::encrypt(const std::string& peer, std::uint32_t peer_device, ByteView plaintext) {
  State& p = *impl_;
  LspcResult<LspcCiphertext> result;
  const signal_protocol_address address = address_of(peer, peer_device);
  session_cipher* raw_cipher = nullptr;
  result.code = session_cipher_create(&raw_cipher, p.store.get(), &address, p.context.get());
  if (result.code < 0) return result;
  Owned<session_cipher, session_cipher_free> cipher(raw_cipher);
  ciphertext_message* raw_message = nullptr;
  result.code = session_cipher_encrypt(cipher.get(), data_or_empty(plaintext), plaintext.size(), &raw_message);
  if (result.code < 0) return result;
  Ref<ciphertext_message> message(raw_message);
  result.value.type = ciphertext_message_get_type(message.get());
  result.value.serialized = copy_of(ciphertext_message_get_serialized(message.get()));
  return result;
}

LspcResult<Bytes> LspcParty::decrypt(const std::string& peer, std::uint32_t peer_device, int type,
                                     ByteView serialized) {
  State& p = *impl_;
  signal_context* context = p.context.get();
  LspcResult<Bytes> result;
  if (type != kLspcSignalMessage && type != kLspcPreKeySignalMessage) {
    result.code = SG_ERR_INVAL;
    return result;
  }
  const signal_protocol_address address = address_of(peer, peer_device);
  session_cipher* raw_cipher = nullptr;
  result.code = session_cipher_create(&raw_cipher, p.store.get(), &address, context);
  if (result.code < 0) return result;
  Owned<session_cipher, session_cipher_free> cipher(raw_cipher);

  signal_buffer* raw_plain = nullptr;
  if (type == kLspcPreKeySignalMessage) {
    pre_key_signal_message* raw_message = nullptr;
    result.code =
        pre_key_signal_message_deserialize(&raw_message, data_or_empty(serialized), serialized.size(), context);
    if (result.code < 0) return result;
    Ref<pre_key_signal_message> message(raw_message);
    result.code = session_cipher_decrypt_pre_key_signal_message(cipher.get(), message.get(), nullptr, &raw_plain);
  } else {
    signal_message* raw_message = nullptr;
    result.code = signal_message_deserialize(&raw_message, data_or_empty(serialized), serialized.size(), context);
    if (result.code < 0) return result;
    Ref<signal_message> message(raw_message);
    result.code = session_cipher_decrypt_signal_message(cipher.get(), message.get(), nullptr, &raw_plain);
  }
  Buffer plain(raw_plain);
  if (result.code >= 0) result.value = copy_of(plain.get());
  return result;
}

bool LspcParty::has_session(const std::string& peer, std::uint32_t peer_device) const {
  return impl_->sessions.count({peer, static_cast<std::int32_t>(peer_device)}) != 0;
}

bool LspcParty::delete_session(const std::string& peer, std::uint32_t peer_device) {
  return impl_->sessions.erase({peer, static_cast<std::int32_t>(peer_device)}) != 0;
}

namespace {
template <auto Query>
LspcResult<std::uint32_t> query_session(State& p, const std::string& peer, std::uint32_t peer_device) {
  LspcResult<std::uint32_t> result;
  const signal_protocol_address address = address_of(peer, peer_device);
  session_cipher* raw_cipher = nullptr;
  result.code = session_cipher_create(&raw_cipher, p.store.get(), &address, p.context.get());
  if (result.code < 0) return result;
  Owned<session_cipher, session_cipher_free> cipher(raw_cipher);
  result.code = Query(cipher.get(), &result.value);
  return result;
}
}  // namespace

LspcResult<std::uint32_t> LspcParty::session_version(const std::string& peer, std::uint32_t peer_device) {
  return query_session<session_cipher_get_session_version>(*impl_, peer, peer_device);
}

LspcResult<std::uint32_t> LspcParty::remote_registration_id(const std::string& peer, std::uint32_t peer_device) {
  return query_session<session_cipher_get_remote_registration_id>(*impl_, peer, peer_device);
}

void LspcParty::set_trust_all(bool trust_all) {
  impl_->trust_all = trust_all;
}

std::optional<Bytes> LspcParty::known_identity(const std::string& peer, std::uint32_t peer_device) const {
  auto found = impl_->identities.find({peer, static_cast<std::int32_t>(peer_device)});
  if (found == impl_->identities.end()) return std::nullopt;
  return found->second;
}

void LspcParty::trust_identity(const std::string& peer, std::uint32_t peer_device, ByteView identity_key33) {
  AddressKey key{peer, static_cast<std::int32_t>(peer_device)};
  if (identity_key33.empty()) {
    impl_->identities.erase(key);
  } else {
    impl_->identities[key].assign(identity_key33.begin(), identity_key33.end());
  }
}

// --- groups ----------------------------------------------------------------------------------

LspcResult<Bytes> LspcParty::create_sender_key_distribution(ByteView group_id) {
  State& p = *impl_;
  LspcResult<Bytes> result;
  const std::string group = group_string(group_id);
  const signal_protocol_sender_key_name name = p.sender_key_name(group, p.name, p.device_id);
  group_session_builder* raw_builder = nullptr;
  result.code = group_session_builder_create(&raw_builder, p.store.get(), p.context.get());
  if (result.code < 0) return result;
  Owned<group_session_builder, group_session_builder_free> builder(raw_builder);
  sender_key_distribution_message* raw_message = nullptr;
  result.code = group_session_builder_create_session(builder.get(), &raw_message, &name);
  if (result.code < 0) return result;
  Ref<sender_key_distribution_message> message(raw_message);
  result.value = copy_of(ciphertext_message_get_serialized(reinterpret_cast<ciphertext_message*>(message.get())));
  return result;
}

int LspcParty::process_sender_key_distribution(ByteView group_id, const std::string& sender,
                                               std::uint32_t sender_device, ByteView skdm) {
  State& p = *impl_;
  const std::string group = group_string(group_id);
  const signal_protocol_sender_key_name name = p.sender_key_name(group, sender, sender_device);
  sender_key_distribution_message* raw_message = nullptr;
  int code =
      sender_key_distribution_message_deserialize(&raw_message, data_or_empty(skdm), skdm.size(), p.context.get());
  if (code < 0) return code;
  Ref<sender_key_distribution_message> message(raw_message);
  group_session_builder* raw_builder = nullptr;
  code = group_session_builder_create(&raw_builder, p.store.get(), p.context.get());
  if (code < 0) return code;
  Owned<group_session_builder, group_session_builder_free> builder(raw_builder);
  return group_session_builder_process_session(builder.get(), &name, message.get());
}

LspcResult<Bytes> LspcParty::group_encrypt(ByteView group_id, ByteView plaintext) {
  State& p = *impl_;
  LspcResult<Bytes> result;
  const std::string group = group_string(group_id);
  const signal_protocol_sender_key_name name = p.sender_key_name(group, p.name, p.device_id);
  group_cipher* raw_cipher = nullptr;
  result.code = group_cipher_create(&raw_cipher, p.store.get(), &name, p.context.get());
  if (result.code < 0) return result;
  Owned<group_cipher, group_cipher_free> cipher(raw_cipher);
  ciphertext_message* raw_message = nullptr;
  result.code = group_cipher_encrypt(cipher.get(), data_or_empty(plaintext), plaintext.size(), &raw_message);
  if (result.code < 0) return result;
  Ref<ciphertext_message> message(raw_message);
  result.value = copy_of(ciphertext_message_get_serialized(message.get()));
  return result;
}

LspcResult<Bytes> LspcParty::group_decrypt(ByteView group_id, const std::string& sender, std::uint32_t sender_device,
                                           ByteView ciphertext) {
  State& p = *impl_;
  LspcResult<Bytes> result;
  const std::string group = group_string(group_id);
  const signal_protocol_sender_key_name name = p.sender_key_name(group, sender, sender_device);
  sender_key_message* raw_message = nullptr;
  result.code =
      sender_key_message_deserialize(&raw_message, data_or_empty(ciphertext), ciphertext.size(), p.context.get());
  if (result.code < 0) return result;
  Ref<sender_key_message> message(raw_message);
  group_cipher* raw_cipher = nullptr;
  result.code = group_cipher_create(&raw_cipher, p.store.get(), &name, p.context.get());
  if (result.code < 0) return result;
  Owned<group_cipher, group_cipher_free> cipher(raw_cipher);
  signal_buffer* raw_plain = nullptr;
  result.code = group_cipher_decrypt(cipher.get(), message.get(), nullptr, &raw_plain);
  Buffer plain(raw_plain);
  if (result.code >= 0) result.value = copy_of(plain.get());
  return result;
}

// --- safety numbers --------------------------------------------------------------------------

namespace {
// Runs fingerprint_generator_create_for and hands the fingerprint to `use`.
template <class T, class Use>
LspcResult<T> with_fingerprint(ByteView local_stable_id, ByteView local_identity_key33, ByteView remote_stable_id,
                               ByteView remote_identity_key33, int iterations, Use use) {
  signal_context* context = utility_context();
  LspcResult<T> result;
  const std::optional<std::string> local_id = stable_id_string(local_stable_id);
  const std::optional<std::string> remote_id = stable_id_string(remote_stable_id);
  if (!local_id || !remote_id) {
    result.code = SG_ERR_INVAL;
    return result;
  }
  Ref<ec_public_key> local_key = decode_public(local_identity_key33, context, result.code);
  if (!local_key) return result;
  Ref<ec_public_key> remote_key = decode_public(remote_identity_key33, context, result.code);
  if (!remote_key) return result;
  fingerprint_generator* raw_generator = nullptr;
  result.code = fingerprint_generator_create(&raw_generator, iterations, 1, context);
  if (result.code < 0) return result;
  Owned<fingerprint_generator, fingerprint_generator_free> generator(raw_generator);
  fingerprint* raw_fingerprint = nullptr;
  result.code = fingerprint_generator_create_for(generator.get(), local_id->c_str(), local_key.get(),
                                                 remote_id->c_str(), remote_key.get(), &raw_fingerprint);
  if (result.code < 0) return result;
  Ref<fingerprint> value(raw_fingerprint);
  result.code = use(value.get(), result.value);
  return result;
}

int displayable_text(fingerprint* value, std::string& out) {
  const char* text = displayable_fingerprint_text(fingerprint_get_displayable(value));
  if (text == nullptr) return SG_ERR_UNKNOWN;
  out = text;
  return SG_SUCCESS;
}

int scannable_bytes(fingerprint* value, Bytes& out) {
  signal_buffer* raw = nullptr;
  const int code = scannable_fingerprint_serialize(&raw, fingerprint_get_scannable(value));
  Buffer serialized(raw);
  if (code >= 0) out = copy_of(serialized.get());
  return code;
}
}  // namespace

LspcResult<std::string> LspcParty::safety_number(ByteView local_stable_id, ByteView remote_stable_id,
                                                 ByteView remote_identity_key33, int iterations) {
  return safety_number_of(local_stable_id, impl_->identity_public, remote_stable_id, remote_identity_key33, iterations);
}

LspcResult<Bytes> LspcParty::scannable_fingerprint(ByteView local_stable_id, ByteView remote_stable_id,
                                                   ByteView remote_identity_key33, int iterations) {
  return scannable_fingerprint_of(local_stable_id, impl_->identity_public, remote_stable_id, remote_identity_key33,
                                  iterations);
}

LspcResult<std::string> LspcParty::safety_number_of(ByteView local_stable_id, ByteView local_identity_key33,
                                                    ByteView remote_stable_id, ByteView remote_identity_key33,
                                                    int iterations) {
  return with_fingerprint<std::string>(local_stable_id, local_identity_key33, remote_stable_id, remote_identity_key33,
                                       iterations, displayable_text);
}

LspcResult<Bytes> LspcParty::scannable_fingerprint_of(ByteView local_stable_id, ByteView local_identity_key33,
                                                      ByteView remote_stable_id, ByteView remote_identity_key33,
                                                      int iterations) {
  return with_fingerprint<Bytes>(local_stable_id, local_identity_key33, remote_stable_id, remote_identity_key33,
                                 iterations, scannable_bytes);
}

int LspcParty::compare_scannable(ByteView ours, ByteView theirs) {
  signal_context* context = utility_context();
  ::scannable_fingerprint* raw_ours = nullptr;
  int code = scannable_fingerprint_deserialize(&raw_ours, data_or_empty(ours), ours.size(), context);
  if (code < 0) return code;
  Ref<::scannable_fingerprint> our_fingerprint(raw_ours);
  ::scannable_fingerprint* raw_theirs = nullptr;
  code = scannable_fingerprint_deserialize(&raw_theirs, data_or_empty(theirs), theirs.size(), context);
  if (code < 0) return code;
  Ref<::scannable_fingerprint> their_fingerprint(raw_theirs);
  return scannable_fingerprint_compare(our_fingerprint.get(), their_fingerprint.get());
}

// --- raw curve functions ---------------------------------------------------------------------

LspcKeyPair LspcParty::generate_key_pair() {
  ec_key_pair* raw = nullptr;
  require(curve_generate_key_pair(utility_context(), &raw) == 0, "curve_generate_key_pair");
  Ref<ec_key_pair> pair(raw);
  LspcKeyPair result;
  result.public_key = serialize(ec_key_pair_get_public(pair.get()));
  signal_buffer* raw_private = nullptr;
  require(ec_private_key_serialize(&raw_private, ec_key_pair_get_private(pair.get())) == 0, "ec_private_key_serialize");
  result.private_key = copy_of(Buffer(raw_private).get());
  return result;
}

Bytes LspcParty::curve_sign(ByteView private32, ByteView message) {
  signal_context* context = utility_context();
  int code = 0;
  Ref<ec_private_key> key = decode_private(private32, context, code);
  if (!key) return {};
  signal_buffer* raw = nullptr;
  if (curve_calculate_signature(context, &raw, key.get(), data_or_empty(message), message.size()) < 0) {
    return {};
  }
  return copy_of(Buffer(raw).get());
}

bool LspcParty::curve_verify(ByteView public33, ByteView message, ByteView signature64) {
  int code = 0;
  Ref<ec_public_key> key = decode_public(public33, utility_context(), code);
  if (!key) return false;
  return curve_verify_signature(key.get(), data_or_empty(message), message.size(), data_or_empty(signature64),
                                signature64.size()) == 1;
}

Bytes LspcParty::curve_public_from_private(ByteView private32) {
  int code = 0;
  Ref<ec_private_key> key = decode_private(private32, utility_context(), code);
  if (!key) return {};
  ec_public_key* raw = nullptr;
  if (curve_generate_public_key(&raw, key.get()) < 0) return {};
  return serialize(Ref<ec_public_key>(raw).get());
}

Bytes LspcParty::curve_agree(ByteView public33, ByteView private32) {
  signal_context* context = utility_context();
  int code = 0;
  Ref<ec_public_key> public_key = decode_public(public33, context, code);
  Ref<ec_private_key> private_key = decode_private(private32, context, code);
  if (!public_key || !private_key) return {};
  std::uint8_t* raw = nullptr;
  const int length = curve_calculate_agreement(&raw, public_key.get(), private_key.get());
  if (length < 0) return {};
  std::unique_ptr<std::uint8_t, FreeWithFree> shared(raw);  // malloc'ed by lspc
  Bytes result(raw, raw + length);
  OPENSSL_cleanse(raw, static_cast<std::size_t>(length));
  return result;
}

// --- provider self-check ----------------------------------------------------------------------

namespace {
Bytes hex(std::string_view text) {
  return from_hex(text).value();
}

// Feeds `parts` to the HMAC callbacks under `key` and compares with `expected_hex`.
bool hmac_matches(CryptoState& crypto, ByteView key, std::initializer_list<std::string_view> parts,
                  std::string_view expected_hex) {
  void* context = nullptr;
  if (hmac_init(&context, key.data(), key.size(), &crypto) != 0) return false;
  bool ok = true;
  for (std::string_view part : parts) ok = ok && hmac_update(context, as_bytes(part).data(), part.size(), &crypto) == 0;
  signal_buffer* raw = nullptr;
  ok = ok && hmac_final(context, &raw, &crypto) == 0;
  Buffer mac(raw);
  hmac_cleanup(context, &crypto);
  return ok && copy_of(mac.get()) == hex(expected_hex);
}

bool aes_matches(CryptoState& crypto, int cipher, ByteView key, ByteView iv, ByteView input, bool encrypt,
                 ByteView expected_prefix, std::size_t expected_len) {
  signal_buffer* raw = nullptr;
  const int code =
      aes(&raw, cipher, key.data(), key.size(), iv.data(), iv.size(), input.data(), input.size(), encrypt, &crypto);
  Buffer output(raw);
  if (code != 0) return false;
  const Bytes produced = copy_of(output.get());
  return produced.size() == expected_len &&
         std::equal(expected_prefix.begin(), expected_prefix.end(), produced.begin());
}
}  // namespace

bool LspcParty::crypto_provider_self_check() {
  CryptoState crypto;
  bool ok = true;
  // RFC 4231 cases 1 and 2, each twice so that the second run uses a recycled, re-keyed context,
  // and one nested pair (lspc's HKDF holds two contexts at once).
  for (int round = 0; round < 2; ++round) {
    ok = ok && hmac_matches(crypto, Bytes(20, 0x0b), {"Hi ", "There"},
                            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    ok = ok && hmac_matches(crypto, as_bytes("Jefe"), {"what do ya want ", "for nothing?"},
                            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  void* outer = nullptr;
  ok = ok && hmac_init(&outer, Bytes(20, 0x0b).data(), 20, &crypto) == 0;
  ok = ok && hmac_matches(crypto, as_bytes("Jefe"), {"what do ya want for nothing?"},
                          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  ok = ok && hmac_matches(crypto, Bytes(20, 0x0b), {"Hi There"},
                          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  if (outer != nullptr) hmac_cleanup(outer, &crypto);

  // FIPS 180-2 "abc", twice on one context: final must leave it ready for reuse.
  void* digest = nullptr;
  ok = ok && sha512_init(&digest, &crypto) == 0;
  for (int round = 0; round < 2 && ok; ++round) {
    signal_buffer* raw = nullptr;
    ok = sha512_update(digest, as_bytes("ab").data(), 2, &crypto) == 0 &&
         sha512_update(digest, as_bytes("c").data(), 1, &crypto) == 0 && sha512_final(digest, &raw, &crypto) == 0;
    Buffer hash(raw);
    ok = ok && copy_of(hash.get()) == hex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                                          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  }
  if (digest != nullptr) sha512_cleanup(digest, &crypto);

  // SP 800-38A F.2.5 (CBC) and F.5.5 (CTR), AES-256, first block; CBC output carries one block of
  // PKCS#7 padding. Each direction runs twice to reuse its context.
  const Bytes key = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  const Bytes iv = hex("000102030405060708090a0b0c0d0e0f");
  const Bytes plain = hex("6bc1bee22e409f96e93d7e117393172a");
  const Bytes cbc = hex("f58c4c04d6e5f1ba779eabfb5f7bfbd6");
  for (int round = 0; round < 2; ++round) {
    ok = ok && aes_matches(crypto, SG_CIPHER_AES_CBC_PKCS5, key, iv, plain, true, cbc, 32);
    signal_buffer* raw = nullptr;
    ok = ok && aes(&raw, SG_CIPHER_AES_CBC_PKCS5, key.data(), 32, iv.data(), 16, plain.data(), plain.size(), true,
                   &crypto) == 0;
    Buffer sealed(raw);
    const Bytes ciphertext = copy_of(sealed.get());
    ok = ok && aes_matches(crypto, SG_CIPHER_AES_CBC_PKCS5, key, iv, ciphertext, false, plain, 16);
    Bytes bad_padding = ciphertext;
    bad_padding[0] ^= 0x01;  // flips the first byte of the padding block: 0x10 becomes 0x11
    ok = ok && !aes_matches(crypto, SG_CIPHER_AES_CBC_PKCS5, key, iv, bad_padding, false, {}, 16);
    const Bytes counter = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    const Bytes ctr = hex("601ec313775789a5b7a7f504bbf3d228");
    ok = ok && aes_matches(crypto, SG_CIPHER_AES_CTR_NOPADDING, key, counter, plain, true, ctr, 16);
    ok = ok && aes_matches(crypto, SG_CIPHER_AES_CTR_NOPADDING, key, counter, ctr, false, plain, 16);
  }
  return ok;
}

}  // namespace hush::test
