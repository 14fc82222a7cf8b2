// The measuring parts of transfer_bench.hpp: /proc/PID/status readings, the RSS sampler thread,
// the 10/50/90 % marks and the file digest.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "hush/base/bytes.hpp"
#include "transfer_bench.hpp"

namespace hush::bench {
namespace {

// Raises `peak` to `value` if it is lower.
void raise_to(std::atomic<std::uint64_t>& peak, std::uint64_t value) {
  std::uint64_t seen = peak.load();
  while (seen < value && !peak.compare_exchange_weak(seen, value)) {
  }
}

}  // namespace

void die(const std::string& what) {
  std::cerr << "hush_transfer_bench: " << what << "\n";
  std::exit(1);
}

MemoryStatus read_memory_status(pid_t pid) {
  MemoryStatus status;
  std::ifstream file(pid == 0 ? std::string("/proc/self/status") : "/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind("VmRSS:", 0) == 0) status.rss_kib = std::stoull(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) status.hwm_kib = std::stoull(line.substr(6));
  }
  return status;
}

double read_cpu_seconds(pid_t pid) {
  std::ifstream file(pid == 0 ? std::string("/proc/self/stat") : "/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(file, text);
  // Fields after the command name (which may hold spaces, hence the last ')'): state is field 3,
  // utime and stime are fields 14 and 15, in clock ticks.
  const std::size_t end_of_name = text.rfind(')');
  if (end_of_name == std::string::npos) return 0;
  std::istringstream fields(text.substr(end_of_name + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

RssSampler::RssSampler(pid_t other_pid, std::chrono::milliseconds interval)
    : other_pid_(other_pid), interval_(interval) {
  begin_phase();
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      sample();
      std::this_thread::sleep_for(interval_);
    }
  });
}

RssSampler::~RssSampler() {
  stop_.store(true);
  thread_.join();
}

void RssSampler::begin_phase() {
  own_peak_.store(read_memory_status().rss_kib);
  other_peak_.store(other_pid_ != 0 ? read_memory_status(other_pid_).rss_kib : 0);
}

void RssSampler::sample() {
  raise_to(own_peak_, read_memory_status().rss_kib);
  if (other_pid_ != 0) raise_to(other_peak_, read_memory_status(other_pid_).rss_kib);
  samples_.fetch_add(1);
}

CpuReading read_cpu(pid_t other_pid) {
  return {read_cpu_seconds(), other_pid != 0 ? read_cpu_seconds(other_pid) : 0};
}

void ProgressMarks::record(std::uint64_t done, std::uint64_t total) {
  const Clock::time_point now = Clock::now();
  if (calls_++ == 0) {
    first_call_ = now;
    cpu_at_first_call_ = read_cpu(other_pid_);
  }
  last_call_ = now;
  if (done >= total) cpu_at_completion_ = read_cpu(other_pid_);
  for (std::size_t i = 0; i < kPercents.size(); ++i) {
    // done / total >= percent / 100, in integers (total is at most a few GiB).
    if (marks_[i].reached || done * 100 < total * static_cast<std::uint64_t>(kPercents[i])) continue;
    marks_[i] = Mark{true, seconds_between(origin_, now), read_memory_status().rss_kib};
  }
}

nlohmann::json ProgressMarks::to_json() const {
  nlohmann::json marks = nlohmann::json::array();
  for (std::size_t i = 0; i < kPercents.size(); ++i) {
    if (!marks_[i].reached) continue;
    marks.push_back({{"percent", kPercents[i]}, {"seconds", marks_[i].seconds}, {"rss_kib", marks_[i].rss_kib}});
  }
  return marks;
}

FileDigest digest_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open " + path.string());
  FileDigest result;
  crypto::Sha256 hash;
  Bytes buffer(1 << 20);
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      ::close(fd);
      die("cannot read " + path.string());
    }
    if (got == 0) break;
    hash.update(ByteView(buffer).first(static_cast<std::size_t>(got)));
    result.size += static_cast<std::uint64_t>(got);
  }
  ::close(fd);
  result.sha256 = hash.final();
  return result;
}

}  // namespace hush::bench
