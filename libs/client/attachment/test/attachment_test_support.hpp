// Shared by client_attachment_test: files written and read whole, deterministic bytes, and an
// independent builder of blobs from OpenSSL calls (EVP AES-256-CBC, HMAC, SHA-256), which pins
// the format without going through the component's own code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "hush/base/bytes.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::test {

// `size` bytes from SeededRng(seed).
Bytes seeded_bytes(std::size_t size, std::uint64_t seed);

void write_file(const std::filesystem::path& path, ByteView contents);
Bytes read_file(const std::filesystem::path& path);

// The permission bits of `path` (e.g. 0600).
unsigned file_mode(const std::filesystem::path& path);

// The names of the entries of `folder`, sorted.
std::string folder_listing(const std::filesystem::path& folder);

// OpenSSL's own SHA-256.
crypto::Sha256Digest openssl_sha256(ByteView data);

// IV || AES-256-CBC(key[0:32], IV, blocks) || HMAC-SHA256(key[32:64], IV || ciphertext), built
// with OpenSSL alone. With `pkcs7` the blocks are padded by OpenSSL; without, `blocks` must be a
// multiple of 16 bytes and is encrypted as it is (for hand-made paddings).
Bytes openssl_blob(ByteView key, ByteView iv, ByteView blocks, bool pkcs7);

}  // namespace hush::test
