#!/usr/bin/python3
"""Figures of a qvsim run or sweep, called by `qvsim plot DIR` (see docs/plots.md).

Usage: plots.py DIR [--x KEY] [--y METRIC]... [--facet KEY] [--where KEY=VALUE]...
                [--format png|svg|both] [--results HASH] [--out-dir PLOTS]

Reads DIR/summary.csv (and DIR/runs.csv for distributions) and any DIR/threshold*.csv written by
`qvsim threshold --out` (a folder with only threshold CSVs is fine), and writes the figures into
PLOTS (default DIR/plots), with PLOTS/figures.tsv listing each figure: name, width_px,
height_px, title, results_fnv1a64 (HASH, the folder's results hash that `qvsim plot` computes and
passes; see docs/outputs.md, "Provenance of derived files") and inputs (the files of DIR the figure
was drawn from, space-separated). Each PNG and SVG records "qvsim results fnv1a64 HASH" in its own
metadata (PNG tEXt "Source", SVG dc:source).
Exit codes: 0 success, 2 bad input (message on stderr), 3 matplotlib/pandas missing, 1 other.
Output bytes depend only on the input files and the installed matplotlib: no dates, fixed
SVG hash salt, fixed size and DPI.
"""

import difflib
import functools
import glob
import json
import math
import os
import re
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    import numpy as np
    import pandas as pd
except Exception as e:  # noqa: BLE001 -- any import failure means the same to the caller
    sys.stderr.write(
        "plotting needs Debian's python3-matplotlib, python3-numpy and python3-pandas "
        "(apt-get install python3-matplotlib python3-numpy python3-pandas): %s\n" % e
    )
    sys.exit(3)

DPI = 150
PANEL_W = 4.0  # inches per panel
PANEL_H = 3.0
LEGEND_H = 0.5  # inches reserved above the panels for the shared legend
MAX_COLS = 3
MAX_ROWS = 6

# Okabe & Ito (2008), safe for the common colour-vision deficiencies; distinct line styles and
# markers as well, so the figures survive greyscale printing.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
MECH_STYLE = {
    "quadratic": ("#0072B2", "-", "o"),
    "one_person_one_vote": ("#D55E00", "--", "s"),
    "linear": ("#009E73", ":", "^"),
}
MECH_LABEL = {"quadratic": "QV", "one_person_one_vote": "1p1v", "linear": "linear"}
BALLOT_STYLES = ["-", "--", ":", "-."]

METRIC_LABEL = {
    "efficiency_pooled": "Efficiency, pooled (share)",
    "efficiency": "Efficiency (share)",
    "flip_rate": "Flip rate (share of proposals)",
    "coalition_size_mean": "Mean coalition size (agents)",
    "compliance": "Compliance (complied / threatened)",
    "d_efficiency": "Effect on efficiency (arm - baseline)",
    "d_wrong_rate": "Effect on wrong decisions (arm - baseline)",
    "d_intensity_accuracy": "Effect on intensity accuracy (arm - baseline)",
    "contrast_d_efficiency": "Contrast of effects on efficiency (first - other mechanism)",
}
# Designs whose points are samples, not settings: drawn as scatter and binned means.
SAMPLED_DESIGNS = ("random", "latin_hypercube", "sobol", "morris")
PD_BINS = 10  # at most this many bins of a parameter in a partial-dependence line


class BadInput(Exception):
    pass


def style_setup():
    matplotlib.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 11,
            "axes.titlesize": 11,
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 10,
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "svg.hashsalt": "qvsim",
            "svg.fonttype": "none",  # text stays text: editable in an SVG editor
            "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
            "axes.grid": True,
            "grid.alpha": 0.3,
        }
    )


def mech_style(m, i=0):
    return MECH_STYLE.get(m, (OKABE_ITO[(3 + i) % len(OKABE_ITO)], "-.", "D"))


def mech_label(m):
    return MECH_LABEL.get(m, m)


def read_csv(path):
    try:
        return pd.read_csv(path, keep_default_na=False, na_values=["NA", "nan"], dtype=str)
    except Exception as e:  # noqa: BLE001
        raise BadInput("%s: cannot be read as CSV: %s" % (path, e))


def to_num(series, path, column):
    out = pd.to_numeric(series, errors="coerce")
    bad = out.isna() & series.notna() & (series != "")
    if bad.any():
        raise BadInput("%s: column '%s' has a non-number: '%s'" % (path, column, series[bad].iloc[0]))
    return out


