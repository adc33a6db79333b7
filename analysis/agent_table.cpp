#include "analysis/agent_table.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

#include "sim/parallel.hpp"
#include "sim/runner.hpp"
#include "sim/text.hpp"

namespace qvsim::analysis {
namespace {

void append_cell(std::string& line, double x) {
  line += ',';
  if (std::isnan(x)) {
    line += "NA";
    return;
  }
  append_shortest(line, x);
}

void append_count(std::string& line, std::uint64_t x) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  line.append(buf, res.ptr);
}

// Writes batches of formatted rows on a thread of its own, so that the next batch is formatted
// while one is hashed and copied into the file (both serial, about a third of the time for a
// million agents). Holds the batch being written; the caller formats into the one it gets back.
class BatchWriter {
 public:
  explicit BatchWriter(std::ostream& out) : out_(out) {}
  ~BatchWriter() {
    if (thread_.joinable()) thread_.join();
  }
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Waits for the batch before, then writes the first `count` pieces of `batch` in the
  // background; `batch` comes back holding the earlier batch's strings (capacity kept).
  void write(std::vector<std::string>& batch, std::size_t count) {
    wait();
    std::swap(batch, writing_);
    thread_ = std::thread([this, count] {
      try {
        for (std::size_t i = 0; i < count; ++i)
          out_.write(writing_[i].data(), std::ssize(writing_[i]));
      } catch (...) {  // a stream that throws (an exception mask): rethrown by wait()
        error_ = std::current_exception();
      }
    });
  }
  // Waits until everything handed over is written; rethrows what the writing threw.
  void wait() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  std::ostream& out_;
  std::vector<std::string> writing_;
  std::thread thread_;
  std::exception_ptr error_;
};

// The rows of one arm's plan under one mechanism.
struct Rows {
  const ArmPlan& plan;
  const Electorate& electorate;
  std::vector<std::string> names;  // the arm's agent fields
  std::vector<std::size_t> slot;   // where each goes among the columns
  const std::vector<std::string>& columns;
  std::string prefix;  // "replicate,arm,mechanism,"

  // Formats agents [begin, end) into `text` (cleared first).
  void format(Mechanism m, AgentId begin, AgentId end, std::string& text) const {
    std::vector<double> votes(electorate.proposals), counters(plan.counter_count()),
        fields(names.size()), row(columns.size());
    text.clear();
    for (AgentId a = begin; a < end; ++a) {
      const double cost = plan.cast_recorded(m, a, votes, counters, fields);
      std::fill(row.begin(), row.end(), std::nan(""));
      for (std::size_t i = 0; i < names.size(); ++i) row[slot[i]] = fields[i];
      text += prefix;
      append_count(text, a);
      if (electorate.float32) {
        // Values stored as floats print as floats: the fewest digits that read back as the
        // stored float (docs/outputs.md), half the bytes of the double each converts to.
        const std::size_t kc = electorate.proposals;
        for (std::size_t k = 0; k < kc; ++k) {
          text += ',';
          append_shortest_float(text, electorate.values32[a * kc + k]);
        }
      } else {
        const auto u = electorate.of(a);
        for (std::size_t k = 0; k < u.size(); ++k) append_cell(text, u[k]);
      }
      for (const double v : votes) append_cell(text, v);
      append_cell(text, cost);
      for (const double x : row) append_cell(text, x);
      text += '\n';
    }
  }
};

}  // namespace

std::vector<std::string> agent_field_columns(const ArmBehaviours& behaviours) {
  std::vector<std::string> columns;
  for (const auto& arm : behaviours) {
    for (std::string& name : arm->agent_field_names()) {
      if (std::find(columns.begin(), columns.end(), name) == columns.end()) {
        columns.push_back(std::move(name));
      }
    }
  }
  return columns;
}

std::string agents_csv_header(const Model& model, const ArmBehaviours& behaviours) {
  std::string h = "replicate,arm,mechanism,agent";
  const std::uint32_t kc = model.scenario.proposals;
  for (std::uint32_t k = 0; k < kc; ++k) h += ",value_" + std::to_string(k);
  for (std::uint32_t k = 0; k < kc; ++k) h += ",vote_" + std::to_string(k);
  h += ",cost";
  for (const std::string& c : agent_field_columns(behaviours)) h += ',' + c;
  return h + '\n';
}

void write_agent_rows(const Model& model, const ArmBehaviours& behaviours, std::uint64_t replicate,
                      std::ostream& out) {
  const Scenario& s = model.scenario;
  const std::vector<std::string> columns = agent_field_columns(behaviours);
  BatchWriter writer(out);
  replay_replicate(
      model, behaviours, replicate, [&](const ReplicateContext& ctx, const ArmPlan& plan) {
        Rows rows{plan, ctx.electorate, behaviours[ctx.arm_index]->agent_field_names(),
                  {},   columns,        {}};
        for (const std::string& name : rows.names) {
          rows.slot.push_back(static_cast<std::size_t>(
              std::find(columns.begin(), columns.end(), name) - columns.begin()));
        }
        const AgentId agents = ctx.electorate.agents;
        // Pieces of `piece` agents format their rows apart, `batch` pieces at a time, and are
        // written in agent order: the text held in memory (a batch being formatted, one being
        // written) stays within about 2 kBudget bytes whatever the proposals and fields (a
        // number takes at most 25 bytes, a prefix 64).
        constexpr double kBudget = 32.0 * 1024 * 1024;
        const double row_bytes =
            64.0 + 25.0 * (2.0 * static_cast<double>(ctx.electorate.proposals) + 1.0 +
                           static_cast<double>(columns.size()));
        const auto piece = static_cast<AgentId>(
            std::clamp(kBudget / 16.0 / row_bytes, 1.0, static_cast<double>(kAgentChunk)));
        const std::size_t pieces = (static_cast<std::size_t>(agents) + piece - 1) / piece;
        const auto batch = static_cast<std::size_t>(
            std::max(2.0, kBudget / (row_bytes * static_cast<double>(piece))));
        std::vector<std::string> text(std::min(batch, pieces));
        for (const Mechanism m : s.mechanisms) {
          rows.prefix.clear();
          append_count(rows.prefix, replicate);
          rows.prefix += ',' + s.arms[ctx.arm_index].name + ',' + to_string(m) + ',';
          for (std::size_t first = 0; first < pieces; first += batch) {
            const std::size_t last = std::min(pieces, first + batch);
            text.resize(std::min(batch, pieces));
            parallel_for_blocks(first, last, std::size_t{1}, [&](std::size_t lo, std::size_t hi) {
              for (std::size_t c = lo; c != hi; ++c) {
                const auto begin = static_cast<AgentId>(c * piece);
                rows.format(m, begin, std::min<AgentId>(agents, begin + piece), text[c - first]);
              }
            });
            writer.write(text, last - first);
          }
        }
      });
  writer.wait();
}

}  // namespace qvsim::analysis
