// The libpq wrapper of the PostgreSQL backend: connecting, binary parameters and results, prepared
// statements, and how a failure's SQLSTATE becomes a StorageError.
#include "pg.hpp"

#include <algorithm>
#include <cstring>

namespace hush::storage::postgres {
namespace {

// Type OIDs of the parameters and results this backend uses (src/include/catalog/pg_type.dat).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kByteaArrayOid = 1001;
constexpr Oid kInt8ArrayOid = 1016;

// TCP keepalives on every connection, so a server gone silent (a partition, a dead machine) is
// noticed within about 10 + 3 * 5 = 25 seconds rather than at the next write. Ignored on unix sockets.
constexpr const char* kKeepalivesIdleSeconds = "10";
constexpr const char* kKeepalivesIntervalSeconds = "5";
constexpr const char* kKeepalivesCount = "3";
// libpq's connect_timeout is whole seconds; less than 2 it treats as 2.
constexpr std::int64_t kMinimumConnectTimeoutSeconds = 2;

void put_uint32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}
void put_int64(std::string& out, std::int64_t value) {
  auto bits = static_cast<std::uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((bits >> shift) & 0xFF));
}

// The binary form of a one-dimensional array (array_send): dimensions, a has-null flag, the element
// type, then each element as a length (-1 for NULL) and its bytes.
template <class Each>
std::string encode_array(Oid element_type, std::size_t count, bool has_null, Each&& each) {
  std::string out;
  const bool empty = count == 0;
  put_uint32(out, empty ? 0 : 1);  // dimensions
  put_uint32(out, has_null ? 1 : 0);
  put_uint32(out, element_type);
  if (!empty) {
    put_uint32(out, static_cast<std::uint32_t>(count));
    put_uint32(out, 1);  // lower bound
  }
  for (std::size_t i = 0; i < count; ++i) each(out, i);
  return out;
}

// Server notices (a WARNING such as "there is no transaction in progress") are not errors and may
// quote a statement: libpq's default prints them on stderr; this backend drops them.
void ignore_notice(void*, const char*) {}

}  // namespace

ConnectionHandle connect(const ConnectSettings& settings) {
  const std::int64_t seconds = std::max<std::int64_t>(kMinimumConnectTimeoutSeconds,
                                                      (settings.connect_timeout.count() + 999) / 1000);  // rounded up
  const std::string timeout = std::to_string(seconds);
  // Defaults first, then the caller's string (expanded: it may set any of them), then the timeout
  // the options fix; libpq keeps the last value of a repeated keyword.
  const char* keywords[] = {"application_name", "keepalives", "keepalives_idle", "keepalives_interval",
                            "keepalives_count", "dbname",     "connect_timeout", nullptr};
  const char* values[] = {"hushd",
                          "1",
                          kKeepalivesIdleSeconds,
                          kKeepalivesIntervalSeconds,
                          kKeepalivesCount,
                          settings.conninfo.c_str(),
                          timeout.c_str(),
                          nullptr};
  ConnectionHandle handle(PQconnectdbParams(keywords, values, 1));
  if (!handle || PQstatus(handle.get()) != CONNECTION_OK) return nullptr;
  PQsetNoticeProcessor(handle.get(), ignore_notice, nullptr);
  return handle;
}

StorageError to_storage_error(std::string_view sqlstate) {
  if (sqlstate.size() != 5) return StorageError::kIo;
  if (sqlstate.substr(0, 2) == "23") return StorageError::kConflict;
  if (sqlstate == "42P01" || sqlstate == "42703" || sqlstate == "42P07" || sqlstate == "42883") {
    return StorageError::kCorrupt;
  }
  if (sqlstate == "XX001" || sqlstate == "XX002") return StorageError::kCorrupt;
  if (sqlstate == "22001" || sqlstate == "54000") return StorageError::kTooLarge;
  return StorageError::kIo;
}

bool is_retryable(std::string_view sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";
}

Params& Params::add(Oid type, std::string value) {
  types_.push_back(type);
  values_.push_back(std::move(value));
  return *this;
}

Params& Params::integer(std::int64_t value) {
  std::string out;
  put_int64(out, value);
  return add(kInt8Oid, std::move(out));
}

Params& Params::bytes(ByteView value) {
  return add(kByteaOid, std::string(reinterpret_cast<const char*>(value.data()), value.size()));
}

