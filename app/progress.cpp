#include "app/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
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

ProgressBar::ProgressBar(std::ostream& out, bool enabled, std::string unit)
    : out_(out),
      enabled_(enabled),
      unit_(std::move(unit)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ProgressBar::update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_ || total == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double frac = static_cast<double>(done) / static_cast<double>(total);
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : -1.0;
  constexpr int width = 30;
  const int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  char buf[200];
  std::snprintf(buf, sizeof buf, "\r[%s] %3.0f%% %llu/%llu %s  %.1f/s  ETA %s ", bar.c_str(),
                frac * 100.0, static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(total), unit_.c_str(), rate,
                format_duration(eta).c_str());
  out_ << buf << std::flush;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) out_ << '\n' << std::flush;
  drawn_ = false;
}

}  // namespace qvsim
