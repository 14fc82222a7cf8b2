// hush_load: the load generator of issue 3. N devices (default 1,000) exchange fixed-size
// payloads through one server, end to end (sender -> server -> recipient), and the generator
// reports delivered messages per second, latency percentiles, and the server's CPU and RSS read
// from /proc. The same traffic shape runs against hushd, Mosquitto and Prosody (driver.hpp).
//
// Modes:
//   closed loop (default): each device keeps --window messages in flight to its partner; a
//     device that receives one sends the next back. Measures the most the server delivers.
//   open loop (--rate R): R messages per second in total, paced every millisecond, whatever the
//     server does. Measures latency at a given load.
//   idle (--idle): log every device in, wait, and report the server's RSS per connection.
//
// Output: one JSON object on stdout (or --json FILE) with every figure; nothing is asserted.
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "driver.hpp"

namespace hush::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

// The server process as /proc shows it: CPU seconds used so far and resident memory.
struct ProcessSample {
  double cpu_seconds = 0;
  std::uint64_t rss_kib = 0;
  std::uint64_t peak_rss_kib = 0;
};

ProcessSample sample_process(int pid);

// The sum over every server process (the nodes of one deployment).
ProcessSample sample_processes(const std::vector<int>& pids) {
  ProcessSample total;
  for (int pid : pids) {
    const ProcessSample one = sample_process(pid);
    total.cpu_seconds += one.cpu_seconds;
    total.rss_kib += one.rss_kib;
    total.peak_rss_kib += one.peak_rss_kib;
  }
  return total;
}

ProcessSample sample_process(int pid) {
  ProcessSample sample;
  if (pid <= 0) return sample;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const auto close = line.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    unsigned long utime = 0;
    unsigned long stime = 0;
    for (int i = 3; fields >> field; ++i) {
      if (i == 14) utime = std::stoul(field);
      if (i == 15) {
        stime = std::stoul(field);
        break;
      }
    }
    sample.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) sample.rss_kib = std::stoull(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) sample.peak_rss_kib = std::stoull(line.substr(6));
  }
  return sample;
}

double own_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Settings {
  std::string target = "hushd";
  std::string host = "127.0.0.1";
  // One port per server node; with several (hushd nodes sharing PostgreSQL), the first half of the
  // devices logs in to the first node and so on, so every message (to device + devices/2) crosses
  // nodes: the worst case for cross-node delivery.
  std::vector<std::uint16_t> ports;
  std::string certificate_file;
  std::size_t devices = 1000;
  std::size_t threads = 2;
  std::size_t payload = 200;
  std::size_t window = 4;
  double rate = 0;
  double warmup_seconds = 3;
  double duration_seconds = 10;
  std::vector<int> server_pids;  // every node's process: CPU and RSS are summed
  std::string tag = "r";
  std::size_t parallel_logins = 64;
  bool idle = false;
  double idle_settle_seconds = 3;
  std::string json_file;
};

// Payload layout: send time (ns, steady clock) then the sending device, then filler.
constexpr std::size_t kHeader = 16;

// One generator thread: its io_context, its driver, its devices' traffic and its samples.
class Worker {
 public:
  Worker(const Settings& settings, std::size_t first, std::size_t count, const std::atomic<bool>& stopping,
         const std::atomic<std::uint64_t>& measure_from, const std::atomic<std::uint64_t>& measure_until)
      : settings_(settings),
        first_(first),
        count_(count),
        stopping_(stopping),
        measure_from_(measure_from),
        measure_until_(measure_until),
        pace_timer_(io_) {
    DriverConfig config;
    config.host = settings.host;
    config.port = settings.ports.front();
    config.ports = settings.ports;
    config.total_devices = settings.devices;
    config.first_device = first;
    config.device_count = count;
    config.run_tag = settings.tag;
    if (!settings.certificate_file.empty()) {
      std::ifstream file(settings.certificate_file);
      config.certificate_pem.assign(std::istreambuf_iterator<char>(file), {});
    }
    if (settings.target == "hushd") driver_ = make_hushd_driver(io_, config);
    if (settings.target == "mqtt") driver_ = make_mqtt_driver(io_, config);
    if (settings.target == "xmpp") driver_ = make_xmpp_driver(io_, config);
    if (!driver_) throw std::runtime_error("unknown target " + settings.target);
    driver_->on_delivered = [this](std::size_t to, std::span<const std::uint8_t> payload) { delivered(to, payload); };
    driver_->on_error = [this](const std::string& error) { set_error(error); };
    payload_.assign(std::max(settings.payload, kHeader), 0x5a);
  }

