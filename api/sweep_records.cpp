#include "api/sweep_records.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <ostream>

#include "api/build_info.hpp"
#include "api/provenance.hpp"
#include "api/sweep_command.hpp"
#include "sim/atomic_file.hpp"
#include "sim/error.hpp"
#include "sim/hash.hpp"
#include "sim/input_file.hpp"
#include "sim/json.hpp"

namespace qvsim {
namespace fs = std::filesystem;
namespace {

// A word of a shell command, quoted when it holds anything but plain path characters.
std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '/' || c == '+' || c == '=' || c == ':';
  });
  if (plain) return s;
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string override_options(const StoreOrigin& o) {
  std::string out;
  if (!o.seed_override.empty()) out += " --seed " + o.seed_override;
  if (!o.replicates_override.empty()) out += " --replicates " + o.replicates_override;
  return out;
}

}  // namespace

std::optional<std::pair<std::uint64_t, std::uint64_t>> store_shard(const fs::path& store) {
  const std::string stem = store.stem().string();
  const std::size_t at = stem.rfind("shard-");
  if (at == std::string::npos) return std::nullopt;
  unsigned long long i = 0;
  unsigned long long n = 0;
  char tail = 0;
  if (std::sscanf(stem.c_str() + at, "shard-%llu-of-%llu%c", &i, &n, &tail) != 2 || n == 0 ||
      i >= n)
    return std::nullopt;
  return std::pair<std::uint64_t, std::uint64_t>{i, n};
}

void write_sweep_provenance(JsonWriter& w, const std::string& name, const StoreOrigin& origin) {
  w.key("name").value(name);
  w.key("qvsim_version").value(build_info::kVersion);
  w.key("git_commit").value(build_info::kGitCommit);
  w.key("compiler").value(build_info::kCompilerId);
  w.key("build_flags").value(build_info::kBuildFlags);
  w.key("scenario_file").value(origin.scenario_label);
  w.key("scenario_text_fnv1a64").value(hex64(fnv1a64(origin.scenario_text)));
  w.key("scenario_text").value(origin.scenario_text);
  w.key("overrides").begin_object();
  for (const auto& [key, v] :
       {std::pair<const char*, const std::string*>{"seed", &origin.seed_override},
        {"replicates", &origin.replicates_override}}) {
    w.key(key);
    if (v->empty()) {
      w.null();
    } else {
      w.value(static_cast<std::uint64_t>(std::stoull(*v)));
    }
  }
  w.end_object();
}

std::vector<std::string> read_run_records(const fs::path& store) {
  const fs::path log = store.parent_path() / (store.stem().string() + ".json");
  std::error_code ec;
  if (!fs::is_regular_file(log, ec)) return {};
  std::string text;
  try {
    text = read_input_file(log, kMaxIdFileBytes, "run records");
  } catch (const InputError&) {
    return {};
  }
  // Each top-level object inside "runs": [...], found by a scan that skips strings.
  const std::size_t runs = text.find("\"runs\"");
  if (runs == std::string::npos) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') return {text};
    return {};
  }
  std::vector<std::string> out;
  std::size_t at = text.find('[', runs);
  if (at == std::string::npos) return {};
  int depth = 0;
  bool in_string = false;
  std::size_t start = 0;
  for (++at; at < text.size(); ++at) {
    const char c = text[at];
    if (in_string) {
      if (c == '\\') {
        ++at;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      if (depth++ == 0) start = at;
    } else if (c == '}') {
      if (--depth == 0) out.push_back(text.substr(start, at - start + 1));
      if (depth < 0) return {};
    } else if (c == ']' && depth == 0) {
      return out;
    }
  }
  return {};  // cut short: not a file qvsim wrote whole
}

void write_run_records(const fs::path& store, const std::vector<std::string>& records) {
  JsonWriter w;
  w.begin_object();
  w.key("store").value(store.filename().string());
  w.key("runs").begin_array();
  for (const auto& r : records) w.raw(r);
  w.end_array();
  w.end_object();
  write_file_atomically(store.parent_path() / (store.stem().string() + ".json"), w.str());
}

