// HOME/endpoints.json (endpoint_list.hpp, format in README.md): a strict, bounded parser over
// nlohmann::json, its writer, and the atomic replacement of the file (temporary file, fsync,
// rename, fsync of the folder).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "hush/client/endpoints/endpoint_list.hpp"

namespace hush::client {

namespace {

using nlohmann::json;

// The members of the file and of each entry.
constexpr std::string_view kVersionKey = "version";
constexpr std::string_view kEndpointsKey = "endpoints";
constexpr std::string_view kUrlKey = "url";
constexpr std::string_view kViaKey = "via";
constexpr std::string_view kSniKey = "sni";
constexpr std::string_view kHostKey = "host";
constexpr std::string_view kObfs4Key = "obfs4";

EndpointsFailure corrupt(std::string detail) {
  return {EndpointsError::kCorrupt, std::move(detail)};
}

// A file descriptor closed when it goes.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the outcome (a write error may only show here).
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

// A temporary file removed unless it was renamed into place.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::filesystem::path path) : path_(std::move(path)) {}
  ~TemporaryFile() {
    if (!kept_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  void keep() { kept_ = true; }

 private:
  std::filesystem::path path_;
  bool kept_ = false;
};

// The string member `key` of `entry`, when there is one; a failure naming entry `number` when it
// is there but not a string.
Result<std::optional<std::string>, EndpointsFailure> string_member(const json& entry, std::string_view key,
                                                                   std::size_t number) {
  const auto member = entry.find(key);
  if (member == entry.end()) return std::optional<std::string>{};
  if (!member->is_string()) {
    return fail(corrupt("endpoint " + std::to_string(number) + ": \"" + std::string(key) + "\" is not a string"));
  }
  return std::optional<std::string>{member->get<std::string>()};
}

Result<Endpoint, EndpointsFailure> parse_entry(const json& entry, std::size_t number) {
  const std::string where = "endpoint " + std::to_string(number) + ": ";
  if (!entry.is_object()) return fail(corrupt(where + "not an object"));
  for (const auto& [key, value] : entry.items()) {
    if (key != kUrlKey && key != kViaKey && key != kSniKey && key != kHostKey && key != kObfs4Key) {
      return fail(corrupt(where + "unknown member (expected url, via, sni, host, obfs4)"));
    }
  }
  auto url = string_member(entry, kUrlKey, number);
  auto via = string_member(entry, kViaKey, number);
  auto sni = string_member(entry, kSniKey, number);
  auto host = string_member(entry, kHostKey, number);
  auto obfs4 = string_member(entry, kObfs4Key, number);
  for (const auto* member : {&url, &via, &sni, &host, &obfs4}) {
    if (!member->ok()) return fail(member->error());
  }
  if (!*url) return fail(corrupt(where + "no \"url\""));
  Endpoint endpoint;
  const auto address = parse_server_url(**url);
  if (!address) return fail(corrupt(where + "\"url\" is not wss://HOST:PORT"));
  endpoint.address = *address;
  if (*via) {
    endpoint.via = parse_proxy_url(**via);
    if (!endpoint.via) return fail(corrupt(where + "\"via\" is not socks5://HOST:PORT or http://HOST:PORT"));
  }
  endpoint.sni = std::move(*sni);
  endpoint.host = std::move(*host);
  if (*obfs4) {
    endpoint.obfs4 = parse_obfs4_arguments(**obfs4);
    if (!endpoint.obfs4) return fail(corrupt(where + "\"obfs4\" is not cert=CERT;iat-mode=N"));
  }
  if (!check_endpoint(endpoint).ok()) {
    return fail(corrupt(where + "a malformed proxy, \"sni\" or \"host\", or obfs4 with a proxy"));
  }
  return endpoint;
}

// Refuses nesting deeper than kMaxEndpointsFileDepth and a member twice in one object, which
// nlohmann::json would otherwise accept (keeping the last).
class StrictnessCheck {
 public:
  bool operator()(int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start: open_.emplace_back(true, std::set<std::string>{}); break;
      case json::parse_event_t::array_start: open_.emplace_back(false, std::set<std::string>{}); break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!open_.empty()) open_.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_.empty() && open_.back().first && !open_.back().second.insert(parsed.get<std::string>()).second) {
          duplicate_ = true;
        }
        break;
      case json::parse_event_t::value: break;
    }
    if (open_.size() > static_cast<std::size_t>(kMaxEndpointsFileDepth)) too_deep_ = true;
    return true;
  }
  bool duplicate() const { return duplicate_; }
  bool too_deep() const { return too_deep_; }

 private:
  std::vector<std::pair<bool, std::set<std::string>>> open_;  // per open value: object?, its keys
  bool duplicate_ = false;
  bool too_deep_ = false;
};

Result<void, EndpointsFailure> io_failure(const std::filesystem::path& path, const std::string& what) {
  return fail(EndpointsFailure{EndpointsError::kIo, path.string() + ": " + what + ": " + std::strerror(errno)});
}

// Creates `home` with mode 0700 (its parents with the default mode) unless it exists.
Result<void, EndpointsFailure> create_home(const std::filesystem::path& home) {
  std::error_code error;
  if (std::filesystem::is_directory(home, error)) return {};
  if (home.has_parent_path()) std::filesystem::create_directories(home.parent_path(), error);
  if (::mkdir(home.c_str(), 0700) != 0 && errno != EEXIST) return io_failure(home, "cannot create the folder");
  if (!std::filesystem::is_directory(home, error)) {
    return fail(EndpointsFailure{EndpointsError::kIo, home.string() + ": not a folder"});
  }
  return {};
}

}  // namespace

