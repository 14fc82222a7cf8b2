// Safety numbers: symmetric, 60 digits, sensitive to keys and ids; scannable comparison.
#include <gtest/gtest.h>

#include "hush/protocol/fingerprint.hpp"

namespace hush::protocol {
namespace {

struct Pair {
  crypto::SeededRng rng{5};
  IdentityKeyPair alice = IdentityKeyPair::generate(rng);
  IdentityKeyPair bob = IdentityKeyPair::generate(rng);
};

TEST(Fingerprint, BothSidesSeeTheSameNumber) {
  Pair p;
  auto at_alice = make_fingerprint("alice", p.alice.public_key, "bob", p.bob.public_key);
  auto at_bob = make_fingerprint("bob", p.bob.public_key, "alice", p.alice.public_key);
  EXPECT_EQ(at_alice.display, at_bob.display);
  EXPECT_EQ(at_alice.display.size(), 60u);
  EXPECT_TRUE(std::all_of(at_alice.display.begin(), at_alice.display.end(), ::isdigit));
  EXPECT_TRUE(*compare_scannable(at_alice.scannable, at_bob.scannable));
  EXPECT_EQ(format_safety_number(at_alice.display).size(), 71u);
}

TEST(Fingerprint, ChangesWithKeyOrIdentifier) {
  Pair p;
  auto base = make_fingerprint("alice", p.alice.public_key, "bob", p.bob.public_key);
  IdentityKeyPair mallory = IdentityKeyPair::generate(p.rng);
  auto swapped_key = make_fingerprint("alice", p.alice.public_key, "bob", mallory.public_key);
  auto other_id = make_fingerprint("alice", p.alice.public_key, "bobby", p.bob.public_key);
  EXPECT_NE(base.display, swapped_key.display);
  EXPECT_NE(base.display, other_id.display);
  auto mallory_view = make_fingerprint("bob", mallory.public_key, "alice", p.alice.public_key);
  EXPECT_FALSE(*compare_scannable(base.scannable, mallory_view.scannable));
}

TEST(Fingerprint, ScannableRejectsGarbageAndOtherVersions) {
  Pair p;
  auto fp = make_fingerprint("alice", p.alice.public_key, "bob", p.bob.public_key);
  Bytes garbage{0xff, 0xff};
  EXPECT_EQ(compare_scannable(fp.scannable, garbage).error(), ProtocolError::kFingerprintVersionMismatch);
  Bytes version_zero = fp.scannable;
  version_zero[1] = 0;  // field 1 (version) is encoded first: 08 01
  EXPECT_EQ(compare_scannable(fp.scannable, version_zero).error(), ProtocolError::kFingerprintVersionMismatch);
  Bytes huge(kMaxScannableFingerprintSize + 1, 0);
  EXPECT_EQ(compare_scannable(fp.scannable, huge).error(), ProtocolError::kFingerprintVersionMismatch);
}

}  // namespace
}  // namespace hush::protocol
