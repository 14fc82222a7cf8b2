// Logger: formats one structured line per event and hands it to the sink under a mutex.
#include "log.hpp"

#include <chrono>
#include <cstdio>

namespace hush::server {

Logger::Logger(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}

void Logger::event(std::string_view name, std::initializer_list<Field> fields) {
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::string line = "ts=" + std::to_string(now_ms) + " event=" + std::string(name);
  for (const Field& field : fields) {
    line += ' ';
    line += field.first;
    line += '=';
    const bool quote = field.second.empty() || field.second.find_first_of(" \"=") != std::string::npos;
    if (!quote) {
      line += field.second;
      continue;
    }
    line += '"';
    for (char c : field.second) {
      if (c == '"' || c == '\\') line += '\\';
      line += c;
    }
    line += '"';
  }
  std::lock_guard lock(mutex_);
  if (sink_) {
    sink_(line);
  } else {
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

}  // namespace hush::server