class Figures:
    def __init__(self, out_dir, formats, results):
        self.out_dir = out_dir
        self.formats = formats
        self.results = results
        self.rows = []

    def save(self, fig, name, title, inputs):
        fig.canvas.draw()
        w, h = fig.canvas.get_width_height()
        source = {"Source": "qvsim results fnv1a64 " + self.results} if self.results else {}
        for fmt in self.formats:
            path = os.path.join(self.out_dir, name + "." + fmt)
            if fmt == "png":
                fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None, **source})
            else:
                fig.savefig(path, format="svg", dpi=DPI,
                            metadata={"Date": None, "Creator": None, **source})
        plt.close(fig)
        self.rows.append((name, w, h, title, " ".join(inputs)))

    def write_index(self):
        with open(os.path.join(self.out_dir, "figures.tsv"), "w", encoding="utf-8") as f:
            f.write("name\twidth_px\theight_px\ttitle\tresults_fnv1a64\tinputs\n")
            for name, w, h, title, inputs in self.rows:
                f.write("%s\t%d\t%d\t%s\t%s\t%s\n" % (name, w, h, title.replace("\t", " ").replace("\n", " "),
                                                  self.results, inputs))


def grid_figure(n_panels, rows=None, sharey=False):
    if rows is None:
        cols = min(MAX_COLS, max(1, n_panels))
        rows = int(math.ceil(n_panels / cols))
    else:
        cols = max(1, n_panels // rows)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(PANEL_W * cols, PANEL_H * rows + LEGEND_H),
        squeeze=False,
        layout="constrained",
        sharey=sharey,
    )
    if sharey:
        # A shared axis hides the tick labels of inner panels; keep them readable on each.
        for ax in axes.flat:
            ax.tick_params(labelleft=True)
    return fig, axes


def shared_legend(fig, axes):
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if handles:
        # Panels below, legend in the strip reserved on top (matplotlib 3.6 has no "outside" loc).
        top = 1.0 - LEGEND_H / fig.get_size_inches()[1]
        fig.get_layout_engine().set(rect=(0.0, 0.0, 1.0, top))
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 1.0),
                   ncol=min(len(labels), 4), frameon=False)


def metric_table(summary, metric):
    t = summary[summary["metric"] == metric]
    return t


def efficiency_metric(summary):
    metrics = set(summary["metric"])
    return "efficiency_pooled" if "efficiency_pooled" in metrics else "efficiency"


# ---- a single run --------------------------------------------------------------------------------


def plot_single(summary, runs, figs):
    arms = list(dict.fromkeys(summary["arm"]))
    mechs = list(dict.fromkeys(summary["mechanism"]))
    eff = efficiency_metric(summary)
    fig, axes = grid_figure(2)
    width = 0.8 / max(1, len(mechs))
    for ax, metric in zip(axes.flat, [eff, "flip_rate"]):
        t = metric_table(summary, metric)
        for i, m in enumerate(mechs):
            colour = mech_style(m, i)[0]
            xs, ys, lo, hi = [], [], [], []
            for j, a in enumerate(arms):
                r = t[(t["arm"] == a) & (t["mechanism"] == m)]
                if r.empty:
                    continue
                r = r.iloc[0]
                xs.append(j + (i - (len(mechs) - 1) / 2) * width)
                ys.append(r["mean"])
                lo.append(r["mean"] - r["ci95_low"] if np.isfinite(r["ci95_low"]) else 0.0)
                hi.append(r["ci95_high"] - r["mean"] if np.isfinite(r["ci95_high"]) else 0.0)
            ax.bar(xs, ys, width, color=colour, label=mech_label(m), yerr=[lo, hi], capsize=3,
                   error_kw={"elinewidth": 1.0, "ecolor": "#333333"})
        ax.set_xticks(range(len(arms)))
        ax.set_xticklabels(arms, rotation=20 if len(arms) > 3 else 0)
        ax.set_xlabel("Arm")
        ax.set_ylabel(METRIC_LABEL.get(metric, metric))
        # A pooled efficiency is a ratio of sums over replicates, not a mean of per-run ratios.
        stat = "ratio of sums" if metric == "efficiency_pooled" else "mean"
        ax.set_title(METRIC_LABEL.get(metric, metric).split(" (")[0] + f" ({stat}, 95% CI)")
    shared_legend(fig, axes)
    figs.save(fig, "arms", "Efficiency and flip rate per arm and mechanism, with 95% CI",
              ["summary.csv"])
    plot_distributions(runs, None, figs)


# ---- a sweep -------------------------------------------------------------------------------------


