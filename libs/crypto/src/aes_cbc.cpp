// AES-256-CBC through OpenSSL's EVP: PKCS#7-padded encryption and decryption for Signal message
// bodies, an unpadded encryption for the SP 800-38A known-answer tests, and the incremental
// encryptor and decryptor for attachments. A one-shot call makes its own context (about 50 ns
// more than reusing one) so that no key schedule outlives the call; an incremental object owns
// its context until finish().
#include "hush/crypto/aes_cbc.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <stdexcept>
#include <string>

#include "backend.hpp"

namespace hush::crypto {
namespace {

struct CipherDeleter {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};
struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherPtr = std::unique_ptr<EVP_CIPHER, CipherDeleter>;
using CipherContextPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

const EVP_CIPHER* aes256_cbc() {
  static const CipherPtr cipher = [] {
    CipherPtr fetched(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr));
    if (!fetched) detail::throw_backend_failure("EVP_CIPHER_fetch(AES-256-CBC)");
    return fetched;
  }();
  return cipher.get();
}

// EVP takes int lengths; leave room for a padding block.
constexpr std::size_t kMaxInput = static_cast<std::size_t>(INT_MAX) - 2 * kAesBlockSize;

bool key_and_iv_ok(ByteView key, ByteView iv) {
  return key.size() == kAesKeySize && iv.size() == kAesBlockSize;
}

// A context initialised for one operation (encrypt = 1, decrypt = 0) with padding on or off.
CipherContextPtr make_context(ByteView key, ByteView iv, int encrypt, bool padding) {
  CipherContextPtr context(EVP_CIPHER_CTX_new());
  if (!context || EVP_CipherInit_ex2(context.get(), aes256_cbc(), key.data(), iv.data(), encrypt, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(context.get(), padding ? 1 : 0) != 1) {
    detail::throw_backend_failure("EVP_CipherInit_ex2(AES-256-CBC)");
  }
  return context;
}

// Encrypts `plaintext` into a buffer sized exactly for the result.
Bytes encrypt(ByteView key, ByteView iv, ByteView plaintext, bool padding) {
  const std::size_t out_size = padding ? (plaintext.size() / kAesBlockSize + 1) * kAesBlockSize : plaintext.size();
  Bytes out(out_size);
  if (out.empty()) return out;
  CipherContextPtr context = make_context(key, iv, 1, padding);
  int update_length = 0;
  int final_length = 0;
  if (!plaintext.empty() && EVP_EncryptUpdate(context.get(), out.data(), &update_length, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    detail::throw_backend_failure("EVP_EncryptUpdate");
  }
  if (EVP_EncryptFinal_ex(context.get(), out.data() + update_length, &final_length) != 1 ||
      static_cast<std::size_t>(update_length) + static_cast<std::size_t>(final_length) != out_size) {
    detail::throw_backend_failure("EVP_EncryptFinal_ex");
  }
  return out;
}

}  // namespace

Result<Bytes, CryptoError> aes256_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  if (!key_and_iv_ok(key, iv) || plaintext.size() > kMaxInput) {
    return fail(CryptoError::kBadLength);
  }
  return encrypt(key, iv, plaintext, true);
}

Result<Bytes, CryptoError> aes256_cbc_encrypt_no_padding(ByteView key, ByteView iv, ByteView plaintext) {
  if (!key_and_iv_ok(key, iv) || plaintext.size() % kAesBlockSize != 0 || plaintext.size() > kMaxInput) {
    return fail(CryptoError::kBadLength);
  }
  return encrypt(key, iv, plaintext, false);
}

Result<SecretBytes, CryptoError> aes256_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  if (!key_and_iv_ok(key, iv) || ciphertext.empty() || ciphertext.size() % kAesBlockSize != 0 ||
      ciphertext.size() > kMaxInput) {
    return fail(CryptoError::kBadLength);
  }
  CipherContextPtr context = make_context(key, iv, 0, true);
  // The plaintext is never longer than the ciphertext; the extra block is headroom that EVP's
  // documentation asks for. resize() below wipes whatever is cut off.
  SecretBytes out(ciphertext.size() + kAesBlockSize);
  int update_length = 0;
  int final_length = 0;
  if (EVP_DecryptUpdate(context.get(), out.data(), &update_length, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) != 1) {
    detail::throw_backend_failure("EVP_DecryptUpdate");
  }
  if (EVP_DecryptFinal_ex(context.get(), out.data() + update_length, &final_length) != 1) {
    return fail(CryptoError::kBadPadding);
  }
  out.resize(static_cast<std::size_t>(update_length) + static_cast<std::size_t>(final_length));
  return out;
}

// Incremental objects. EVP takes int lengths, so long inputs are fed in pieces of at most
// kMaxPiece bytes; each piece may release up to one block more than it holds.
namespace {

constexpr std::size_t kMaxPiece = std::size_t{1} << 30;

[[noreturn]] void throw_used_up(const char* what) {
  throw std::logic_error(std::string(what) + " used after finish() or after being moved from");
}

}  // namespace

