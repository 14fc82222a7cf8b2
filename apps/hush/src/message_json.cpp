// JSON conversion of messages and contacts (message_json.hpp). Field names are part of the
// command's interface: docs/cli.md, "JSON output", must change with them.
#include "message_json.hpp"

namespace hush::cli {

namespace {

using nlohmann::json;

// null for "" (a value not known or not applicable), else the text.
json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

json hex_or_null(ByteView bytes) {
  return bytes.empty() ? json(nullptr) : json(to_hex(bytes));
}

json attachment_to_json(const client::Attachment& attachment, const std::string& caption) {
  return json{
      {"path", attachment.path.empty() ? json(nullptr) : json(attachment.path.string())},
      {"name", attachment.file_name},
      {"size", attachment.size},
      {"content_type", attachment.content_type},
      {"sha256", hex_or_null(attachment.sha256)},
      {"width", attachment.width},
      {"height", attachment.height},
      {"duration_ms", attachment.duration_ms},
      {"voice_note", attachment.voice_note},
      {"has_thumbnail", attachment.has_thumbnail},
      {"caption", caption},
      {"transfer", client::to_string(attachment.transfer)},
      {"failure", text_or_null(attachment.failure)},
  };
}

}  // namespace

json message_to_json(const client::Message& message, std::string_view own_username, std::string_view group_name) {
  const std::string own(own_username);
  json out{
      {"id", to_hex(message.id)},
      {"outgoing", message.outgoing},
      {"peer", message.peer},
      {"from", message.outgoing ? own : message.peer},
      {"to", message.outgoing ? message.peer : own},
      {"device", message.peer_device},
      {"timestamp", message.timestamp_ms},
      {"kind", message.kind},
      {"body", message.body},
      {"state", client::to_string(message.state)},
      {"failure", text_or_null(message.failure)},
  };
  if (!message.peer.empty() && message.peer.front() == '#') {
    // A group's conversation ("#" + the id in hex).
    const std::string id = message.peer.substr(1);
    const std::string author = message.outgoing ? own : message.author;
    out["group"] = json{{"id", id}, {"name", group_name.empty() ? json(nullptr) : json(std::string(group_name))}};
    out["author"] = text_or_null(author);
    out["from"] = text_or_null(author);
    out["to"] = id;
  }
  if (message.attachment) out["attachment"] = attachment_to_json(*message.attachment, message.body);
  if (message.location) {
    out["location"] = json{{"latitude", message.location->latitude},
                           {"longitude", message.location->longitude},
                           {"name", message.location->name}};
  }
  if (!message.target_id.empty()) out["target"] = to_hex(message.target_id);
  if (!message.reply_to.empty()) {
    out["reply_to"] = to_hex(message.reply_to);
    out["reply_author"] = message.reply_author;
  }
  if (message.update) out["update"] = true;
  if (message.expire_timer_seconds > 0 || message.kind == "timer") {
    out["expire_timer"] = message.expire_timer_seconds;
    out["expires_at"] = message.expires_ms > 0 ? json(message.expires_ms) : json(nullptr);
  }
  if (message.kind == "receipt") {
    out["receipt"] = message.body;
    json targets = json::array();
    for (const Bytes& target : message.target_ids) targets.push_back(to_hex(target));
    out["targets"] = std::move(targets);
  }
  return out;
}

json group_to_json(const client::GroupState& group, std::string_view own_username) {
  return json{
      {"id", to_hex(group.id)},
      {"name", group.name},
      {"revision", group.revision},
      {"members", group.members},
      {"admins", group.admins},
      {"expire_timer", group.expire_timer_seconds},
      {"member", group.is_member(std::string(own_username))},
  };
}

json contact_to_json(const client::Contact& contact) {
  return json{
      {"name", contact.name},
      {"verified", contact.verified},
      {"identity_changed", contact.identity_changed},
      {"awaiting_link_check", contact.awaiting_link_check},
      {"expire_timer", contact.expire_timer_seconds},
      {"added_ms", contact.added_ms},
  };
}

std::string to_json_line(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json endpoint_to_json(const client::Endpoint& endpoint, std::size_t number) {
  const auto optional_text = [](const std::optional<std::string>& text) { return text ? json(*text) : json(nullptr); };
  return json{
      {"index", number},
      {"url", client::format_server_url(endpoint.address)},
      {"via",
       endpoint.via ? json(client::format_proxy_url(*endpoint.via, client::ProxyPassword::kMask)) : json(nullptr)},
      {"sni", optional_text(endpoint.sni)},
      {"host", optional_text(endpoint.host)},
      {"obfs4", endpoint.obfs4.has_value()},
  };
}

}  // namespace hush::cli
