// The transfer progress bar `send --file` and `receive` draw on stderr: bytes done and total, rate
// and time left, one line redrawn with '\r'. Drawn only when stderr is a terminal, so scripts and
// logs never see it. Owns the drawing; the library reports progress (TransferProgress).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "hush/client/messenger/messenger.hpp"

namespace hush::cli {

// The bar's text for `done` of `total` bytes after `elapsed`, without '\r'. Pure, for the tests.
std::string render_progress_line(const std::string& label, std::uint64_t done, std::uint64_t total,
                                 std::chrono::steady_clock::duration elapsed);

class ProgressBar {
 public:
  // Draws on file descriptor 2 when it is a terminal; otherwise does nothing.
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // The callback for FileOptions::progress / ReceiveOptions::progress; empty when not drawing, so
  // the library does not even call it. Valid while this object lives.
  client::TransferProgress callback();
  // Ends the line, if one was drawn (also done by the destructor).
  void finish();

 private:
  void update(std::uint64_t done, std::uint64_t total);

  std::string label_;
  bool enabled_ = false;
  bool drawn_ = false;
  std::uint64_t last_done_ = 0, last_total_ = 0;
  std::chrono::steady_clock::time_point started_{}, last_drawn_{};
};

}  // namespace hush::cli
