#include "analysis/graphml.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphml.hpp>
#include <boost/property_map/dynamic_property_map.hpp>
#include <boost/property_map/property_map.hpp>
#include <charconv>
#include <cmath>
#include <deque>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "sim/parallel.hpp"
#include "sim/runner.hpp"

namespace qvsim::analysis {
namespace {

using G = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;

// A node attribute column that Boost's writer declares as a double and prints in shortest
// round-trip form (its own adaptor prints with the stream's default 6 digits, which a reader
// cannot turn back into the same doubles).
class Column final : public boost::dynamic_property_map {
 public:
  explicit Column(const std::vector<double>& values) : values_(values) {}
  boost::any get(const boost::any& key) override { return at(key); }
  std::string get_string(const boost::any& key) override {
    // XML Schema's spellings, which GraphML's attr.type="double" means (Java readers such as
    // Gephi's reject "nan").
    const double x = at(key);
    if (std::isnan(x)) return "NaN";
    if (std::isinf(x)) return x > 0 ? "INF" : "-INF";
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, x);
    return {buf, res.ptr};
  }
  void put(const boost::any&, const boost::any&) override {
    throw boost::dynamic_const_put_error();
  }
  const std::type_info& key() const override {
    return typeid(boost::graph_traits<G>::vertex_descriptor);
  }
  const std::type_info& value() const override { return typeid(double); }

 private:
  double at(const boost::any& key) const {
    return values_[boost::any_cast<boost::graph_traits<G>::vertex_descriptor>(key)];
  }
  const std::vector<double>& values_;
};

}  // namespace

double graphml_extra_bytes(const Model& model, const ArmBehaviours& behaviours) {
  const Scenario& s = model.scenario;
  const auto kc = static_cast<double>(s.proposals);
  double columns = kc + 1.0;  // values and the block
  for (const auto& arm : behaviours) {
    columns += static_cast<double>(s.mechanisms.size()) *
               (kc + 1.0 + static_cast<double>(arm->agent_field_names().size()));
  }
  return 80.0 * expected_edges(model) + 8.0 * columns * static_cast<double>(s.agents);
}

void write_graphml(const Model& model, const ArmBehaviours& behaviours, std::uint64_t replicate,
                   std::ostream& out) {
  const Scenario& s = model.scenario;
  std::vector<std::pair<AgentId, AgentId>> edges;
  AgentId agents = 0;
  // One column per attribute; a deque, so that the property maps' pointers stay valid.
  std::deque<std::vector<double>> columns;
  std::vector<std::string> names;
  const auto column = [&](std::string name) -> std::vector<double>& {
    names.push_back(std::move(name));
    return columns.emplace_back(agents, 0.0);
  };
  replay_replicate(
      model, behaviours, replicate, [&](const ReplicateContext& ctx, const ArmPlan& plan) {
        const Electorate& electorate = ctx.electorate;
        const std::size_t kc = electorate.proposals;
        if (ctx.arm_index == 0) {  // the graph and values, once
          agents = ctx.graph.num_agents();
          edges.reserve(ctx.graph.num_edges());
          for (AgentId a = 0; a < agents; ++a) {
            for (const AgentId b : ctx.graph.neighbors(a)) {
              if (a < b) edges.emplace_back(a, b);
            }
          }
          if (!ctx.graph.blocks().empty()) {
            auto& block = column("block");
            for (AgentId a = 0; a < agents; ++a) block[a] = ctx.graph.blocks()[a];
          }
          for (std::size_t k = 0; k < kc; ++k) {
            auto& value = column("value_" + std::to_string(k));
            for (AgentId a = 0; a < agents; ++a)
              value[a] = electorate.value(a, static_cast<std::uint32_t>(k));
          }
        }
        const std::vector<std::string> fields = behaviours[ctx.arm_index]->agent_field_names();
        for (const Mechanism m : s.mechanisms) {
          const std::string prefix = s.arms[ctx.arm_index].name + '.' + to_string(m) + '.';
          const std::size_t first = columns.size();
          for (std::size_t k = 0; k < kc; ++k) column(prefix + "vote_" + std::to_string(k));
          column(prefix + "cost");
          for (const std::string& f : fields) column(prefix + f);
          parallel_for_agent_chunks(agents, [&](std::size_t, AgentId begin, AgentId end) {
            std::vector<double> votes(kc), counters(plan.counter_count()), recorded(fields.size());
            for (AgentId a = begin; a < end; ++a) {
              const double cost = plan.cast_recorded(m, a, votes, counters, recorded);
              for (std::size_t k = 0; k < kc; ++k) columns[first + k][a] = votes[k];
              columns[first + kc][a] = cost;
              for (std::size_t i = 0; i < fields.size(); ++i)
                columns[first + kc + 1 + i][a] = recorded[i];
            }
          });
        }
      });
  const G g(edges.begin(), edges.end(), agents);
  edges = {};
  boost::dynamic_properties dp;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    dp.insert(names[i], boost::shared_ptr<boost::dynamic_property_map>(new Column(columns[i])));
  }
  boost::write_graphml(out, g, dp, true);
}

}  // namespace qvsim::analysis
