// The JSON-RPC daemon's event loop (daemon.hpp). One thread: poll() over stdin or the listening
// socket and the client sockets with a short timeout, alternating with a short Messenger::receive()
// that pumps the server's pushes; new messages become notifications to subscribed clients. Files go
// up and down on the messenger's transfer connection and thread (send answers once the file is
// queued; a download's end comes as a message notification with "update": true), so no client
// waits for a transfer.
#include "daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <iostream>
#include <list>

#include "arguments.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "hush/client/messenger/live_connection.hpp"
#include "message_json.hpp"
#include "rpc_methods.hpp"
#include "stop_signal.hpp"

namespace hush::cli {

namespace {

using Clock = std::chrono::steady_clock;

// How long poll() waits for a client before the loop pumps the server again, and how long that
// pump waits for a push: together they bound the latency of both to about a tenth of a second
// while the idle daemon wakes 10 times a second.
constexpr std::chrono::milliseconds kPollInterval{50};
constexpr std::chrono::milliseconds kPumpIdle{50};
// Socket clients served at once; more are answered with kRpcTooManyClients and closed. Each holds
// up to kMaxRpcLineSize of input and kMaxClientOutput of output.
constexpr std::size_t kMaxSocketClients = 16;
// Output a client may leave unread (notifications pile up when it does not read); beyond it the
// client is disconnected rather than letting it grow the daemon's memory.
constexpr std::size_t kMaxClientOutput = std::size_t{16} << 20;
// Messages kept for `receive` calls that have not come yet (oldest dropped beyond: they remain in
// `history`). Subscribers get every message regardless.
constexpr std::size_t kMaxUnclaimedMessages = 1000;
constexpr std::size_t kReadChunkSize = 64 * 1024;
// The answer to a socket client beyond kMaxSocketClients (JSON-RPC's server error range).
constexpr int kRpcTooManyClients = -32099;

void log(const std::string& line) {
  std::cerr << "hush daemon: " << line << std::endl;
}

// Owns a file descriptor (closed on destruction).
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~FileDescriptor() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// The listening socket; removes its path when destroyed.
struct Listener {
  FileDescriptor fd;
  std::filesystem::path path;
  ~Listener() {
    if (fd.get() >= 0) ::unlink(path.c_str());
  }
};

// True when something accepts connections at `path` (another daemon).
bool socket_in_use(const sockaddr_un& address) {
  FileDescriptor probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (probe.get() < 0) return false;
  return ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
}

// Creates the listening socket at `path`, mode 0600. A stale socket file (nobody listening) is
// replaced; anything else at the path is left alone. "" on success, else why not.
std::string listen_at(const std::filesystem::path& path, Listener& listener) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string text = path.string();
  if (text.empty() || text.size() >= sizeof address.sun_path) return "the socket path is empty or too long";
  std::memcpy(address.sun_path, text.data(), text.size());

  struct stat existing {};
  if (::lstat(text.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) return text + " exists and is not a socket";
    if (socket_in_use(address)) return text + " is in use by another daemon";
    ::unlink(text.c_str());
  }
  FileDescriptor fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return std::string("socket: ") + std::strerror(errno);
  // The mode is set at bind: with umask 0177 the socket is never reachable by others, not even
  // between bind and a chmod.
  const mode_t old_mask = ::umask(0177);
  const int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) return "bind " + text + ": " + std::strerror(bind_errno);
  listener.fd = std::move(fd);
  listener.path = path;
  if (::listen(listener.fd.get(), static_cast<int>(kMaxSocketClients)) != 0) {
    return std::string("listen: ") + std::strerror(errno);
  }
  return "";
}

struct Client {
  int in_fd = -1;
  int out_fd = -1;
  FileDescriptor socket;  // owns in_fd == out_fd for socket clients; empty for stdio
  LineSplitter lines;
  std::string output;
  RpcPeer peer;
  bool input_ended = false;
  bool failed = false;  // write failed or output overflowed: dropped at once
};

class Daemon final : public RpcBackend {
 public:
  explicit Daemon(Session& session)
      : session_(session),
        own_username_(session.account->username()),
        live_(*session.messenger, new_backoff(session), [this](const client::LiveEvent& event) { log_event(event); }) {
    add_hush_methods(dispatcher_, *this);
  }

  int run(const DaemonOptions& options);

