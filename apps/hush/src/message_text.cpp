// Human one-line forms of messages and contacts (message_text.hpp).
#include "message_text.hpp"

#include "arguments.hpp"

#include <cstdio>
#include <ctime>

#include "hush/base/bytes.hpp"

namespace hush::cli {

namespace {

// The sender's timestamp in this machine's time zone, "YYYY-MM-DD HH:MM:SS".
std::string format_time(std::uint64_t timestamp_ms) {
  const std::time_t seconds = static_cast<std::time_t>(timestamp_ms / 1000);
  std::tm local{};
  if (localtime_r(&seconds, &local) == nullptr) return "?";
  char text[32];
  if (std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local) == 0) return "?";
  return text;
}

// Removes control characters (a message cannot move the cursor or clear the screen) and keeps the
// text on one line.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (byte < 0x20 || byte == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

std::string file_text(const client::Message& message) {
  const client::Attachment& file = *message.attachment;
  std::string text = file.voice_note ? "voice note" : "file";
  if (!file.file_name.empty()) text += " " + printable(file.file_name);
  text += " (" + format_size(file.size) + ")";
  switch (file.transfer) {
    case client::TransferState::kDone:
      if (!file.path.empty()) text += (message.outgoing ? " from " : " saved to ") + printable(file.path.string());
      break;
    case client::TransferState::kPending: text += message.outgoing ? " [uploading]" : " [not downloaded yet]"; break;
    case client::TransferState::kFailed: text += " [transfer failed: " + printable(file.failure) + "]"; break;
  }
  if (!message.body.empty()) text += ": " + printable(message.body);
  return text;
}

std::string location_text(const client::Message& message) {
  char coordinates[64];
  std::snprintf(coordinates, sizeof coordinates, "%.6f,%.6f", message.location->latitude, message.location->longitude);
  std::string text = std::string("location ") + coordinates;
  if (!message.location->name.empty()) text += " \"" + printable(message.location->name) + "\"";
  return text;
}

std::string ids_text(const std::vector<Bytes>& ids) {
  std::string text;
  for (const Bytes& id : ids) text += " " + to_hex(id);
  return text;
}

}  // namespace

std::string format_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string message_to_text(const client::Message& message, std::string_view group_name) {
  const bool in_group = !message.peer.empty() && message.peer.front() == '#';
  const std::string peer = printable(in_group ? message.author : message.peer);
  const std::string who = message.outgoing ? "you" : peer;
  std::string prefix = "[" + format_time(message.timestamp_ms) + "] ";
  if (in_group) prefix += "[" + printable(group_name.empty() ? std::string_view(message.peer) : group_name) + "] ";
  const std::string& kind = message.kind;
  std::string line;
  if (kind == "identity_changed") {
    // Loud on purpose: until the user acts, this conversation is stopped.
    return "WARNING: " + peer + "'s identity key changed! Messages from " + peer + " are held and nothing is sent to " +
           peer + " until you accept it. Compare the safety number (hush verify " + peer + ") with " + peer +
           " in person or on a call, then run: hush trust " + peer;
  } else if (kind == "receipt") {
    const std::string verb = message.body == "read" ? " read" : " received";
    return prefix + peer + verb + ids_text(message.target_ids);
  } else if (kind == "text") {
    const std::string reply = message.reply_to.empty() ? ""
                                                       : " (replying to " + printable(message.reply_author) + "'s " +
                                                             to_hex(message.reply_to).substr(0, 8) + ")";
    line = who + reply + ": " + printable(message.body);
  } else if (kind == "file" && message.attachment) {
    line = who + ": " + file_text(message);
  } else if (kind == "location" && message.location) {
    line = who + ": " + location_text(message);
  } else if (kind == "reaction") {
    line = message.body.empty() ? who + " removed a reaction from " + to_hex(message.target_id)
                                : who + " reacted " + printable(message.body) + " to " + to_hex(message.target_id);
  } else if (kind == "delete") {
    line = who + " deleted " + to_hex(message.target_id) + " for everyone";
  } else if (kind == "deleted") {
    line = who + ": (deleted)";
  } else if (kind == "timer") {
    line = message.expire_timer_seconds == 0
               ? who + " turned disappearing messages off"
               : who + " set disappearing messages to " + expire_timer_text(message.expire_timer_seconds);
  } else if (kind == "typing") {
    line = who + (message.body == "stopped" ? " stopped typing" : " is typing");
  } else if (kind == "group") {
    line = who + " " + printable(message.body);
  } else if (kind == "group_rejected") {
    line = peer + " sent a group change that was refused (" + printable(message.body) + ")";
  } else if (kind == "undecryptable") {
    line = who + ": (a message that could not be decrypted: " + printable(message.body) + ")";
  } else {
    line = who + ": (a message this version of hush cannot show: " + printable(kind) + ")";
  }
  if (message.outgoing) line += " [" + std::string(client::to_string(message.state)) + "]";
  if (!message.failure.empty()) line += " (" + printable(message.failure) + ")";
  if (message.expire_timer_seconds > 0 && kind != "timer") {
    line += " [disappears " + expire_timer_text(message.expire_timer_seconds) +
            (message.expires_ms > 0 ? " after " + std::string(message.outgoing ? "sending" : "arrival") : "") + "]";
  }
  return prefix + line;
}

std::string group_to_text(const client::GroupState& group, std::string_view own_username) {
  std::string line = printable(group.name) + "  " + std::to_string(group.members.size()) +
                     (group.members.size() == 1 ? " member" : " members") + "  id " + to_hex(group.id);
  if (!group.is_member(std::string(own_username))) line += "  (you left or were removed)";
  if (group.expire_timer_seconds > 0) line += "  disappearing " + expire_timer_text(group.expire_timer_seconds);
  return line;
}

std::string contact_to_text(const client::Contact& contact) {
  std::string line = printable(contact.name);
  line += contact.verified ? "  verified" : "  not verified";
  if (contact.identity_changed) line += "  IDENTITY CHANGED (hush verify, then hush trust)";
  if (contact.awaiting_link_check) line += "  awaiting link check";
  if (contact.expire_timer_seconds > 0) line += "  disappearing " + expire_timer_text(contact.expire_timer_seconds);
  return line;
}

}  // namespace hush::cli