def ordered_values(values):
    vals = list(dict.fromkeys(values))
    nums = pd.to_numeric(pd.Series(vals), errors="coerce")
    if nums.notna().all():
        order = sorted(range(len(vals)), key=lambda i: nums[i])
        return [vals[i] for i in order], [float(nums[i]) for i in order], True
    return vals, list(range(len(vals))), False


def combos(frame, keys):
    if not keys:
        return [()]
    return list(dict.fromkeys(tuple(r) for r in frame[keys].itertuples(index=False, name=None)))


def combo_label(keys, combo):
    return ", ".join("%s=%s" % (k, v) for k, v in zip(keys, combo))


def select(frame, keys, combo):
    mask = pd.Series(True, index=frame.index)
    for k, v in zip(keys, combo):
        mask &= frame[k] == v
    return frame[mask]


def cap_rows(rows, what):
    if len(rows) > MAX_ROWS:
        sys.stderr.write(
            "qvsim plot: %d combinations of the other swept parameters in %s; showing the first %d "
            "(choose others with --where KEY=VALUE, or one row per value of a key with --facet KEY)\n"
            % (len(rows), what, MAX_ROWS)
        )
        return rows[:MAX_ROWS]
    return rows


def axis_label(key):
    """An axis label for a swept path: short enough for a panel, with its unit."""
    units = {
        "graph.degree": "neighbours per agent",
        "electorate.agents": "agents",
        "electorate.budget.credits": "credits",
        "electorate.proposals": "proposals",
        "replicates": "replicates",
    }
    parts = key.split(".")
    # arms.<arm>.<block>.<setting>: name the setting and its arm, not the whole path.
    name = "%s, arm %s" % (parts[-1], parts[1]) if parts[0] == "arms" and len(parts) >= 4 else key
    for suffix, unit in [("organizers", "count"), ("coercers", "count"), ("budget", "money"),
                         ("max_size", "agents"), ("reach", "hops")]:
        if key.endswith("." + suffix):
            return "%s (%s)" % (name, unit)
    if key in units:
        return "%s (%s)" % (name, units[key])
    return name


def varying(frame, keys):
    """The keys that take more than one value in frame."""
    return [k for k in keys if frame[k].nunique() > 1]


def plot_sweep_metric(summary, params, x, metric, figs, split_ballot, facet=None, arms=None):
    """One line per mechanism (and ballot) of `metric` against x; one panel per arm; one row per
    combination of the other varying swept parameters (per value of `facet` when given)."""
    if arms is None:
        arms = list(dict.fromkeys(summary["arm"]))
    mechs = list(dict.fromkeys(summary["mechanism"]))
    ballots = [None]
    t = metric_table(summary, metric)
    t = t[t["arm"].isin(arms)]
    if t.empty:
        return
    others = [p for p in varying(t, params) if p != x]
    if split_ballot:
        others = [p for p in others if p != "ballot"]
        ballots = list(dict.fromkeys(summary["ballot"]))
    if facet is not None:
        rest = [p for p in others if p != facet]
        if rest:
            raise BadInput("--facet %s: the swept parameter(s) %s also vary; fix each with --where "
                           "KEY=VALUE" % (facet, ", ".join(rest)))
        others = [facet]
    rows = cap_rows(combos(t, others), metric)
    xvals, xpos, numeric = ordered_values(t[x])
    fig, axes = grid_figure(len(arms) * len(rows), rows=len(rows), sharey=True)
    for r, combo in enumerate(rows):
        sub = select(t, others, combo)
        for c, a in enumerate(arms):
            ax = axes[r][c]
            for i, m in enumerate(mechs):
                colour, ls, marker = mech_style(m, i)
                for b_i, b in enumerate(ballots):
                    d = sub[(sub["arm"] == a) & (sub["mechanism"] == m)]
                    if b is not None:
                        d = d[d["ballot"] == b]
                        ls = BALLOT_STYLES[b_i % len(BALLOT_STYLES)]
                    if d.empty:
                        continue
                    pos = {v: p for v, p in zip(xvals, xpos)}
                    d = d.assign(_x=[pos[v] for v in d[x]]).sort_values("_x")
                    label = mech_label(m) if b is None else "%s, %s ballot" % (mech_label(m), b)
                    if numeric:
                        ax.plot(d["_x"], d["mean"], color=colour, linestyle=ls, marker=marker,
                                markersize=4, label=label)
                        ax.fill_between(d["_x"], d["ci95_low"], d["ci95_high"], color=colour,
                                        alpha=0.18, linewidth=0)
                    else:
                        # Categories have no order to draw a line through: points, each with its
                        # interval, side by side per mechanism (and ballot).
                        k = i * len(ballots) + b_i
                        n = len(mechs) * len(ballots)
                        shift = (k - (n - 1) / 2) * min(0.12, 0.6 / max(1, n))
                        lo = (d["mean"] - d["ci95_low"]).clip(lower=0).fillna(0)
                        hi = (d["ci95_high"] - d["mean"]).clip(lower=0).fillna(0)
                        ax.errorbar(d["_x"] + shift, d["mean"], yerr=[lo, hi], color=colour,
                                    linestyle="none", marker=marker, markersize=5, capsize=3,
                                    label=label)
            if metric.startswith("d_") or metric.startswith("contrast_"):
                ax.axhline(0.0, color="#333333", linewidth=0.8)
            title = "arm: %s" % a
            if others:
                title += "\n" + combo_label(others, combo)
            ax.set_title(title)
            ax.set_xlabel(axis_label(x))
            ax.set_ylabel(METRIC_LABEL.get(metric, metric))
            if not numeric:
                ax.set_xticks(xpos)
                ax.set_xticklabels(xvals)
    shared_legend(fig, axes)
    base = "efficiency" if metric.startswith("efficiency") else metric
    name = "%s_vs_%s%s" % (base, safe(x), "_by_ballot" if split_ballot else "")
    if facet is not None:
        name += "_by_" + safe(facet)
    what = METRIC_LABEL.get(metric, metric).split(" (")[0]
    figs.save(fig, name, "%s against %s, one %s per mechanism%s, 95%% CI %s"
              % (what, x, "line" if numeric else "point", " and ballot regime" if split_ballot else "",
                 "bands" if numeric else "bars"), ["summary.csv"])