Params& Params::boolean(bool value) {
  return add(kBoolOid, std::string(1, value ? '\1' : '\0'));
}

Params& Params::integers(std::span<const std::int64_t> values) {
  return add(kInt8ArrayOid, encode_array(kInt8Oid, values.size(), false, [&](std::string& out, std::size_t i) {
               put_uint32(out, sizeof(std::int64_t));
               put_int64(out, values[i]);
             }));
}

Params& Params::nullable_integers(std::span<const std::optional<std::int64_t>> values) {
  const bool has_null = std::any_of(values.begin(), values.end(), [](const auto& value) { return !value; });
  return add(kInt8ArrayOid, encode_array(kInt8Oid, values.size(), has_null, [&](std::string& out, std::size_t i) {
               if (!values[i]) {
                 put_uint32(out, 0xFFFFFFFFu);  // -1: NULL
                 return;
               }
               put_uint32(out, sizeof(std::int64_t));
               put_int64(out, *values[i]);
             }));
}

Params& Params::byte_arrays(std::span<const ByteView> values) {
  return add(kByteaArrayOid, encode_array(kByteaOid, values.size(), false, [&](std::string& out, std::size_t i) {
               put_uint32(out, static_cast<std::uint32_t>(values[i].size()));
               out.append(reinterpret_cast<const char*>(values[i].data()), values[i].size());
             }));
}

std::vector<const char*> Params::value_pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const std::string& value : values_) out.push_back(value.data());
  return out;
}

std::vector<int> Params::lengths() const {
  std::vector<int> out;
  out.reserve(values_.size());
  for (const std::string& value : values_) out.push_back(static_cast<int>(value.size()));
  return out;
}

std::optional<std::int64_t> Rows::integer(int row, int column) const {
  if (row < 0 || row >= size() || column < 0 || column >= PQnfields(result_.get())) return std::nullopt;
  if (is_null(row, column)) return std::nullopt;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(PQgetvalue(result_.get(), row, column));
  const int length = PQgetlength(result_.get(), row, column);
  if (length != 1 && length != 2 && length != 4 && length != 8) return std::nullopt;
  std::uint64_t bits = 0;
  for (int i = 0; i < length; ++i) bits = (bits << 8) | bytes[i];
  // Sign-extend the big-endian value of `length` bytes.
  const int unused = 64 - 8 * length;
  return static_cast<std::int64_t>(bits << unused) >> unused;
}

ByteView Rows::bytes(int row, int column) const {
  if (row < 0 || row >= size() || column < 0 || column >= PQnfields(result_.get())) return {};
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(PQgetvalue(result_.get(), row, column));
  return ByteView(bytes, static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::size_t Rows::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  return tuples[0] == '\0' ? 0 : static_cast<std::size_t>(std::strtoull(tuples, nullptr, 10));
}

Result<Rows, StorageError> Connection::check(ResultHandle result) {
  if (result) {
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(std::move(result));
    const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    last_sqlstate_ = sqlstate != nullptr ? sqlstate : "";
  } else {
    last_sqlstate_.clear();  // out of memory, or the connection is gone
  }
  if (PQstatus(handle_.get()) != CONNECTION_OK) {
    broken_ = true;
    return fail(StorageError::kIo);
  }
  return fail(to_storage_error(last_sqlstate_));
}

Result<Rows, StorageError> Connection::run(const std::string& sql, const Params& params) {
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    std::string name = "hush_" + std::to_string(prepared_.size() + 1);
    auto prepared =
        check(ResultHandle(PQprepare(handle_.get(), name.c_str(), sql.c_str(), params.count(), params.types().data())));
    if (!prepared.ok()) return fail(prepared.error());
    found = prepared_.emplace(sql, std::move(name)).first;
  }
  const std::vector<const char*> values = params.value_pointers();
  const std::vector<int> lengths = params.lengths();
  const std::vector<int> formats = params.formats();
  return check(ResultHandle(PQexecPrepared(handle_.get(), found->second.c_str(), params.count(), values.data(),
                                           lengths.data(), formats.data(), 1 /* binary results */)));
}

Result<Rows, StorageError> Connection::exec(const std::string& sql) {
  return check(ResultHandle(PQexec(handle_.get(), sql.c_str())));
}

}  // namespace hush::storage::postgres
