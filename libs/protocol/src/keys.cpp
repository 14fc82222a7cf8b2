// Key generation for identities and prekeys.
#include "hush/protocol/keys.hpp"

#include "hush/protocol/limits.hpp"

namespace hush::protocol {

IdentityKeyPair IdentityKeyPair::generate(crypto::Rng& rng) {
  crypto::KeyPair pair = crypto::KeyPair::generate(rng);
  return {pair.public_key, pair.private_key};
}

std::uint32_t generate_registration_id(crypto::Rng& rng) {
  return rng.uniform(16380) + 1;
}

std::vector<PreKeyRecord> generate_prekeys(std::uint32_t start, std::uint32_t count, crypto::Rng& rng) {
  std::vector<crypto::KeyPair> pairs = crypto::KeyPair::generate_many(count, rng);
  std::vector<PreKeyRecord> out;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint32_t id = ((start + i - 1) % (kMediumMaxValue - 1)) + 1;
    out.push_back(PreKeyRecord{id, std::move(pairs[i])});
  }
  return out;
}

SignedPreKeyRecord generate_signed_prekey(const IdentityKeyPair& identity, std::uint32_t id, std::uint64_t timestamp_ms,
                                          crypto::Rng& rng) {
  SignedPreKeyRecord record;
  record.id = id;
  record.key_pair = crypto::KeyPair::generate(rng);
  record.signature = crypto::sign(identity.private_key, record.key_pair.public_key.serialize(), rng);
  record.timestamp_ms = timestamp_ms;
  return record;
}

bool verify_signed_prekey(const IdentityKey& identity, const crypto::PublicKey& signed_prekey,
                          const crypto::Signature& signature) {
  return crypto::verify(identity, signed_prekey.serialize(), signature);
}

}  // namespace hush::protocol