void write_store_records(JsonWriter& w, const std::vector<fs::path>& stores) {
  w.key("stores").begin_array();
  for (const auto& s : stores) {
    w.begin_object();
    w.key("store").value(s.string());
    w.key("runs").begin_array();
    for (const auto& r : read_run_records(s)) w.raw(r);
    w.end_array();
    w.end_object();
  }
  w.end_array();
}

std::string adopt_overrides(StoreOrigin& origin, const fs::path& dir) {
  if (!origin.seed_override.empty() && !origin.replicates_override.empty()) return {};
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  for (const auto& f : store_files(dir)) {
    StoreOrigin stored;
    try {
      stored = read_store_header(f).second;
    } catch (const InputError&) {
      continue;  // reading it again later says what is wrong
    }
    if (stored.scenario_text != origin.scenario_text) continue;
    std::string taken;
    if (origin.seed_override.empty() && !stored.seed_override.empty()) {
      origin.seed_override = stored.seed_override;
      taken += " --seed " + stored.seed_override;
    }
    if (origin.replicates_override.empty() && !stored.replicates_override.empty()) {
      origin.replicates_override = stored.replicates_override;
      taken += " --replicates " + stored.replicates_override;
    }
    return taken.empty() ? taken : taken.substr(1);
  }
  return {};
}

void check_same_sweep(const fs::path& dir, const std::vector<fs::path>& stores,
                      const StoreIdentity& identity, const StoreOrigin& origin) {
  for (const auto& f : stores) {
    const auto [id, stored] = read_store_header(f);
    if (id.spec_hash == identity.spec_hash) continue;
    if (stored.scenario_text == origin.scenario_text &&
        override_options(stored) != override_options(origin)) {
      const auto shard = store_shard(f).value_or(std::pair<std::uint64_t, std::uint64_t>{0, 1});
      StoreOrigin as_started = origin;
      as_started.seed_override = stored.seed_override;
      as_started.replicates_override = stored.replicates_override;
      const std::string started = override_options(stored);
      throw InputError(
          dir.string(), 0, "",
          "holds this scenario's sweep started with " +
              (started.empty() ? std::string("no --seed or --replicates") : started.substr(1)) +
              " (" + f.filename().string() + "), not with " +
              (override_options(origin).empty() ? std::string("none")
                                                : override_options(origin).substr(1)) +
              "; to continue it: " + continue_command(as_started, dir, shard.first, shard.second) +
              ", or choose another folder");
    }
    throw InputError(dir.string(), 0, "",
                     "holds results of another sweep (" + f.filename().string() + ", spec hash " +
                         id.spec_hash + ", from " + stored.scenario_label + "; this sweep " +
                         identity.spec_hash + "); use another output folder");
  }
}

std::string continue_command(const StoreOrigin& origin, const fs::path& dir, std::uint64_t shard,
                             std::uint64_t shards) {
  // The scenario as it was named when the sweep started, if that still names the same file from
  // here; else its absolute path.
  std::string file = origin.scenario_label;
  std::error_code ec;
  if (!origin.scenario_path.empty() &&
      !fs::equivalent(origin.scenario_label, origin.scenario_path, ec))
    file = origin.scenario_path;
  std::string cmd = "qvsim sweep " + shell_word(file) + " --out " + shell_word(dir.string());
  if (shards > 1) cmd += " --shard " + std::to_string(shard) + "/" + std::to_string(shards);
  return cmd + override_options(origin) + " --resume";
}