def safe(key):
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)


def default_metrics(summary, baseline):
    """Levels (efficiency, flip rate) and the effect on efficiency, where the summary has them."""
    have = set(summary["metric"])
    out = [m for m in [efficiency_metric(summary), "flip_rate"] if m in have]
    if "d_efficiency" in have and effect_arms(summary, baseline):
        out.append("d_efficiency")
    return out


def effect_arms(summary, baseline):
    """The arms an effect is drawn for: every arm but the baseline (whose effect is 0)."""
    return [a for a in dict.fromkeys(summary["arm"]) if a != baseline]


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


def plot_sweep(summary, runs, params, x, figs, metrics, baseline, facet=None):
    for metric in metrics:
        arms = effect_arms(summary, baseline) if metric.startswith("d_") else None
        plot_sweep_metric(summary, params, x, metric, figs, False, facet, arms)
        if "ballot" in varying(summary, params) and x != "ballot" and facet != "ballot":
            plot_sweep_metric(summary, params, x, metric, figs, True, facet, arms)
        if metric == "d_efficiency":
            c = contrast_summary(runs, params, baseline)
            if c is not None:
                plot_sweep_metric(c, params, x, "contrast_d_efficiency", figs, False, facet)
    plot_distributions(runs, x, figs)


def plot_sampled(summary, params, metrics, baseline, figs):
    """A random or Latin-hypercube design: its points are samples, so each metric is drawn against
    each parameter as a scatter of the points' means (one dot per point and mechanism) with a
    binned partial-dependence line (the mean over the points in each quantile bin of the
    parameter, other parameters averaged over their sampled values); one figure per metric and
    parameter, one panel per arm, shared y axes."""
    mechs = list(dict.fromkeys(summary["mechanism"]))
    for metric in metrics:
        t = metric_table(summary, metric)
        arms = effect_arms(summary, baseline) if metric.startswith("d_") else \
            list(dict.fromkeys(summary["arm"]))
        t = t[t["arm"].isin(arms)]
        if t.empty:
            continue
        for p in params:
            xv = pd.to_numeric(t[p], errors="coerce")
            numeric = xv.notna().all()
            if numeric:
                xs = xv
                cats = None
            else:
                cats, pos, _ = ordered_values(t[p])
                xs = t[p].map({v: i for v, i in zip(cats, pos)})
            fig, axes = grid_figure(len(arms), sharey=True)
            for ax, a in zip(axes.flat, arms):
                for i, m in enumerate(mechs):
                    colour, ls, marker = mech_style(m, i)
                    sel = (t["arm"] == a) & (t["mechanism"] == m)
                    d = pd.DataFrame({"x": xs[sel], "y": t.loc[sel, "mean"]}).dropna()
                    if d.empty:
                        continue
                    ax.scatter(d["x"], d["y"], s=10, color=colour, alpha=0.45, marker=marker,
                               linewidths=0)
                    if numeric:
                        bins = max(1, min(PD_BINS, len(d) // 5))
                        edges = np.unique(np.quantile(d["x"], np.linspace(0, 1, bins + 1)))
                        which = np.clip(np.searchsorted(edges, d["x"], side="right") - 1, 0,
                                        max(0, len(edges) - 2))
                        g = d.assign(_b=which).groupby("_b")
                        ax.plot(g["x"].mean(), g["y"].mean(), color=colour, linestyle=ls,
                                marker=marker, markersize=4, label=mech_label(m))
                    else:
                        g = d.groupby("x")["y"].mean()
                        ax.plot(g.index, g.values, color=colour, linestyle="none", marker=marker,
                                markersize=7, label=mech_label(m))
                if metric.startswith("d_"):
                    ax.axhline(0.0, color="#333333", linewidth=0.8)
                if cats is not None:
                    ax.set_xticks(range(len(cats)))
                    ax.set_xticklabels(cats)
                ax.set_title("arm: %s" % a)
                ax.set_xlabel(axis_label(p))
                ax.set_ylabel(METRIC_LABEL.get(metric, metric))
            for ax in list(axes.flat)[len(arms):]:
                ax.set_visible(False)
            shared_legend(fig, axes)
            base = "efficiency" if metric.startswith("efficiency") else metric
            what = METRIC_LABEL.get(metric, metric).split(" (")[0]
            figs.save(fig, "%s_vs_%s_sampled" % (base, safe(p)),
                      "%s against %s over the sampled points: one dot per point and mechanism, "
                      "binned means as lines" % (what, p), ["summary.csv"])


# ---- distributions across replicates -------------------------------------------------------------


def plot_distributions(runs, x, figs):
    if runs is None:
        return
    series = []
    if "coalition_size_mean" in runs.columns:
        series.append(("coalition_size_mean", runs["coalition_size_mean"]))
    if "complied" in runs.columns and "threatened" in runs.columns:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = runs["complied"] / runs["threatened"].where(runs["threatened"] > 0)
        series.append(("compliance", ratio))
    for name, values in series:
        d = runs.assign(_v=values)
        d = d[np.isfinite(d["_v"])]
        if d.empty:
            continue
        arms = list(dict.fromkeys(d["arm"]))
        mechs = list(dict.fromkeys(runs["mechanism"]))
        fig, axes = grid_figure(len(arms))
        for ax, a in zip(axes.flat, arms):
            da = d[d["arm"] == a]
            groups = [None] if x is None else ordered_values(da[x])[0]
            width = 0.8 / max(1, len(mechs))
            for i, m in enumerate(mechs):
                colour = mech_style(m, i)[0]
                data, pos = [], []
                for g_i, g in enumerate(groups):
                    dm = da[da["mechanism"] == m]
                    if g is not None:
                        dm = dm[dm[x] == g]
                    if dm.empty:
                        continue
                    data.append(dm["_v"].to_numpy())
                    pos.append(g_i + (i - (len(mechs) - 1) / 2) * width)
                if not data:
                    continue
                bp = ax.boxplot(data, positions=pos, widths=width * 0.9, patch_artist=True,
                                manage_ticks=False, flierprops={"markersize": 3})
                for patch in bp["boxes"]:
                    patch.set_facecolor(colour)
                    patch.set_alpha(0.6)
                for med in bp["medians"]:
                    med.set_color("#000000")
                ax.plot([], [], color=colour, linewidth=6, alpha=0.6, label=mech_label(m))
            ax.set_xticks(range(len(groups)))
            ax.set_xticklabels(["all replicates"] if x is None else groups)
            ax.set_xlabel("" if x is None else axis_label(x))
            ax.set_ylabel(METRIC_LABEL[name])
            ax.set_title("arm: %s" % a)
        for ax in list(axes.flat)[len(arms):]:
            ax.set_visible(False)
        shared_legend(fig, axes)
        what = "coalition sizes" if name == "coalition_size_mean" else "compliance"
        figs.save(fig, "distribution_" + name,
                  "Distribution of %s across replicates, per arm and mechanism" % what, ["runs.csv"])


# ---- flip thresholds (threshold*.csv from `qvsim threshold --out`) ---------------------------------

THRESHOLD_COLUMNS = ["method", "arm", "mechanism", "ballot", "group", "attack", "metric", "target",
                     "status", "threshold", "interval_low", "interval_high"]
THRESHOLD_PANELS = 6
NOT_REACHED = re.compile(r"not reached in \[([^,\]]+), ([^\]]+)\]")


def threshold_files(d):
    return sorted(glob.glob(os.path.join(glob.escape(d), "threshold*.csv")))


def read_thresholds(paths):
    frames = []
    for path in paths:
        t = read_csv(path)
        for c in THRESHOLD_COLUMNS:
            if c not in t.columns:
                raise BadInput("%s: missing column '%s'; expected a CSV written by 'qvsim threshold "
                               "--out'" % (path, c))
        for c in ["threshold", "interval_low", "interval_high"]:
            t[c] = to_num(t[c], path, c)
        t = t.fillna({c: "" for c in ["arm", "ballot", "group", "note", "direction"] if c in t.columns})
        if "note" not in t.columns:
            t["note"] = ""
        t["_file"] = os.path.basename(path)
        frames.append(t)
    t = pd.concat(frames, ignore_index=True) if frames else None
    return None if t is None or t.empty else t


def range_top(row):
    """The upper end of the searched range for a row that did not reach the target."""
    if np.isfinite(row["interval_high"]):
        return float(row["interval_high"])
    m = NOT_REACHED.search(str(row["note"]))
    if m:
        v = pd.to_numeric(m.group(2), errors="coerce")
        if pd.notna(v):
            return float(v)
    return float("nan")


def plot_thresholds(t, figs):
    keys = ["_file", "attack", "metric", "target", "arm", "group"]
    panels = list(dict.fromkeys(tuple(r) for r in t[keys].itertuples(index=False, name=None)))
    if len(panels) > THRESHOLD_PANELS:
        sys.stderr.write("qvsim plot: %d threshold searches in the threshold CSVs; showing the first %d\n"
                         % (len(panels), THRESHOLD_PANELS))
        panels = panels[:THRESHOLD_PANELS]
    files = len(set(p[0] for p in panels))
    mechs = list(dict.fromkeys(t["mechanism"]))
    titles = []
    for panel in panels:
        d = select(t, keys, panel)
        direction = d["direction"].iloc[0] if "direction" in d.columns else ""
        title = "%s %s %s" % (panel[2], "<=" if direction == "decreasing" else ">=", panel[3])
        if panel[4]:
            title += " (arm: %s)" % panel[4]
        if panel[5]:
            title += "\n" + panel[5]
        if files > 1:
            title += "\n" + panel[0]
        titles.append(title)
    extra = 0.22 * (max(title.count("\n") for title in titles))  # inches per extra title line
    cols = min(2, len(panels))
    rows = int(math.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(6.0 * cols, (PANEL_H + extra) * rows + LEGEND_H),
                             squeeze=False, layout="constrained")
    hatched = False
    undecided = False
    for ax, panel, title in zip(axes.flat, panels, titles):
        d = select(t, keys, panel)
        ballots = list(dict.fromkeys(d["ballot"]))
        pmechs = [m for m in mechs if (d["mechanism"] == m).any()]
        height = 0.8 / max(1, len(pmechs))
        tops = pd.Series([range_top(r) for _, r in d[d["status"] == "not_reached"].iterrows()],
                         dtype=float)
        finite = pd.concat([d["threshold"], d["interval_low"], d["interval_high"], tops])
        finite = finite[np.isfinite(finite)]
        top_all = float(finite.max()) if not finite.empty else 1.0
        span = top_all if top_all > 0 else 1.0
        for i, m in enumerate(pmechs):
            colour = mech_style(m, mechs.index(m))[0]
            for b_i, b in enumerate(ballots):
                r = d[(d["mechanism"] == m) & (d["ballot"] == b)]
                if r.empty:
                    continue
                r = r.iloc[0]
                y = b_i + (i - (len(pmechs) - 1) / 2) * height
                if r["status"] == "not_reached":
                    top = range_top(r)
                    if not np.isfinite(top):
                        top = top_all
                    ax.barh(y, top, height * 0.9, color="white", edgecolor=colour, hatch="//",
                            linewidth=1.2)
                    ax.text(top + 0.02 * span, y, "not reached", va="center", ha="left", fontsize=10)
                    hatched = True
                    continue
                v = r["threshold"]
                if not np.isfinite(v):
                    continue
                lo = v - r["interval_low"] if np.isfinite(r["interval_low"]) else 0.0
                hi = r["interval_high"] - v if np.isfinite(r["interval_high"]) else 0.0
                if r["status"] == "undecided":
                    # Not a threshold but the middle of an interval the search could not narrow:
                    # a pale bar with a dashed edge, unlike found (solid) and not reached (hatched).
                    ax.barh(y, v, height * 0.9, color=colour, alpha=0.3, edgecolor=colour,
                            linestyle="--", linewidth=1.2, xerr=[[max(lo, 0.0)], [max(hi, 0.0)]],
                            capsize=3, error_kw={"elinewidth": 1.0, "ecolor": "#333333"})
                    undecided = True
                else:
                    ax.barh(y, v, height * 0.9, color=colour,
                            xerr=[[max(lo, 0.0)], [max(hi, 0.0)]], capsize=3,
                            error_kw={"elinewidth": 1.0, "ecolor": "#333333"})
                label = "%.4g" % v
                if np.isfinite(r["interval_low"]) and np.isfinite(r["interval_high"]) and \
                        r["interval_low"] != r["interval_high"]:
                    label += " [%.4g, %.4g]" % (r["interval_low"], r["interval_high"])
                if r["status"] not in ("found", "interpolated"):
                    label += " (%s)" % r["status"].replace("_", " ")
                end = r["interval_high"] if np.isfinite(r["interval_high"]) else v
                ax.text(end + 0.02 * span, y, label, va="center", ha="left", fontsize=10)
        ax.set_yticks(range(len(ballots)))
        if len(ballots) == 1 and ballots[0] == "":
            ax.set_yticklabels(["all ballots"])
        else:
            ax.set_yticklabels(["%s ballot" % b if b else "-" for b in ballots])
        ax.invert_yaxis()
        ax.set_xlim(left=0.0, right=span * 1.35)
        ax.set_xlabel("threshold of " + axis_label(panel[1]))
        ax.set_title(title)
        ax.grid(axis="y", visible=False)
    handles = [Patch(facecolor=mech_style(m, mechs.index(m))[0], label=mech_label(m)) for m in mechs]
    if hatched:
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch="//",
                             label="not reached in the range"))
    if undecided:
        handles.append(Patch(facecolor="#333333", alpha=0.3, edgecolor="#333333", linestyle="--",
                             label="undecided at the replicate cap"))
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    top = 1.0 - LEGEND_H / fig.get_size_inches()[1]
    fig.get_layout_engine().set(rect=(0.0, 0.0, 1.0, top))
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1.0),
               ncol=min(len(handles), 4), frameon=False)
    figs.save(fig, "thresholds",
              "Attack thresholds per mechanism and ballot regime, with their intervals",
              list(dict.fromkeys(p[0] for p in panels)))


