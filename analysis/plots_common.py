"""Shared by the figure modules of analysis/plots.py: the matplotlib, numpy and pandas imports (exit
3 when one is missing), the house style (sizes, DPI, Okabe-Ito colours, mechanism styles and
labels, metric labels), reading a CSV of DIR as text with checked numbers, the Figures writer
(PNG/SVG with the results hash in their metadata, and figures.tsv), the panel grid with its shared
legend, and small helpers on frames and swept keys (values in order, combinations, axis labels).
"""

import math
import os
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch  # noqa: F401 -- for plots_thresholds
    import numpy as np  # noqa: F401 -- for the figure modules
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
    "connection_oriented": ("#CC79A7", "-.", "D"),
    "pairwise_bounded": ("#E69F00", (0, (3, 1, 1, 1, 1, 1)), "v"),
}
MECH_LABEL = {"quadratic": "QV", "one_person_one_vote": "1p1v", "linear": "linear",
              "connection_oriented": "CO-QV", "pairwise_bounded": "PB-QV"}
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


def safe(key):
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)
