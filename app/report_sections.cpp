#include "app/report_sections.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

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

}  // namespace qvsim::report_detail