  // RpcBackend
  std::string own_username() const override { return own_username_; }
  Result<Bytes, client::ClientError> send_text(const std::string& recipient, std::string_view text) override {
    return watched(messenger().send_text(recipient, text));
  }
  Result<Bytes, client::ClientError> send_file(const std::string& recipient, const std::filesystem::path& file,
                                               const client::FileOptions& options) override {
    return watched(messenger().queue_file(recipient, file, options));
  }
  Result<Bytes, client::ClientError> send_location(const std::string& recipient,
                                                   const client::Location& location) override {
    return watched(messenger().send_location(recipient, location));
  }
  Result<std::vector<client::Message>, client::ClientError> take_received(std::chrono::milliseconds wait) override {
    if (wait.count() > 0 && live_.online()) {
      auto received = pump(wait);
      if (!received.ok()) return fail(received.error());
    }
    std::vector<client::Message> taken(std::make_move_iterator(unclaimed_.begin()),
                                       std::make_move_iterator(unclaimed_.end()));
    unclaimed_.clear();
    return taken;
  }
  Result<std::vector<client::Message>, client::ClientError> history(const std::string& peer) override {
    return messenger().history(peer);
  }
  Result<std::vector<client::Contact>, client::ClientError> contacts() override { return messenger().contacts(); }
  Result<std::size_t, client::ClientError> mark_read(const std::string& peer) override {
    return watched(messenger().mark_read(peer));
  }
  Result<std::vector<client::Message>, client::ClientError> trust(const std::string& peer) override {
    auto messages = watched(messenger().trust_identity(peer));
    if (messages.ok()) notify_subscribers(*messages);
    return messages;
  }

 private:
  client::Messenger& messenger() { return *session_.messenger; }

  // Notes a lost connection in any result.
  template <class T>
  Result<T, client::ClientError> watched(Result<T, client::ClientError> result) {
    if (!result.ok() && result.error().kind == client::ClientErrorKind::kTransport) live_.lost(result.error());
    return result;
  }

  void log_event(const client::LiveEvent& event);
  Result<void, client::ClientError> pump(std::chrono::milliseconds idle);
  void notify_subscribers(const std::vector<client::Message>& messages);
  void accept_clients();
  void read_from(Client& client);
  void queue_output(Client& client, const std::string& line);
  void flush(Client& client);

  Session& session_;
  std::string own_username_;
  RpcDispatcher dispatcher_;
  std::deque<client::Message> unclaimed_;
  std::list<Client> clients_;
  Listener listener_;
  client::LiveConnection live_;  // the one logical connection: reconnects with backoff by itself
};

void Daemon::log_event(const client::LiveEvent& event) {
  const std::string retry = std::to_string(event.retry_in.count() / 1000) + " s";
  switch (event.kind) {
    case client::LiveEvent::Kind::kConnected: log("connected as " + own_username_); break;
    case client::LiveEvent::Kind::kConnectFailed:
      if (session_.account->last_connect_report().attempts.size() > 1) {
        log(connect_report_text(session_.account->last_connect_report()));
      }
      log("cannot connect (" + client::describe(event.error) + "); retrying in " + retry);
      break;
    case client::LiveEvent::Kind::kLost:
      log("connection lost (" + client::describe(event.error) + "); reconnecting in " + retry);
      break;
  }
}

Result<void, client::ClientError> Daemon::pump(std::chrono::milliseconds idle) {
  // Connects first when offline and due; a lost connection is logged by log_event.
  client::ReceiveOptions options;
  options.wait_for_downloads = false;  // their ends come with a later poll (Message::update)
  auto received = live_.poll(idle, options);
  if (!received.ok()) {
    log("receiving failed (" + client::describe(received.error()) + ")");
    return fail(received.error());
  }
  for (client::Message& message : *received) {
    unclaimed_.push_back(message);
    if (unclaimed_.size() > kMaxUnclaimedMessages) unclaimed_.pop_front();
  }
  notify_subscribers(*received);
  return {};
}

void Daemon::notify_subscribers(const std::vector<client::Message>& messages) {
  for (const client::Message& message : messages) {
    const std::string line = to_json_line(rpc_notification("message", message_to_json(message, own_username_)));
    for (Client& client : clients_) {
      if (client.peer.subscribed) queue_output(client, line);
    }
  }
}

