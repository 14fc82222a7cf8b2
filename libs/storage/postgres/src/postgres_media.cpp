// The PostgreSQL backend's media store: one row per upload, one bytea row per appended chunk, in
// the shared database, so any node serves any upload and resumes any other node's. finish() hashes
// the chunks a page at a time from one snapshot (never the whole upload in memory), then records the
// outcome in a short transaction; appends to one upload take turns on its row.
#include <algorithm>

#include "database.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::storage::postgres {
namespace {

// Bytes of chunks one statement of finish() or read() fetches at most (at least one chunk): bounds
// the memory of hashing a whole upload while keeping a 100 MiB upload to a few dozen round trips.
constexpr std::size_t kChunkPageBytes = 4 * 1024 * 1024;

struct UploadRow {
  Upload upload;
  std::uint64_t last_chunk_offset = 0;
};

// The upload's row; with `for_update`, locked until the transaction ends.
Result<UploadRow, StorageError> load_upload(Connection& connection, const MediaId& id, bool for_update) {
  const std::string sql =
      std::string(
          "SELECT owner, declared_size, committed_offset, last_chunk_offset, complete, digest, created_at, "
          "expires_at FROM media_uploads WHERE id = $1") +
      (for_update ? " FOR UPDATE" : "");
  auto rows = connection.run(sql, Params().bytes(id));
  if (!rows.ok()) return fail(rows.error());
  if (rows->empty()) return fail(StorageError::kNotFound);
  UploadRow loaded;
  Upload& upload = loaded.upload;
  upload.id = id;
  upload.owner = static_cast<AccountId>(rows->integer_or_zero(0, 0));
  const std::int64_t declared = rows->integer_or_zero(0, 1);
  const std::int64_t committed = rows->integer_or_zero(0, 2);
  const std::int64_t last_chunk = rows->integer_or_zero(0, 3);
  if (declared < 0 || committed < 0 || last_chunk < 0 || committed > declared) return fail(StorageError::kCorrupt);
  upload.declared_size = static_cast<std::uint64_t>(declared);
  upload.committed_offset = static_cast<std::uint64_t>(committed);
  loaded.last_chunk_offset = static_cast<std::uint64_t>(last_chunk);
  upload.state = rows->integer_or_zero(0, 4) != 0 ? UploadState::kComplete : UploadState::kUploading;
  if (!rows->is_null(0, 5)) {
    upload.digest.emplace();
    if (!rows->bytes_into(0, 5, *upload.digest)) return fail(StorageError::kCorrupt);
  }
  upload.created_at = to_timestamp(rows->integer_or_zero(0, 6));
  upload.expires_at = to_timestamp(rows->integer_or_zero(0, 7));
  return loaded;
}

Result<std::uint64_t, StorageError> quota_used_in(Connection& connection, AccountId owner) {
  auto rows = connection.run("SELECT coalesce(sum(declared_size), 0)::int8 FROM media_uploads WHERE owner = $1",
                             Params().integer(owner));
  if (!rows.ok()) return fail(rows.error());
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, rows->integer_or_zero(0, 0)));
}

// Calls `each(bytes)` for the stored bytes [offset, offset + length) in order, a chunk's worth at a
// time, fetching at most kChunkPageBytes (or one chunk) per statement. kCorrupt when one is missing.
template <class Each>
Result<void, StorageError> visit_range(Connection& connection, const MediaId& id, std::uint64_t offset,
                                       std::uint64_t length, std::size_t chunk_size, Each&& each) {
  const std::uint64_t end = offset + length;
  const std::uint64_t page = std::max<std::size_t>(1, kChunkPageBytes / std::max<std::size_t>(1, chunk_size));
  std::uint64_t position = offset;
  while (position < end) {
    // The chunk holding `position` (the last starting at or before it), and the ones after it.
    auto rows = connection.run(
        "SELECT chunk_offset, data FROM media_chunks WHERE upload_id = $1 AND chunk_offset < $3 AND chunk_offset >= "
        "(SELECT coalesce(max(chunk_offset), 0) FROM media_chunks WHERE upload_id = $1 AND chunk_offset <= $2) "
        "ORDER BY chunk_offset LIMIT $4",
        Params().bytes(id).integer(position).integer(end).integer(page));
    if (!rows.ok()) return fail(rows.error());
    if (rows->empty()) return fail(StorageError::kCorrupt);  // a chunk is missing
    for (int row = 0; row < rows->size() && position < end; ++row) {
      const auto chunk_offset = static_cast<std::uint64_t>(rows->integer_or_zero(row, 0));
      ByteView chunk = rows->bytes(row, 1);
      if (chunk_offset > position || chunk_offset + chunk.size() <= position) return fail(StorageError::kCorrupt);
      const auto from = static_cast<std::size_t>(position - chunk_offset);
      const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size() - from, end - position));
      each(chunk.subspan(from, count));
      position += count;
    }
  }
  return {};
}

