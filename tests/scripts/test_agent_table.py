#!/usr/bin/python3
"""agents.csv (qvsim run --agents): its rows add up to runs.csv and proposals.csv.

For every example scenario with an attack arm, two replicates: per replicate, arm and mechanism,
the agents' votes sum to proposals.csv's tally, their costs to runs.csv's spent_per_agent x
agents, and the arms' agent fields count to the arms' metrics (colluders, defectors, sanctioned,
ballots bought and reneged, threatened, complied, punished, sybils and their identities, ballots
changed). Counts must match exactly; sums of doubles to a relative 1e-9, since agents.csv's rows
are summed here in another order than the engine's chunked sums (each row is printed in shortest
round-trip form, so only the order of the additions differs). The file is the same bytes at 1
and 2 threads (as are rounds.csv and graph.graphml), and a replicate the run does not have is
exit 2 naming --agents.

rounds.csv (qvsim run --rounds): each process's last round equals runs.csv's totals (colluders,
threatened, complied), coalition members never fall while recruiting nor rise while leaving,
compliance and threats never fall.

graph.graphml (qvsim run --graphml R) reads back in networkx with the run's agents and edges,
undirected, and node attributes equal to agents.csv's numbers (the same doubles: both are printed
in round-trip form). Its memory is counted by the guard. A later run without these options
removes the files an earlier run with them left."""

import argparse
import math
import os
import subprocess
import sys
import tempfile

import networkx as nx
import pandas as pd

SCENARIOS = ["collusion_public", "coercion_public", "bribery", "sybils", "threats_and_collusion",
             "logrolling", "maci"]


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, abs(b)))


def run(qvsim, scenario, out, *extra):
    return subprocess.run([qvsim, "run", scenario, "--replicates", "2", "--agents", "1,0",
                           "--proposals", "--rounds", "--graphml", "1", "--out", out, "--quiet", *extra],
                          capture_output=True, text=True)


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def check_rounds(name, out, runs, agents, errors):
    rounds = pd.read_csv(os.path.join(out, "rounds.csv"), float_precision="round_trip")
    checked = 0
    for (rep, arm, mech, process), rows in rounds.groupby(
            ["replicate", "arm", "mechanism", "process"]):
        where = f"{name} rounds replicate {rep} arm {arm} {mech} {process}"
        run_row = runs[(runs.replicate == rep) & (runs.arm == arm) & (runs.mechanism == mech)]
        run_row = run_row.iloc[0]
        if list(rows["round"]) != list(range(len(rows))):
            errors.append(f"{where}: rounds {list(rows['round'])}")
        last = rows.iloc[-1]
        if process == "collusion":
            recruit = rows[rows.stage != "exit"].members.tolist()
            leave = rows.members.tolist()[len(recruit) - 1:]
            if rows.stage.iloc[0] != "found" or recruit != sorted(recruit) or \
                    leave != sorted(leave, reverse=True):
                errors.append(f"{where}: members {rows.members.tolist()} by stage "
                              f"{rows.stage.tolist()}")
            checks = [(last.members, run_row.colluding_share * run_row.agents, "members")]
            members = agents[(agents.replicate == rep) & (agents.arm == arm) &
                             (agents.mechanism == mech)].coalition.dropna()
            # agents.csv covers every replicate of these runs (0 and 1).
            checks.append((last.coalitions, members.nunique(), "non-empty coalitions"))
        else:
            checks = [(last.threatened, run_row.threatened, "threatened"),
                      (last.complied, run_row.complied, "complied")]
            for col in ("threatened", "complied"):
                if rows[col].tolist() != sorted(rows[col].tolist()):
                    errors.append(f"{where}: {col} falls: {rows[col].tolist()}")
        for got, want, what in checks:
            checked += 1
            if not close(float(got), float(want)):
                errors.append(f"{where}: last round {what} {got}, runs.csv {want}")
    return checked


def check_graphml(name, out, agents, runs, errors):
    g = nx.read_graphml(os.path.join(out, "graph.graphml"))
    rows = agents[agents.replicate == 1]
    n = int(runs[runs.replicate == 1].agents.iloc[0])
    edges = int(runs[runs.replicate == 1].edges.iloc[0])
    if g.is_directed() or g.number_of_nodes() != n or g.number_of_edges() != edges:
        errors.append(f"{name}: graph.graphml has {g.number_of_nodes()} nodes, "
                      f"{g.number_of_edges()} edges (directed: {g.is_directed()}); the run "
                      f"{n} agents, {edges} edges")
        return
    nodes = dict(g.nodes(data=True))
    fields = [c for c in agents.columns if c not in ("replicate", "arm", "mechanism", "agent")]
    mismatches = 0
    for row in rows.itertuples(index=False):
        attrs = nodes[f"n{row.agent}"]
        for f in fields:
            value = getattr(row, f)
            key = f if f.startswith("value_") else f"{row.arm}.{row.mechanism}.{f}"
            if key not in attrs:
                if not (isinstance(value, float) and math.isnan(value)):
                    errors.append(f"{name}: node n{row.agent} lacks {key}")
                    return
                continue
            if not same(float(attrs[key]), float(value)):
                mismatches += 1
                if mismatches <= 3:
                    errors.append(f"{name}: node n{row.agent} {key} = {attrs[key]}, "
                                  f"agents.csv {value}")


