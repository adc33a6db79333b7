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

This file holds the command line: the options, reading and filtering DIR's summary.csv and
runs.csv, and choosing the figures. They are drawn by the modules beside it, which must stay in
the same folder: plots_figures.py (a run's and a sweep's figures), plots_thresholds.py (the
threshold CSVs), plots_stats.py (the t quantile and the contrast of effects) and plots_common.py
(the imports, the house style, CSV reading and the figure writer).
"""

import difflib
import json
import os
import re
import sys

# The figure modules live beside this script; import them from here even when Python does not put
# the script's folder on sys.path (-P, PYTHONSAFEPATH).
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from plots_common import (  # noqa: E402
    SAMPLED_DESIGNS, BadInput, Figures, pd, read_csv, style_setup, to_num)
from plots_figures import (  # noqa: E402
    default_metrics, plot_distributions, plot_sampled, plot_single, plot_sweep)
# contrast_summary and t_quantile_975 are plots.<name> to tests/scripts/test_plots.py.
from plots_stats import contrast_summary, t_quantile_975  # noqa: E402,F401
from plots_thresholds import plot_thresholds, read_thresholds, threshold_files  # noqa: E402


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
