#include "api/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>

namespace qvsim {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

int terminal_columns(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* env = std::getenv("COLUMNS")) {
    int n = 0;
    const char* end = env + std::strlen(env);
    if (std::from_chars(env, end, n).ptr == end && n > 0) return n;
  }
  return 80;
}

std::string progress_line(std::uint64_t done, std::uint64_t total, const std::string& unit,
                          double rate, double eta_seconds, int columns) {
  const std::size_t room = static_cast<std::size_t>(std::max(columns - 1, 1));
  const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%3.0f%% %llu/%llu", frac * 100.0,
                static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
  const std::string count = buf;
  std::snprintf(buf, sizeof buf, "  %.1f/s  ETA %s", rate, format_duration(eta_seconds).c_str());
  const std::string speed = buf;
  // Widest first: bar, count, unit, speed; then without the bar, the speed, the unit.
  std::string text = count + " " + unit + speed;
  if (text.size() + 12 <= room) {
    const std::size_t width = std::min<std::size_t>(30, room - text.size() - 3);
    std::string bar(static_cast<std::size_t>(frac * static_cast<double>(width)), '#');
    bar.resize(width, '.');
    return "[" + bar + "] " + text;
  }
  if (text.size() <= room) return text;
  text = count + " " + unit;
  if (text.size() <= room) return text;
  return count.substr(0, room);
}

ProgressBar::ProgressBar(std::ostream& out, bool enabled, std::string unit, int columns)
    : out_(out),
      enabled_(enabled),
      unit_(std::move(unit)),
      columns_(columns > 0 ? columns : (enabled ? terminal_columns(2) : 80)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ProgressBar::start_at(std::uint64_t done) { start_done_ = done; }

void ProgressBar::update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_ || total == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double here = done > start_done_ ? static_cast<double>(done - start_done_) : 0.0;
  const double rate = elapsed > 0 ? here / elapsed : 0.0;
  const double eta = rate > 0 && done <= total ? static_cast<double>(total - done) / rate : -1.0;
  const std::string line = progress_line(done, total, unit_, rate, eta, columns_);
  // "\r" then the line padded to the full room, so that a shorter line erases a longer one.
  const std::size_t room = static_cast<std::size_t>(std::max(columns_ - 1, 1));
  out_ << '\r' << line << std::string(room > line.size() ? room - line.size() : 0, ' ')
       << std::flush;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) out_ << '\n' << std::flush;
  drawn_ = false;
}

}  // namespace qvsim
