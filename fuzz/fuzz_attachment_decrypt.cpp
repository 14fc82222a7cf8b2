// Fuzzes the receiving side of the attachment blob format (libs/client/attachment) with a fixed
// key: the two streaming passes (verify, then decrypt) fed in chunks, and decrypt_file on a file
// in memory-backed /dev/shm. Input format: attachment_fixture.hpp. Invariants: nothing decrypts
// without the right digest and MAC; a sender-made blob (valid MAC) fails only on its padding; a
// blob that decrypts is exactly what AttachmentEncryptor makes from the plaintext and the blob's
// IV (the format has one encoding per plaintext); the file function agrees with the passes and
// leaves its output only on success.
#include <stdlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include "attachment_fixture.hpp"
#include "blob_stream.hpp"
#include "fuzz_support.hpp"
#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/crypto/hash.hpp"

namespace {

using namespace hush;
using namespace hush::client;
namespace fixture = hush::fuzz::attachment;

// A private folder for decrypt_file's files, removed at exit.
class Folder {
 public:
  Folder() {
    std::string pattern = std::filesystem::is_directory("/dev/shm")
                              ? "/dev/shm/hush-fuzz-attachment-XXXXXX"
                              : (std::filesystem::temp_directory_path() / "hush-fuzz-attachment-XXXXXX").string();
    HUSH_FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~Folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

const Folder& folder() {
  static const Folder instance;
  return instance;
}

struct Outcome {
  bool ok = false;
  AttachmentError error = AttachmentError::kIo;
  crypto::Sha256Digest plaintext_sha256{};
};

Outcome run_passes(ByteView blob, ByteView key, const crypto::Sha256Digest& digest, std::uint64_t size,
                   std::size_t chunk, crypto::SecretBytes& plaintext) {
  detail::BlobVerifier verifier(key, size);
  for (std::size_t offset = 0; offset < blob.size(); offset += chunk) {
    verifier.update(blob.subspan(offset, std::min(chunk, blob.size() - offset)));
  }
  if (auto verified = verifier.finish(digest); !verified.ok()) return {false, verified.error(), {}};
  detail::BlobDecryptor decryptor(key, size);
  for (std::size_t offset = 0; offset < blob.size(); offset += chunk) {
    decryptor.update(blob.subspan(offset, std::min(chunk, blob.size() - offset)), plaintext);
  }
  auto decrypted = decryptor.finish(plaintext);
  if (!decrypted.ok()) return {false, decrypted.error(), {}};
  return {true, AttachmentError::kIo, *decrypted};
}

Outcome run_file(ByteView blob, ByteView key, const crypto::Sha256Digest& digest, std::uint64_t size,
                 Bytes& plaintext) {
  const auto blob_path = folder().path() / "blob";
  const auto out_path = folder().path() / "out";
  {
    std::ofstream out(blob_path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(blob.data()), static_cast<std::streamsize>(blob.size()));
    HUSH_FUZZ_CHECK(out.good());
  }
  auto decrypted = decrypt_file(blob_path, key, digest, size, out_path);
  HUSH_FUZZ_CHECK(std::filesystem::exists(out_path) == decrypted.ok());
  if (!decrypted.ok()) return {false, decrypted.error(), {}};
  std::ifstream in(out_path, std::ios::binary);
  plaintext.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove(out_path);
  return {true, AttachmentError::kIo, *decrypted};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = fixture::parse(ByteView(data, size));
  if (!input) return 0;
  const crypto::SecretArray<64> key = fixture::key();
  const std::uint64_t plaintext_size = input->plaintext_size;
  const bool sender_made = (input->flags & fixture::kSenderMade) != 0;

  Bytes blob(input->body.begin(), input->body.end());
  if (sender_made) {
    blob.resize(static_cast<std::size_t>(blob_size(plaintext_size) - kAttachmentMacSize), 0);
    append(blob, crypto::hmac_sha256(key.view().subspan(32), blob).view());
  }
  const bool real_digest = sender_made || (input->flags & fixture::kRealDigest) != 0;
  const crypto::Sha256Digest digest = real_digest ? crypto::sha256(blob) : crypto::Sha256Digest{};

  crypto::SecretBytes plaintext;
  const Outcome passes = run_passes(blob, key.view(), digest, plaintext_size, input->chunk_size(), plaintext);
  if (!real_digest) HUSH_FUZZ_CHECK(!passes.ok);
  if (sender_made) HUSH_FUZZ_CHECK(passes.ok || passes.error == AttachmentError::kBadPadding);
  if (passes.ok) {
    HUSH_FUZZ_CHECK(plaintext.size() == plaintext_size);
    HUSH_FUZZ_CHECK(passes.plaintext_sha256 == crypto::sha256(plaintext.view()));
    // The one encoding of this plaintext under this key and IV is the blob itself.
    AttachmentIv iv{};
    std::copy_n(blob.begin(), iv.size(), iv.begin());
    AttachmentEncryptor encryptor(AttachmentKey(key.view()), iv, plaintext_size);
    Bytes again;
    encryptor.update(plaintext.view(), again);
    auto digests = encryptor.finish(again);
    HUSH_FUZZ_CHECK(digests.ok());
    HUSH_FUZZ_CHECK(again == blob);
    HUSH_FUZZ_CHECK(digests->blob == digest);
  } else {
    HUSH_FUZZ_CHECK(passes.error == AttachmentError::kSizeMismatch ||
                    passes.error == AttachmentError::kDigestMismatch || passes.error == AttachmentError::kBadMac ||
                    passes.error == AttachmentError::kBadPadding);
  }

  // decrypt_file agrees, and leaves its output only on success.
  Bytes from_file;
  const Outcome file = run_file(blob, key.view(), digest, plaintext_size, from_file);
  HUSH_FUZZ_CHECK(file.ok == passes.ok);
  if (passes.ok) {
    HUSH_FUZZ_CHECK(file.plaintext_sha256 == passes.plaintext_sha256);
    HUSH_FUZZ_CHECK(from_file.size() == plaintext.size() &&
                    std::equal(from_file.begin(), from_file.end(), plaintext.data()));
  } else {
    HUSH_FUZZ_CHECK(file.error == passes.error);
  }
  return 0;
}
