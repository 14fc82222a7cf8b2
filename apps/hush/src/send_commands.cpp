// The commands that send: send (text, file, location), react, delete and expire (the
// disappearing-message timer). Each queues its message
// durably through the messenger and prints the message id once the server holds it; without a
// connection the message stays queued (exit code kExitNetwork).
#include <iostream>

#include "arguments.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "progress.hpp"

namespace hush::cli {

namespace {

// Connects (a failure to reach the server is not one: the message is queued), runs `send`, and
// prints the id. `send` gets the session once it is open.
template <class Send>
int send_and_print(const GlobalOptions& global, const std::string& recipient, Send send) {
  auto session = open_home(global);
  if (!session.ok()) return session.error();
  const Connected connected = connect_session(**session, "cannot connect", /*queue_offline=*/true);
  if (connected.stop) return *connected.stop;
  Result<Bytes, client::ClientError> sent = send(*(*session)->messenger);
  if (!sent.ok()) {
    if (sent.error().kind == client::ClientErrorKind::kTransport) {
      // Offline, the library only says "closed"; why the connection failed is the useful part.
      return report_queued(connected.offline ? *connected.offline : sent.error());
    }
    return report_failure("send to " + recipient, sent.error(), recipient);
  }
  std::cout << to_hex(*sent) << std::endl;
  return kExitOk;
}

}  // namespace

CommandRun define_send(CLI::App& command) {
  struct Options {
    std::string recipient, text, file, caption, location, label;
    bool voice_note = false;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->recipient, "The recipient's account name")->required();
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
  command.add_option("--label", options->label, "With --location: the place's name")
      ->type_name("TEXT")
      ->needs(location);
  return [options, text, file, location](const GlobalOptions& global) -> int {
    const std::string& recipient = options->recipient;
    if (file->count() > 0) {
      ProgressBar bar("sending " + std::filesystem::path(options->file).filename().string());
      client::FileOptions file_options;
      file_options.caption = options->caption;
      file_options.voice_note = options->voice_note;
      file_options.progress = bar.callback();
      return send_and_print(global, recipient, [&](client::Messenger& messenger) {
        auto sent = messenger.send_file(recipient, options->file, file_options);
        bar.finish();
        return sent;
      });
    }
    if (location->count() > 0) {
      auto place = parse_coordinates(options->location);
      if (!place) return report("--location: expected LAT,LON in decimal degrees, e.g. 48.2082,16.3738", kExitUsage);
      place->name = options->label;
      return send_and_print(global, recipient,
                            [&](client::Messenger& messenger) { return messenger.send_location(recipient, *place); });
    }
    if (text->count() == 0) return report("send: give a text, --file PATH or --location LAT,LON", kExitUsage);
    return send_and_print(global, recipient,
                          [&](client::Messenger& messenger) { return messenger.send_text(recipient, options->text); });
  };
}

CommandRun define_react(CLI::App& command) {
  struct Options {
    std::string recipient, message_id, emoji;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->recipient, "The conversation's contact")->required();
  command.add_option("message_id", options->message_id, "The message's id (32 hex digits, from history --json)")
      ->required();
  command.add_option("emoji", options->emoji, "The reaction; \"\" removes yours")->required();
  return [options](const GlobalOptions& global) -> int {
    const auto target = parse_message_id(options->message_id);
    if (!target) return report("react: MESSAGE_ID must be 32 hex digits", kExitUsage);
    return send_and_print(global, options->recipient, [&](client::Messenger& messenger) {
      return messenger.send_reaction(options->recipient, *target, options->emoji);
    });
  };
}

CommandRun define_delete(CLI::App& command) {
  struct Options {
    std::string recipient, message_id;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->recipient, "The conversation's contact")->required();
  command.add_option("message_id", options->message_id, "Your message's id (32 hex digits, from history --json)")
      ->required();
  return [options](const GlobalOptions& global) -> int {
    const auto target = parse_message_id(options->message_id);
    if (!target) return report("delete: MESSAGE_ID must be 32 hex digits", kExitUsage);
    return send_and_print(global, options->recipient, [&](client::Messenger& messenger) {
      return messenger.delete_for_everyone(options->recipient, *target);
    });
  };
}

CommandRun define_expire(CLI::App& command) {
  struct Options {
    std::string recipient, duration;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->recipient, "The conversation's contact")->required();
  command.add_option("duration", options->duration, "30s to 4w (units s, m, h, d, w), or off")
      ->type_name("DURATION|off")
      ->required();
  command.footer(
      "Texts, files and locations written after this disappear from both sides' stores that long after\n"
      "they were sent (yours) or arrived (theirs), with their files in the home. Either side may change it.");
  return [options](const GlobalOptions& global) -> int {
    const auto timer = parse_expire_timer(options->duration);
    if (!timer) return report("expire: DURATION is like 30s, 5m, 1h, 1d or 4w, or off", kExitUsage);
    return send_and_print(global, options->recipient, [&](client::Messenger& messenger) {
      return messenger.set_expire_timer(options->recipient, *timer);
    });
  };
}

}  // namespace hush::cli