def check(qvsim, scenario, work, errors):
    name = os.path.basename(scenario)
    out = os.path.join(work, name)
    r = run(qvsim, scenario, out, "--threads", "2")
    if r.returncode != 0:
        errors.append(f"{name}: exit {r.returncode}: {r.stderr}")
        return
    agents = pd.read_csv(os.path.join(out, "agents.csv"), float_precision="round_trip")
    runs = pd.read_csv(os.path.join(out, "runs.csv"), float_precision="round_trip")
    races = pd.read_csv(os.path.join(out, "proposals.csv"), float_precision="round_trip")
    proposals = sum(1 for c in agents.columns if c.startswith("vote_"))
    if sorted(agents.replicate.unique()) != [0, 1]:
        errors.append(f"{name}: replicates {sorted(agents.replicate.unique())}")
    checked = 0
    for (rep, arm, mech), rows in agents.groupby(["replicate", "arm", "mechanism"]):
        where = f"{name} replicate {rep} arm {arm} {mech}"
        run_row = runs[(runs.replicate == rep) & (runs.arm == arm) & (runs.mechanism == mech)]
        if len(run_row) != 1:
            errors.append(f"{where}: {len(run_row)} rows in runs.csv")
            continue
        run_row = run_row.iloc[0]
        n = int(run_row.agents)
        if len(rows) != n or list(rows.agent) != list(range(n)):
            errors.append(f"{where}: {len(rows)} rows for {n} agents, or not in agent order")
        for k in range(proposals):
            race = races[(races.replicate == rep) & (races.arm == arm) &
                         (races.mechanism == mech) & (races.proposal == k)].iloc[0]
            if not close(rows[f"vote_{k}"].sum(), race.tally):
                errors.append(f"{where}: votes on {k} sum to {rows[f'vote_{k}'].sum()}, "
                              f"tally {race.tally}")
            if not close(rows[f"value_{k}"].sum(), race.value_total):
                errors.append(f"{where}: values on {k} sum to {rows[f'value_{k}'].sum()}, "
                              f"value_total {race.value_total}")
        if not close(rows.cost.sum() / n, run_row.spent_per_agent):
            errors.append(f"{where}: cost {rows.cost.sum() / n} per agent, runs.csv "
                          f"{run_row.spent_per_agent}")
        counts = []  # (agents.csv count, runs.csv value, what)
        if "coalition" in rows and not math.isnan(run_row.get("colluding_share", math.nan)):
            members = rows.coalition.notna().sum()
            counts.append((members, run_row.colluding_share * n, "colluders"))
            if members > 0:
                counts.append(((rows.obeyed == 0).sum(), run_row.defection_rate * members,
                               "defectors"))
            counts.append((rows.sanctioned.sum(), run_row.sanctioned, "sanctioned"))
            if rows.coalition.notna().any():
                counts.append((rows.coalition.nunique(), run_row.coalitions, "coalitions"))
        if "bribed" in rows and not math.isnan(run_row.get("votes_bought", math.nan)):
            counts.append((rows.bribed.sum(), run_row.votes_bought, "votes_bought"))
            counts.append((rows.reneged.sum(), run_row.reneged, "reneged"))
        if "threatened" in rows and not math.isnan(run_row.get("threatened", math.nan)):
            counts.append((rows.threatened.sum(), run_row.threatened, "threatened"))
            counts.append((rows.complied.sum(), run_row.complied, "complied"))
            counts.append((rows.punished.sum(), run_row.punished, "punished"))
            if not (rows.coercer.notna() == (rows.threatened == 1)).all():
                errors.append(f"{where}: coercer given exactly for the threatened, or not")
        if "identities" in rows and not math.isnan(run_row.get("sybils", math.nan)):
            counts.append(((rows.identities > 1).sum(), run_row.sybils, "sybils"))
            counts.append(((rows.identities - 1).sum(), run_row.sybil_identities,
                           "sybil_identities"))
        if "ballot_changed" in rows and not math.isnan(run_row.get("ballots_changed", math.nan)):
            if rows.ballot_changed.notna().all():
                counts.append((rows.ballot_changed.sum(), run_row.ballots_changed,
                               "ballots_changed"))
            elif rows.ballot_changed.notna().any():
                errors.append(f"{where}: ballot_changed NA for some agents of an attack arm")
        for got, want, what in counts:
            checked += 1
            if not close(float(got), float(want)):
                errors.append(f"{where}: {what} {got} in agents.csv, {want} in runs.csv")
    if checked == 0:
        errors.append(f"{name}: no arm field was checked")
    check_graphml(name, out, agents, runs, errors)
    processes = [c for c in ("colluding_share", "threatened")
                 if c in runs.columns and runs[c].notna().any()]
    if check_rounds(name, out, runs, agents, errors) == 0 and processes:
        errors.append(f"{name}: rounds.csv has no rows for its {processes}")
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--qvsim", required=True)
    p.add_argument("--source", required=True)
    a = p.parse_args()
    errors = []
    with tempfile.TemporaryDirectory() as work:
        for s in SCENARIOS:
            check(a.qvsim, os.path.join(a.source, "scenarios", s + ".yaml"), work, errors)
        # The same bytes at 1 thread as at 2.
        scenario = os.path.join(a.source, "scenarios", "threats_and_collusion.yaml")
        one = os.path.join(work, "one")
        r = run(a.qvsim, scenario, one, "--threads", "1")
        for f in ("agents.csv", "rounds.csv", "graph.graphml", "proposals.csv"):
            with open(os.path.join(one, f), "rb") as f1, \
                    open(os.path.join(work, "threats_and_collusion.yaml", f), "rb") as f2:
                if r.returncode != 0 or f1.read() != f2.read():
                    errors.append(f"{f} differs between 1 and 2 threads")
        # A run without the options removes the files an earlier run with them left.
        again = subprocess.run([a.qvsim, "run", scenario, "--replicates", "1", "--overwrite",
                                "--out", one, "--quiet"], capture_output=True, text=True)
        left = [f for f in ("agents.csv", "rounds.csv", "proposals.csv", "graph.graphml")
                if os.path.exists(os.path.join(one, f))]
        if again.returncode != 0 or left:
            errors.append(f"a plain run over the folder left {left} (exit {again.returncode})")
        # A stochastic block model's graph carries each node's block: sizes [3, 5, 4] put agents
        # 0-2 in block 0, 3-7 in block 1 and 8-11 in block 2 (docs/scenario.md).
        blocks = os.path.join(work, "blocks.yaml")
        with open(blocks, "w") as f:
            f.write("name: blocks\nseed: 4\nreplicates: 1\n"
                    "electorate: {agents: 12, proposals: 2}\n"
                    "graph: {model: stochastic_block, sizes: [3, 5, 4], p_in: 0.9, p_out: 0.1}\n"
                    "arms: {honest: {}}\n")
        r = run(a.qvsim, blocks, os.path.join(work, "blocks"), "--graphml", "0")
        if r.returncode != 0:
            errors.append(f"blocks.yaml: exit {r.returncode}: {r.stderr}")
        else:
            g = nx.read_graphml(os.path.join(work, "blocks", "graph.graphml"))
            got = [int(g.nodes[f"n{i}"].get("block", -1)) for i in range(12)]
            if got != [0] * 3 + [1] * 5 + [2] * 4:
                errors.append(f"graph.graphml blocks {got}, not the sizes [3, 5, 4]")
        # Bad options: exit 2 naming the option, before anything is written. The memory guard
        # counts the GraphML pass: its 2,001 agents' adjacency list and attributes need about
        # 1.6 MiB, the replicate itself well under 1 MiB.
        small = os.path.join(a.source, "scenarios", "collusion_public.yaml")
        bad = os.path.join(work, "bad")
        for args, needle in [
                ([scenario, "--replicates", "2", "--agents", "0,2"], "--agents"),
                ([scenario, "--replicates", "2", "--graphml", "2"], "--graphml"),
                ([small, "--replicates", "1", "--threads", "1", "--graphml", "0",
                  "--max-memory", "1M"], "--graphml: needs about")]:
            r = subprocess.run([a.qvsim, "run", *args, "--out", bad, "--quiet"],
                               capture_output=True, text=True)
            if r.returncode != 2 or needle not in r.stderr or os.path.exists(
                    os.path.join(bad, "runs.csv")):
                errors.append(f"run {args[1:]}: exit {r.returncode}: {r.stderr}")
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
