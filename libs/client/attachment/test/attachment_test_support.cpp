// Helpers of client_attachment_test (attachment_test_support.hpp).
#include "attachment_test_support.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <vector>

#include "hush/crypto/random.hpp"

namespace hush::test {

Bytes seeded_bytes(std::size_t size, std::uint64_t seed) {
  Bytes bytes(size);
  crypto::SeededRng rng(seed);
  rng.fill(bytes);
  return bytes;
}

void write_file(const std::filesystem::path& path, ByteView contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(contents.data()), static_cast<std::streamsize>(contents.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

unsigned file_mode(const std::filesystem::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) throw std::runtime_error("cannot stat " + path.string());
  return status.st_mode & 07777;
}

std::string folder_listing(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  std::string listing;
  for (const auto& name : names) listing += name + " ";
  return listing;
}

crypto::Sha256Digest openssl_sha256(ByteView data) {
  crypto::Sha256Digest digest{};
  SHA256(data.data(), data.size(), digest.data());
  return digest;
}

Bytes openssl_blob(ByteView key, ByteView iv, ByteView blocks, bool pkcs7) {
  if (key.size() != 64 || iv.size() != 16) throw std::invalid_argument("openssl_blob: key 64, iv 16");
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  Bytes ciphertext(blocks.size() + 16);
  int update_length = 0;
  int final_length = 0;
  if (EVP_EncryptInit_ex(context.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data()) != 1 ||
      EVP_CIPHER_CTX_set_padding(context.get(), pkcs7 ? 1 : 0) != 1 ||
      EVP_EncryptUpdate(context.get(), ciphertext.data(), &update_length, blocks.data(),
                        static_cast<int>(blocks.size())) != 1 ||
      EVP_EncryptFinal_ex(context.get(), ciphertext.data() + update_length, &final_length) != 1) {
    throw std::runtime_error("openssl_blob: EVP encryption failed");
  }
  ciphertext.resize(static_cast<std::size_t>(update_length + final_length));
  Bytes blob = concat(iv, ciphertext);
  unsigned mac_length = 0;
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  if (HMAC(EVP_sha256(), key.data() + 32, 32, blob.data(), blob.size(), mac, &mac_length) == nullptr ||
      mac_length != 32) {
    throw std::runtime_error("openssl_blob: HMAC failed");
  }
  append(blob, ByteView(mac, mac_length));
  return blob;
}

}  // namespace hush::test