# ---- main ----------------------------------------------------------------------------------------


def suggestion(got, known):
    close = difflib.get_close_matches(got, known, n=1)
    return "; did you mean '%s'?" % close[0] if close else ""


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def baseline_of(d):
    """The baseline arm named in DIR/summary.json (a run's, or a sweep's first point's)."""
    s = read_json(os.path.join(d, "summary.json"))
    if isinstance(s, dict):
        if isinstance(s.get("baseline_arm"), str):
            return s["baseline_arm"]
        for point in s.get("points", []) if isinstance(s.get("points"), list) else []:
            found = point.get("summary", {}).get("baseline_arm") if isinstance(point, dict) else None
            if isinstance(found, str):
                return found
    return None


def design_of(d):
    m = read_json(os.path.join(d, "manifest.json"))
    return m.get("design") if isinstance(m, dict) and isinstance(m.get("design"), str) else None


def same_value(column, value):
    """Rows whose text equals value, or whose number equals value's number."""
    num = pd.to_numeric(pd.Series([value]), errors="coerce")[0]
    mask = column == value
    if pd.notna(num):
        mask |= pd.to_numeric(column, errors="coerce") == num
    return mask


def main(argv):
    args = argv[1:]
    if not args:
        raise BadInput("usage: plots.py DIR [--x KEY] [--y METRIC]... [--facet KEY] "
                       "[--where KEY=VALUE]... [--format png|svg|both] [--results HASH] "
                       "[--out-dir PLOTS]")
    d, x, fmt, results, out_dir, facet = None, None, "both", "", None, None
    ys, wheres = [], []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--x", "--y", "--facet", "--where", "--format", "--results", "--out-dir"):
            if i + 1 >= len(args):
                raise BadInput("%s needs a value" % a)
            v = args[i + 1]
            if a == "--x":
                x = v
            elif a == "--y":
                ys.extend(m for m in v.split(",") if m)
            elif a == "--facet":
                facet = v
            elif a == "--where":
                if "=" not in v:
                    raise BadInput("--where: '%s' is not KEY=VALUE" % v)
                wheres.append(tuple(v.split("=", 1)))
            elif a == "--results":
                results = v
            elif a == "--out-dir":
                out_dir = v
            else:
                fmt = v
            i += 2
        elif d is None:
            d = a
            i += 1
        else:
            raise BadInput("unexpected argument '%s'" % a)
    if fmt not in ("png", "svg", "both"):
        raise BadInput("--format must be png, svg or both, got '%s'" % fmt)
    formats = ["png", "svg"] if fmt == "both" else [fmt]

    thresholds = read_thresholds(threshold_files(d))
    summary_path = os.path.join(d, "summary.csv")
    summary, runs, sweep, params = None, None, False, []
    if not os.path.isfile(summary_path):
        if thresholds is None:
            raise BadInput("%s: no such file" % summary_path)
        for opt, given in [("--x", x), ("--y", ys), ("--facet", facet), ("--where", wheres)]:
            if given:
                raise BadInput("%s: '%s' holds no summary.csv, only threshold CSVs" % (opt, d))
    else:
        summary = read_csv(summary_path)
        cols = list(summary.columns)
        needed = ["arm", "mechanism", "metric", "mean", "ci95_low", "ci95_high"]
        for c in needed:
            if c not in cols:
                raise BadInput("%s: missing column '%s'" % (summary_path, c))
        for c in ["mean", "sd", "se", "ci95_low", "ci95_high"]:
            if c in cols:
                summary[c] = to_num(summary[c], summary_path, c)
        sweep = cols[0] == "point"
        params = cols[1:cols.index("arm")] if sweep else []
        if sweep and not params:
            sweep = False
        for opt, key in [("--facet", facet)] + [("--where", k) for k, _ in wheres]:
            if key is not None and key not in params:
                if not params:
                    raise BadInput("%s: '%s' holds a single run, which has no swept parameters"
                                   % (opt, d))
                raise BadInput("%s: '%s' is not a swept parameter%s (swept: %s)"
                               % (opt, key, suggestion(key, params), ", ".join(params)))
        for key, value in wheres:
            mask = same_value(summary[key], value)
            if not mask.any():
                values = list(dict.fromkeys(summary[key]))
                raise BadInput("--where: %s never takes the value '%s'%s (values: %s)"
                               % (key, value, suggestion(value, values), ", ".join(values)))
            summary = summary[mask]
        if x is None and params:
            fixed = {k for k, _ in wheres} | ({facet} if facet else set())
            free = [p for p in params if p not in fixed]
            x = free[0] if free else params[0]
        if sweep and x not in params:
            raise BadInput("--x: '%s' is not a swept parameter (swept: %s)" % (x, ", ".join(params)))
        if facet is not None and facet == x:
            raise BadInput("--facet: '%s' is already the x axis (--x)" % facet)
        known = list(dict.fromkeys(summary["metric"]))
        for m in ys:
            if m not in known:
                raise BadInput("--y: '%s' is not a metric of %s%s" % (m, summary_path,
                                                                      suggestion(m, known)))

        runs = None
        runs_path = os.path.join(d, "runs.csv")
        if os.path.isfile(runs_path):
            runs = read_csv(runs_path)
            for c in ["coalition_size_mean", "complied", "threatened"]:
                if c in runs.columns:
                    runs[c] = to_num(runs[c], runs_path, c)
            for c in ["arm", "mechanism"]:
                if c not in runs.columns:
                    raise BadInput("%s: missing column '%s'" % (runs_path, c))
            for key, value in wheres:
                if key in runs.columns:
                    runs = runs[same_value(runs[key], value)]

    if not re.fullmatch(r"[0-9a-f]{16}|", results):
        raise BadInput("--results must be 16 lowercase hex digits, got '%s'" % results)
    if out_dir is None:
        out_dir = os.path.join(d, "plots")
    os.makedirs(out_dir, exist_ok=True)
    style_setup()
    figs = Figures(out_dir, formats, results)
    if summary is not None:
        baseline = baseline_of(d)
        metrics = ys if ys else default_metrics(summary, baseline)
        if sweep and design_of(d) in SAMPLED_DESIGNS and facet is None:
            chosen = [x] if any(a == "--x" for a in args) else params
            plot_sampled(summary, chosen, metrics, baseline, figs)
            plot_distributions(runs, None, figs)
        elif sweep:
            plot_sweep(summary, runs, params, x, figs, metrics, baseline, facet)
        else:
            plot_single(summary, runs, figs)
    if thresholds is not None:
        plot_thresholds(thresholds, figs)
    figs.write_index()
    for name, w, h, _, _ in figs.rows:
        sys.stdout.write("wrote %s (%s; %dx%d px)\n" % (os.path.join(out_dir, name), "+".join(formats), w, h))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BadInput as e:
        sys.stderr.write("%s\n" % e)
        sys.exit(2)