  // Runs the io_context on a new thread; `ready` is called there once every device is logged in.
  void run(std::function<void(const std::string&)> ready) {
    thread_ = std::thread([this, ready = std::move(ready)] {
      driver_->start(ready, settings_.parallel_logins);
      io_.run();
    });
  }

  // Starts the traffic (on the worker's thread).
  void begin_traffic() {
    asio::post(io_, [this] {
      if (settings_.rate > 0) {
        next_sender_ = first_;
        last_tick_ = Clock::now();
        pace();
      } else {
        for (std::size_t w = 0; w < settings_.window; ++w) {
          for (std::size_t i = first_; i < first_ + count_; ++i) send(i, partner(i));
        }
      }
    });
  }

  void finish() {
    asio::post(io_, [this] {
      pace_timer_.cancel();
      driver_->stop();
      io_.stop();
    });
    if (thread_.joinable()) thread_.join();
  }

  std::vector<std::uint32_t>& latencies_us() { return latencies_us_; }
  std::uint64_t delivered_in_window() const { return delivered_in_window_; }
  std::uint64_t sent() const { return sent_; }
  std::string error() {
    std::lock_guard lock(error_mutex_);
    return error_;
  }

 private:
  std::size_t partner(std::size_t device) const { return (device + settings_.devices / 2) % settings_.devices; }

  void send(std::size_t from, std::size_t to) {
    const std::uint64_t stamp = now_ns();
    const std::uint64_t sender = from;
    std::memcpy(payload_.data(), &stamp, 8);
    std::memcpy(payload_.data() + 8, &sender, 8);
    driver_->send(from, to, payload_);
    ++sent_;
  }

  void delivered(std::size_t to, std::span<const std::uint8_t> payload) {
    if (payload.size() < kHeader) return set_error("short payload delivered");
    std::uint64_t stamp = 0;
    std::uint64_t from = 0;
    std::memcpy(&stamp, payload.data(), 8);
    std::memcpy(&from, payload.data() + 8, 8);
    const std::uint64_t now = now_ns();
    if (stamp >= measure_from_.load(std::memory_order_relaxed) &&
        now <= measure_until_.load(std::memory_order_relaxed)) {
      latencies_us_.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>((now - stamp) / 1000, UINT32_MAX)));
    }
    const std::uint64_t from_ns = measure_from_.load(std::memory_order_relaxed);
    if (now >= from_ns && now <= measure_until_.load(std::memory_order_relaxed)) ++delivered_in_window_;
    if (settings_.rate == 0 && !stopping_.load(std::memory_order_relaxed) && from < settings_.devices) send(to, from);
  }

  // Open loop: every millisecond, send what the elapsed time owes at this worker's share of the rate.
  void pace() {
    const auto now = Clock::now();
    const double share = settings_.rate * static_cast<double>(count_) / static_cast<double>(settings_.devices);
    owed_ += share * std::chrono::duration<double>(now - last_tick_).count();
    last_tick_ = now;
    while (owed_ >= 1 && !stopping_.load(std::memory_order_relaxed)) {
      send(next_sender_, partner(next_sender_));
      if (++next_sender_ == first_ + count_) next_sender_ = first_;
      owed_ -= 1;
    }
    pace_timer_.expires_after(std::chrono::milliseconds(1));
    pace_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) pace();
    });
  }

  void set_error(const std::string& error) {
    std::lock_guard lock(error_mutex_);
    if (error_.empty()) error_ = error;
  }

  const Settings& settings_;
  std::size_t first_;
  std::size_t count_;
  const std::atomic<bool>& stopping_;
  const std::atomic<std::uint64_t>& measure_from_;
  const std::atomic<std::uint64_t>& measure_until_;
  asio::io_context io_{1};
  asio::steady_timer pace_timer_;
  std::unique_ptr<Driver> driver_;
  std::vector<std::uint8_t> payload_;
  std::vector<std::uint32_t> latencies_us_;
  std::uint64_t delivered_in_window_ = 0;
  std::uint64_t sent_ = 0;
  std::size_t next_sender_ = 0;
  double owed_ = 0;
  Clock::time_point last_tick_;
  std::mutex error_mutex_;
  std::string error_;
  std::thread thread_;
};

