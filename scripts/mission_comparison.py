#!/usr/bin/python3
"""QV against 1p1v under each attack of the example scenarios, with credits and with money.

For every scenario named, runs it twice with qvsim (its own budget of voice credits, then
`budget: {money: {}}`: every agent's marginal utility of money 1) and prints a Markdown table: per
attack arm, budget model and mechanism, the paired effect of the attack on efficiency against the
honest arm (mean of d_efficiency over replicates, with a Student t 95% interval: d_efficiency is
already paired within a replicate), and the contrast QV minus 1p1v of those effects, paired on
the same replicates (difference in differences), with its t interval. docs/model.md, "The
mission's comparison", shows its output.

Usage: scripts/mission_comparison.py --qvsim PATH [--replicates R] [--out DIR] SCENARIO...
"""

import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile

import yaml


def _betacf(a, b, x):
    """Continued fraction of the regularized incomplete beta (Lentz's method)."""
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _ibeta(a, b, x):
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) +
                     b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_quantile(p, df):
    """Student t quantile by bisection on its CDF (the standard library has no t; SciPy is not
    among the packages qvsim installs)."""
    def cdf(t):
        tail = 0.5 * _ibeta(df / 2.0, 0.5, df / (df + t * t))
        return 1.0 - tail if t > 0 else tail
    lo, hi = -1e3, 1e3
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
    return 0.5 * (lo + hi)


def mean_ci(xs):
    """Mean and Student t 95% interval of xs (NaN interval with fewer than 2 values)."""
    n = len(xs)
    if n == 0:
        return math.nan, math.nan, math.nan
    m = sum(xs) / n
    if n < 2:
        return m, math.nan, math.nan
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    h = t_quantile(0.975, n - 1) * sd / math.sqrt(n)
    return m, m - h, m + h


def run(qvsim, scenario, budget, replicates, out):
    with open(scenario, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if budget == "money":
        data["electorate"]["budget"] = {"money": {}}
        # Linear voting has no money form (a scenario pairing them does not validate).
        data["mechanisms"] = [m for m in data["mechanisms"] if m != "linear"]
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "scenario.yaml")
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, sort_keys=False)
    # --quiet: no table; the warnings about inert arms are summed up in the table's last column.
    args = [qvsim, "run", path, "--out", os.path.join(out, "run"), "--quiet", "--overwrite"]
    if replicates:
        args += ["--replicates", str(replicates)]
    done = subprocess.run(args, stderr=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        sys.exit(f"mission_comparison: qvsim failed on {scenario} ({budget})")
    with open(os.path.join(out, "run", "runs.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return data.get("baseline_arm", "honest"), rows


def fmt(m, lo, hi):
    def num(x):
        return f"{round(x, 4) + 0.0:+.4f}"  # + 0.0: no "-0.0000"
    if math.isnan(m):
        return "NA"
    if math.isnan(lo):
        return num(m)
    return f"{num(m)} [{num(lo)}, {num(hi)}]"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--qvsim", required=True)
    p.add_argument("--replicates", type=int, default=0, help="default: the scenario's own")
    p.add_argument("--out", help="folder for the runs (default: a temporary one)")
    p.add_argument("scenarios", nargs="+")
    a = p.parse_args()
    base = a.out or tempfile.mkdtemp(prefix="mission-")
    print("| scenario | arm | budget | QV d_efficiency | 1p1v d_efficiency | QV − 1p1v | inert (QV, 1p1v) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for scenario in a.scenarios:
        name = os.path.splitext(os.path.basename(scenario))[0]
        for budget in ("credits", "money"):
            baseline, rows = run(a.qvsim, scenario, budget, a.replicates,
                                 os.path.join(base, f"{name}-{budget}"))
            arms = []
            for r in rows:
                if r["arm"] != baseline and r["arm"] not in arms:
                    arms.append(r["arm"])
            for arm in arms:
                d = {}
                for r in rows:
                    if r["arm"] == arm and r["d_efficiency"] not in ("", "NA"):
                        d[(r["replicate"], r["mechanism"])] = float(r["d_efficiency"])
                qv = [v for (_, m), v in sorted(d.items()) if m == "quadratic"]
                pv = [v for (_, m), v in sorted(d.items()) if m == "one_person_one_vote"]
                reps = sorted({rep for rep, _ in d})
                contrast = [d[(rep, "quadratic")] - d[(rep, "one_person_one_vote")]
                            for rep in reps
                            if (rep, "quadratic") in d and (rep, "one_person_one_vote") in d]
                # Replicates in which the arm changed nothing (arm_inert, docs/model.md).
                inert = {m: sum(1 for r in rows if r["arm"] == arm and r["mechanism"] == m and
                                r.get("arm_inert") == "1")
                         for m in ("quadratic", "one_person_one_vote")}
                print(f"| {name} | {arm} | {budget} | {fmt(*mean_ci(qv))} | "
                      f"{fmt(*mean_ci(pv))} | {fmt(*mean_ci(contrast))} | "
                      f"{inert['quadratic']}/{len(qv)}, {inert['one_person_one_vote']}/{len(pv)} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
