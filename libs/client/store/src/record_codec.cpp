// Fixed-size record encodings: written field by field into a SecretBytes of exactly the record's
// size, read back only from a buffer of exactly that size.
#include "record_codec.hpp"

#include <algorithm>

namespace hush::client::detail {
namespace {

class Writer {
 public:
  explicit Writer(std::size_t size) : out_(size) {}
  Writer& put(ByteView bytes) {
    std::copy(bytes.begin(), bytes.end(), out_.data() + at_);
    at_ += bytes.size();
    return *this;
  }
  Writer& put_u32(std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out_.data()[at_++] = static_cast<std::uint8_t>(value >> shift);
    return *this;
  }
  Writer& put_u64(std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) out_.data()[at_++] = static_cast<std::uint8_t>(value >> shift);
    return *this;
  }
  // Every encoder fills its buffer exactly; anything else is a bug in this file.
  crypto::SecretBytes finish() {
    if (at_ != out_.size()) std::abort();
    return std::move(out_);
  }

 private:
  crypto::SecretBytes out_;
  std::size_t at_ = 0;
};

// Reads fields from a buffer whose total size the caller checked first.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  ByteView take(std::size_t size) {
    ByteView field = in_.subspan(at_, size);
    at_ += size;
    return field;
  }
  std::uint32_t u32() {
    std::uint32_t value = 0;
    for (std::uint8_t byte : take(4)) value = (value << 8) | byte;
    return value;
  }
  std::uint64_t u64() {
    std::uint64_t value = 0;
    for (std::uint8_t byte : take(8)) value = (value << 8) | byte;
    return value;
  }

 private:
  ByteView in_;
  std::size_t at_ = 0;
};

Result<crypto::PublicKey, StoreError> public_key(ByteView raw) {
  auto key = crypto::PublicKey::from_raw(raw);
  if (!key.ok()) return fail(StoreError::kCorrupt);
  return *key;
}

// The store writes private keys clamped (PrivateKey keeps them so); bytes that clamping would
// change were not written by it, so they are corrupt rather than quietly a different encoding.
Result<crypto::PrivateKey, StoreError> private_key(ByteView raw) {
  auto key = crypto::PrivateKey::from_bytes(raw);
  if (!key.ok()) return fail(StoreError::kCorrupt);
  const ByteView clamped = key->secret().view();
  if (clamped.size() != raw.size() || !std::equal(clamped.begin(), clamped.end(), raw.begin())) {
    return fail(StoreError::kCorrupt);
  }
  return std::move(*key);
}

// A key pair from its two stored halves. The AEAD tag already vouches that they were written
// together, so the public half is not recomputed.
Result<crypto::KeyPair, StoreError> key_pair(Reader& reader) {
  auto public_half = public_key(reader.take(32));
  if (!public_half.ok()) return fail(public_half.error());
  auto private_half = private_key(reader.take(32));
  if (!private_half.ok()) return fail(private_half.error());
  return crypto::KeyPair{*public_half, std::move(*private_half)};
}

}  // namespace

crypto::SecretBytes encode_local_identity(const LocalIdentity& identity) {
  return Writer(kLocalIdentitySize)
      .put_u32(identity.registration_id)
      .put(identity.identity.public_key.raw())
      .put(identity.identity.private_key.secret().view())
      .finish();
}

Result<LocalIdentity, StoreError> decode_local_identity(ByteView plaintext) {
  if (plaintext.size() != kLocalIdentitySize) return fail(StoreError::kCorrupt);
  Reader reader(plaintext);
  LocalIdentity identity;
  identity.registration_id = reader.u32();
  auto pair = key_pair(reader);
  if (!pair.ok()) return fail(pair.error());
  identity.identity.public_key = pair->public_key;
  identity.identity.private_key = std::move(pair->private_key);
  return identity;
}

crypto::SecretBytes encode_prekey(const protocol::PreKeyRecord& record) {
  return Writer(kPreKeySize)
      .put(record.key_pair.public_key.raw())
      .put(record.key_pair.private_key.secret().view())
      .finish();
}

Result<protocol::PreKeyRecord, StoreError> decode_prekey(std::uint32_t id, ByteView plaintext) {
  if (plaintext.size() != kPreKeySize) return fail(StoreError::kCorrupt);
  Reader reader(plaintext);
  auto pair = key_pair(reader);
  if (!pair.ok()) return fail(pair.error());
  return protocol::PreKeyRecord{id, std::move(*pair)};
}

crypto::SecretBytes encode_signed_prekey(const protocol::SignedPreKeyRecord& record) {
  return Writer(kSignedPreKeySize)
      .put(record.key_pair.public_key.raw())
      .put(record.key_pair.private_key.secret().view())
      .put(record.signature)
      .put_u64(record.timestamp_ms)
      .finish();
}

Result<protocol::SignedPreKeyRecord, StoreError> decode_signed_prekey(std::uint32_t id, ByteView plaintext) {
  if (plaintext.size() != kSignedPreKeySize) return fail(StoreError::kCorrupt);
  Reader reader(plaintext);
  protocol::SignedPreKeyRecord record;
  record.id = id;
  auto pair = key_pair(reader);
  if (!pair.ok()) return fail(pair.error());
  record.key_pair = std::move(*pair);
  ByteView signature = reader.take(crypto::kSignatureSize);
  std::copy(signature.begin(), signature.end(), record.signature.begin());
  record.timestamp_ms = reader.u64();
  return record;
}

Bytes encode_remote_identity(const protocol::IdentityKey& key) {
  return Bytes(key.raw().begin(), key.raw().end());
}

Result<protocol::IdentityKey, StoreError> decode_remote_identity(ByteView plaintext) {
  if (plaintext.size() != kRemoteIdentitySize) return fail(StoreError::kCorrupt);
  return public_key(plaintext);
}

}  // namespace hush::client::detail