double percentile_ms(const std::vector<std::uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index] / 1000.0;
}

int run(const Settings& settings) {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> measure_from{UINT64_MAX};
  std::atomic<std::uint64_t> measure_until{UINT64_MAX};
  std::vector<std::unique_ptr<Worker>> workers;
  const std::size_t threads = std::max<std::size_t>(1, std::min(settings.threads, settings.devices));
  std::size_t first = 0;
  for (std::size_t t = 0; t < threads; ++t) {
    const std::size_t count = settings.devices / threads + (t < settings.devices % threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(settings, first, count, stopping, measure_from, measure_until));
    first += count;
  }

  const ProcessSample before_login = sample_processes(settings.server_pids);
  std::mutex mutex;
  std::condition_variable all_ready;
  std::size_t ready = 0;
  std::string login_error;
  const auto login_start = Clock::now();
  for (auto& worker : workers) {
    worker->run([&](const std::string& error) {
      std::lock_guard lock(mutex);
      ++ready;
      if (!error.empty() && login_error.empty()) login_error = error;
      all_ready.notify_all();
    });
  }
  {
    std::unique_lock lock(mutex);
    all_ready.wait(lock, [&] { return ready == workers.size(); });
  }
  const double login_seconds = std::chrono::duration<double>(Clock::now() - login_start).count();
  nlohmann::json result;
  result["target"] = settings.target;
  result["devices"] = settings.devices;
  result["payload_bytes"] = settings.payload;
  result["generator_threads"] = threads;
  result["login_seconds"] = login_seconds;
  auto finish_all = [&] {
    stopping = true;
    for (auto& worker : workers) worker->finish();
  };
  if (!login_error.empty()) {
    finish_all();
    std::cerr << "hush_load: login failed: " << login_error << "\n";
    return 1;
  }

  if (settings.idle) {
    std::this_thread::sleep_for(std::chrono::duration<double>(settings.idle_settle_seconds));
    const ProcessSample held = sample_processes(settings.server_pids);
    result["mode"] = "idle";
    result["server_rss_before_kib"] = before_login.rss_kib;
    result["server_rss_connected_kib"] = held.rss_kib;
    result["server_rss_per_connection_kib"] =
        static_cast<double>(held.rss_kib - std::min(held.rss_kib, before_login.rss_kib)) /
        static_cast<double>(settings.devices);
  } else {
    result["mode"] = settings.rate > 0 ? "open" : "closed";
    result["offered_rate"] = settings.rate;
    result["window"] = settings.window;
    for (auto& worker : workers) worker->begin_traffic();
    std::this_thread::sleep_for(std::chrono::duration<double>(settings.warmup_seconds));
    const ProcessSample server_start = sample_processes(settings.server_pids);
    const double own_start = own_cpu_seconds();
    const auto window_start = Clock::now();
    measure_from = now_ns();
    measure_until = now_ns() + static_cast<std::uint64_t>(settings.duration_seconds * 1e9);
    std::this_thread::sleep_for(std::chrono::duration<double>(settings.duration_seconds));
    const double elapsed = std::chrono::duration<double>(Clock::now() - window_start).count();
    const ProcessSample server_end = sample_processes(settings.server_pids);
    const double own_end = own_cpu_seconds();
    // Let messages sent inside the window arrive before their latencies are read.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    finish_all();
    std::vector<std::uint32_t> latencies;
    std::uint64_t delivered = 0;
    std::uint64_t sent = 0;
    for (auto& worker : workers) {
      delivered += worker->delivered_in_window();
      sent += worker->sent();
      latencies.insert(latencies.end(), worker->latencies_us().begin(), worker->latencies_us().end());
    }
    std::sort(latencies.begin(), latencies.end());
    result["window_seconds"] = elapsed;
    result["delivered"] = delivered;
    result["sent_total"] = sent;
    result["throughput"] = static_cast<double>(delivered) / elapsed;
    result["latency_samples"] = latencies.size();
    result["p50_ms"] = percentile_ms(latencies, 0.50);
    result["p99_ms"] = percentile_ms(latencies, 0.99);
    result["p999_ms"] = percentile_ms(latencies, 0.999);
    result["max_ms"] = latencies.empty() ? 0.0 : latencies.back() / 1000.0;
    result["server_cpu_percent"] = 100.0 * (server_end.cpu_seconds - server_start.cpu_seconds) / elapsed;
    result["server_rss_kib"] = server_end.rss_kib;
    result["server_peak_rss_kib"] = server_end.peak_rss_kib;
    result["generator_cpu_percent"] = 100.0 * (own_end - own_start) / elapsed;
  }
  if (settings.idle) finish_all();
  std::string error;
  for (auto& worker : workers) {
    if (error.empty()) error = worker->error();
  }
  if (!error.empty()) {
    std::cerr << "hush_load: run failed: " << error << "\n";
    return 1;
  }
  if (settings.json_file.empty()) {
    std::cout << result.dump(2) << "\n";
  } else {
    std::ofstream(settings.json_file) << result.dump(2) << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace hush::bench

int main(int argc, char** argv) {
  hush::bench::Settings s;
  CLI::App app{"hush_load: end-to-end message load against hushd, Mosquitto or Prosody"};
  app.add_option("--target", s.target, "hushd, mqtt or xmpp")->check(CLI::IsMember({"hushd", "mqtt", "xmpp"}));
  app.add_option("--host", s.host, "server address");
  app.add_option("--port", s.ports, "server port; hushd: PORT,PORT... for several nodes (devices split in order)")
      ->required()
      ->delimiter(',');
  app.add_option("--cert", s.certificate_file, "hushd: PEM certificate to trust");
  app.add_option("--devices", s.devices, "device connections (default 1000)");
  app.add_option("--threads", s.threads, "generator threads (default 2)");
  app.add_option("--payload", s.payload, "payload bytes per message (default 200)");
  app.add_option("--window", s.window, "closed loop: messages in flight per device (default 4)");
  app.add_option("--rate", s.rate, "open loop: messages per second in total (default 0: closed loop)");
  app.add_option("--warmup", s.warmup_seconds, "seconds of traffic before measuring (default 3)");
  app.add_option("--duration", s.duration_seconds, "seconds measured (default 10)");
  app.add_option("--server-pid", s.server_pids, "server process(es) to sample for CPU and RSS (summed): PID,PID...")
      ->delimiter(',');
  app.add_option("--tag", s.tag, "prefix of account names and client ids");
  app.add_option("--parallel-logins", s.parallel_logins, "handshakes in flight per thread (default 64)");
  app.add_flag("--idle", s.idle, "log every device in and report the server's RSS per connection");
  app.add_option("--idle-settle", s.idle_settle_seconds, "idle: seconds to wait before sampling (default 3)");
  app.add_option("--json", s.json_file, "write the result here instead of stdout");
  CLI11_PARSE(app, argc, argv);
  try {
    return hush::bench::run(s);
  } catch (const std::exception& e) {
    std::cerr << "hush_load: " << e.what() << "\n";
    return 1;
  }
}
