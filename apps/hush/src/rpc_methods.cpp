// hush's JSON-RPC methods (rpc_methods.hpp): params checks, backend calls, answers. A method never
// trusts a member's type: every wrong shape is kRpcInvalidParams naming the member.
#include "rpc_methods.hpp"

#include "arguments.hpp"
#include "message_json.hpp"

#ifndef HUSH_VERSION
#define HUSH_VERSION "unknown"
#endif

namespace hush::cli {

namespace {

using nlohmann::json;

RpcError invalid_params(std::string what) {
  return RpcError{kRpcInvalidParams, std::move(what), nullptr};
}

// params[name] as a non-empty string.
Result<std::string, RpcError> required_string(const json& params, const char* name) {
  const auto member = params.find(name);
  if (member == params.end() || !member->is_string() || member->get_ref<const std::string&>().empty()) {
    return fail(invalid_params(std::string(name) + " must be a non-empty string"));
  }
  return member->get<std::string>();
}

// params[name] as a string, "" when absent.
Result<std::string, RpcError> optional_string(const json& params, const char* name) {
  const auto member = params.find(name);
  if (member == params.end() || member->is_null()) return std::string();
  if (!member->is_string()) return fail(invalid_params(std::string(name) + " must be a string"));
  return member->get<std::string>();
}

Result<double, RpcError> required_number(const json& object, const char* name) {
  const auto member = object.find(name);
  if (member == object.end() || !member->is_number())
    return fail(invalid_params(std::string(name) + " must be a number"));
  return member->get<double>();
}

json messages_to_json(const std::vector<client::Message>& messages, const std::string& own_username) {
  json array = json::array();
  for (const client::Message& message : messages) array.push_back(message_to_json(message, own_username));
  return array;
}

Result<client::Location, RpcError> location_from(const json& value) {
  if (!value.is_object()) return fail(invalid_params("location must be an object {latitude, longitude, name}"));
  auto latitude = required_number(value, "latitude");
  if (!latitude.ok()) return fail(latitude.error());
  auto longitude = required_number(value, "longitude");
  if (!longitude.ok()) return fail(longitude.error());
  auto name = optional_string(value, "name");
  if (!name.ok()) return fail(name.error());
  if (!valid_coordinates(*latitude, *longitude)) {
    return fail(invalid_params("latitude must be in [-90, 90] and longitude in [-180, 180]"));
  }
  return client::Location{*latitude, *longitude, std::move(*name)};
}

RpcResult send(RpcBackend& backend, const json& params) {
  auto recipient = required_string(params, "recipient");
  if (!recipient.ok()) return fail(recipient.error());
  const bool has_text = params.contains("text"), has_file = params.contains("file"),
             has_location = params.contains("location");
  if (int{has_text} + int{has_file} + int{has_location} != 1) {
    return fail(invalid_params("give exactly one of text, file and location"));
  }
  if (!has_file && (params.contains("caption") || params.contains("voice_note"))) {
    return fail(invalid_params("caption and voice_note go with file"));
  }
  std::optional<Result<Bytes, client::ClientError>> sent;
  if (has_text) {
    const json& text = params["text"];
    if (!text.is_string()) return fail(invalid_params("text must be a string"));
    sent.emplace(backend.send_text(*recipient, text.get_ref<const std::string&>()));
  } else if (has_file) {
    auto file = required_string(params, "file");
    if (!file.ok()) return fail(file.error());
    auto caption = optional_string(params, "caption");
    if (!caption.ok()) return fail(caption.error());
    client::FileOptions options;
    options.caption = std::move(*caption);
    if (const auto voice_note = params.find("voice_note"); voice_note != params.end()) {
      if (!voice_note->is_boolean()) return fail(invalid_params("voice_note must be true or false"));
      options.voice_note = voice_note->get<bool>();
    }
    sent.emplace(backend.send_file(*recipient, std::filesystem::path(*file), options));
  } else {
    auto location = location_from(params["location"]);
    if (!location.ok()) return fail(location.error());
    sent.emplace(backend.send_location(*recipient, *location));
  }
  if (!sent->ok()) {
    const client::ClientError error = sent->error();
    return fail(rpc_error_for(error, error.kind == client::ClientErrorKind::kTransport));
  }
  return json{{"id", to_hex(**sent)}};
}

RpcResult receive(RpcBackend& backend, const json& params) {
  std::chrono::milliseconds wait{0};
  if (const auto timeout = params.find("timeout"); timeout != params.end() && !timeout->is_null()) {
    const double seconds = timeout->is_number() ? timeout->get<double>() : -1;
    const auto duration = seconds <= kMaxRpcReceiveWaitSeconds ? seconds_to_duration(seconds) : std::nullopt;
    if (!duration) return fail(invalid_params("timeout must be a number of seconds in [0, 30]"));
    wait = *duration;
  }
  auto messages = backend.take_received(wait);
  if (!messages.ok()) return fail(rpc_error_for(messages.error()));
  return messages_to_json(*messages, backend.own_username());
}

RpcResult history(RpcBackend& backend, const json& params) {
  auto peer = required_string(params, "peer");
  if (!peer.ok()) return fail(peer.error());
  auto messages = backend.history(*peer);
  if (!messages.ok()) return fail(rpc_error_for(messages.error()));
  return messages_to_json(*messages, backend.own_username());
}

RpcResult contacts(RpcBackend& backend) {
  auto contacts = backend.contacts();
  if (!contacts.ok()) return fail(rpc_error_for(contacts.error()));
  json array = json::array();
  for (const client::Contact& contact : *contacts) array.push_back(contact_to_json(contact));
  return array;
}

RpcResult mark_read(RpcBackend& backend, const json& params) {
  auto peer = required_string(params, "peer");
  if (!peer.ok()) return fail(peer.error());
  auto count = backend.mark_read(*peer);
  if (!count.ok()) return fail(rpc_error_for(count.error()));
  return json{{"count", *count}};
}

RpcResult trust(RpcBackend& backend, const json& params) {
  auto peer = required_string(params, "peer");
  if (!peer.ok()) return fail(peer.error());
  auto messages = backend.trust(*peer);
  if (!messages.ok()) return fail(rpc_error_for(messages.error()));
  return messages_to_json(*messages, backend.own_username());
}

}  // namespace

RpcError rpc_error_for(const client::ClientError& error, bool queued) {
  json data{{"kind", client::to_string(error.kind)}, {"detail", error.detail}};
  if (queued) data["queued"] = true;
  return RpcError{kRpcClientErrorBase - static_cast<int>(error.kind), client::describe(error), std::move(data)};
}

void add_hush_methods(RpcDispatcher& dispatcher, RpcBackend& backend) {
  dispatcher.add("send", [&backend](const json& params, RpcPeer&) { return send(backend, params); });
  dispatcher.add("receive", [&backend](const json& params, RpcPeer&) { return receive(backend, params); });
  dispatcher.add("subscribe", [](const json&, RpcPeer& peer) -> RpcResult {
    peer.subscribed = true;
    return json(true);
  });
  dispatcher.add("unsubscribe", [](const json&, RpcPeer& peer) -> RpcResult {
    peer.subscribed = false;
    return json(true);
  });
  dispatcher.add("history", [&backend](const json& params, RpcPeer&) { return history(backend, params); });
  dispatcher.add("contacts", [&backend](const json&, RpcPeer&) { return contacts(backend); });
  dispatcher.add("markRead", [&backend](const json& params, RpcPeer&) { return mark_read(backend, params); });
  dispatcher.add("trust", [&backend](const json& params, RpcPeer&) { return trust(backend, params); });
  dispatcher.add("version", [](const json&, RpcPeer&) -> RpcResult {
    return json{{"name", "hush"}, {"version", HUSH_VERSION}};
  });
}

}  // namespace hush::cli