// Makes the transaction read one snapshot, writing nothing: the reads of an upload and of its
// chunks agree even while another node expires it. Must come first in the transaction.
Result<void, StorageError> read_one_snapshot(Connection& connection) {
  HUSH_TRY(connection.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
  return {};
}

}  // namespace

Result<Upload, StorageError> Media::create_upload(const MediaId& id, AccountId owner, std::uint64_t declared_size,
                                                  Timestamp now, Timestamp expires_at) {
  const Options& limits = database_.limits();
  if (declared_size == 0) return fail(StorageError::kInvalidArgument);
  if (declared_size > limits.max_upload_size) return fail(StorageError::kTooLarge);
  return database_.transact([&](Transaction& transaction) -> Result<Upload, StorageError> {
    Connection& connection = transaction.connection();
    // The owner's row lock: concurrent uploads of one account check the quota one at a time.
    auto account = connection.run("SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE", Params().integer(owner));
    if (!account.ok()) return fail(account.error());
    if (account->empty()) return fail(StorageError::kNotFound);
    auto existing = load_upload(connection, id, false);
    if (existing.ok()) return fail(StorageError::kConflict);
    if (existing.error() != StorageError::kNotFound) return fail(existing.error());
    auto used = quota_used_in(connection, owner);
    if (!used.ok()) return fail(used.error());
    if (*used + declared_size > limits.media_quota_per_account) return fail(StorageError::kQuotaExceeded);
    auto inserted = connection.run(
        "INSERT INTO media_uploads (id, owner, declared_size, committed_offset, last_chunk_offset, complete, "
        "digest, created_at, expires_at) VALUES ($1, $2, $3, 0, 0, false, NULL, $4, $5) "
        "ON CONFLICT (id) DO NOTHING RETURNING 1",
        Params().bytes(id).integer(owner).integer(declared_size).time(now).time(expires_at));
    if (!inserted.ok()) return fail(inserted.error());
    if (inserted->empty()) return fail(StorageError::kConflict);  // created meanwhile by another account
    return Upload{id, owner, declared_size, 0, UploadState::kUploading, std::nullopt, now, expires_at};
  });
}

Result<std::uint64_t, StorageError> Media::append(const MediaId& id, std::uint64_t offset, ByteView bytes) {
  if (bytes.empty()) return fail(StorageError::kInvalidArgument);
  if (bytes.size() > database_.limits().max_media_chunk_size) return fail(StorageError::kTooLarge);
  return database_.transact([&](Transaction& transaction) -> Result<std::uint64_t, StorageError> {
    Connection& connection = transaction.connection();
    auto loaded = load_upload(connection, id, true);
    if (!loaded.ok()) return fail(loaded.error());
    const Upload& upload = loaded->upload;
    if (offset != upload.committed_offset) {
      if (offset != loaded->last_chunk_offset || offset + bytes.size() != upload.committed_offset) {
        return fail(StorageError::kConflict);
      }
      auto last = connection.run("SELECT data FROM media_chunks WHERE upload_id = $1 AND chunk_offset = $2",
                                 Params().bytes(id).integer(offset));
      if (!last.ok()) return fail(last.error());
      if (last->empty() || !std::ranges::equal(last->bytes(0, 0), bytes)) return fail(StorageError::kConflict);
      return upload.committed_offset;  // a resend of the last chunk: already stored
    }
    if (upload.state != UploadState::kUploading) return fail(StorageError::kConflict);
    if (bytes.size() > upload.declared_size - upload.committed_offset) return fail(StorageError::kTooLarge);
    const std::uint64_t committed = offset + bytes.size();
    HUSH_TRY(
        connection.run("WITH stored AS (INSERT INTO media_chunks (upload_id, chunk_offset, data) VALUES ($1, $2, $3)) "
                       "UPDATE media_uploads SET committed_offset = $4, last_chunk_offset = $2 WHERE id = $1",
                       Params().bytes(id).integer(offset).bytes(bytes).integer(committed)));
    return committed;
  });
}

Result<std::uint64_t, StorageError> Media::committed_offset(const MediaId& id) {
  return database_.read([&](Connection& connection) -> Result<std::uint64_t, StorageError> {
    auto loaded = load_upload(connection, id, false);
    if (!loaded.ok()) return fail(loaded.error());
    return loaded->upload.committed_offset;
  });
}

