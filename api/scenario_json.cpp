// A resolved scenario as canonical JSON (scenario_to_json, api/scenario_yaml.hpp): what manifests
// record and hash. Split from scenario_yaml.cpp, which reads scenarios.

#include <string>
#include <variant>

#include "api/detail/arm_yaml.hpp"
#include "api/detail/funding_yaml.hpp"
#include "api/scenario_yaml.hpp"
#include "sim/json.hpp"

namespace qvsim {
namespace {

using namespace yaml_detail;

void write_normal(JsonWriter& w, const NormalDist& d) {
  w.key("mean").value(d.mean);
  w.key("sd").value(d.sd);
}
void write_uniform(JsonWriter& w, const UniformDist& d) {
  w.key("low").value(d.low);
  w.key("high").value(d.high);
}

void write_values(JsonWriter& w, const ValuesSpec& v) {
  w.begin_object();
  if (!v.file.empty()) {
    // Only the file name, as for an edge list; the file gives the values, nothing else applies.
    w.key("file").value(v.file.filename().generic_string());
    // Only when set, so that the hash of every scenario without it stays what it was.
    if (v.float32) w.key("precision").value("float32");
    w.end_object();
    return;
  }
  if (const auto* n = std::get_if<NormalDist>(&v.distribution)) {
    w.key("distribution").value("normal");
    write_normal(w, *n);
  } else if (const auto* u = std::get_if<UniformDist>(&v.distribution)) {
    w.key("distribution").value("uniform");
    write_uniform(w, *u);
  } else if (const auto* mix = std::get_if<MixtureDist>(&v.distribution)) {
    w.key("distribution").value("mixture");
    w.key("components").begin_array();
    for (const MixtureComponent& c : mix->components) {
      w.begin_object();
      w.key("weight").value(c.weight);
      if (const auto* cn = std::get_if<NormalDist>(&c.dist)) {
        w.key("distribution").value("normal");
        write_normal(w, *cn);
      } else {
        w.key("distribution").value("uniform");
        write_uniform(w, std::get<UniformDist>(c.dist));
      }
      w.end_object();
    }
    w.end_array();
  } else if (const auto* d = std::get_if<DiscreteDist>(&v.distribution)) {
    w.key("distribution").value("discrete");
    w.key("values").begin_array();
    for (const double x : d->values) w.value(x);
    w.end_array();
    w.key("weights").begin_array();
    for (const double x : d->weights) w.value(x);
    w.end_array();
  } else {
    const auto& p = std::get<PassionateMinorityDist>(v.distribution);
    w.key("distribution").value("passionate_minority");
    w.key("share").value(p.share);
    w.key("minority").begin_object();
    write_normal(w, p.minority);
    w.end_object();
    w.key("majority").begin_object();
    write_normal(w, p.majority);
    w.end_object();
  }
  w.key("homophily").value(v.homophily);
  if (v.float32) w.key("precision").value("float32");
  w.end_object();
}

void write_graph(JsonWriter& w, const GraphSpec& g) {
  w.begin_object();
  if (const auto* er = std::get_if<ErdosRenyiSpec>(&g)) {
    w.key("model").value("erdos_renyi");
    w.key("mean_degree").value(er->mean_degree);
  } else if (const auto* ws = std::get_if<WattsStrogatzSpec>(&g)) {
    w.key("model").value("watts_strogatz");
    w.key("degree").value(std::uint64_t{ws->degree});
    w.key("rewire").value(ws->rewire);
  } else if (const auto* ba = std::get_if<BarabasiAlbertSpec>(&g)) {
    w.key("model").value("barabasi_albert");
    w.key("m").value(std::uint64_t{ba->m});
  } else if (const auto* sb = std::get_if<StochasticBlockSpec>(&g)) {
    w.key("model").value("stochastic_block");
    w.key("sizes").begin_array();
    for (std::uint64_t s : sb->sizes) w.value(s);
    w.end_array();
    w.key("p_in").value(sb->p_in);
    w.key("p_out").value(sb->p_out);
  } else {
    // Only the file name: the resolved path is a location on one user's machine.
    w.key("model").value("edge_list");
    w.key("file").value(std::get<EdgeListSpec>(g).file.filename().generic_string());
  }
  w.end_object();
}

void write_clusters(JsonWriter& w, const ClusterSpec& c) {
  if (c.source == ClusterSource::file) {  // absent when none: earlier hashes stand
    w.key("clusters").begin_object();
    w.key("file").value(c.file.filename().generic_string());
    w.end_object();
  } else if (c.source == ClusterSource::ballots) {
    w.key("clusters").begin_object();
    w.key("ballots").begin_object().key("similarity").value(c.similarity);
    if (c.identical) w.key("identical").value(true);  // absent when false: earlier hashes stand
    w.end_object();
    w.end_object();
  } else if (c.source != ClusterSource::none) {
    w.key("clusters").value(to_string(c.source));
  }
}

}  // namespace

std::string scenario_to_json(const Scenario& s) {
  JsonWriter w;
  w.begin_object();
  w.key("name").value(s.name);
  w.key("seed").value(s.seed);
  w.key("replicates").value(s.replicates);
  w.key("electorate").begin_object();
  w.key("agents");
  if (std::holds_alternative<EdgeListSpec>(s.graph) && s.agents == 0) {
    w.null();  // not known until the edge list is loaded
  } else {
    w.value(s.agents);
  }
  const bool funding = s.kind == ScenarioKind::funding;
  if (!funding) w.key("proposals").value(std::uint64_t{s.proposals});
  w.key("values");
  write_values(w, s.values);
  if (funding) {  // projects, rules and arms in the funding block (api/detail/funding_yaml.cpp)
    w.end_object();
    w.key("graph");
    write_graph(w, s.graph);
    write_clusters(w, s.clusters);
    write_funding(w, s);
    w.end_object();
    return w.str();
  }
  w.key("budget").begin_object();
  if (s.budget.kind == BudgetKind::credits) {
    write_trait(w.key("credits"), s.budget.credits);
    w.key("integer_votes").value(s.budget.integer_votes);
  } else {
    w.key("money").begin_object();
    write_trait(w.key("wealth"), s.budget.wealth);
    w.key("eta").value(s.budget.eta);
    w.end_object();
  }
  w.end_object();
  w.key("pivot").begin_object();
  w.key("model").value(to_string(s.pivot.model));
  if (s.pivot.model == PivotModel::fixed) {
    w.key("price").value(s.pivot.price);
  } else {
    w.key("poll_noise").value(s.pivot.poll_noise);
  }
  w.end_object();
  if (s.correlation_sample > 0) {  // absent when exact: earlier hashes stand
    w.key("neighbor_correlation").begin_object();
    w.key("sample_edges").value(s.correlation_sample);
    w.end_object();
  }
  w.end_object();
  w.key("graph");
  write_graph(w, s.graph);
  w.key("mechanisms").begin_array();
  for (Mechanism m : s.mechanisms) w.value(to_string(m));
  w.end_array();
  w.key("ballot").value(to_string(s.ballot));
  write_clusters(w, s.clusters);
  if (s.pairwise_m > 0.0) w.key("pairwise_m").value(s.pairwise_m);
  if (s.identity.checked) {
    w.key("identity").begin_object();
    w.key("detect").value(s.identity.detect);
    w.key("cost").value(s.identity.cost);
    w.end_object();
  }
  w.key("arms").begin_object();
  for (const ArmSpec& a : s.arms) {
    w.key(a.name).begin_object();
    if (a.collusion) write_collusion(w.key("collusion"), *a.collusion);
    if (a.coercion) write_coercion(w.key("coercion"), *a.coercion);
    if (a.bribery) write_bribery(w.key("bribery"), *a.bribery);
    w.end_object();
  }
  w.end_object();
  w.key("baseline_arm").value(s.baseline_arm);
  w.end_object();
  return w.str();
}

}  // namespace qvsim
