// AES-256-CBC with PKCS#7 padding (OpenSSL), as the Signal Protocol v3 uses it for message
// bodies (one-shot) and for attachments (incremental, streamed in chunks). The key and IV come
// from the caller; nothing here is random.
#pragma once

#include <memory>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/crypto/error.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::crypto {

inline constexpr std::size_t kAesKeySize = 32;
inline constexpr std::size_t kAesBlockSize = 16;

// Encrypts with PKCS#7 padding. key must be 32 bytes and iv 16 bytes (else kBadLength).
Result<Bytes, CryptoError> aes256_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);

// Decrypts and removes PKCS#7 padding. kBadLength when the ciphertext is empty or not a
// multiple of 16; kBadPadding when the padding is malformed.
Result<SecretBytes, CryptoError> aes256_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext);

// AES-256-CBC without padding, for the SP 800-38A known-answer tests: input a multiple of 16.
Result<Bytes, CryptoError> aes256_cbc_encrypt_no_padding(ByteView key, ByteView iv, ByteView plaintext);

// Incremental AES-256-CBC encryption with PKCS#7 padding, for inputs too large to hold in memory.
// Feeding a plaintext in any split gives the same bytes as aes256_cbc_encrypt over the whole.
// Owns one OpenSSL context (the key schedule), which OpenSSL wipes when it is freed (destruction
// or finish()). Move-only; not thread-safe. Using it after finish() or after a move is a bug
// (std::logic_error).
class Aes256CbcEncryptor {
 public:
  // kBadLength unless key is kAesKeySize bytes and iv kAesBlockSize bytes.
  static Result<Aes256CbcEncryptor, CryptoError> create(ByteView key, ByteView iv);

  Aes256CbcEncryptor(Aes256CbcEncryptor&&) noexcept;
  Aes256CbcEncryptor& operator=(Aes256CbcEncryptor&&) noexcept;
  ~Aes256CbcEncryptor();

  // Appends the ciphertext of every block completed so far to `out`: a multiple of 16 bytes, at
  // most plaintext.size() + 15. The incomplete tail is kept for the next call.
  void update(ByteView plaintext, Bytes& out);
  // Pads the kept tail (PKCS#7) and appends that last block (16 bytes); frees the context.
  void finish(Bytes& out);

 private:
  struct State;
  explicit Aes256CbcEncryptor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Incremental AES-256-CBC decryption removing PKCS#7 padding. The last block is held back until
// finish(), which checks the padding: plaintext released by update() is not yet known to end
// well, so a caller that must not act on unauthenticated data checks a MAC first. Ownership and
// wiping as Aes256CbcEncryptor.
class Aes256CbcDecryptor {
 public:
  // kBadLength unless key is kAesKeySize bytes and iv kAesBlockSize bytes.
  static Result<Aes256CbcDecryptor, CryptoError> create(ByteView key, ByteView iv);

  Aes256CbcDecryptor(Aes256CbcDecryptor&&) noexcept;
  Aes256CbcDecryptor& operator=(Aes256CbcDecryptor&&) noexcept;
  ~Aes256CbcDecryptor();

  // Appends the plaintext of every block received so far except the last to `out`.
  void update(ByteView ciphertext, SecretBytes& out);
  // Appends the last block without its padding, and frees the context. kBadLength when the
  // ciphertext was empty or not a multiple of 16 bytes; kBadPadding when the padding is malformed
  // (then nothing more is appended).
  Result<void, CryptoError> finish(SecretBytes& out);

 private:
  struct State;
  explicit Aes256CbcDecryptor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace hush::crypto
