// The progress bar: overall progress after a resume, and lines that fit the terminal (issue 16).
#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api/progress.hpp"

using qvsim::progress_line;
using qvsim::ProgressBar;

namespace {

// The lines a bar drew: the text between carriage returns.
std::vector<std::string> drawn(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t at = text.find('\r');
  while (at != std::string::npos) {
    const std::size_t next = text.find_first_of("\r\n", at + 1);
    lines.push_back(text.substr(at + 1, next == std::string::npos ? next : next - at - 1));
    at = next == std::string::npos ? next : text.find('\r', next);
  }
  return lines;
}

}  // namespace

TEST_CASE("a progress line never reaches the last column, down to 10 columns", "[progress]") {
  // The widest counts a sweep can show, a slow rate and a long ETA.
  for (int columns = 10; columns <= 200; ++columns) {
    INFO(columns);
    const std::string line =
        progress_line(123456789, 987654321, "replicates", 12345.6, 99 * 3600.0, columns);
    CHECK(line.size() <= static_cast<std::size_t>(columns - 1));
    CHECK(line.find('\n') == std::string::npos);
  }
  // Wide enough: the bar, the count, the unit and the speed are all there.
  const std::string wide = progress_line(50, 100, "items", 2.0, 25.0, 80);
  CHECK(wide.rfind("[", 0) == 0);
  CHECK_THAT(wide, Catch::Contains(" 50% 50/100 items  2.0/s  ETA 0:25"));
  // 50 columns (the width that wrapped): the count and speed stay, the bar shrinks or goes.
  const std::string narrow = progress_line(7400, 8000, "items", 12.5, 48.0, 50);
  CHECK(narrow.size() <= 49);
  CHECK_THAT(narrow, Catch::Contains("7400/8000 items"));
}

TEST_CASE("a 50-column bar redraws in place, every line within 49 characters", "[progress]") {
  std::ostringstream out;
  ProgressBar bar(out, true, "items", 50);
  for (std::uint64_t i = 0; i <= 8000; i += 800) bar.update(i, 8000);
  bar.finish();
  const std::string text = out.str();
  const auto lines = drawn(text);
  REQUIRE(lines.size() >= 2);  // the first update and the completion, at least
  for (const std::string& l : lines) CHECK(l.size() <= 49);
  // One newline in all: at finish, none per update.
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
}

TEST_CASE("after a resume the bar counts the items stored before it", "[progress]") {
  std::ostringstream out;
  ProgressBar bar(out, true, "items", 100);
  bar.start_at(7400);  // 7,400 of 8,000 items were stored by the interrupted sweep
  bar.update(7400, 8000);
  bar.update(8000, 8000);
  bar.finish();
  const auto lines = drawn(out.str());
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::Contains(" 92% 7400/8000 items"));
  CHECK_THAT(lines[1], Catch::Contains("100% 8000/8000 items"));
}

TEST_CASE("a disabled bar writes nothing", "[progress]") {
  std::ostringstream out;
  ProgressBar bar(out, false, "items", 50);
  bar.update(1, 2);
  bar.update(2, 2);
  bar.finish();
  CHECK(out.str().empty());
}
