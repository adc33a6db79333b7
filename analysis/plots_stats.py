"""The arithmetic behind the figures of analysis/plots.py: Student's t distribution function and
its 97.5% point (no scipy), and the contrast of effects between mechanisms (the difference of
paired effects per replicate, with a t interval) drawn beside the effects of a sweep.
"""

import functools
import math

from plots_common import mech_label, pd


def t_cdf(t, nu):
    """Student's t distribution function for a whole number of degrees of freedom nu >= 1, from
    its closed form (Abramowitz and Stegun 26.7.3-4); scipy is not among qvsim's dependencies."""
    x = nu / (nu + t * t)
    theta = math.atan2(t, math.sqrt(nu))
    if nu % 2 == 1:
        a, term = theta, 0.0
        if nu > 1:
            c = math.cos(theta)
            term = s_sum = c
            for k in range(3, nu, 2):
                term *= c * c * (k - 1) / k
                s_sum += term
            a += math.sin(theta) * s_sum
        return 0.5 + a / math.pi
    term = s_sum = 1.0
    for k in range(2, nu, 2):
        term *= x * (k - 1) / k
        s_sum += term
    return 0.5 + 0.5 * math.sin(theta) * s_sum


@functools.lru_cache(maxsize=None)
def t_quantile_975(nu):
    """The 97.5% point of Student's t with nu degrees of freedom, by bisection on t_cdf."""
    lo, hi = 0.0, 20.0 if nu > 1 else 100.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if t_cdf(mid, nu) < 0.975 else (lo, mid)
    return 0.5 * (lo + hi)


def contrast_summary(runs, params, baseline, metric="d_efficiency"):
    """Per point and attack arm, the contrast between the first mechanism and each other one: the
    mean over replicates of (m1's paired effect - m2's paired effect) in the same replicate, with
    a 95% t interval clipped to [-2, 2] (analysis/effects.csv's contrast, for the figure); shaped
    like summary.csv, the pair in the mechanism column."""
    if runs is None or metric not in runs.columns or "replicate" not in runs.columns:
        return None
    r = runs[runs["arm"] != baseline] if baseline else runs
    mechs = list(dict.fromkeys(runs["mechanism"]))
    if len(mechs) < 2 or r.empty:
        return None
    r = r.assign(_v=pd.to_numeric(r[metric], errors="coerce"))
    keys = ["point"] + params + ["arm", "replicate"]
    wide = r.pivot_table(index=keys, columns="mechanism", values="_v", aggfunc="first")
    rows = []
    for other in mechs[1:]:
        if mechs[0] not in wide.columns or other not in wide.columns:
            continue
        diff = (wide[mechs[0]] - wide[other]).dropna().rename("_d").reset_index()
        label = "%s - %s" % (mech_label(mechs[0]), mech_label(other))
        for key, g in diff.groupby(["point"] + params + ["arm"], sort=False):
            n = len(g)
            mean = float(g["_d"].mean())
            lo = hi = float("nan")
            if n > 1:
                half = t_quantile_975(n - 1) * float(g["_d"].std(ddof=1)) / math.sqrt(n)
                lo, hi = max(-2.0, mean - half), min(2.0, mean + half)
            rows.append(list(key) + [label, "contrast_" + metric, mean, lo, hi])
    if not rows:
        return None
    return pd.DataFrame(rows, columns=["point"] + params + ["arm", "mechanism", "metric", "mean",
                                                            "ci95_low", "ci95_high"])
