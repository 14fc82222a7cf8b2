// hush_transfer_bench's shared parts: resident memory read from /proc (a sampler thread and the
// readings taken at 10/50/90 % of a transfer), the file digest both modes check, and the two modes
// (hush_transfer.cpp, tls_copy.cpp). Figures only: nothing here asserts on time.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "hush/crypto/hash.hpp"

namespace hush::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// VmRSS and VmHWM of a process, in KiB, from /proc/PID/status (pid 0: this process). Zeros when
// the process is gone.
struct MemoryStatus {
  std::uint64_t rss_kib = 0;
  std::uint64_t hwm_kib = 0;
};
MemoryStatus read_memory_status(pid_t pid = 0);

// User plus system CPU seconds a process has used so far, from /proc/PID/stat (pid 0: this
// process); 0 when the process is gone.
double read_cpu_seconds(pid_t pid = 0);

// Samples VmRSS of this process, and of `other_pid` when it is not 0 (the server), every
// `interval` on a thread of its own, and keeps the highest reading of each since the last
// begin_phase(). A peak shorter than the interval can be missed; VmHWM (this process only) cannot.
class RssSampler {
 public:
  explicit RssSampler(pid_t other_pid = 0, std::chrono::milliseconds interval = std::chrono::milliseconds(50));
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  // Restarts both peaks from the current readings.
  void begin_phase();
  std::uint64_t own_peak_kib() const { return own_peak_.load(); }
  std::uint64_t other_peak_kib() const { return other_peak_.load(); }
  pid_t other_pid() const { return other_pid_; }
  std::uint64_t samples() const { return samples_.load(); }

 private:
  void sample();

  const pid_t other_pid_;
  const std::chrono::milliseconds interval_;
  std::atomic<std::uint64_t> own_peak_{0};
  std::atomic<std::uint64_t> other_peak_{0};
  std::atomic<std::uint64_t> samples_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// CPU seconds used so far by this process and by another one (0 when there is none).
struct CpuReading {
  double own = 0;
  double other = 0;
};
CpuReading read_cpu(pid_t other_pid);

// Fed from a transfer's progress callback (bytes done, total): the time and this process's VmRSS
// the first time the transfer reaches 10, 50 and 90 % of its bytes, the times of the first and
// the last call, and the CPU readings (this process and `other_pid`) at the first call and at the
// call that reports all bytes done. Times are seconds since `origin`. Not thread-safe: one
// transfer feeds it.
class ProgressMarks {
 public:
  explicit ProgressMarks(Clock::time_point origin, pid_t other_pid = 0) : origin_(origin), other_pid_(other_pid) {}

  void record(std::uint64_t done, std::uint64_t total);

  bool called() const { return calls_ > 0; }
  Clock::time_point first_call() const { return first_call_; }
  Clock::time_point last_call() const { return last_call_; }
  const CpuReading& cpu_at_first_call() const { return cpu_at_first_call_; }
  const CpuReading& cpu_at_completion() const { return cpu_at_completion_; }
  // [{"percent": 10, "seconds": s, "rss_kib": k}, ...] for the marks reached.
  nlohmann::json to_json() const;

 private:
  static constexpr std::array<int, 3> kPercents = {10, 50, 90};
  struct Mark {
    bool reached = false;
    double seconds = 0;
    std::uint64_t rss_kib = 0;
  };

  Clock::time_point origin_;
  pid_t other_pid_;
  std::array<Mark, kPercents.size()> marks_{};
  CpuReading cpu_at_first_call_;
  CpuReading cpu_at_completion_;
  std::uint64_t calls_ = 0;
  Clock::time_point first_call_{};
  Clock::time_point last_call_{};
};

// SHA-256 and size of a file, read with read(2) in 1 MiB pieces (not mapped, so that the file
// does not count in this process's RSS). Exits the program when the file cannot be read.
struct FileDigest {
  crypto::Sha256Digest sha256{};
  std::uint64_t size = 0;
};
FileDigest digest_file(const std::filesystem::path& path);

// Prints "hush_transfer_bench: WHAT" to stderr and exits with status 1.
[[noreturn]] void die(const std::string& what);

struct HushSettings {
  std::string server_url;   // wss://HOST:PORT
  std::string fingerprint;  // hushd's certificate SHA-256, hex
  std::filesystem::path file;
  std::filesystem::path homes;  // folder for the two accounts' homes
  pid_t server_pid = 0;         // hushd, to sample its RSS too (0: not sampled)
};
// Registers a sender and a receiver, sends `file` from one to the other through hushd with the
// client library and receives it; the figures as one JSON object. Exits on any failure.
nlohmann::json run_hush(const HushSettings& settings);

struct TlsSettings {
  std::filesystem::path file;
  std::filesystem::path output;  // where the receiving side writes the copy
};
// Copies `file` over one TLS 1.3 connection on 127.0.0.1 (both ends in this process) into
// `output`; the figures as one JSON object. Exits on any failure.
nlohmann::json run_tls(const TlsSettings& settings);

}  // namespace hush::bench
