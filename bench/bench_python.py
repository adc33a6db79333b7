#!/usr/bin/python3
"""What a call from Python adds to a run: qvsim.run against the command line on the same run.

Usage: PYTHONPATH=build/release/python /usr/bin/python3 bench/bench_python.py \
           --qvsim build/release/app/qvsim [--agents 10000] [--replicates 20] [--repeat 5]

Runs scenarios/default.yaml with --agents agents (electorate.agents overridden the same way on
both sides: a scenario file written once) as `qvsim run --quiet` in a subprocess and as
`qvsim.run(...)` in this process (the package imported once, before timing), alternating, and
prints each side's median wall time and their ratio. The Python side includes reading runs.csv,
summary.csv and manifest.json back into pandas; the command line's includes starting its process.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

import qvsim


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qvsim", required=True)
    ap.add_argument("--agents", type=int, default=10000)
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    with open(os.path.join(source, "scenarios", "default.yaml"), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    doc["electorate"]["agents"] = a.agents
    cli_times, py_times = [], []
    with tempfile.TemporaryDirectory(prefix="bench-python-") as work:
        scenario = os.path.join(work, "s.yaml")
        with open(scenario, "w", encoding="utf-8") as f:
            yaml.safe_dump(doc, f, sort_keys=False)
        for i in range(a.repeat):
            out = os.path.join(work, "cli%d" % i)
            t = time.perf_counter()
            subprocess.run([a.qvsim, "run", scenario, "--replicates", str(a.replicates),
                            "--out", out, "--quiet"], check=True)
            cli_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            qvsim.run(scenario, os.path.join(work, "py%d" % i), replicates=a.replicates)
            py_times.append(time.perf_counter() - t)
            with open(os.path.join(out, "runs.csv"), "rb") as f1, \
                    open(os.path.join(work, "py%d" % i, "runs.csv"), "rb") as f2:
                if f1.read() != f2.read():
                    sys.exit("runs.csv differs between the command line and Python")
    c, p = statistics.median(cli_times), statistics.median(py_times)
    print("agents %d, replicates %d, %d alternating rounds" % (a.agents, a.replicates, a.repeat))
    print("command line (process): median %.3f s" % c)
    print("qvsim.run (in process, frames read): median %.3f s" % p)
    print("ratio %.3f" % (p / c))


if __name__ == "__main__":
    main()