void Daemon::queue_output(Client& client, const std::string& line) {
  if (client.failed) return;
  if (client.output.size() + line.size() + 1 > kMaxClientOutput) {
    log("a client does not read its answers; disconnecting it");
    client.failed = true;
    return;
  }
  client.output += line;
  client.output += '\n';
}

void Daemon::flush(Client& client) {
  while (!client.failed && !client.output.empty()) {
    const ssize_t written = ::write(client.out_fd, client.output.data(), client.output.size());
    if (written > 0) {
      client.output.erase(0, static_cast<std::size_t>(written));
    } else if (written < 0 && errno == EINTR) {
      continue;
    } else if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;  // the socket's buffer is full: poll() says when to go on
    } else {
      client.failed = true;
    }
  }
}

void Daemon::read_from(Client& client) {
  char buffer[kReadChunkSize];
  const ssize_t count = ::read(client.in_fd, buffer, sizeof buffer);
  if (count < 0) {
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) client.input_ended = true;
    return;
  }
  std::vector<LineSplitter::Line> lines;
  if (count == 0) {
    client.input_ended = true;
    if (auto last = client.lines.finish()) lines.push_back(std::move(*last));
  } else {
    lines = client.lines.feed(std::string_view(buffer, static_cast<std::size_t>(count)));
  }
  for (const LineSplitter::Line& line : lines) {
    if (line.too_long) {
      queue_output(client, RpcDispatcher::line_too_long_response());
    } else if (auto response = dispatcher_.handle_line(line.text, client.peer)) {
      queue_output(client, *response);
    }
  }
}

void Daemon::accept_clients() {
  while (true) {
    FileDescriptor fd(::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (fd.get() < 0) return;
    if (clients_.size() >= kMaxSocketClients) {
      const std::string refusal =
          to_json_line(rpc_error_response(RpcError{kRpcTooManyClients, "too many clients", nullptr}, nullptr)) + "\n";
      [[maybe_unused]] const ssize_t ignored = ::write(fd.get(), refusal.data(), refusal.size());
      continue;  // closed by fd's destructor
    }
    Client& client = clients_.emplace_back();
    client.in_fd = client.out_fd = fd.get();
    client.socket = std::move(fd);
  }
}

int Daemon::run(const DaemonOptions& options) {
  install_stop_handlers();
  const bool on_socket = options.socket_path.has_value();
  if (on_socket) {
    if (const std::string error = listen_at(*options.socket_path, listener_); !error.empty()) {
      std::cerr << "hush: daemon: " << error << "\n";
      return kExitUsage;
    }
    log("listening on " + options.socket_path->string());
  } else {
    Client& client = clients_.emplace_back();
    client.in_fd = STDIN_FILENO;
    client.out_fd = STDOUT_FILENO;  // left blocking: it is shared with whoever started us
  }

  while (!stop_requested()) {
    // Before any request is read, so that the first ones find the account connected: connects
    // when offline and the backoff allows.
    if (!live_.online()) (void)pump(kPumpIdle);
    std::vector<pollfd> fds;
    if (on_socket) fds.push_back({listener_.fd.get(), POLLIN, 0});
    for (const Client& client : clients_) {
      if (!client.input_ended) fds.push_back({client.in_fd, POLLIN, 0});
      if (on_socket && !client.output.empty()) fds.push_back({client.out_fd, POLLOUT, 0});
    }
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(kPollInterval.count()));
    if (ready < 0 && errno != EINTR) {
      log(std::string("poll: ") + std::strerror(errno));
      break;
    }
    for (const pollfd& entry : fds) {
      if (entry.revents == 0) continue;
      if (on_socket && entry.fd == listener_.fd.get()) {
        accept_clients();
        continue;
      }
      for (Client& client : clients_) {
        if (entry.fd == client.in_fd && (entry.events & POLLIN) && !client.input_ended) read_from(client);
      }
    }
    if (live_.online()) (void)pump(kPumpIdle);
    for (Client& client : clients_) flush(client);
    // A client whose input ended is dropped once its answers are out; on stdio that ends the daemon.
    const auto finished = [](const Client& client) {
      return client.failed || (client.input_ended && client.output.empty());
    };
    if (!on_socket && finished(clients_.front())) break;
    clients_.remove_if(finished);
  }
  for (Client& client : clients_) flush(client);
  log("stopped");
  return kExitOk;
}

}  // namespace

int run_daemon(Session& session, const DaemonOptions& options) {
  Daemon daemon(session);
  return daemon.run(options);
}

}  // namespace hush::cli
