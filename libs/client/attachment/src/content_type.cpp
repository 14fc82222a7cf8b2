// Content types (content_type.hpp): one libmagic handle per process, loaded on first use with
// the default database and used under a mutex (a magic_t is not safe to share between threads).
// The extension table is the fallback when the database is missing (a minimal installation).
#include "content_type.hpp"

#include <magic.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

namespace hush::client::detail {
namespace {

struct MagicCloser {
  void operator()(magic_set* handle) const { magic_close(handle); }
};
using MagicHandle = std::unique_ptr<magic_set, MagicCloser>;

// Loaded once, at the first call of magic().
struct Magic {
  Magic() {
    // MAGIC_NO_CHECK_COMPRESS: never look inside compressed data; MAGIC_ERROR: report errors
    // rather than guess.
    MagicHandle opened(magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS));
    if (opened && magic_load(opened.get(), nullptr) == 0) handle = std::move(opened);
  }
  std::mutex mutex;
  MagicHandle handle;  // null when the database could not be loaded
};

Magic& magic() {
  static Magic instance;
  return instance;
}

constexpr std::array<std::pair<std::string_view, std::string_view>, 28> kByExtension{{
    {"png", "image/png"},         {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},     {"gif", "image/gif"},
    {"bmp", "image/bmp"},         {"webp", "image/webp"},     {"heic", "image/heic"},     {"mp4", "video/mp4"},
    {"m4v", "video/mp4"},         {"mov", "video/quicktime"}, {"3gp", "video/3gpp"},      {"webm", "video/webm"},
    {"m4a", "audio/mp4"},         {"aac", "audio/aac"},       {"mp3", "audio/mpeg"},      {"ogg", "audio/ogg"},
    {"opus", "audio/ogg"},        {"wav", "audio/x-wav"},     {"flac", "audio/flac"},     {"pdf", "application/pdf"},
    {"txt", "text/plain"},        {"md", "text/markdown"},    {"html", "text/html"},      {"csv", "text/csv"},
    {"json", "application/json"}, {"zip", "application/zip"}, {"gz", "application/gzip"}, {"vcf", "text/vcard"},
}};

}  // namespace

std::string content_type_from_name(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  if (extension.size() < 2) return kUnknownContentType;
  extension.erase(0, 1);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [known, type] : kByExtension) {
    if (extension == known) return std::string(type);
  }
  return kUnknownContentType;
}

std::string sniff_content_type(ByteView head, const std::filesystem::path& path) {
  if (head.empty()) return kUnknownContentType;
  std::string type;
  {
    Magic& instance = magic();
    const std::lock_guard lock(instance.mutex);
    if (instance.handle) {
      if (const char* answer = magic_buffer(instance.handle.get(), head.data(), head.size())) type = answer;
    }
  }
  if (type.empty()) return content_type_from_name(path);
  if (type == "application/x-empty" || type.starts_with("inode/")) return kUnknownContentType;
  return type;
}

}  // namespace hush::client::detail
