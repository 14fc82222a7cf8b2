// Micro-benchmarks of the primitives under hush's protocol, to explain the session figures: the
// Curve25519 operations (with lspc's for comparison, through its test wrapper), HMAC-SHA256,
// one chain-key step, and AES-256-CBC on a 200-byte message body.
#include <benchmark/benchmark.h>

#include <array>

#include "bench_parties.hpp"
#include "hush/crypto/aes_cbc.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/crypto/random.hpp"
#include "hush/protocol/ratchet.hpp"

namespace hush::bench {
namespace {

// What an identity key signs in the protocol: a 33-byte serialized signed prekey.
Bytes signed_message() {
  crypto::SystemRng rng;
  auto serialized = crypto::KeyPair::generate(rng).public_key.serialize();
  return Bytes(serialized.begin(), serialized.end());
}

Bytes filled(std::size_t size, std::uint8_t seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 13);
  return out;
}

// ---- hush ----

void BM_X25519Agree_hush(benchmark::State& state) {
  crypto::SystemRng rng;
  const crypto::KeyPair ours = crypto::KeyPair::generate(rng);
  const crypto::KeyPair theirs = crypto::KeyPair::generate(rng);
  for (auto _ : state) {
    auto shared = crypto::agree(ours.private_key, theirs.public_key);
    benchmark::DoNotOptimize(shared);
  }
  state.SetItemsProcessed(state.iterations());
}

// A fresh key pair: 32 bytes from the system CSPRNG and one fixed-base scalar multiplication.
void BM_KeyGeneration_hush(benchmark::State& state) {
  crypto::SystemRng rng;
  for (auto _ : state) {
    auto pair = crypto::KeyPair::generate(rng);
    benchmark::DoNotOptimize(pair);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Sign_hush(benchmark::State& state) {
  crypto::SystemRng rng;
  const crypto::KeyPair identity = crypto::KeyPair::generate(rng);
  const Bytes message = signed_message();
  for (auto _ : state) {
    auto signature = crypto::sign(identity.private_key, message, rng);
    benchmark::DoNotOptimize(signature);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Verify_hush(benchmark::State& state) {
  crypto::SystemRng rng;
  const crypto::KeyPair identity = crypto::KeyPair::generate(rng);
  const Bytes message = signed_message();
  const crypto::Signature signature = crypto::sign(identity.private_key, message, rng);
  for (auto _ : state) {
    bool valid = crypto::verify(identity.public_key, message, signature);
    if (!valid) {
      state.SkipWithError("signature did not verify");
      break;
    }
    benchmark::DoNotOptimize(valid);
  }
  state.SetItemsProcessed(state.iterations());
}

// One-shot HMAC-SHA256 of 32 bytes under a 32-byte key (the shape of every chain-key step).
void BM_HmacSha256_32B_hush(benchmark::State& state) {
  const Bytes key = filled(32, 1);
  const Bytes data = filled(32, 2);
  for (auto _ : state) {
    auto mac = crypto::hmac_sha256(key, data);
    benchmark::DoNotOptimize(mac);
  }
  state.SetItemsProcessed(state.iterations());
}

// One symmetric-ratchet step: message keys (HMAC + HKDF to 80 bytes) and the next chain key.
void BM_ChainKeyStep_hush(benchmark::State& state) {
  protocol::ChainKey chain;
  chain.key.assign(filled(32, 3));
  for (auto _ : state) {
    auto step = chain.step();
    benchmark::DoNotOptimize(step);
  }
  state.SetItemsProcessed(state.iterations());
}

// A 200-byte plaintext encrypts to 208 bytes (PKCS#7 adds 8); decryption takes those 208 back.
void BM_Aes256CbcEncrypt_200B_hush(benchmark::State& state) {
  const Bytes key = filled(32, 4);
  const Bytes iv = filled(16, 5);
  const Bytes plaintext = message_plaintext();
  for (auto _ : state) {
    auto ciphertext = crypto::aes256_cbc_encrypt(key, iv, plaintext);
    benchmark::DoNotOptimize(ciphertext);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<benchmark::IterationCount>(kMessageSize));
}

void BM_Aes256CbcDecrypt_208B_hush(benchmark::State& state) {
  const Bytes key = filled(32, 4);
  const Bytes iv = filled(16, 5);
  const Bytes ciphertext = crypto::aes256_cbc_encrypt(key, iv, message_plaintext()).value();
  for (auto _ : state) {
    auto plaintext = crypto::aes256_cbc_decrypt(key, iv, ciphertext);
    benchmark::DoNotOptimize(plaintext);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<benchmark::IterationCount>(ciphertext.size()));
}

// ---- lspc, through LspcParty's static helpers (each call also decodes the keys from bytes and
// copies the result out, as a caller of lspc's public API must) ----

void BM_X25519Agree_lspc(benchmark::State& state) {
  const test::LspcKeyPair ours = test::LspcParty::generate_key_pair();
  const test::LspcKeyPair theirs = test::LspcParty::generate_key_pair();
  for (auto _ : state) {
    auto shared = test::LspcParty::curve_agree(theirs.public_key, ours.private_key);
    benchmark::DoNotOptimize(shared);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_KeyGeneration_lspc(benchmark::State& state) {
  for (auto _ : state) {
    auto pair = test::LspcParty::generate_key_pair();
    benchmark::DoNotOptimize(pair);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Sign_lspc(benchmark::State& state) {
  const test::LspcKeyPair identity = test::LspcParty::generate_key_pair();
  const Bytes message = signed_message();
  for (auto _ : state) {
    auto signature = test::LspcParty::curve_sign(identity.private_key, message);
    benchmark::DoNotOptimize(signature);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Verify_lspc(benchmark::State& state) {
  const test::LspcKeyPair identity = test::LspcParty::generate_key_pair();
  const Bytes message = signed_message();
  const Bytes signature = test::LspcParty::curve_sign(identity.private_key, message);
  for (auto _ : state) {
    bool valid = test::LspcParty::curve_verify(identity.public_key, message, signature);
    if (!valid) {
      state.SkipWithError("signature did not verify");
      break;
    }
    benchmark::DoNotOptimize(valid);
  }
  state.SetItemsProcessed(state.iterations());
}

[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("BM_X25519Agree/hush", BM_X25519Agree_hush);
  benchmark::RegisterBenchmark("BM_X25519Agree/lspc", BM_X25519Agree_lspc);
  benchmark::RegisterBenchmark("BM_KeyGeneration/hush", BM_KeyGeneration_hush);
  benchmark::RegisterBenchmark("BM_KeyGeneration/lspc", BM_KeyGeneration_lspc);
  benchmark::RegisterBenchmark("BM_Sign/hush", BM_Sign_hush);
  benchmark::RegisterBenchmark("BM_Sign/lspc", BM_Sign_lspc);
  benchmark::RegisterBenchmark("BM_Verify/hush", BM_Verify_hush);
  benchmark::RegisterBenchmark("BM_Verify/lspc", BM_Verify_lspc);
  benchmark::RegisterBenchmark("BM_HmacSha256_32B/hush", BM_HmacSha256_32B_hush);
  benchmark::RegisterBenchmark("BM_ChainKeyStep/hush", BM_ChainKeyStep_hush);
  benchmark::RegisterBenchmark("BM_Aes256CbcEncrypt_200B/hush", BM_Aes256CbcEncrypt_200B_hush);
  benchmark::RegisterBenchmark("BM_Aes256CbcDecrypt_208B/hush", BM_Aes256CbcDecrypt_208B_hush);
  return true;
}();

}  // namespace
}  // namespace hush::bench
