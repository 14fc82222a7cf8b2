// Media handlers: CreateUpload (random 128-bit id), AppendChunk at the committed offset,
// UploadStatus, FinishUpload (digest), ReadMedia (any offset, one chunk). An upload is visible
// only to its owner until finished; a finished blob to anyone who knows its id (the recipient
// learns it inside the E2E message), and there is no listing (ARCHITECTURE.md decision 6).
#include <algorithm>

#include "handler_support.hpp"
#include "router.hpp"

namespace hush::server {
namespace {

// The upload named by `field` if it exists and `owner` owns it; otherwise NOT_FOUND, so that
// another account cannot even learn that the id exists.
std::optional<storage::Upload> owned_upload(storage::MediaStore& media, const std::string& field,
                                            storage::AccountId owner, api::Response& response) {
  const auto id = fixed<16>(field);
  if (!id) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_media_id");
    return std::nullopt;
  }
  auto upload = media.upload(*id);
  if (!upload.ok() || upload->owner != owner) {
    set_status(response, api::Status::NOT_FOUND, "unknown_media");
    return std::nullopt;
  }
  return *upload;
}

}  // namespace

api::Response Router::create_upload(SessionState& state, const api::CreateUpload& request) {
  Response response;
  if (request.size() == 0) {
    set_status(response, api::Status::BAD_REQUEST, "empty_upload");
    return response;
  }
  if (request.size() > storage_.options().max_upload_size) {
    set_limit(response, "max_upload_size", storage_.options().max_upload_size);
    return response;
  }
  storage::MediaId id{};
  rng_.fill(id);
  const storage::Timestamp now_ms = now();
  auto created = storage_.media().create_upload(id, state.device->account, request.size(), now_ms,
                                                now_ms + options_.message_expiry);
  if (!created.ok()) {
    if (created.error() == storage::StorageError::kTooLarge) {
      set_limit(response, "max_upload_size", storage_.options().max_upload_size);
    } else {
      set_storage_error(response, created.error(), storage_.options());
    }
    return response;
  }
  response.mutable_upload_created()->set_media_id(to_field(id));
  response.mutable_upload_created()->set_chunk_size(static_cast<std::uint32_t>(wire::kMediaChunkSize));
  return response;
}

api::Response Router::append_chunk(SessionState& state, const api::AppendChunk& request) {
  Response response;
  auto upload = owned_upload(storage_.media(), request.media_id(), state.device->account, response);
  if (!upload) return response;
  if (request.data().size() > wire::kMediaChunkSize) {
    set_limit(response, "media_chunk_size", wire::kMediaChunkSize);
    return response;
  }
  if (request.data().empty()) {
    set_status(response, api::Status::BAD_REQUEST, "empty_chunk");
    return response;
  }
  auto appended = storage_.media().append(upload->id, request.offset(), field_bytes(request.data()));
  if (!appended.ok()) {
    if (appended.error() == storage::StorageError::kConflict) {
      // Tell the client where to resume (wrong offset) or that it is done (finished upload).
      set_status(response, api::Status::CONFLICT, "offset_mismatch");
      if (auto current = storage_.media().upload(upload->id); current.ok()) {
        response.mutable_upload_offset()->set_committed(current->committed_offset);
        response.mutable_upload_offset()->set_finished(current->state == storage::UploadState::kComplete);
      }
    } else if (appended.error() == storage::StorageError::kTooLarge) {
      set_status(response, api::Status::BAD_REQUEST, "beyond_declared_size");
    } else {
      set_storage_error(response, appended.error(), storage_.options());
    }
    return response;
  }
  response.mutable_upload_offset()->set_committed(*appended);
  return response;
}

api::Response Router::upload_status(SessionState& state, const api::UploadStatus& request) {
  Response response;
  auto upload = owned_upload(storage_.media(), request.media_id(), state.device->account, response);
  if (!upload) return response;
  response.mutable_upload_offset()->set_committed(upload->committed_offset);
  response.mutable_upload_offset()->set_finished(upload->state == storage::UploadState::kComplete);
  return response;
}

api::Response Router::finish_upload(SessionState& state, const api::FinishUpload& request) {
  Response response;
  auto upload = owned_upload(storage_.media(), request.media_id(), state.device->account, response);
  if (!upload) return response;
  const auto digest = fixed<32>(request.sha256());
  if (!digest) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_digest");
    return response;
  }
  auto finished = storage_.media().finish(upload->id, *digest);
  if (!finished.ok()) {
    if (finished.error() == storage::StorageError::kConflict) {
      set_status(response, api::Status::CONFLICT, "upload_incomplete");
    } else {
      set_storage_error(response, finished.error(), storage_.options());
    }
    return response;
  }
  response.mutable_upload_offset()->set_committed(upload->declared_size);
  response.mutable_upload_offset()->set_finished(true);
  return response;
}

api::Response Router::read_media(SessionState& state, const api::ReadMedia& request) {
  (void)state;  // any client holding the id may read a finished blob
  Response response;
  const auto id = fixed<16>(request.media_id());
  if (!id) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_media_id");
    return response;
  }
  auto upload = storage_.media().upload(*id);
  if (!upload.ok() || upload->state != storage::UploadState::kComplete) {
    set_status(response, api::Status::NOT_FOUND, "unknown_media");
    return response;
  }
  if (request.offset() > upload->declared_size) {
    set_status(response, api::Status::BAD_REQUEST, "offset_past_end");
    return response;
  }
  const std::size_t length =
      std::min<std::size_t>(request.length() == 0 ? wire::kMediaChunkSize : request.length(), wire::kMediaChunkSize);
  auto bytes = request.offset() == upload->declared_size ? Result<Bytes, storage::StorageError>(Bytes{})
                                                         : storage_.media().read(*id, request.offset(), length);
  if (!bytes.ok()) {
    set_storage_error(response, bytes.error(), storage_.options());
    return response;
  }
  response.mutable_media_chunk()->set_offset(request.offset());
  response.mutable_media_chunk()->set_data(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  response.mutable_media_chunk()->set_total_size(upload->declared_size);
  return response;
}

}  // namespace hush::server
