// The sending side of the blob format (attachment_cipher.hpp): IV, then AES-256-CBC of the
// plaintext and its zero padding, then HMAC-SHA256 of everything before it. Every byte appended
// to the caller's buffer also goes into the blob's SHA-256 and, before the MAC, into the MAC.
#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/crypto/aes_cbc.hpp"

namespace hush::client {
namespace {

const std::array<std::uint8_t, kAttachmentChunkSize>& zeros() {
  static const std::array<std::uint8_t, kAttachmentChunkSize> block{};
  return block;
}

}  // namespace

struct AttachmentEncryptor::State {
  State(const AttachmentKey& key, const AttachmentIv& iv_in, std::uint64_t size)
      : iv(iv_in),
        plaintext_size(size),
        padding_left(padded_size(size) - size),
        cipher(*crypto::Aes256CbcEncryptor::create(key.view().first(32), iv_in)),
        mac(key.view().subspan(32, 32)) {}

  // Appends `bytes` (IV or ciphertext) to out and to both running digests.
  void emit(ByteView bytes, Bytes& out) {
    append(out, bytes);
    blob_hash.update(bytes);
    mac.update(bytes);
  }
  void emit_iv_once(Bytes& out) {
    if (iv_emitted) return;
    emit(iv, out);
    iv_emitted = true;
  }
  // Encrypts `plaintext` into out, hashing the ciphertext as it is appended.
  void encrypt(ByteView plaintext, Bytes& out) {
    const std::size_t start = out.size();
    cipher.update(plaintext, out);
    const ByteView ciphertext(out.data() + start, out.size() - start);
    blob_hash.update(ciphertext);
    mac.update(ciphertext);
  }
  // Encrypts the next chunk of zero padding (at most kAttachmentChunkSize bytes).
  void encrypt_padding(Bytes& out) {
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(padding_left, kAttachmentChunkSize));
    encrypt(ByteView(zeros().data(), take), out);
    padding_left -= take;
  }

  AttachmentIv iv;
  std::uint64_t plaintext_size;
  std::uint64_t padding_left;
  std::uint64_t given = 0;  // plaintext bytes accepted
  bool oversize = false;    // more than plaintext_size bytes were given
  bool iv_emitted = false;
  crypto::Aes256CbcEncryptor cipher;
  crypto::HmacSha256 mac;
  crypto::Sha256 blob_hash;
  crypto::Sha256 plaintext_hash;
};

AttachmentEncryptor::AttachmentEncryptor(const AttachmentKey& key, const AttachmentIv& iv,
                                         std::uint64_t plaintext_size) {
  if (plaintext_size > kMaxAttachmentSize) {
    throw std::invalid_argument("AttachmentEncryptor: plaintext_size over kMaxAttachmentSize");
  }
  state_ = std::make_unique<State>(key, iv, plaintext_size);
}

AttachmentEncryptor::AttachmentEncryptor(AttachmentEncryptor&&) noexcept = default;
AttachmentEncryptor& AttachmentEncryptor::operator=(AttachmentEncryptor&&) noexcept = default;
AttachmentEncryptor::~AttachmentEncryptor() = default;

void AttachmentEncryptor::update(ByteView plaintext, Bytes& out) {
  if (!state_) throw std::logic_error("AttachmentEncryptor used after finish() or after being moved from");
  State& state = *state_;
  const std::uint64_t room = state.plaintext_size - state.given;
  if (plaintext.size() > room) {
    state.oversize = true;
    plaintext = plaintext.first(static_cast<std::size_t>(room));
  }
  state.emit_iv_once(out);
  state.plaintext_hash.update(plaintext);
  state.encrypt(plaintext, out);
  state.given += plaintext.size();
}

bool AttachmentEncryptor::pad(Bytes& out) {
  if (!state_) throw std::logic_error("AttachmentEncryptor used after finish() or after being moved from");
  State& state = *state_;
  if (state.given != state.plaintext_size || state.oversize || state.padding_left == 0) return false;
  state.emit_iv_once(out);
  state.encrypt_padding(out);
  return state.padding_left > 0;
}

Result<AttachmentDigests, AttachmentError> AttachmentEncryptor::finish(Bytes& out) {
  if (!state_) throw std::logic_error("AttachmentEncryptor used after finish() or after being moved from");
  const std::unique_ptr<State> state = std::move(state_);
  if (state->given != state->plaintext_size || state->oversize) return fail(AttachmentError::kSizeMismatch);
  state->emit_iv_once(out);
  while (state->padding_left > 0) state->encrypt_padding(out);
  const std::size_t start = out.size();
  state->cipher.finish(out);
  const ByteView last_block(out.data() + start, out.size() - start);
  state->blob_hash.update(last_block);
  state->mac.update(last_block);
  const crypto::SecretArray<32> mac = state->mac.final();
  append(out, mac.view());
  state->blob_hash.update(mac.view());
  return AttachmentDigests{state->blob_hash.final(), state->plaintext_hash.final()};
}

}  // namespace hush::client
