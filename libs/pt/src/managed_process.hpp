// ManagedProcess: one child process spawned with fork/exec (plain POSIX, plus Linux's close_range),
// with exactly the environment given, stdin a pipe we hold, stdout a pipe we read line by line and
// stderr /dev/null. Owns the child from spawn to reap; knows nothing of pluggable transports.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/pt/pt_error.hpp"

namespace hush::pt {

struct ProcessSpec {
  std::string executable;                          // an existing path (the caller checks, to name the package)
  std::vector<std::string> arguments;              // after argv[0] (which is the executable)
  std::vector<std::string> environment;            // "NAME=VALUE", the whole environment
  std::chrono::milliseconds stdin_close_grace{0};  // see stop()
  std::chrono::milliseconds terminate_grace{0};
};

class ManagedProcess {
 public:
  // kSpawnFailed (with the system's reason) when a pipe, fork or exec fails; the child, if any,
  // is reaped before returning.
  static Result<std::unique_ptr<ManagedProcess>, PtFailure> spawn(const ProcessSpec& spec);
  // stop(), then the stdout reader (if draining) is joined and every descriptor closed.
  ~ManagedProcess();
  ManagedProcess(const ManagedProcess&) = delete;
  ManagedProcess& operator=(const ManagedProcess&) = delete;

  enum class ReadStatus {
    kLine,     // `line` holds one line without its '\n'
    kEnd,      // stdout closed (the child exited); a partial last line is dropped
    kTimeout,  // nothing complete before `deadline`
    kTooLong,  // more than `max_line_size` bytes without a '\n'
    kFailed,   // read() or poll() failed
  };
  // Reads the next line of the child's stdout, waiting at most until `deadline`. Not after
  // start_draining().
  ReadStatus read_line(std::chrono::steady_clock::time_point deadline, std::size_t max_line_size, std::string& line);

  // From now on a thread reads and discards the child's stdout, so that whatever it writes later
  // never blocks it (or kills it with SIGPIPE, as Go does to a program whose stdout is closed).
  void start_draining();

  // False once the child has exited; it is then reaped.
  bool running();
  int process_id() const { return pid_; }

  // Closes stdin (a managed transport with TOR_PT_EXIT_ON_STDIN_CLOSE=1 exits), waits up to
  // stdin_close_grace, sends SIGTERM, waits up to terminate_grace, sends SIGKILL, reaps.
  // Idempotent; returns when the child is reaped.
  void stop();

 private:
  ManagedProcess(int pid, int stdin_fd, int stdout_fd, const ProcessSpec& spec);
  bool wait_until(std::chrono::steady_clock::time_point deadline);

  int pid_;
  int stdin_fd_;
  int stdout_fd_;
  std::chrono::milliseconds stdin_close_grace_;
  std::chrono::milliseconds terminate_grace_;
  bool reaped_ = false;
  std::string buffer_;
  std::atomic<bool> stop_draining_{false};
  std::thread drainer_;
};

}  // namespace hush::pt
