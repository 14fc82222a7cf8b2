// The commands that send: send (text, file, location), react, delete and expire (the
// disappearing-message timer), to a contact or a group (--group GROUP, or #GROUP as the name). Each queues its message
// durably through the messenger and prints the message id once the server holds it; without a
// connection the message stays queued (exit code kExitNetwork).
#include <iostream>
#include <utility>

#include "arguments.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "progress.hpp"

namespace hush::cli {

namespace {

// The conversation a sending command names: a contact (`name`) or a group (`group`).
struct Target {
  std::string name, group;
};

void add_target(CLI::App& command, Target& target, const char* name_help) {
  command.add_option("name", target.name, name_help);
  command.add_option("--group", target.group, "A group instead: its id or its name")->type_name("GROUP");
}

// Connects (a failure to reach the server is not one: the message is queued), runs `send` with
// the conversation's peer (a contact's name or a group's conversation), and prints the id.
template <class Send>
int send_and_print(const GlobalOptions& global, const Target& target, Send send) {
  auto session = open_home(global);
  if (!session.ok()) return session.error();
  auto chosen = conversation(**session, target.name, target.group);
  if (!chosen.ok()) return chosen.error();
  const std::string& recipient = *chosen;
  const Connected connected = connect_session(**session, "cannot connect", /*queue_offline=*/true);
  if (connected.stop) return *connected.stop;
  Result<Bytes, client::ClientError> sent = send(*(*session)->messenger, recipient);
  if (!sent.ok()) {
    if (sent.error().kind == client::ClientErrorKind::kTransport) {
      // Offline, the library only says "closed"; why the connection failed is the useful part.
      return report_queued(connected.offline ? *connected.offline : sent.error());
    }
    return report_failure("send to " + (target.group.empty() ? recipient : target.group), sent.error(),
                          target.group.empty() ? recipient : "");
  }
  std::cout << to_hex(*sent) << std::endl;
  return kExitOk;
}

}  // namespace

CommandRun define_send(CLI::App& command) {
  struct Options {
    Target target;
    std::string text, file, caption, location, label, reply_to;
    bool voice_note = false;
  };
  auto options = std::make_shared<Options>();
  add_target(command, options->target, "The recipient's account name (not with --group)");
  auto* text =
      command.add_option("text", options->text, "The text (up to 4,096 bytes; put -- before one starting with -)");
  auto* file = command.add_option("--file", options->file, "Send this file instead of a text")->type_name("PATH");
  auto* location =
      command.add_option("--location", options->location, "Send a location instead of a text")->type_name("LAT,LON");
  text->excludes(file)->excludes(location);
  file->excludes(location);
  command.add_option("--caption", options->caption, "With --file: a caption shown with it")
      ->type_name("TEXT")
      ->needs(file);
  command.add_flag("--voice-note", options->voice_note, "With --file: the file is a voice note")->needs(file);
  auto* reply = command.add_option("--reply-to", options->reply_to, "With a text: the message it answers (its id)")
                    ->type_name("MESSAGE_ID");
  reply->excludes(file)->excludes(location);
  command.add_option("--label", options->label, "With --location: the place's name")
      ->type_name("TEXT")
      ->needs(location);
  return [options, text, file, location](const GlobalOptions& global) -> int {
    Target target = options->target;
    std::string message_text = options->text;
    bool has_text = text->count() > 0;
    if (!target.group.empty() && !target.name.empty() && !has_text) {
      // `send --group GROUP "text"`: the one positional is the text.
      message_text = std::exchange(target.name, "");
      has_text = true;
    }
    if (file->count() > 0) {
      ProgressBar bar("sending " + std::filesystem::path(options->file).filename().string());
      client::FileOptions file_options;
      file_options.caption = options->caption;
      file_options.voice_note = options->voice_note;
      file_options.progress = bar.callback();
      return send_and_print(global, target, [&](client::Messenger& messenger, const std::string& recipient) {
        auto sent = messenger.send_file(recipient, options->file, file_options);
        bar.finish();
        return sent;
      });
    }
    if (location->count() > 0) {
      auto place = parse_coordinates(options->location);
      if (!place) return report("--location: expected LAT,LON in decimal degrees, e.g. 48.2082,16.3738", kExitUsage);
      place->name = options->label;
      return send_and_print(global, target, [&](client::Messenger& messenger, const std::string& recipient) {
        return messenger.send_location(recipient, *place);
      });
    }
    if (!has_text) return report("send: give a text, --file PATH or --location LAT,LON", kExitUsage);
    if (!options->reply_to.empty()) {
      const auto answered = parse_message_id(options->reply_to);
      if (!answered) return report("send: --reply-to MESSAGE_ID must be 32 hex digits", kExitUsage);
      return send_and_print(global, target, [&](client::Messenger& messenger, const std::string& recipient) {
        return messenger.send_reply(recipient, *answered, message_text);
      });
    }
    return send_and_print(global, target, [&](client::Messenger& messenger, const std::string& recipient) {
      return messenger.send_text(recipient, message_text);
    });
  };
}

CommandRun define_react(CLI::App& command) {
  struct Options {
    Target target;
    std::string message_id, emoji;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->target.name, "The conversation: a contact, or #GROUP (a group's id or name)")
      ->required();
  command.add_option("message_id", options->message_id, "The message's id (32 hex digits, from history --json)")
      ->required();
  command.add_option("emoji", options->emoji, "The reaction; \"\" removes yours")->required();
  return [options](const GlobalOptions& global) -> int {
    const auto target = parse_message_id(options->message_id);
    if (!target) return report("react: MESSAGE_ID must be 32 hex digits", kExitUsage);
    return send_and_print(global, options->target, [&](client::Messenger& messenger, const std::string& recipient) {
      return messenger.send_reaction(recipient, *target, options->emoji);
    });
  };
}

CommandRun define_delete(CLI::App& command) {
  struct Options {
    Target target;
    std::string message_id;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->target.name, "The conversation: a contact, or #GROUP (a group's id or name)")
      ->required();
  command.add_option("message_id", options->message_id, "Your message's id (32 hex digits, from history --json)")
      ->required();
  return [options](const GlobalOptions& global) -> int {
    const auto target = parse_message_id(options->message_id);
    if (!target) return report("delete: MESSAGE_ID must be 32 hex digits", kExitUsage);
    return send_and_print(global, options->target, [&](client::Messenger& messenger, const std::string& recipient) {
      return messenger.delete_for_everyone(recipient, *target);
    });
  };
}

CommandRun define_typing(CLI::App& command) {
  struct Options {
    Target target;
    bool stop = false;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->target.name, "The conversation: a contact, or #GROUP (a group's id or name)")
      ->required();
  command.add_flag("--stop", options->stop, "Say you stopped typing");
  return [options](const GlobalOptions& global) -> int {
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    auto chosen = conversation(**session, options->target.name, "");
    if (!chosen.ok()) return chosen.error();
    const Connected connected = connect_session(**session, "cannot reach the server", false);
    if (connected.stop) return *connected.stop;
    // Ephemeral: offline or refused, it is dropped, never queued.
    if (auto sent = (*session)->messenger->send_typing(*chosen, !options->stop); !sent.ok()) {
      return report_failure("typing to " + options->target.name, sent.error());
    }
    return kExitOk;
  };
}

CommandRun define_expire(CLI::App& command) {
  struct Options {
    Target target;
    std::string duration;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->target.name, "The conversation's contact (not with --group)");
  command.add_option("--group", options->target.group, "A group's timer instead (admins): its id or name")
      ->type_name("GROUP");
  command.add_option("duration", options->duration, "30s to 4w (units s, m, h, d, w), or off")
      ->type_name("DURATION|off");
  command.footer(
      "Texts, files and locations written after this disappear from both sides' stores that long after\n"
      "they were sent (yours) or arrived (theirs), with their files in the home. Either side may change it.");
  return [options](const GlobalOptions& global) -> int {
    Options given = *options;
    // `expire --group GROUP DURATION`: the one positional is the duration.
    if (!given.target.group.empty() && given.duration.empty()) given.duration = std::exchange(given.target.name, "");
    const auto timer = parse_expire_timer(given.duration);
    if (!timer) return report("expire: DURATION is like 30s, 5m, 1h, 1d or 4w, or off", kExitUsage);
    return send_and_print(global, given.target, [&](client::Messenger& messenger, const std::string& recipient) {
      return messenger.set_expire_timer(recipient, *timer);
    });
  };
}

}  // namespace hush::cli
