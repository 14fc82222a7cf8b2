// Fuzzes the request handlers (libs/server: router, key, message and media handlers) the way a
// connection drives them: each input is a script of encoded api Frames on two connections of a
// fresh, deterministic world (request_fixture.hpp), decoded with wire::decode_frame and handed to
// Router::handle. Checks: no crash or UB; exactly one reply per request, with a Status and the
// request's id, never INTERNAL; an OK, non-duplicate Send leaves each envelope fetchable by its
// recipient, and an OK SendToMany the message (with its body) fetchable by every listed device;
// bounded work (kMaxRequestRecords requests per input).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_support.hpp"
#include "hush/wire/frame_codec.hpp"
#include "request_fixture.hpp"

namespace {

using namespace hush;
namespace api = wire::api;

// After an OK Send that stored something: every addressed device has the envelope in its queue,
// from this sender, with this id, type and ciphertext.
void check_send_stored(fuzz::RequestWorld& world, const server::SessionState& state, const api::Send& send) {
  auto account = world.storage().accounts().find_account(send.recipient());
  HUSH_FUZZ_CHECK(account.ok());
  for (const api::OutgoingEnvelope& envelope : send.envelopes()) {
    auto queued = world.storage().messages().fetch({account->id, envelope.device_id()}, 0, 1u << 16);
    HUSH_FUZZ_CHECK(queued.ok());
    bool found = false;
    for (const storage::QueuedEnvelope& entry : *queued) {
      const storage::Envelope& stored = entry.envelope;
      if (std::string(stored.id.begin(), stored.id.end()) != send.message_id()) continue;
      if (stored.sender != state.device) continue;
      found = static_cast<std::uint32_t>(stored.type) == envelope.type() &&
              std::string(stored.ciphertext.begin(), stored.ciphertext.end()) == envelope.content();
      if (found) break;
    }
    HUSH_FUZZ_CHECK(found);
  }
}

// After an OK SendToMany: every listed device has the message in its queue, from this sender, with
// this id and type, and the body as its content (the stored one, when a later batch left it out).
void check_send_to_many_stored(fuzz::RequestWorld& world, const server::SessionState& state,
                               const api::SendToMany& request) {
  for (const api::Recipient& recipient : request.recipients()) {
    auto account = world.storage().accounts().find_account(recipient.username());
    HUSH_FUZZ_CHECK(account.ok());
    for (const api::RecipientDevice& device : recipient.devices()) {
      auto queued = world.storage().messages().fetch({account->id, device.device_id()}, 0, 1u << 16);
      HUSH_FUZZ_CHECK(queued.ok());
      bool found = false;
      for (const storage::QueuedEnvelope& entry : *queued) {
        const storage::Envelope& stored = entry.envelope;
        if (std::string(stored.id.begin(), stored.id.end()) != request.message_id()) continue;
        if (stored.sender != state.device) continue;
        found = static_cast<std::uint32_t>(stored.type) == request.type() && !stored.ciphertext.empty() &&
                (request.body().empty() ||
                 std::string(stored.ciphertext.begin(), stored.ciphertext.end()) == request.body());
        if (found) break;
      }
      HUSH_FUZZ_CHECK(found);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // HUSH_FUZZ_VERBOSE=1 prints each request's outcome (to see what a seed or a crash does).
  static const bool verbose = std::getenv("HUSH_FUZZ_VERBOSE") != nullptr;
  if (size < 1) return 0;
  fuzz::RequestWorld world;
  if (data[0] & fuzz::kStartLoggedIn0) world.log_in(0);
  if (data[0] & fuzz::kStartLoggedIn1) world.log_in(1);
  std::size_t at = 1;
  for (std::size_t records = 0; records < fuzz::kMaxRequestRecords && size - at >= 3; ++records) {
    const std::size_t index = data[at] & 1;
    const std::size_t length = (std::size_t{data[at + 1]} << 8) | data[at + 2];
    at += 3;
    if (length > size - at) break;
    const ByteView encoded(data + at, length);
    at += length;
    // A connection closes on a malformed frame, on a Response or Push from the client, and after
    // its device was removed; its later frames are never read.
    if (world.session(index)->closed()) continue;
    auto frame = wire::decode_frame(encoded);
    if (!frame.ok() || frame->kind_case() != api::Frame::kRequest) {
      world.session(index)->close("malformed_frame");
      continue;
    }
    const api::Request& request = frame->request();
    auto response = world.handle(index, request);
    HUSH_FUZZ_CHECK(response.has_value());  // exactly one reply, in time
    if (verbose) {
      std::fprintf(stderr, "fuzz_requests: session %zu request %d -> %s %s\n", index,
                   static_cast<int>(request.body_case()), api::Status::Code_Name(response->status().code()).c_str(),
                   response->status().reason().c_str());
    }
    HUSH_FUZZ_CHECK(response->has_status());
    HUSH_FUZZ_CHECK(response->id() == request.id());
    HUSH_FUZZ_CHECK(api::Status::Code_IsValid(response->status().code()));
    HUSH_FUZZ_CHECK(response->status().code() != api::Status::INTERNAL);
    HUSH_FUZZ_CHECK(response->status().code() == api::Status::OK || !response->status().reason().empty());
    if (request.body_case() == api::Request::kSend && response->status().code() == api::Status::OK &&
        !response->send_result().duplicate()) {
      check_send_stored(world, world.state(index), request.send());
    }
    if (request.body_case() == api::Request::kSendToMany && response->status().code() == api::Status::OK &&
        !response->send_to_many_result().duplicate()) {
      check_send_to_many_stored(world, world.state(index), request.send_to_many());
    }
  }
  return 0;
}
