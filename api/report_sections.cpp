#include "api/report_sections.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "analysis/run_table.hpp"

namespace qvsim::report_detail {
namespace {

// A value on one line: "normal (mean = 0, sd = 1)" for a map led by its model or distribution,
// "[a, b]" for a sequence, "k = v, k2 = v2" for another map.
std::string inline_text(const YAML::Node& n);

std::string map_text(const YAML::Node& n) {
  std::string lead;
  std::string rest;
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (lead.empty() && (key == "model" || key == "distribution") && kv.second.IsScalar()) {
      lead = kv.second.as<std::string>();
      continue;
    }
    const YAML::Node& v = kv.second;
    rest += (rest.empty() ? "" : ", ") + key;
    if (v.IsMap() && v.size() > 0) {
      rest += " (" + inline_text(v) + ")";
    } else {
      rest += " = " + inline_text(v);
    }
  }
  if (lead.empty()) return rest.empty() ? std::string("{}") : rest;
  return rest.empty() ? lead : lead + " (" + rest + ")";
}

std::string inline_text(const YAML::Node& n) {
  if (n.IsScalar()) return n.as<std::string>();
  if (n.IsSequence()) {
    std::string out = "[";
    for (std::size_t i = 0; i < n.size(); ++i) out += (i ? ", " : "") + inline_text(n[i]);
    return out + "]";
  }
  if (n.IsMap()) return map_text(n);
  return "none";
}

void row(std::ostringstream& h, const std::string& label, const std::string& text) {
  h << "<tr><th>" << html_escape(label) << "</th><td>" << html_escape(text) << "</td></tr>\n";
}

// One arm block's keys, one per line.
std::string block_keys(const YAML::Node& block) {
  if (!block.IsMap()) return html_escape(inline_text(block));
  if (block.size() == 0) return "(defaults)";
  std::string out;
  for (const auto& kv : block) {
    const YAML::Node& v = kv.second;
    const std::string key = kv.first.as<std::string>();
    out += (out.empty() ? "" : "<br>") + html_escape(key) +
           (v.IsMap() && v.size() > 0 ? ": " : " = ") + html_escape(inline_text(v));
  }
  return out;
}

std::string render(const YAML::Node& s, bool sweep) {
  std::ostringstream h;
  h << "<table class=\"scenario\">\n<tbody>\n";
  std::set<std::string> shown{"electorate", "arms", "sweep"};
  auto top = [&](const char* key, const char* label) {
    if (s[key]) row(h, label, inline_text(s[key]));
    shown.insert(key);
  };
  top("name", "name");
  top("seed", sweep ? "master seed" : "seed");
  top("replicates", sweep ? "replicates per point" : "replicates");
  if (const YAML::Node e = s["electorate"]; e && e.IsMap()) {
    static const std::map<std::string, std::string> kLabels{{"agents", "agents"},
                                                            {"proposals", "proposals"},
                                                            {"values", "values"},
                                                            {"budget", "budget"},
                                                            {"pivot", "pivot belief"}};
    for (const char* k : {"agents", "proposals", "values", "budget", "pivot"})
      if (e[k]) row(h, kLabels.at(k), inline_text(e[k]));
    for (const auto& kv : e) {
      const std::string k = kv.first.as<std::string>();
      if (!kLabels.count(k)) row(h, k, inline_text(kv.second));
    }
  }
  top("graph", "graph");
  top("mechanisms", "mechanisms");
  top("ballot", "ballot");
  top("baseline_arm", "baseline arm");
  for (const auto& kv : s) {
    const std::string k = kv.first.as<std::string>();
    if (!shown.count(k)) row(h, k, inline_text(kv.second));
  }
  if (const YAML::Node sw = s["sweep"]) row(h, "sweep", inline_text(sw));
  h << "</tbody>\n</table>\n";
  if (const YAML::Node arms = s["arms"]; arms && arms.IsMap()) {
    h << "<table class=\"arms\">\n<thead><tr><th>arm</th><th>block</th><th>keys</th></tr></thead>\n"
         "<tbody>\n";
    for (const auto& arm : arms) {
      const std::string name = arm.first.as<std::string>();
      const YAML::Node& blocks = arm.second;
      if (!blocks.IsMap() || blocks.size() == 0) {
        h << "<tr><td>" << html_escape(name)
          << "</td><td>none</td><td>every agent votes honestly</td></tr>\n";
        continue;
      }
      for (const auto& b : blocks) {
        h << "<tr><td>" << html_escape(name) << "</td><td>"
          << html_escape(b.first.as<std::string>()) << "</td><td>" << block_keys(b.second)
          << "</td></tr>\n";
      }
    }
    h << "</tbody>\n</table>\n";
  }
  return h.str();
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string scenario_html(const std::string& manifest_json) {
  const std::string none =
      "<p class=\"note\">manifest.json records no scenario; see the scenario file.</p>\n";
  if (manifest_json.empty()) return none;
  try {
    const YAML::Node m = YAML::Load(manifest_json);
    if (const YAML::Node s = m["scenario"]; s && s.IsMap()) return render(s, false);
    if (const YAML::Node t = m["scenario_text"]; t && t.IsScalar()) {
      const YAML::Node s = YAML::Load(t.as<std::string>());
      if (s.IsMap()) return render(s, true);
    }
  } catch (const YAML::Exception& e) {
    return "<p class=\"note\">The scenario in manifest.json could not be read: " +
           html_escape(e.what()) + "</p>\n";
  }
  return none;
}

std::vector<std::string> flagged_arm_lines(const std::vector<std::vector<std::string>>& summary) {
  std::vector<std::string> lines;
  if (summary.empty()) return lines;
  const auto& header = summary[0];
  auto col = [&](const char* name) -> std::ptrdiff_t {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : it - header.begin();
  };
  const std::ptrdiff_t point = header.empty() || header[0] != "point" ? -1 : 0;
  const std::ptrdiff_t arm = col("arm"), mech = col("mechanism"), metric = col("metric"),
                       n = col("n"), mean = col("mean");
  if (arm < 0 || mech < 0 || metric < 0 || n < 0 || mean < 0) return lines;
  struct Flags {
    analysis::FlagCount inert, saturated;
  };
  std::vector<std::string> order;
  std::map<std::string, Flags> flags;
  for (std::size_t r = 1; r < summary.size(); ++r) {
    const auto& cells = summary[r];
    if (cells.size() != header.size()) continue;
    const std::string& m = cells[static_cast<std::size_t>(metric)];
    if (m != "arm_inert" && m != "saturated") continue;
    const std::string where = (point >= 0 ? "point " + cells[0] + ": " : std::string()) + "arm '" +
                              cells[static_cast<std::size_t>(arm)] + "' under " +
                              cells[static_cast<std::size_t>(mech)];
    const std::uint64_t count =
        std::strtoull(cells[static_cast<std::size_t>(n)].c_str(), nullptr, 10);
    const std::string& mean_text = cells[static_cast<std::size_t>(mean)];
    const double mu = mean_text == "NA" ? 0.0 : std::strtod(mean_text.c_str(), nullptr);
    auto [it, inserted] = flags.try_emplace(where);
    if (inserted) order.push_back(where);
    (m == "arm_inert" ? it->second.inert : it->second.saturated) =
        analysis::flag_count(mu, mean_text == "NA" ? 0 : count);
  }
  for (const auto& where : order) {
    for (auto& l : analysis::arm_flag_lines(where, flags[where].inert, flags[where].saturated))
      lines.push_back(std::move(l));
  }
  return lines;
}

std::string mechanism_label(Mechanism m) { return short_label(m); }

namespace {

std::string fixed3(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", x);
  return buf;
}

// "mean [low, high]"; the mean alone when the interval is undefined; NA without a mean.
std::string with_interval(const analysis::Summary& s) {
  if (std::isnan(s.mean)) return "NA";
  if (std::isnan(s.ci_low) || std::isnan(s.ci_high)) return fixed3(s.mean);
  return fixed3(s.mean) + " <span class=\"ci\">[" + fixed3(s.ci_low) + ", " + fixed3(s.ci_high) +
         "]</span>";
}

}  // namespace

std::string effects_table_html(const analysis::Analysis& a, std::size_t max_rows,
                               std::size_t& total_rows) {
  total_rows = 0;
  if (a.effects.empty()) return {};
  std::vector<Mechanism> mechs;
  for (const auto& c : a.cells)
    if (std::find(mechs.begin(), mechs.end(), c.mechanism) == mechs.end())
      mechs.push_back(c.mechanism);
  static const std::array<std::string, 2> kMetrics{"efficiency", "wrong_rate"};
  // Row key: group, arm, metric; columns: effect per mechanism, then first mechanism minus each
  // other one.
  using Key = std::tuple<std::size_t, std::string, std::size_t>;
  std::vector<Key> keys;
  std::map<Key, std::vector<const analysis::Summary*>> cols;
  const std::size_t width = 2 * mechs.size() - 1;
  for (const auto& r : a.effects) {
    const std::string& name = a.metric_names[r.metric];
    const auto mi = std::find(kMetrics.begin(), kMetrics.end(), name);
    if (mi == kMetrics.end()) continue;
    const std::size_t col = static_cast<std::size_t>(
        std::find(mechs.begin(), mechs.end(), r.mechanism) - mechs.begin());
    std::size_t slot = width;
    if (r.kind == analysis::EffectKind::effect) {
      slot = col;
    } else if (r.kind == analysis::EffectKind::contrast && col == 0) {
      const auto other = static_cast<std::size_t>(
          std::find(mechs.begin(), mechs.end(), r.minus_mechanism) - mechs.begin());
      slot = mechs.size() + other - 1;
    }
    if (slot >= width) continue;
    const Key key{r.group, r.arm, static_cast<std::size_t>(mi - kMetrics.begin())};
    auto [it, added] = cols.try_emplace(key, width, nullptr);
    if (added) keys.push_back(key);
    it->second[slot] = &r.stats;
  }
  // Rows in the analysis' order, each arm's metrics together in kMetrics order.
  std::stable_sort(keys.begin(), keys.end(),
                   [](const Key& x, const Key& y) { return std::get<0>(x) < std::get<0>(y); });
  total_rows = keys.size();
  std::ostringstream h;
  h << "<table class=\"effects\">\n<thead><tr>";
  for (const auto& g : a.group_columns) h << "<th>" << html_escape(g) << "</th>";
  h << "<th>arm</th><th>metric</th>";
  for (Mechanism m : mechs) h << "<th>effect, " << mechanism_label(m) << "</th>";
  for (std::size_t i = 1; i < mechs.size(); ++i)
    h << "<th>" << mechanism_label(mechs[0]) << " &minus; " << mechanism_label(mechs[i]) << "</th>";
  h << "</tr></thead>\n<tbody>\n";
  for (std::size_t k = 0; k < keys.size() && k < max_rows; ++k) {
    const auto& [group, arm, metric] = keys[k];
    h << "<tr>";
    for (const auto& v : a.groups[group]) h << "<td>" << html_escape(v) << "</td>";
    h << "<td>" << html_escape(arm) << "</td><td>" << kMetrics[metric] << "</td>";
    for (const analysis::Summary* s : cols[keys[k]])
      h << "<td class=\"num\">" << (s == nullptr ? std::string("NA") : with_interval(*s))
        << "</td>";
    h << "</tr>\n";
  }
  h << "</tbody>\n</table>\n";
  return h.str();
}

}  // namespace qvsim::report_detail
