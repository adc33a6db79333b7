"""The figure of the flip thresholds in DIR/threshold*.csv (written by `qvsim threshold --out`),
for analysis/plots.py: finding and reading those files, and one panel of bars per search.
"""

import glob
import math
import os
import re
import sys

from plots_common import (LEGEND_H, PANEL_H, BadInput, Patch, axis_label, mech_label, mech_style,
                          np, pd, plt, read_csv, select, to_num)


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
