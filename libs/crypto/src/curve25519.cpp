// Curve25519 keys for the Signal Protocol: X25519 agreement (libsodium) and the "Curve25519
// signatures" of libsignal-protocol-c (curve_sigs.c: curve25519_sign / curve25519_verify), built
// from libsodium's Ed25519 arithmetic plus, for verification, the Montgomery-to-Edwards map
// y = (u - 1) / (u + 1) mod p computed with OpenSSL BIGNUM (public data only).
#include "hush/crypto/curve25519.hpp"

#include <openssl/bn.h>
#include <sodium.h>

#include <algorithm>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "backend.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::crypto {
namespace {

// X25519 clamping (RFC 7748 section 5): a multiple of 8 with bit 254 set and bit 255 clear.
void clamp(std::uint8_t* scalar) {
  scalar[0] &= 248;
  scalar[31] &= 127;
  scalar[31] |= 64;
}

// curve_sigs.c / crypto_sign_modified: the nonce hash starts with 0xFE 0xFF x 31, which no
// encoded point can be, so it cannot collide with the hash of R || A || M.
constexpr std::array<std::uint8_t, 32> kNoncePrefix = [] {
  std::array<std::uint8_t, 32> prefix{};
  prefix.fill(0xFF);
  prefix[0] = 0xFE;
  return prefix;
}();

// p = 2^255 - 19, little-endian.
constexpr std::array<std::uint8_t, 32> kFieldPrime = [] {
  std::array<std::uint8_t, 32> prime{};
  prime.fill(0xFF);
  prime[0] = 0xED;
  prime[31] = 0x7F;
  return prime;
}();

// True when the little-endian `u` (bit 255 already clear) is below p.
bool is_canonical(const std::array<std::uint8_t, 32>& u) {
  for (std::size_t i = 31; i > 0; --i) {
    if (u[i] != kFieldPrime[i]) return u[i] < kFieldPrime[i];
  }
  return u[0] < kFieldPrime[0];
}

struct BnDeleter {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
struct BnContextDeleter {
  void operator()(BN_CTX* context) const { BN_CTX_free(context); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using BnContextPtr = std::unique_ptr<BN_CTX, BnContextDeleter>;

// Per-thread BIGNUM workspace for the map, so that verification allocates nothing after a
// thread's first call. Holds public values only.
struct MontContextDeleter {
  void operator()(BN_MONT_CTX* context) const { BN_MONT_CTX_free(context); }
};
using MontContextPtr = std::unique_ptr<BN_MONT_CTX, MontContextDeleter>;

struct FieldWorkspace {
  FieldWorkspace() {
    // Inversion is a^(p-2) mod p (Fermat) with a cached Montgomery context: about 30% faster
    // than BN_mod_inverse's binary algorithm for a 255-bit prime.
    if (context && prime && exponent && mont && BN_copy(exponent.get(), prime.get()) &&
        BN_sub_word(exponent.get(), 2) == 1 && BN_MONT_CTX_set(mont.get(), prime.get(), context.get()) == 1) {
      ready = true;
    }
  }
  bool invert(BIGNUM* out, const BIGNUM* value) {
    return BN_mod_exp_mont(out, value, exponent.get(), prime.get(), context.get(), mont.get()) == 1 && !BN_is_zero(out);
  }

  BnContextPtr context{BN_CTX_new()};
  BnPtr prime{BN_lebin2bn(kFieldPrime.data(), static_cast<int>(kFieldPrime.size()), nullptr)};
  BnPtr exponent{BN_new()};
  MontContextPtr mont{BN_MONT_CTX_new()};
  bool ready = false;
  BnPtr u{BN_new()};
  BnPtr numerator{BN_new()};
  BnPtr denominator{BN_new()};
  BnPtr inverse{BN_new()};
  BnPtr y{BN_new()};

  bool usable() const { return ready && u && numerator && denominator && inverse && y; }
};

// The Edwards y for the Montgomery u (canonical, bit 255 clear), little-endian, bit 255 clear.
// False when u = p - 1 (u + 1 has no inverse; curve_sigs.c would map it to y = 0, a low-order
// point that verification must reject anyway) or when OpenSSL fails to allocate.
FieldWorkspace& field_workspace() {
  thread_local FieldWorkspace workspace;
  return workspace;
}

bool edwards_y_from_montgomery_u(const std::array<std::uint8_t, 32>& u, std::array<std::uint8_t, 32>& y_out) {
  FieldWorkspace& w = field_workspace();
  if (!w.usable()) return false;
  if (BN_lebin2bn(u.data(), static_cast<int>(u.size()), w.u.get()) == nullptr) return false;
  // denominator = u + 1, which is at most p because u < p.
  if (BN_copy(w.denominator.get(), w.u.get()) == nullptr || BN_add_word(w.denominator.get(), 1) != 1) {
    return false;
  }
  if (BN_cmp(w.denominator.get(), w.prime.get()) == 0) return false;
  // numerator = u - 1 + p, kept non-negative; BN_mod_mul reduces it.
  if (BN_add(w.numerator.get(), w.u.get(), w.prime.get()) != 1 || BN_sub_word(w.numerator.get(), 1) != 1) {
    return false;
  }
  if (!w.invert(w.inverse.get(), w.denominator.get())) return false;
  if (BN_mod_mul(w.y.get(), w.numerator.get(), w.inverse.get(), w.prime.get(), w.context.get()) != 1) {
    return false;
  }
  return BN_bn2lebinpad(w.y.get(), y_out.data(), static_cast<int>(y_out.size())) == static_cast<int>(y_out.size());
}

// The Montgomery u = (1 + y) / (1 - y) for each Edwards y (canonical, bit 255 clear), with one
// field inversion for the whole batch (Montgomery's trick: invert the product of the
// denominators, then peel each inverse off with two multiplications). False for y = 1 (the
// neutral element, which a clamped scalar never yields) or an allocation failure. Public values
// only, so OpenSSL's variable-time arithmetic is fine.
bool montgomery_u_from_edwards_y(std::span<const std::array<std::uint8_t, 32>> ys,
                                 std::span<std::array<std::uint8_t, 32>> us) {
  FieldWorkspace& w = field_workspace();
  if (!w.usable() || ys.empty()) return false;
  const std::size_t n = ys.size();
  std::vector<BnPtr> denominators(n), prefix(n);
  for (std::size_t i = 0; i < n; ++i) {
    denominators[i].reset(BN_new());
    prefix[i].reset(BN_new());
    BIGNUM* d = denominators[i].get();
    // d = p + 1 - y, non-negative because y < p; zero mod p exactly when y = 1.
    if (!d || !prefix[i] || BN_lebin2bn(ys[i].data(), 32, w.y.get()) == nullptr ||
        BN_copy(d, w.prime.get()) == nullptr || BN_add_word(d, 1) != 1 || BN_sub(d, d, w.y.get()) != 1 ||
        BN_cmp(d, w.prime.get()) == 0) {
      return false;
    }
    if (i == 0 ? BN_copy(prefix[0].get(), d) == nullptr
               : BN_mod_mul(prefix[i].get(), prefix[i - 1].get(), d, w.prime.get(), w.context.get()) != 1) {
      return false;
    }
  }
  if (!w.invert(w.inverse.get(), prefix[n - 1].get())) return false;
  for (std::size_t i = n; i-- > 0;) {
    // w.inverse holds 1 / (d_0 ... d_i): times d_0 ... d_{i-1} gives 1 / d_i.
    BIGNUM* inverse_i = w.denominator.get();
    if (i == 0 ? BN_copy(inverse_i, w.inverse.get()) == nullptr
               : BN_mod_mul(inverse_i, w.inverse.get(), prefix[i - 1].get(), w.prime.get(), w.context.get()) != 1) {
      return false;
    }
    if (i > 0 &&
        BN_mod_mul(w.inverse.get(), w.inverse.get(), denominators[i].get(), w.prime.get(), w.context.get()) != 1) {
      return false;
    }
    if (BN_lebin2bn(ys[i].data(), 32, w.numerator.get()) == nullptr || BN_add_word(w.numerator.get(), 1) != 1 ||
        BN_mod_mul(w.u.get(), w.numerator.get(), inverse_i, w.prime.get(), w.context.get()) != 1 ||
        BN_bn2lebinpad(w.u.get(), us[i].data(), 32) != 32) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<PublicKey, CryptoError> PublicKey::deserialize(ByteView serialized) {
  if (serialized.size() != kSerializedPublicKeySize || serialized[0] != kDjbKeyType) {
    return fail(CryptoError::kInvalidKey);
  }
  return from_raw(serialized.subspan(1));
}

Result<PublicKey, CryptoError> PublicKey::from_raw(ByteView raw) {
  if (raw.size() != kCurveKeySize) return fail(CryptoError::kInvalidKey);
  std::array<std::uint8_t, kCurveKeySize> bytes{};
  std::copy(raw.begin(), raw.end(), bytes.begin());
  return PublicKey(bytes);
}

std::array<std::uint8_t, kSerializedPublicKeySize> PublicKey::serialize() const {
  std::array<std::uint8_t, kSerializedPublicKeySize> out{};
  out[0] = kDjbKeyType;
  std::copy(raw_.begin(), raw_.end(), out.begin() + 1);
  return out;
}

Result<PrivateKey, CryptoError> PrivateKey::from_bytes(ByteView raw) {
  if (raw.size() != kCurveKeySize) return fail(CryptoError::kInvalidKey);
  PrivateKey key;
  key.scalar_.assign(raw);
  clamp(key.scalar_.data());
  return key;
}

PrivateKey PrivateKey::generate(Rng& rng) {
  PrivateKey key;
  rng.fill(key.scalar_.mutable_view());
  clamp(key.scalar_.data());
  return key;
}

// a·B is computed on the Edwards curve (libsodium's fixed-base tables, about 2.5x faster than
// its Montgomery-ladder crypto_scalarmult_base) and mapped to the Montgomery u: the same point,
// so the result equals X25519(a, 9) (checked against crypto_scalarmult_base in the tests).
PublicKey PrivateKey::public_key() const {
  detail::ensure_sodium_initialized();
  std::array<std::uint8_t, kCurveKeySize> raw{};
  // Fails only for an all-zero result, which a clamped scalar (libsodium clamps) cannot give.
  if (crypto_scalarmult_base(raw.data(), scalar_.data()) != 0) {
    detail::throw_backend_failure("crypto_scalarmult_base");
  }
  return PublicKey(raw);
}

KeyPair KeyPair::generate(Rng& rng) {
  PrivateKey private_key = PrivateKey::generate(rng);
  PublicKey public_key = private_key.public_key();
  return KeyPair{public_key, std::move(private_key)};
}

// a·B on the Edwards curve (libsodium's fixed-base tables, about 2.5x faster than the
// Montgomery ladder), then the birational map to u for the whole batch with one inversion: the
// same points, so the keys equal X25519(a, 9) (checked against the ladder in the tests).
std::vector<KeyPair> KeyPair::generate_many(std::size_t count, Rng& rng) {
  detail::ensure_sodium_initialized();
  std::vector<KeyPair> pairs;
  pairs.reserve(count);
  std::vector<std::array<std::uint8_t, kCurveKeySize>> ys(count), us(count);
  for (std::size_t i = 0; i < count; ++i) {
    PrivateKey private_key = PrivateKey::generate(rng);
    if (crypto_scalarmult_ed25519_base_noclamp(ys[i].data(), private_key.secret().data()) != 0) {
      detail::throw_backend_failure("crypto_scalarmult_ed25519_base_noclamp");
    }
    ys[i][31] &= 0x7F;  // drop the sign of x: u depends on y alone
    pairs.push_back(KeyPair{PublicKey(), std::move(private_key)});
  }
  if (count > 0 && montgomery_u_from_edwards_y(ys, us)) {
    for (std::size_t i = 0; i < count; ++i) pairs[i].public_key = PublicKey(us[i]);
  } else {
    // Unreachable for clamped scalars unless OpenSSL cannot allocate: use the ladder.
    for (auto& pair : pairs) pair.public_key = pair.private_key.public_key();
  }
  return pairs;
}

Result<SharedSecret, CryptoError> agree(const PrivateKey& our_private, const PublicKey& their_public) {
  detail::ensure_sodium_initialized();
  SharedSecret shared;
  // libsodium returns -1 when the output is all zeros, i.e. their point has low order.
  if (crypto_scalarmult(shared.data(), our_private.secret().data(), their_public.raw().data()) != 0) {
    return fail(CryptoError::kLowOrderPoint);
  }
  return shared;
}

Signature sign(const PrivateKey& key, ByteView message, Rng& rng) {
  detail::ensure_sodium_initialized();
  // a: the Montgomery private scalar. Keys made here are already clamped; clamping again makes a
  // default-constructed key sign for the same public key that public_key() reports.
  SecretArray<32> a(key.secret().view());
  clamp(a.data());

  // A = a.B on Edwards, as curve25519_sign computes it; its sign bit travels in signature[63].
  std::array<std::uint8_t, 32> edwards_public{};
  if (crypto_scalarmult_ed25519_base_noclamp(edwards_public.data(), a.data()) != 0) {
    detail::throw_backend_failure("crypto_scalarmult_ed25519_base_noclamp(A)");  // a != 0 mod L
  }
  const std::uint8_t sign_bit = edwards_public[31] & 0x80;

  // r = SHA-512(0xFE 0xFF*31 || a || M || Z) mod L with Z = 64 random bytes (crypto_sign_modified).
  // r = 0 has probability 2^-252; redrawing Z then keeps s from revealing a.
  Sha512 hasher;
  SecretArray<32> r;
  {
    SecretArray<64> random;
    do {
      rng.fill(random.mutable_view());
      hasher.update(kNoncePrefix);
      hasher.update(a.view());
      hasher.update(message);
      hasher.update(random.view());
      Sha512Digest nonce_hash = hasher.final();
      crypto_core_ed25519_scalar_reduce(r.data(), nonce_hash.data());
      secure_wipe(nonce_hash.data(), nonce_hash.size());
    } while (sodium_is_zero(r.data(), r.size()) != 0);
  }

  Signature signature{};
  // R = r.B; cannot fail because r != 0 mod L.
  if (crypto_scalarmult_ed25519_base_noclamp(signature.data(), r.data()) != 0) {
    detail::throw_backend_failure("crypto_scalarmult_ed25519_base_noclamp(R)");
  }

  // h = SHA-512(R || A || M) mod L; s = r + h.a mod L (a reduced first, zero-extended to 64 bytes).
  hasher.update(ByteView(signature.data(), 32));
  hasher.update(edwards_public);
  hasher.update(message);
  const Sha512Digest challenge_hash = hasher.final();
  std::array<std::uint8_t, 32> challenge{};
  crypto_core_ed25519_scalar_reduce(challenge.data(), challenge_hash.data());

  SecretArray<64> a_wide;
  std::copy_n(a.data(), a.size(), a_wide.data());
  SecretArray<32> a_reduced;
  crypto_core_ed25519_scalar_reduce(a_reduced.data(), a_wide.data());
  SecretArray<32> challenge_times_a;
  crypto_core_ed25519_scalar_mul(challenge_times_a.data(), challenge.data(), a_reduced.data());
  crypto_core_ed25519_scalar_add(signature.data() + 32, challenge_times_a.data(), r.data());

  // s < L < 2^253, so bit 7 of signature[63] is free for the sign bit of A.
  signature[63] = static_cast<std::uint8_t>((signature[63] & 0x7F) | sign_bit);
  return signature;
}

bool verify(const PublicKey& key, ByteView message, ByteView signature) {
  if (signature.size() != kSignatureSize) return false;

  // u with bit 255 cleared, as X25519 reads it; a non-canonical u (u >= p) is refused.
  std::array<std::uint8_t, 32> u = key.raw();
  u[31] &= 0x7F;
  if (!is_canonical(u)) return false;

  // The Edwards public key: y = (u - 1) / (u + 1) with the sign bit carried by the signature.
  std::array<std::uint8_t, 32> edwards_public{};
  if (!edwards_y_from_montgomery_u(u, edwards_public)) return false;
  edwards_public[31] = static_cast<std::uint8_t>(edwards_public[31] | (signature[63] & 0x80));

  Signature ed25519_signature{};
  std::copy(signature.begin(), signature.end(), ed25519_signature.begin());
  ed25519_signature[63] &= 0x7F;

  detail::ensure_sodium_initialized();
  static const unsigned char kNothing = 0;
  const unsigned char* message_data = message.empty() ? &kNothing : message.data();
  return crypto_sign_verify_detached(ed25519_signature.data(), message_data, message.size(), edwards_public.data()) ==
         0;
}

}  // namespace hush::crypto
