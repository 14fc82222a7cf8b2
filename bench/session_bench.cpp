// Session benchmarks, hush against libsignal-protocol-c 2.3.3 in one binary on the same steps and
// the same 200-byte plaintext: session establishment, one-direction messages, and ping-pong
// (a DH ratchet step per message). Figures only; scripts/bench turns them into docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bench_parties.hpp"

namespace hush::bench {
namespace {

// Responders prepared ahead of the timed loop, one per establishment. Google Benchmark tells the
// loop how many iterations it will run (max_iterations), so normally one batch covers the whole
// run and nothing is paused; a longer run (a large --benchmark_min_time) refills between batches.
constexpr std::size_t kMaxBatch = 4096;

// One initiator and `size` responders, each with a fresh identity, signed prekey and one-time
// prekey, and the bundle the initiator will consume. Distinct responder addresses, so every
// establishment is a first contact: no archived states, no identity changes.
template <class Side>
struct EstablishmentBatch {
  std::unique_ptr<typename Side::Party> initiator;
  std::vector<std::unique_ptr<typename Side::Party>> responders;
  std::vector<typename Side::Bundle> bundles;

  static EstablishmentBatch make(std::size_t size) {
    EstablishmentBatch batch;
    batch.initiator = Side::make("alice", 1);
    batch.responders.reserve(size);
    batch.bundles.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
      batch.responders.push_back(Side::make("bob-" + std::to_string(i), 1));
      batch.bundles.push_back(Side::bundle(*batch.responders.back()));
    }
    return batch;
  }
};

// Timed: the initiator processes the responder's bundle (signature check, X3DH), encrypts the
// first message (a PreKeySignalMessage), and the responder decrypts it (responder X3DH, first
// receiving chain). Not timed: making the responder and its bundle (see BM_MakeBundle).
template <class Side>
void BM_Establish(benchmark::State& state) {
  const Bytes plaintext = message_plaintext();
  const std::size_t batch_size = static_cast<std::size_t>(std::clamp<benchmark::IterationCount>(
      state.max_iterations, 1, static_cast<benchmark::IterationCount>(kMaxBatch)));
  auto batch = EstablishmentBatch<Side>::make(batch_size);
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == batch.responders.size()) {
      state.PauseTiming();
      batch = EstablishmentBatch<Side>::make(batch_size);
      next = 0;
      state.ResumeTiming();
    }
    auto& responder = *batch.responders[next];
    const auto& bundle = batch.bundles[next];
    ++next;
    auto first = Side::process(*batch.initiator, responder, bundle)
                     ? Side::encrypt(*batch.initiator, responder, plaintext)
                     : std::nullopt;
    if (!first || first->type != test::kLspcPreKeySignalMessage ||
        !Side::decrypt(responder, *batch.initiator, *first)) {
      state.SkipWithError("session establishment failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// For context: the same plus the responder's reply, decrypted by the initiator, i.e. until both
// sides have completed a DH ratchet step. Unlike BM_Establish this does not depend on when an
// implementation makes the responder's new ratchet key (lspc on receipt, hush on first send).
template <class Side>
void BM_EstablishRoundTrip(benchmark::State& state) {
  const Bytes plaintext = message_plaintext();
  const std::size_t batch_size = static_cast<std::size_t>(std::clamp<benchmark::IterationCount>(
      state.max_iterations, 1, static_cast<benchmark::IterationCount>(kMaxBatch)));
  auto batch = EstablishmentBatch<Side>::make(batch_size);
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == batch.responders.size()) {
      state.PauseTiming();
      batch = EstablishmentBatch<Side>::make(batch_size);
      next = 0;
      state.ResumeTiming();
    }
    auto& responder = *batch.responders[next];
    const auto& bundle = batch.bundles[next];
    ++next;
    if (!Side::process(*batch.initiator, responder, bundle) || !send<Side>(*batch.initiator, responder, plaintext) ||
        !send<Side>(responder, *batch.initiator, plaintext)) {
      state.SkipWithError("session establishment round trip failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// For context: what the responder's side of one establishment costs before it starts (a one-time
// prekey generated and stored, the bundle assembled). The party's store grows by one prekey per
// iteration.
template <class Side>
void BM_MakeBundle(benchmark::State& state) {
  auto party = Side::make("bob", 1);
  for (auto _ : state) {
    auto bundle = Side::bundle(*party);
    benchmark::DoNotOptimize(bundle);
  }
  state.SetItemsProcessed(state.iterations());
}

// Alice keeps sending to Bob on one sending chain: per message, one chain-key step, AES-CBC and
// the MAC on each side, plus loading and storing the session record.
template <class Side>
void BM_Steady(benchmark::State& state) {
  const Bytes plaintext = message_plaintext();
  auto conversation = Conversation<Side>::start(plaintext);
  if (!conversation) {
    state.SkipWithError("session setup failed");
    return;
  }
  for (auto _ : state) {
    if (!send<Side>(*conversation->alice, *conversation->bob, plaintext)) {
      state.SkipWithError("steady message failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// Alice and Bob alternate, so every message carries a new ratchet key and its receiver performs a
// DH ratchet step (two X25519 agreements, one key generation, two root-key HKDFs).
template <class Side>
void BM_PingPong(benchmark::State& state) {
  const Bytes plaintext = message_plaintext();
  auto conversation = Conversation<Side>::start(plaintext);
  if (!conversation) {
    state.SkipWithError("session setup failed");
    return;
  }
  auto& alice = *conversation->alice;
  auto& bob = *conversation->bob;
  // Fill both sessions up to their receiver-chain limit (5 in both libraries) so the timed loop
  // sees records of a constant size.
  for (int round = 0; round < 8; ++round) {
    if (!send<Side>(alice, bob, plaintext) || !send<Side>(bob, alice, plaintext)) {
      state.SkipWithError("ping-pong warm-up failed");
      return;
    }
  }
  bool alice_sends = true;
  for (auto _ : state) {
    const bool ok = alice_sends ? send<Side>(alice, bob, plaintext) : send<Side>(bob, alice, plaintext);
    if (!ok) {
      state.SkipWithError("ping-pong message failed");
      break;
    }
    alice_sends = !alice_sends;
  }
  state.SetItemsProcessed(state.iterations());
}

[[maybe_unused]] const bool registered = [] {
  benchmark::RegisterBenchmark("BM_Establish/hush", BM_Establish<HushSide>)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_Establish/lspc", BM_Establish<LspcSide>)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_Steady/hush", BM_Steady<HushSide>)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_Steady/lspc", BM_Steady<LspcSide>)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_PingPong/hush", BM_PingPong<HushSide>)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_PingPong/lspc", BM_PingPong<LspcSide>)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_EstablishRoundTrip/hush", BM_EstablishRoundTrip<HushSide>)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_EstablishRoundTrip/lspc", BM_EstablishRoundTrip<LspcSide>)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_MakeBundle/hush", BM_MakeBundle<HushSide>)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_MakeBundle/lspc", BM_MakeBundle<LspcSide>)->Unit(benchmark::kMicrosecond);
  return true;
}();

}  // namespace
}  // namespace hush::bench
