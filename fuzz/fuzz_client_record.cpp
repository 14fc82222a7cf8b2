// Fuzzes the client store's decoders of bytes read from its database file (libs/client/store):
// the sealed-row opener and the four fixed-size secret records. The first byte picks the decoder.
// A decoded record must encode back to exactly the bytes it came from; a sealed row must open only
// under its own row name, and what seal() makes must always open again.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "hush/crypto/random.hpp"
#include "record_cipher.hpp"
#include "record_codec.hpp"

namespace {

using namespace hush;
using namespace hush::client;
using namespace hush::client::detail;

// The largest plaintext a sealed row may hold in this target (StoreOptions has the real bound).
constexpr std::size_t kMaxPlaintext = 4096;

const RecordCipher& cipher() {
  static const RecordCipher instance{
      crypto::AeadKey(ByteView(reinterpret_cast<const std::uint8_t*>("fuzz-client-record-key-32-bytes!"), 32))};
  return instance;
}

void check_same(ByteView original, ByteView encoded) {
  HUSH_FUZZ_CHECK(encoded.size() == original.size());
  HUSH_FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), original.begin()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView input(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      if (auto identity = decode_local_identity(input)) check_same(input, encode_local_identity(*identity).view());
      break;
    case 1:
      if (auto prekey = decode_prekey(7, input)) check_same(input, encode_prekey(*prekey).view());
      break;
    case 2:
      if (auto signed_prekey = decode_signed_prekey(9, input)) {
        check_same(input, encode_signed_prekey(*signed_prekey).view());
      }
      break;
    case 3:
      if (auto remote = decode_remote_identity(input)) check_same(input, encode_remote_identity(*remote));
      break;
    default: {
      RowName row("sessions");
      row.add("alice").add(std::uint32_t{1});
      if (auto opened = cipher().open(row, input, kMaxPlaintext)) {
        HUSH_FUZZ_CHECK(opened->size() <= kMaxPlaintext);
        RowName other("sessions");
        other.add("alice").add(std::uint32_t{2});
        HUSH_FUZZ_CHECK(!cipher().open(other, input, kMaxPlaintext).ok());
      }
      // Sealing the input as plaintext must always open again, to the same bytes.
      if (input.size() <= kMaxPlaintext) {
        crypto::SeededRng rng(size);
        const Bytes sealed = cipher().seal(row, input, rng);
        auto reopened = cipher().open(row, sealed, kMaxPlaintext);
        HUSH_FUZZ_CHECK(reopened.ok());
        check_same(input, reopened->view());
      }
    }
  }
  return 0;
}
