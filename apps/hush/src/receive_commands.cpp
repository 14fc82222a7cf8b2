// The commands that read conversations: receive (once, or --follow until a signal), read (send
// read receipts) and history (offline).
#include <iostream>
#include <thread>

#include "arguments.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "hush/client/messenger/live_connection.hpp"
#include "progress.hpp"
#include "stop_signal.hpp"

namespace hush::cli {

namespace {

// With --follow: how long one receive() waits for a push before the loop checks for a signal.
// Bounds how long Ctrl-C takes to end the command when nothing arrives.
constexpr std::chrono::milliseconds kFollowIdle{1000};
// The step in which waits between reconnections check for a signal.
constexpr std::chrono::milliseconds kSleepStep{100};

// Sleeps for `duration` or until SIGINT/SIGTERM.
void sleep_unless_stopped(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop_requested() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(kSleepStep);
}

std::string seconds_text(std::chrono::milliseconds duration) {
  return std::to_string(duration.count() / 1000) + " s";
}

// receive --follow: receives until a signal over the library's LiveConnection, which reconnects
// with jittered backoff when the connection or the store fails (an envelope the store could not
// take comes again after a reconnection) and flushes the outbox each time.
int follow(Session& session, bool json, const client::ReceiveOptions& options) {
  const std::string own = session.account->username();
  client::LiveConnection live(*session.messenger, new_backoff(session), [&session](const client::LiveEvent& event) {
    switch (event.kind) {
      case client::LiveEvent::Kind::kConnected: std::cerr << "hush: connected" << std::endl; break;
      case client::LiveEvent::Kind::kConnectFailed:
        print_connect_report(session.account->last_connect_report());
        std::cerr << "hush: cannot connect (" << client::describe(event.error) << "); retrying in "
                  << seconds_text(event.retry_in) << std::endl;
        break;
      case client::LiveEvent::Kind::kLost:
        std::cerr << "hush: receiving failed (" << client::describe(event.error) << "); reconnecting in "
                  << seconds_text(event.retry_in) << std::endl;
        break;
    }
  });
  while (!stop_requested()) {
    auto received = live.poll(kFollowIdle, options);
    if (!received.ok()) return report_failure("receive", received.error());
    for (const client::Message& message : *received) print_message(message, json, session);
    if (!live.online()) sleep_unless_stopped(live.until_next_attempt());
  }
  return kExitOk;
}

}  // namespace

CommandRun define_receive(CLI::App& command) {
  struct Options {
    bool json = false, follow = false;
    double timeout_seconds = 5;
  };
  auto options = std::make_shared<Options>();
  command.add_flag("--json", options->json, "One JSON object per line (docs/cli.md lists the fields)");
  command
      .add_option("--timeout", options->timeout_seconds,
                  "Return after this many seconds without a new message (default 5; fractions allowed)")
      ->type_name("SECONDS");
  command.add_flag("--follow", options->follow, "Keep receiving (reconnecting when needed) until Ctrl-C or SIGTERM");
  return [options](const GlobalOptions& global) -> int {
    const auto idle = seconds_to_duration(options->timeout_seconds);
    if (!idle) return report("--timeout: expected seconds in [0, 86400]", kExitUsage);
    if (options->follow) install_stop_handlers();
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    const Connected connected = connect_session(**session, "cannot connect", /*queue_offline=*/options->follow);
    if (connected.stop) return *connected.stop;

    ProgressBar bar("receiving");
    client::ReceiveOptions receive_options;
    receive_options.progress = bar.callback();
    if (options->follow) {
      if (connected.offline) std::cerr << "hush: cannot connect (" << client::describe(*connected.offline) << ")\n";
      return follow(**session, options->json, receive_options);
    }
    auto received = (*session)->messenger->receive(*idle, receive_options);
    bar.finish();
    if (!received.ok()) return report_failure("receive", received.error());
    for (const client::Message& message : *received) {
      print_message(message, options->json, **session);
    }
    return kExitOk;
  };
}

CommandRun define_read(CLI::App& command) {
  struct Options {
    std::string name, group;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->name, "The contact whose messages you read");
  command.add_option("--group", options->group, "A group's messages instead (its id or name)")->type_name("GROUP");
  return [options](const GlobalOptions& global) -> int {
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    auto chosen = conversation(**session, options->name, options->group);
    if (!chosen.ok()) return chosen.error();
    const std::string* peer = &*chosen;
    const Connected connected = connect_session(**session, "cannot connect", /*queue_offline=*/true);
    if (connected.stop) return *connected.stop;
    // Marks, queues the read receipt and, when connected, sends it.
    auto count = (*session)->messenger->mark_read(*peer);
    if (!count.ok()) {
      if (count.error().kind == client::ClientErrorKind::kTransport) return report_queued(count.error());
      return report_failure("mark " + *peer + "'s messages read", count.error(), *peer);
    }
    std::cout << "marked " << *count << " message(s) "
              << (options->group.empty() ? "from " + *peer : "in " + options->group) << " as read" << std::endl;
    if (*count > 0 && connected.offline) return report_queued(*connected.offline);
    return kExitOk;
  };
}

CommandRun define_history(CLI::App& command) {
  struct Options {
    std::string name, group;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->name, "The contact");
  command.add_option("--group", options->group, "A group's conversation instead (its id or name)")->type_name("GROUP");
  command.add_flag("--json", options->json, "One JSON object per line (as receive --json)");
  return [options](const GlobalOptions& global) -> int {
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    auto peer = conversation(**session, options->name, options->group);
    if (!peer.ok()) return peer.error();
    auto messages = (*session)->messenger->history(*peer);
    if (!messages.ok()) return report_failure("history with " + *peer, messages.error());
    for (const client::Message& message : *messages) {
      print_message(message, options->json, **session);
    }
    return kExitOk;
  };
}

}  // namespace hush::cli
