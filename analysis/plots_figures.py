"""The figures of a run's or a sweep's summary.csv and runs.csv, for analysis/plots.py: a single
run's bars per arm, a grid sweep's lines (or points) against a swept parameter, a sampled design's
scatter with binned means, and box plots of distributions across replicates.
"""

from plots_common import (BALLOT_STYLES, METRIC_LABEL, PD_BINS, BadInput, axis_label, cap_rows,
                          combo_label, combos, efficiency_metric, grid_figure, mech_label,
                          mech_style, metric_table, np, ordered_values, pd, safe, select,
                          shared_legend, varying)
from plots_stats import contrast_summary


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
