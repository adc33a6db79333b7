#pragma once
// Internal to `qvsim plot` (api/plot_command.cpp) and `qvsim report` (api/report_command.cpp,
// api/report_tables.cpp): reading a run's or sweep's output folder, drawing its figures with
// analysis/plots.py, and the report's tables. Bad input is thrown as InputError.

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "api/analysis_commands.hpp"
#include "sim/atomic_file.hpp"

namespace qvsim::plot_detail {

// The most rows a table of the report shows; the rest are counted.
inline constexpr std::size_t kMaxTableRows = 400;

// The whole file, or "" when there is none; a FIFO or device in its place is an io error, not a
// hang (sim/input_file.hpp).
std::string read_file(const std::filesystem::path& p);

// A CSV file's records, the header first; InputError (empty) when it has no header line.
std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& p);

// The swept parameters of a sweep's summary.csv header (point,<swept...>,arm,...); none for a run.
std::vector<std::string> swept_columns(const std::vector<std::string>& header);

// DIR/summary.csv; absent is fine only when DIR holds threshold CSVs (then the empty path).
std::filesystem::path require_summary(const std::filesystem::path& dir);

// `s` without its trailing newlines, carriage returns and spaces.
std::string trim(std::string s);

// Checks the folder and --x before anything runs, so bad input writes nothing.
void check_plot_input(const PlotRequest& a);

// One writer at a time in the folder (plots/ and report.html are written there); a run's switch
// that a killed process left half done is completed first.
// Nothing is locked when `dir` is not a folder.
std::optional<FolderLock> lock_folder(const std::filesystem::path& dir);

// Runs analysis/plots.py on dir, drawing into a fresh folder that then takes the place of
// DIR/plots whole, so plots/ never mixes figures of two drawings; each figure records `results`,
// the folder's results hash (api/provenance.hpp), which must still hold once the script is done.
// Returns the exit code for the CLI. Bad input is thrown.
int run_plots(const PlotRequest& a, const std::string& results, std::ostream& out,
              std::ostream& err);

// Whether plots/ holds a drawing of the results whose hash is `results`: an index whose every
// figure records that hash, in its row and in its own bytes.
bool plots_current(const std::filesystem::path& plots, const std::string& results);

// The main comparison table: one row per (point, arm, mechanism) in file order, the key metrics
// each with its 95% CI.
// At most kMaxTableRows rows; `total_rows` is set to how many there are. InputError naming
// `summary_path` for a row with the wrong number of fields or a missing column.
std::string comparison_table(const std::filesystem::path& summary_path,
                             const std::vector<std::vector<std::string>>& rows,
                             std::size_t& total_rows);

// One row per threshold CSV row: what 'qvsim threshold --out' found, with its interval and spend.
// At most kMaxTableRows rows; `total_rows` is set to how many there are.
std::string threshold_table(const std::vector<std::filesystem::path>& files,
                            std::size_t& total_rows);

}  // namespace qvsim::plot_detail
