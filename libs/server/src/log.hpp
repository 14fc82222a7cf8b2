// Structured logs: one line per event, `event=name key=value ...`, to standard error or the
// Options::log_sink. Callers pass routing data and counts only: never ciphertext, keys, tokens,
// challenge nonces or signatures (ARCHITECTURE.md decision 2).
#pragma once

#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace hush::server {

class Logger {
 public:
  using Field = std::pair<std::string_view, std::string>;

  explicit Logger(std::function<void(std::string_view)> sink);

  // Thread-safe. Values containing spaces, quotes or '=' are quoted.
  void event(std::string_view name, std::initializer_list<Field> fields = {});

 private:
  std::mutex mutex_;
  std::function<void(std::string_view)> sink_;
};

}  // namespace hush::server
