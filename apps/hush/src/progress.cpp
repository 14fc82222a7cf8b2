// The stderr progress bar (progress.hpp).
#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "message_text.hpp"

namespace hush::cli {

namespace {

// Redraws at most this often: a terminal redrawn per 64 KiB chunk would cost more than the copy.
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr std::size_t kBarWidth = 24;

std::string format_seconds(std::uint64_t seconds) {
  char text[32];
  if (seconds >= 3600) {
    std::snprintf(text, sizeof text, "%llu:%02llu:%02llu", static_cast<unsigned long long>(seconds / 3600),
                  static_cast<unsigned long long>(seconds / 60 % 60), static_cast<unsigned long long>(seconds % 60));
  } else {
    std::snprintf(text, sizeof text, "%llu:%02llu", static_cast<unsigned long long>(seconds / 60),
                  static_cast<unsigned long long>(seconds % 60));
  }
  return text;
}

}  // namespace

std::string render_progress_line(const std::string& label, std::uint64_t done, std::uint64_t total,
                                 std::chrono::steady_clock::duration elapsed) {
  if (done > total) done = total;
  const double fraction = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  const auto filled = static_cast<std::size_t>(fraction * kBarWidth);
  std::string line = label + " [" + std::string(filled, '#') + std::string(kBarWidth - filled, ' ') + "] ";
  line += format_size(done) + " / " + format_size(total);
  const double seconds = std::chrono::duration<double>(elapsed).count();
  if (seconds > 0.2 && done > 0) {
    const double rate = static_cast<double>(done) / seconds;
    line += "  " + format_size(static_cast<std::uint64_t>(rate)) + "/s";
    const auto left = static_cast<std::uint64_t>(static_cast<double>(total - done) / rate + 0.5);
    line += "  " + format_seconds(left) + " left";
  }
  return line;
}

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), enabled_(::isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() {
  finish();
}

client::TransferProgress ProgressBar::callback() {
  if (!enabled_) return {};
  return [this](std::uint64_t done, std::uint64_t total) { update(done, total); };
}

void ProgressBar::update(std::uint64_t done, std::uint64_t total) {
  const auto now = std::chrono::steady_clock::now();
  // A new transfer (receive reports one attachment after another): start its line afresh.
  if (!drawn_ || total != last_total_ || done < last_done_) {
    if (drawn_) std::fputs("\n", stderr);
    started_ = now;
    last_drawn_ = {};
  }
  last_done_ = done;
  last_total_ = total;
  if (done < total && now - last_drawn_ < kRedrawInterval) return;
  last_drawn_ = now;
  // "\033[K" clears what a longer previous line left behind.
  std::fprintf(stderr, "\r%s\033[K", render_progress_line(label_, done, total, now - started_).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_) std::fputs("\n", stderr);
  drawn_ = false;
}

}  // namespace hush::cli
