// ManagedProcess (managed_process.hpp). Between fork and exec the child calls only
// async-signal-safe functions: everything it needs (argv, envp) is built before fork, because the
// parent may have other threads holding the allocator's locks.
#include "managed_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <initializer_list>

namespace hush::pt {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kFirstFreeDescriptor = 3;  // after stdin, stdout, stderr
constexpr int kExecErrorDescriptor = 3;  // where the child keeps the exec-error pipe
constexpr std::size_t kReadChunkSize = 4096;
constexpr std::chrono::milliseconds kReapPollInterval{10};
constexpr std::chrono::milliseconds kDrainPollInterval{100};
constexpr int kFallbackMaxDescriptors = 1024;  // when sysconf cannot tell (close_range missing too)
constexpr int kExecFailedStatus = 127;         // the shell's "command not found"
constexpr std::array kResetSignals = {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD};

PtFailure spawn_failure(const char* what, int error) {
  return PtFailure{PtError::kSpawnFailed, std::string(what) + ": " + std::strerror(error)};
}

// A pipe whose two ends are close-on-exec and above stderr, so that the child's dup2 onto 0, 1
// and 2 never overwrites one it still needs.
bool make_pipe(std::array<int, 2>& ends) {
  std::array<int, 2> raw{};
  if (pipe2(raw.data(), O_CLOEXEC) != 0) return false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] >= kFirstFreeDescriptor) {
      ends[i] = raw[i];
      continue;
    }
    ends[i] = fcntl(raw[i], F_DUPFD_CLOEXEC, kFirstFreeDescriptor);
    close(raw[i]);
  }
  if (ends[0] < 0 || ends[1] < 0) {
    for (const int fd : ends) {
      if (fd >= 0) close(fd);
    }
    return false;
  }
  return true;
}

void close_all(std::initializer_list<int> fds) {
  for (const int fd : fds) {
    if (fd >= 0) close(fd);
  }
}

// In the child: stdin, stdout, stderr, the exec-error pipe on 3, nothing else open; default
// signal handling; then exec. Never returns.
[[noreturn]] void exec_child(int stdin_read, int stdout_write, int error_write, int null_fd, int max_fd, char** argv,
                             char** envp) {
  int report_fd = error_write;
  auto die = [&report_fd](int error) {
    [[maybe_unused]] const auto written = write(report_fd, &error, sizeof error);
    _exit(kExecFailedStatus);
  };
  if (dup2(stdin_read, STDIN_FILENO) < 0 || dup2(stdout_write, STDOUT_FILENO) < 0 || dup2(null_fd, STDERR_FILENO) < 0) {
    die(errno);
  }
  if (error_write != kExecErrorDescriptor) {
    if (dup2(error_write, kExecErrorDescriptor) < 0) die(errno);
    report_fd = kExecErrorDescriptor;
  }
  fcntl(kExecErrorDescriptor, F_SETFD, FD_CLOEXEC);
  // Descriptors the parent opened without O_CLOEXEC (its sockets, files) stay out of the child.
  if (close_range(kExecErrorDescriptor + 1, ~0U, 0) != 0) {
    for (int fd = kExecErrorDescriptor + 1; fd < max_fd; ++fd) close(fd);
  }
  // A server may ignore SIGPIPE or block signals in its threads; both survive exec.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (const int signal_number : kResetSignals) sigaction(signal_number, &default_action, nullptr);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  execve(argv[0], argv, envp);
  die(errno);
  _exit(kExecFailedStatus);
}

}  // namespace