Result<void, StorageError> Media::finish(const MediaId& id, const Sha256Digest& digest) {
  const std::size_t chunk_size = database_.limits().max_media_chunk_size;
  // Hash outside the writing transaction: once committed_offset == declared_size the bytes cannot
  // change, and a long hash then holds no lock.
  auto verified = database_.transact([&](Transaction& transaction) -> Result<bool, StorageError> {
    Connection& connection = transaction.connection();
    HUSH_TRY(read_one_snapshot(connection));
    auto loaded = load_upload(connection, id, false);
    if (!loaded.ok()) return fail(loaded.error());
    const Upload& upload = loaded->upload;
    if (upload.state == UploadState::kComplete) {
      if (upload.digest != digest) return fail(StorageError::kConflict);
      return true;
    }
    if (upload.committed_offset != upload.declared_size) return fail(StorageError::kConflict);
    crypto::Sha256 hash;
    HUSH_TRY(
        visit_range(connection, id, 0, upload.declared_size, chunk_size, [&](ByteView bytes) { hash.update(bytes); }));
    return hash.final() == digest;
  });
  if (!verified.ok()) return fail(verified.error());
  const bool matches = *verified;
  auto recorded = database_.transact([&](Transaction& transaction) -> Result<void, StorageError> {
    Connection& connection = transaction.connection();
    auto loaded = load_upload(connection, id, true);  // expired, or finished by a concurrent call?
    if (!loaded.ok()) return fail(loaded.error());
    if (loaded->upload.state == UploadState::kComplete) {
      return loaded->upload.digest == digest ? Result<void, StorageError>() : fail(StorageError::kConflict);
    }
    if (!matches) {
      // The bytes are useless: free them and the quota they hold.
      HUSH_TRY(connection.run(
          "WITH chunks AS (DELETE FROM media_chunks WHERE upload_id = $1) DELETE FROM media_uploads WHERE id = $1",
          Params().bytes(id)));
      return {};
    }
    HUSH_TRY(connection.run("UPDATE media_uploads SET complete = true, digest = $2 WHERE id = $1",
                            Params().bytes(id).bytes(digest)));
    return {};
  });
  if (!recorded.ok()) return recorded;
  if (!matches) return fail(StorageError::kDigestMismatch);
  return {};
}

Result<Upload, StorageError> Media::upload(const MediaId& id) {
  return database_.read([&](Connection& connection) -> Result<Upload, StorageError> {
    auto loaded = load_upload(connection, id, false);
    if (!loaded.ok()) return fail(loaded.error());
    return loaded->upload;
  });
}

Result<Bytes, StorageError> Media::read(const MediaId& id, std::uint64_t offset, std::size_t length) {
  const std::size_t chunk_size = database_.limits().max_media_chunk_size;
  if (length > chunk_size) return fail(StorageError::kTooLarge);
  return database_.transact([&](Transaction& transaction) -> Result<Bytes, StorageError> {
    Connection& connection = transaction.connection();
    HUSH_TRY(read_one_snapshot(connection));
    auto loaded = load_upload(connection, id, false);
    if (!loaded.ok()) return fail(loaded.error());
    const Upload& upload = loaded->upload;
    if (upload.state != UploadState::kComplete) return fail(StorageError::kConflict);
    if (offset > upload.declared_size) return fail(StorageError::kInvalidArgument);
    Bytes out;
    const std::uint64_t available = upload.declared_size - offset;
    if (available == 0 || length == 0) return out;
    HUSH_TRY(visit_range(connection, id, offset, std::min<std::uint64_t>(length, available), chunk_size,
                         [&](ByteView bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }));
    return out;
  });
}

Result<std::uint64_t, StorageError> Media::quota_used(AccountId owner) {
  return database_.read([&](Connection& connection) { return quota_used_in(connection, owner); });
}

Result<std::vector<ExpiredUpload>, StorageError> Media::expire(Timestamp now, std::size_t limit) {
  return database_.transact([&](Transaction& transaction) -> Result<std::vector<ExpiredUpload>, StorageError> {
    Connection& connection = transaction.connection();
    // SKIP LOCKED: nodes sweeping at once take different uploads; an upload being appended to is
    // left for the next sweep.
    auto rows = connection.run(
        "DELETE FROM media_uploads WHERE id IN (SELECT id FROM media_uploads WHERE expires_at <= $1 "
        "ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id, owner",
        Params().time(now).integer(to_count_column(limit)));
    if (!rows.ok()) return fail(rows.error());
    std::vector<ExpiredUpload> expired;
    std::vector<ByteView> ids;
    for (int row = 0; row < rows->size(); ++row) {
      ExpiredUpload upload;
      if (!rows->bytes_into(row, 0, upload.id)) return fail(StorageError::kCorrupt);
      upload.owner = static_cast<AccountId>(rows->integer_or_zero(row, 1));
      expired.push_back(upload);
    }
    for (const ExpiredUpload& upload : expired) ids.push_back(upload.id);
    if (!ids.empty()) {
      HUSH_TRY(
          connection.run("DELETE FROM media_chunks WHERE upload_id = ANY($1::bytea[])", Params().byte_arrays(ids)));
    }
    return expired;
  });
}

}  // namespace hush::storage::postgres