void sweep_status(const fs::path& dir, std::ostream& out) {
  const auto files = store_files(dir);
  if (files.empty()) {
    // `merge` exports into its OUT without copying stores there: say so rather than only that
    // no store was found.
    const bool exported = fs::exists(dir / "manifest.json") && fs::exists(dir / "runs.csv");
    throw InputError(dir.string(), 0, "",
                     exported ? "holds a sweep's exported results but no result store (*.sqlite), "
                                "as `qvsim merge` leaves its OUT; run `qvsim status` on the "
                                "folders that were merged"
                              : "holds no result store (*.sqlite)",
                     ErrorKind::io);
  }
  const auto [identity, origin] = read_store_header(files.front());
  const std::uint64_t points = origin.points;
  const std::uint64_t total = points * origin.replicates;
  // The shard counts the store names use (one, unless the folder mixes two ways of sharding).
  std::map<std::uint64_t, std::vector<std::uint64_t>> done_by_shard;  // N -> done per shard
  for (const auto& f : files)
    if (const auto s = store_shard(f)) done_by_shard.try_emplace(s->second, s->second, 0);
  const StoreSummary s =
      read_items(files, identity, points, origin.replicates, [&](std::uint64_t p, std::uint64_t r) {
        for (auto& [n, done] : done_by_shard) ++done[(r * points + p) % n];
      });
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s: %llu/%llu items done (%.1f%%), %llu failed, %llu pending\n",
                dir.string().c_str(), static_cast<unsigned long long>(s.done),
                static_cast<unsigned long long>(total),
                total ? 100.0 * static_cast<double>(s.done) / static_cast<double>(total) : 100.0,
                static_cast<unsigned long long>(s.failed),
                static_cast<unsigned long long>(total - s.done - s.failed));
  out << buf;
  std::uint64_t damaged = 0;
  std::string first_damaged;
  for (const auto& f : files) {
    const StoreSummary one = read_items({f}, identity, points, origin.replicates, nullptr);
    std::uint64_t count = 0;
    const auto damage = check_store(f, identity, points, origin.replicates, count);
    out << "  " << f.filename().string() << ": " << one.done << " done, " << one.failed
        << " failed";
    if (count > 0) out << ", " << count << " damaged";
    out << "\n";
    for (const StoreDamage& d : damage) {
      out << "  damaged: " << f.filename().string() << ": point " << d.point << " replicate "
          << d.replicate << ": " << d.what << "\n";
      if (first_damaged.empty())
        first_damaged = f.string() + ": point " + std::to_string(d.point) + " replicate " +
                        std::to_string(d.replicate) + ": " + d.what;
    }
    damaged += count;
  }
  for (std::size_t i = 0; i < s.failures.size(); ++i) {
    out << "  failed: point " << s.failures[i].first << " replicate " << s.failures[i].second
        << ": " << s.failure_messages[i] << "\n";
  }
  if (damaged > 0) {
    out << "  damaged: " << damaged
        << " item(s); move the damaged store out of the folder and run its shard again with "
           "--resume\n";
    throw InputError(dir.string(), 0, "",
                     std::to_string(damaged) + " damaged item(s), first " + first_damaged);
  }
  // Per shard: done, or the command that continues it (which reuses the sweep's overrides).
  for (const auto& entry : done_by_shard) {
    // Not a structured binding: Clang 14 does not let the lambda below capture one.
    const std::uint64_t n = entry.first;
    const auto& done = entry.second;
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t items = total > i ? (total - i - 1) / n + 1 : 0;
      const bool has_store = std::any_of(files.begin(), files.end(), [&](const fs::path& f) {
        const auto sh = store_shard(f);
        return sh && sh->first == i && sh->second == n;
      });
      out << "  shard " << i << "/" << n << ": " << done[i] << "/" << items << " items done";
      if (done[i] == items) {
        out << "; done\n";
      } else if (!has_store) {
        out << "; not run in this folder: run it with '" << continue_command(origin, dir, i, n)
            << "', or merge the folder it ran in with this one ('qvsim merge OUT "
            << shell_word(dir.string()) << " OTHER_DIR')\n";
      } else {
        out << "; continue with '" << continue_command(origin, dir, i, n) << "'\n";
      }
    }
  }
  out << (s.done == total ? std::string("  complete\n")
                          : "  incomplete: " + std::to_string(total - s.done) +
                                " item(s) not done; continue each unfinished shard as above\n");
}

}  // namespace qvsim
