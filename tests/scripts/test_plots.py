#!/usr/bin/python3
"""analysis/plots.py's own arithmetic: the Student t quantile it draws intervals with, and the
contrast of effects between mechanisms (difference in differences per replicate), checked
against hand computations. Exit 0 on success, 1 with a message otherwise; 77 (skipped) when
matplotlib, numpy or pandas cannot be imported."""

import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))
try:
    import pandas as pd
    import plots
except SystemExit:  # plots.py exits 3 when matplotlib, numpy or pandas is missing
    sys.exit(77)

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


# 97.5% points of Student's t (tables: Abramowitz and Stegun, table 26.10).
for nu, ref in [(1, 12.7062047), (2, 4.3026527), (3, 3.1824463), (4, 2.7764451), (9, 2.2621572),
                (30, 2.0422725), (120, 1.9799304)]:
    got = plots.t_quantile_975(nu)
    check(abs(got - ref) < 1e-6, "t_quantile_975(%d) = %r, expected %r" % (nu, got, ref))

# Two points, one attack arm, two mechanisms, three replicates. d_efficiency per replicate:
#   point 0: QV (-0.1, -0.2, -0.3), 1p1v (-0.2, -0.2, -0.1): contrasts 0.1, 0.0, -0.2
#   point 1: QV (0.0, -0.1, 0.0),   1p1v (-0.3, -0.1, 0.0):  contrasts 0.3, 0.0, 0.0
rows = []
effects = {0: ([-0.1, -0.2, -0.3], [-0.2, -0.2, -0.1]), 1: ([0.0, -0.1, 0.0], [-0.3, -0.1, 0.0])}
for point, (qv, pv) in effects.items():
    for rep in range(3):
        for arm in ("honest", "bloc"):
            for mech, d in (("quadratic", qv[rep]), ("one_person_one_vote", pv[rep])):
                rows.append([str(point), str(4 * (point + 1)), str(rep), arm, mech,
                             "0" if arm == "honest" else repr(d)])
runs = pd.DataFrame(rows, columns=["point", "size", "replicate", "arm", "mechanism",
                                   "d_efficiency"])
c = plots.contrast_summary(runs, ["size"], "honest")
check(c is not None and len(c) == 2, "one contrast row per point: %r" % (c,))
if c is not None and len(c) == 2:
    check(set(c["arm"]) == {"bloc"}, "the baseline has no contrast row")
    check(set(c["mechanism"]) == {"QV - 1p1v"}, "the pair is labelled: %r" % set(c["mechanism"]))
    for point, diffs in ((0, [0.1, 0.0, -0.2]), (1, [0.3, 0.0, 0.0])):
        r = c[c["point"] == str(point)].iloc[0]
        mean = sum(diffs) / 3
        sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / 2)
        half = 4.302652729749 * sd / math.sqrt(3)
        check(abs(r["mean"] - mean) < 1e-12, "point %d: mean %r, expected %r" % (point, r["mean"], mean))
        check(abs(r["ci95_low"] - (mean - half)) < 1e-9, "point %d: low %r" % (point, r["ci95_low"]))
        check(abs(r["ci95_high"] - (mean + half)) < 1e-9, "point %d: high %r" % (point, r["ci95_high"]))

# A mechanism's contrast with an identical one is exactly 0 with a zero-width interval.
same = runs.copy()
same.loc[same["mechanism"] == "one_person_one_vote", "d_efficiency"] = \
    same.loc[same["mechanism"] == "quadratic", "d_efficiency"].to_numpy()
z = plots.contrast_summary(same, ["size"], "honest")
check(z is not None and (z["mean"] == 0).all() and (z["ci95_low"] == 0).all() and
      (z["ci95_high"] == 0).all(), "identical mechanisms contrast to exactly 0: %r" % (z,))

if failures:
    for f in failures:
        print("FAILED:", f)
    sys.exit(1)
print("plots arithmetic: all checks passed")
