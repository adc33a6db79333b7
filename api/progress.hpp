#pragma once
// Progress of long work: a bar with rate and ETA, redrawn in place on a terminal; nothing at all
// when disabled (output piped, or --quiet).
//
// The bar shows overall progress: work finished before this process started (a resumed sweep's
// stored items) counts as done, and the rate and ETA count only what this process did. Every line
// fits the terminal: it is at most `columns - 1` characters, so it never wraps (a wrapped line
// would print a new line per update instead of redrawing in place).

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace qvsim {

class ProgressBar {
 public:
  // `enabled` is usually "stderr is a terminal and not --quiet"; `unit` names what is counted.
  // `columns` is the terminal width; 0 asks the terminal on stderr (then $COLUMNS, then 80).
  ProgressBar(std::ostream& out, bool enabled, std::string unit, int columns = 0);
  // `done` of the `total` were finished before this process started (a resume): they count as
  // done in the bar but not in the rate. Call before the first update.
  void start_at(std::uint64_t done);
  // Overall progress: `done` of `total`, earlier work included. Safe to call often: redraws at
  // most about ten times a second, and always at completion.
  void update(std::uint64_t done, std::uint64_t total);
  // Ends the bar's line (if one was drawn).
  void finish();

 private:
  std::ostream& out_;
  bool enabled_;
  bool drawn_ = false;
  std::string unit_;
  int columns_;
  std::uint64_t start_done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

// One line of the bar, at most `columns - 1` characters (no "\r"): "[###...] 42% 420/1000 items
// 3.1/s ETA 3:07". Narrow terminals drop the bar first, then the rate and ETA, then the unit.
std::string progress_line(std::uint64_t done, std::uint64_t total, const std::string& unit,
                          double rate, double eta_seconds, int columns);

// "1:02:03" or "2:03".
std::string format_duration(double seconds);

// True when the given stdio stream (stdout = 1, stderr = 2) is a terminal.
bool is_terminal(int fd);

// The width of the terminal on `fd`, else $COLUMNS, else 80.
int terminal_columns(int fd);

}  // namespace qvsim
