#pragma once
// Progress of long work: a bar with rate and ETA, redrawn in place on a terminal; nothing at all
// when disabled (output piped, or --quiet).

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace qvsim {

class ProgressBar {
 public:
  // `enabled` is usually "stderr is a terminal and not --quiet"; `unit` names what is counted.
  ProgressBar(std::ostream& out, bool enabled, std::string unit);
  // Safe to call often: redraws at most about ten times a second, and always at completion.
  void update(std::uint64_t done, std::uint64_t total);
  // Ends the bar's line (if one was drawn).
  void finish();

 private:
  std::ostream& out_;
  bool enabled_;
  bool drawn_ = false;
  std::string unit_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

// "1:02:03" or "2:03".
std::string format_duration(double seconds);

// True when the given stdio stream (stdout = 1, stderr = 2) is a terminal.
bool is_terminal(int fd);

}  // namespace qvsim