std::string serialize_endpoints(const std::vector<Endpoint>& endpoints) {
  json list = json::array();
  for (const Endpoint& endpoint : endpoints) {
    json entry{{kUrlKey, format_server_url(endpoint.address)}};
    if (endpoint.via) entry[kViaKey] = format_proxy_url(*endpoint.via, ProxyPassword::kInclude);
    if (endpoint.sni) entry[kSniKey] = *endpoint.sni;
    if (endpoint.host) entry[kHostKey] = *endpoint.host;
    if (endpoint.obfs4) entry[kObfs4Key] = format_obfs4_arguments(*endpoint.obfs4);
    list.push_back(std::move(entry));
  }
  const json file{{kVersionKey, kEndpointsFileVersion}, {kEndpointsKey, std::move(list)}};
  return file.dump(2) + "\n";
}

Result<std::vector<Endpoint>, EndpointsFailure> parse_endpoints(std::string_view text) {
  if (text.size() > kMaxEndpointsFileSize) {
    return fail(
        EndpointsFailure{EndpointsError::kTooLarge, "larger than " + std::to_string(kMaxEndpointsFileSize) + " bytes"});
  }
  StrictnessCheck check;
  const json file = json::parse(text, std::ref(check), /*allow_exceptions=*/false);
  if (check.too_deep()) return fail(corrupt("nested deeper than an endpoint list"));
  if (file.is_discarded()) return fail(corrupt("not JSON"));
  if (check.duplicate()) return fail(corrupt("a member appears twice in one object"));
  if (!file.is_object()) return fail(corrupt("not a JSON object"));
  for (const auto& [key, value] : file.items()) {
    if (key != kVersionKey && key != kEndpointsKey)
      return fail(corrupt("unknown member (expected version, endpoints)"));
  }
  const auto version = file.find(kVersionKey);
  if (version == file.end() || !version->is_number_integer() || *version != kEndpointsFileVersion) {
    return fail(corrupt("\"version\" is not " + std::to_string(kEndpointsFileVersion)));
  }
  const auto list = file.find(kEndpointsKey);
  if (list == file.end() || !list->is_array()) return fail(corrupt("\"endpoints\" is not an array"));
  if (list->size() > kMaxEndpoints) {
    return fail(corrupt("more than " + std::to_string(kMaxEndpoints) + " endpoints"));
  }
  std::vector<Endpoint> endpoints;
  for (const json& entry : *list) {
    auto endpoint = parse_entry(entry, endpoints.size() + 1);
    if (!endpoint.ok()) return fail(endpoint.error());
    if (std::find(endpoints.begin(), endpoints.end(), *endpoint) != endpoints.end()) {
      return fail(corrupt("endpoint " + std::to_string(endpoints.size() + 1) + ": the same as an earlier one"));
    }
    endpoints.push_back(std::move(*endpoint));
  }
  return endpoints;
}

std::filesystem::path endpoints_file(const std::filesystem::path& home) {
  return home / kEndpointsFileName;
}

Result<std::vector<Endpoint>, EndpointsFailure> load_endpoints(const std::filesystem::path& home) {
  const std::filesystem::path path = endpoints_file(home);
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (file.get() < 0) {
    if (errno == ENOENT) return std::vector<Endpoint>{};
    return fail(EndpointsFailure{EndpointsError::kIo, path.string() + ": cannot open: " + std::strerror(errno)});
  }
  struct stat status {};
  if (::fstat(file.get(), &status) != 0 || !S_ISREG(status.st_mode)) {
    return fail(EndpointsFailure{EndpointsError::kIo, path.string() + ": not a regular file"});
  }
  // Read one byte past the limit, whatever the size said, so that a growing file is caught too.
  std::string text(kMaxEndpointsFileSize + 1, '\0');
  std::size_t filled = 0;
  while (filled < text.size()) {
    const ssize_t got = ::read(file.get(), text.data() + filled, text.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return fail(EndpointsFailure{EndpointsError::kIo, path.string() + ": cannot read: " + std::strerror(errno)});
    }
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  text.resize(filled);
  auto endpoints = parse_endpoints(text);
  if (!endpoints.ok()) {
    EndpointsFailure failure = endpoints.error();
    failure.detail = path.string() + ": " + failure.detail;
    return fail(std::move(failure));
  }
  return std::move(*endpoints);
}

Result<void, EndpointsFailure> save_endpoints(const std::filesystem::path& home,
                                              const std::vector<Endpoint>& endpoints) {
  if (endpoints.size() > kMaxEndpoints) {
    return fail(
        EndpointsFailure{EndpointsError::kTooMany, "more than " + std::to_string(kMaxEndpoints) + " endpoints"});
  }
  for (const Endpoint& endpoint : endpoints) HUSH_TRY(check_endpoint(endpoint));
  const std::string text = serialize_endpoints(endpoints);
  HUSH_TRY(create_home(home));
  const std::filesystem::path path = endpoints_file(home);
  std::string pattern = path.string() + ".tmp-XXXXXX";
  FileDescriptor file(::mkstemp(pattern.data()));  // mode 0600
  if (file.get() < 0) return io_failure(path, "cannot create a temporary file");
  TemporaryFile temporary(pattern);
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t put = ::write(file.get(), text.data() + written, text.size() - written);
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) return io_failure(pattern, "cannot write");
    written += static_cast<std::size_t>(put);
  }
  if (::fsync(file.get()) != 0) return io_failure(pattern, "cannot flush");
  if (!file.close()) return io_failure(pattern, "cannot close");
  if (::rename(pattern.c_str(), path.c_str()) != 0) return io_failure(path, "cannot replace");
  temporary.keep();
  // The rename itself is durable once the folder is flushed.
  FileDescriptor folder(::open(home.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (folder.get() < 0 || ::fsync(folder.get()) != 0) return io_failure(home, "cannot flush the folder");
  return {};
}

}  // namespace hush::client