Result<std::unique_ptr<ManagedProcess>, PtFailure> ManagedProcess::spawn(const ProcessSpec& spec) {
  std::vector<std::string> argument_strings{spec.executable};
  argument_strings.insert(argument_strings.end(), spec.arguments.begin(), spec.arguments.end());
  std::vector<char*> argv;
  for (auto& argument : argument_strings) argv.push_back(argument.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment = spec.environment;
  std::vector<char*> envp;
  for (auto& variable : environment) envp.push_back(variable.data());
  envp.push_back(nullptr);
  const long open_max = sysconf(_SC_OPEN_MAX);
  const int max_fd = open_max > 0 ? static_cast<int>(open_max) : kFallbackMaxDescriptors;

  std::array<int, 2> stdin_pipe{-1, -1};
  std::array<int, 2> stdout_pipe{-1, -1};
  std::array<int, 2> error_pipe{-1, -1};
  if (!make_pipe(stdin_pipe)) return fail(spawn_failure("pipe", errno));
  if (!make_pipe(stdout_pipe)) {
    const int error = errno;
    close_all({stdin_pipe[0], stdin_pipe[1]});
    return fail(spawn_failure("pipe", error));
  }
  if (!make_pipe(error_pipe)) {
    const int error = errno;
    close_all({stdin_pipe[0], stdin_pipe[1], stdout_pipe[0], stdout_pipe[1]});
    return fail(spawn_failure("pipe", error));
  }
  const int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  auto close_pipes = [&]() {
    close_all({stdin_pipe[0], stdin_pipe[1], stdout_pipe[0], stdout_pipe[1], error_pipe[0], error_pipe[1], null_fd});
  };
  if (null_fd < 0) {
    const int error = errno;
    close_pipes();
    return fail(spawn_failure("/dev/null", error));
  }

  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    close_pipes();
    return fail(spawn_failure("fork", error));
  }
  if (pid == 0) exec_child(stdin_pipe[0], stdout_pipe[1], error_pipe[1], null_fd, max_fd, argv.data(), envp.data());

  close_all({stdin_pipe[0], stdout_pipe[1], error_pipe[1], null_fd});
  // exec closes the error pipe (close-on-exec): end of file means the exec succeeded.
  int exec_error = 0;
  ssize_t got = 0;
  do {
    got = read(error_pipe[0], &exec_error, sizeof exec_error);
  } while (got < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (got > 0) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    close_all({stdin_pipe[1], stdout_pipe[0]});
    return fail(spawn_failure("exec", exec_error));
  }
  return std::unique_ptr<ManagedProcess>(new ManagedProcess(pid, stdin_pipe[1], stdout_pipe[0], spec));
}

ManagedProcess::ManagedProcess(int pid, int stdin_fd, int stdout_fd, const ProcessSpec& spec)
    : pid_(pid),
      stdin_fd_(stdin_fd),
      stdout_fd_(stdout_fd),
      stdin_close_grace_(spec.stdin_close_grace),
      terminate_grace_(spec.terminate_grace) {}

ManagedProcess::~ManagedProcess() {
  stop();
  stop_draining_ = true;
  if (drainer_.joinable()) drainer_.join();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

ManagedProcess::ReadStatus ManagedProcess::read_line(Clock::time_point deadline, std::size_t max_line_size,
                                                     std::string& line) {
  while (true) {
    const std::size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      if (newline > max_line_size) return ReadStatus::kTooLong;
      line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return ReadStatus::kLine;
    }
    if (buffer_.size() > max_line_size) return ReadStatus::kTooLong;
    const auto now = Clock::now();
    if (now >= deadline) return ReadStatus::kTimeout;
    const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    pollfd readable{stdout_fd_, POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(remaining.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ReadStatus::kFailed;
    }
    if (ready == 0) continue;  // the deadline check above ends the wait
    std::array<char, kReadChunkSize> chunk{};
    const ssize_t got = read(stdout_fd_, chunk.data(), chunk.size());
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ReadStatus::kFailed;
    }
    if (got == 0) return ReadStatus::kEnd;
    buffer_.append(chunk.data(), static_cast<std::size_t>(got));
  }
}

void ManagedProcess::start_draining() {
  if (drainer_.joinable()) return;
  buffer_.clear();
  drainer_ = std::thread([this] {
    std::array<char, kReadChunkSize> chunk{};
    while (!stop_draining_) {
      pollfd readable{stdout_fd_, POLLIN, 0};
      const int ready = poll(&readable, 1, static_cast<int>(kDrainPollInterval.count()));
      if (ready < 0 && errno != EINTR) return;
      if (ready <= 0) continue;
      const ssize_t got = read(stdout_fd_, chunk.data(), chunk.size());
      if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) return;
    }
  });
}

bool ManagedProcess::running() {
  if (reaped_) return false;
  return !wait_until(Clock::now());
}

// Reaps the child if it exits before `deadline`; true once it is reaped.
bool ManagedProcess::wait_until(Clock::time_point deadline) {
  while (!reaped_) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    // ECHILD: someone else reaped it (SIGCHLD set to SIG_IGN reaps automatically).
    if (done == pid_ || (done < 0 && errno == ECHILD)) {
      reaped_ = true;
      break;
    }
    if (done < 0 && errno == EINTR) continue;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kReapPollInterval);
  }
  return true;
}

void ManagedProcess::stop() {
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);
    stdin_fd_ = -1;
  }
  if (reaped_) return;
  if (wait_until(Clock::now() + stdin_close_grace_)) return;
  kill(pid_, SIGTERM);
  if (wait_until(Clock::now() + terminate_grace_)) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

}  // namespace hush::pt