struct Aes256CbcEncryptor::State {
  CipherContextPtr context;
};

Aes256CbcEncryptor::Aes256CbcEncryptor(std::unique_ptr<State> state) : state_(std::move(state)) {}
Aes256CbcEncryptor::Aes256CbcEncryptor(Aes256CbcEncryptor&&) noexcept = default;
Aes256CbcEncryptor& Aes256CbcEncryptor::operator=(Aes256CbcEncryptor&&) noexcept = default;
Aes256CbcEncryptor::~Aes256CbcEncryptor() = default;

Result<Aes256CbcEncryptor, CryptoError> Aes256CbcEncryptor::create(ByteView key, ByteView iv) {
  if (!key_and_iv_ok(key, iv)) return fail(CryptoError::kBadLength);
  auto state = std::make_unique<State>();
  state->context = make_context(key, iv, 1, true);
  return Aes256CbcEncryptor(std::move(state));
}

void Aes256CbcEncryptor::update(ByteView plaintext, Bytes& out) {
  if (!state_) throw_used_up("Aes256CbcEncryptor");
  while (!plaintext.empty()) {
    const ByteView piece = plaintext.first(std::min(plaintext.size(), kMaxPiece));
    const std::size_t start = out.size();
    out.resize(start + piece.size() + kAesBlockSize);
    int written = 0;
    if (EVP_EncryptUpdate(state_->context.get(), out.data() + start, &written, piece.data(),
                          static_cast<int>(piece.size())) != 1) {
      detail::throw_backend_failure("EVP_EncryptUpdate");
    }
    out.resize(start + static_cast<std::size_t>(written));
    plaintext = plaintext.subspan(piece.size());
  }
}

void Aes256CbcEncryptor::finish(Bytes& out) {
  if (!state_) throw_used_up("Aes256CbcEncryptor");
  const std::size_t start = out.size();
  out.resize(start + kAesBlockSize);
  int written = 0;
  if (EVP_EncryptFinal_ex(state_->context.get(), out.data() + start, &written) != 1 ||
      written != static_cast<int>(kAesBlockSize)) {
    detail::throw_backend_failure("EVP_EncryptFinal_ex");
  }
  state_.reset();
}

struct Aes256CbcDecryptor::State {
  CipherContextPtr context;
  std::uint64_t total = 0;  // ciphertext bytes received, for the length check in finish()
};

Aes256CbcDecryptor::Aes256CbcDecryptor(std::unique_ptr<State> state) : state_(std::move(state)) {}
Aes256CbcDecryptor::Aes256CbcDecryptor(Aes256CbcDecryptor&&) noexcept = default;
Aes256CbcDecryptor& Aes256CbcDecryptor::operator=(Aes256CbcDecryptor&&) noexcept = default;
Aes256CbcDecryptor::~Aes256CbcDecryptor() = default;

Result<Aes256CbcDecryptor, CryptoError> Aes256CbcDecryptor::create(ByteView key, ByteView iv) {
  if (!key_and_iv_ok(key, iv)) return fail(CryptoError::kBadLength);
  auto state = std::make_unique<State>();
  state->context = make_context(key, iv, 0, true);
  return Aes256CbcDecryptor(std::move(state));
}

void Aes256CbcDecryptor::update(ByteView ciphertext, SecretBytes& out) {
  if (!state_) throw_used_up("Aes256CbcDecryptor");
  while (!ciphertext.empty()) {
    const ByteView piece = ciphertext.first(std::min(ciphertext.size(), kMaxPiece));
    const std::size_t start = out.size();
    out.resize(start + piece.size() + kAesBlockSize);
    int written = 0;
    if (EVP_DecryptUpdate(state_->context.get(), out.data() + start, &written, piece.data(),
                          static_cast<int>(piece.size())) != 1) {
      detail::throw_backend_failure("EVP_DecryptUpdate");
    }
    out.resize(start + static_cast<std::size_t>(written));
    state_->total += piece.size();
    ciphertext = ciphertext.subspan(piece.size());
  }
}

Result<void, CryptoError> Aes256CbcDecryptor::finish(SecretBytes& out) {
  if (!state_) throw_used_up("Aes256CbcDecryptor");
  const std::unique_ptr<State> state = std::move(state_);
  if (state->total == 0 || state->total % kAesBlockSize != 0) return fail(CryptoError::kBadLength);
  const std::size_t start = out.size();
  out.resize(start + kAesBlockSize);
  int written = 0;
  if (EVP_DecryptFinal_ex(state->context.get(), out.data() + start, &written) != 1) {
    out.resize(start);
    return fail(CryptoError::kBadPadding);
  }
  out.resize(start + static_cast<std::size_t>(written));
  return {};
}

}  // namespace hush::crypto
