// libFuzzer target: YAML text -> a resolved scenario, or one clean InputError.
//
// Runs what `qvsim validate` runs short of loading edge-list files: parse_scenario and
// validate_scenario, then the sweep reader (a plain scenario is a sweep of one point) with every
// point described, its memory estimated and checked against a cap, and its canonical JSON written.
// Any exception other than InputError is a bug, and so is a scenario whose canonical JSON differs
// between the two readers. Relative paths in the input (graph.file, organizer_file) resolve in a
// folder that does not exist, so they find no file.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include "api/resources.hpp"
#include "api/run_command.hpp"
#include "api/scenario_yaml.hpp"
#include "api/sweep_spec.hpp"
#include "sim/error.hpp"
#include "sim/model.hpp"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void bug(const char* what) {
  std::fprintf(stderr, "fuzz_scenario: %s\n", what);
  std::fflush(stderr);
  __builtin_trap();
}

// Where relative paths in the input resolve: a folder that does not exist, inside an empty one, so
// that no relative path (not even ../../etc/passwd) reaches a real file. The empty folder is shared
// by all runs and never removed, so runs leave nothing behind.
const fs::path& base_dir() {
  static const fs::path dir = [] {
    std::error_code ec;
    fs::path root = fs::temp_directory_path(ec);
    if (ec) root = "/tmp";
    root /= "qvsim-fuzz-empty";
    fs::create_directories(root, ec);
    if (!fs::is_empty(root, ec)) {
      std::fprintf(stderr, "fuzz_scenario: %s must be an empty folder\n", root.c_str());
      std::abort();
    }
    return root / "absent";
  }();
  return dir;
}

// The scenario's canonical JSON, or nothing when it is an input error.
std::optional<std::string> plain_scenario(const std::string& text, const fs::path& base) {
  try {
    const qvsim::Scenario s = qvsim::parse_scenario(text, "fuzz.yaml", base);
    qvsim::validate_scenario(s, "fuzz.yaml");
    const qvsim::Model model = qvsim::describe(s);
    (void)qvsim::estimate_replicate_bytes(model);
    return qvsim::scenario_to_json(model.scenario);
  } catch (const qvsim::InputError&) {
    return std::nullopt;
  }
}

// As `qvsim validate` reads the file. Holds the canonical JSON of a file without a sweep block;
// empty for a sweep (its points differ from the base scenario) or an input error.
struct Swept {
  bool accepted = false;
  std::string json;
};

Swept swept_scenario(const std::string& text, const fs::path& base) {
  try {
    const qvsim::SweepPlan plan =
        qvsim::parse_sweep(text, "fuzz.yaml", base, std::nullopt, std::nullopt);
    if (plan.points.empty()) bug("parse_sweep returned a plan without points");
    if (!plan.has_sweep && plan.points.size() != 1) bug("a file without sweep gave several points");
    Swept out{true, {}};
    std::uint64_t largest = 0;
    const qvsim::Scenario* largest_scenario = &plan.points.front().scenario;
    for (const qvsim::SweepPoint& p : plan.points) {
      const qvsim::Model model = qvsim::describe(p.scenario);
      if (const std::uint64_t bytes = qvsim::estimate_replicate_bytes(model); bytes > largest) {
        largest = bytes;
        largest_scenario = &p.scenario;
      }
      std::string json = qvsim::scenario_to_json(model.scenario);
      if (!plan.has_sweep) out.json = std::move(json);
    }
    // As `qvsim validate --threads 4 --max-memory 1G`: an explicit cap, so that the outcome does
    // not depend on the machine's free memory. Refusing is an InputError too, but the scenario
    // was read, so the comparison with parse_scenario still applies.
    try {
      const std::uint64_t concurrent =
          std::min<std::uint64_t>(4, plan.points.size() * plan.replicates);
      qvsim::MemoryCap cap;
      cap.bytes = std::uint64_t{1} << 30;
      qvsim::check_run_memory(largest, concurrent, *largest_scenario, cap, "fuzz.yaml");
    } catch (const qvsim::InputError&) {
    }
    return out;
  } catch (const qvsim::InputError&) {
    return {};
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const fs::path& base = base_dir();
  try {
    const std::optional<std::string> plain = plain_scenario(text, base);
    const Swept swept = swept_scenario(text, base);
    // A file parse_scenario accepts has no sweep block, so the sweep reader must read the same
    // scenario from it.
    if (plain && !swept.accepted) bug("parse_sweep rejects what parse_scenario accepts");
    if (plain && *plain != swept.json)
      bug("parse_scenario and parse_sweep read different scenarios");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_scenario: escaped exception: %s\n", e.what());
    bug("an exception other than InputError escaped");
  } catch (...) {
    bug("a non-std exception escaped");
  }
  return 0;
}
