"""qvsim from Python: run scenarios and sweeps, and read their results as pandas DataFrames.

The same C++ library as the ``qvsim`` command line does the work, so a scenario run here and from
the command line writes the same bytes (runs.csv, summary.csv, ...). See docs/python.md.

    import qvsim
    result = qvsim.run("scenarios/default.yaml", replicates=20)
    result.summary.query("metric == 'efficiency'")

Bad input raises :class:`InputError`, carrying the class, file, line and key the command line's
message names. Long calls release the GIL, and Ctrl-C stops them cleanly (nothing half-written is
left) and raises KeyboardInterrupt.
"""

import json
import os
import pathlib
import shutil
import sys
import tempfile

import pandas as pd

__all__ = ["InputError", "Result", "run", "validate", "sweep", "merge", "status", "threshold",
           "analyze", "plot", "report", "load", "__version__"]


class InputError(ValueError):
    """Bad input: what the command line reports as ``qvsim: error (KIND): ...`` with exit code 2.

    Attributes: ``kind`` (the class: "parse", "range", "usage", "io", ...), ``file``, ``line``
    (1-based, 0 when the problem has no line), ``key`` (the dotted key or option, "" when none)
    and ``message`` (the problem alone); ``str(error)`` is the command line's text.
    """

    def __init__(self, kind, file, line, key, message, text):
        super().__init__(text)
        self.kind = kind
        self.file = file
        self.line = line
        self.key = key
        self.message = message


from . import _core  # noqa: E402  (the exception class must exist before the module loads)

__version__ = _core.version


class Result:
    """A run's or sweep's results: DataFrames of its CSV files and its manifest as a dict.

    ``runs`` (runs.csv), ``summary`` (summary.csv), ``proposals``, ``rounds``, ``agents``,
    ``projects`` (a quadratic funding run's projects.csv; None when the run did not write them),
    ``manifest`` (manifest.json) and ``dir`` (the folder, or
    None when the results were read from a temporary folder since removed). Every frame carries
    the scenario's identity as its first columns: ``scenario`` (its name) and ``scenario_hash``
    (a run's scenario hash, a sweep's spec hash), so frames of several runs stack.
    """

    def __init__(self, dir, frames, manifest):
        self.dir = dir
        self.runs = frames.get("runs")
        self.summary = frames.get("summary")
        self.proposals = frames.get("proposals")
        self.rounds = frames.get("rounds")
        self.agents = frames.get("agents")
        self.projects = frames.get("projects")
        self.manifest = manifest

    def __repr__(self):
        rows = 0 if self.runs is None else len(self.runs)
        return "qvsim.Result(scenario=%r, runs=%d rows, dir=%r)" % (
            self.manifest.get("scenario", {}).get("name", self.manifest.get("name")), rows,
            self.dir)


_TABLES = ("runs", "summary", "proposals", "rounds", "agents", "projects")


def _identity(manifest):
    if "spec_hash" in manifest:  # a sweep (or merged sweep)
        return manifest.get("name", ""), manifest["spec_hash"]
    return manifest.get("scenario", {}).get("name", ""), manifest.get("scenario_hash", "")


def _read_csv(path):
    # round_trip: the doubles qvsim prints (shortest round-trip form) read back bit for bit.
    return pd.read_csv(path, float_precision="round_trip")


def load(dir):
    """Reads a run's, sweep's or merged sweep's folder into a :class:`Result`.

    Sweeps' frames carry the point and each swept parameter as columns (as their runs.csv does),
    so a merged three-shard sweep loads equal to the same sweep run whole.
    """
    dir = pathlib.Path(dir)
    manifest_path = dir / "manifest.json"
    if not manifest_path.is_file() or not (dir / "runs.csv").is_file():
        why = ("holds no finished run or sweep (a sweep writes runs.csv once every item is done; "
               "qvsim.status tells what is missing)")
        raise InputError("io", str(dir), 0, "", why, "%s: %s" % (dir, why))
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    name, digest = _identity(manifest)
    frames = {}
    for table in _TABLES:
        path = dir / (table + ".csv")
        if path.is_file():
            frame = _read_csv(path)
            frame.insert(0, "scenario_hash", digest)
            frame.insert(0, "scenario", name)
            frames[table] = frame
    return Result(str(dir), frames, manifest)


def _scenario_source(scenario, overrides):
    """(file, text, base_dir) for the C++ call: a path is read by qvsim itself (messages name its
    lines); a YAML string or a dict is passed as text, with relative paths inside it resolved
    against the current directory."""
    if isinstance(scenario, dict):
        import yaml
        text = yaml.safe_dump(scenario, sort_keys=False)
        label = "<dict>"
    elif isinstance(scenario, os.PathLike) or (
            isinstance(scenario, str) and "\n" not in scenario
            and (os.path.exists(scenario) or ":" not in scenario)):
        if not overrides:
            return os.fspath(scenario), None, ""
        with open(scenario, encoding="utf-8") as f:
            text = f.read()
        label = os.fspath(scenario)
        base = os.path.dirname(os.path.abspath(label))
        return label + " (with overrides)", _apply(text, overrides), base
    elif isinstance(scenario, str):
        text = scenario
        label = "<string>"
    else:
        raise TypeError("scenario must be a path, a YAML string or a dict, got %s"
                        % type(scenario).__name__)
    if overrides:
        text = _apply(text, overrides)
    return label, text, os.getcwd()


def _apply(text, overrides):
    """Sets scenario keys: electorate__agents=500 sets electorate.agents."""
    import yaml
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict):
        return text  # qvsim reports what is wrong with it
    for key, value in overrides.items():
        path = key.split("__")
        node = doc
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[path[-1]] = value
    return yaml.safe_dump(doc, sort_keys=False)


def _echo(printed):
    if printed["err"]:
        sys.stderr.write(printed["err"])


def run(scenario, out=None, *, seed=None, replicates=None, threads=0, overwrite=False,
        proposals=False, rounds=False, agents=None, graphml=None, max_memory=None, **overrides):
    """Runs a scenario, as ``qvsim run`` does, and returns its :class:`Result`.

    ``scenario`` is a path, a YAML string or a dict. ``out`` is the folder to write (refused if it
    holds a run, unless ``overwrite``); without it the run goes to a temporary folder that is
    removed once read (``result.dir`` is then None). ``seed``, ``replicates``, ``threads``,
    ``proposals``, ``rounds``, ``agents`` (a list of replicates), ``graphml`` (one replicate) and
    ``max_memory`` ("512M", "unlimited") are the command line's options. Further keyword arguments
    set scenario keys, ``__`` separating levels: ``electorate__agents=500``.
    """
    file, text, base = _scenario_source(scenario, overrides)
    temp = None
    if out is None:
        temp = tempfile.mkdtemp(prefix="qvsim-run-")
        out = os.path.join(temp, "run")
    try:
        printed = _core.run(file, text, base, os.fspath(out), int(threads), seed, replicates,
                            bool(overwrite), bool(proposals), bool(rounds),
                            [int(r) for r in (agents or [])], graphml, max_memory)
        _echo(printed)
        result = load(printed["dir"])
        if temp is not None:
            result.dir = None
        return result
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def validate(scenario, *, threads=0, max_memory=None):
    """Checks a scenario (or sweep) file in full, as ``qvsim validate`` does; returns what it
    prints (run count, estimated memory). Raises InputError."""
    file, text, _ = _scenario_source(scenario, {})
    if text is not None:
        with tempfile.TemporaryDirectory(prefix="qvsim-validate-") as d:
            path = os.path.join(d, "scenario.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return _core.validate(path, int(threads), max_memory)["out"]
    return _core.validate(file, int(threads), max_memory)["out"]


def sweep(scenario, out, *, seed=None, replicates=None, threads=0, shard=None, resume=False,
          fail_fast=False, max_memory=None, dry_run=False):
    """Runs a sweep file (or one shard of it: ``shard=(i, n)`` or "i/n") into ``out``, as
    ``qvsim sweep`` does. Returns its :class:`Result` once every item is done (None for a shard
    that leaves the sweep incomplete), or the plan's text with ``dry_run``. Raises RuntimeError
    when items failed (recorded in the store; ``qvsim.status`` lists them)."""
    i, n = 0, 1
    if shard is not None:
        if isinstance(shard, str):
            a, _, b = shard.partition("/")
            try:
                i, n = int(a), int(b)
            except ValueError:
                raise InputError("usage", "", 0, "shard", "must be I/N, got '%s'" % shard,
                                 "shard: must be I/N, got '%s'" % shard) from None
        else:
            i, n = shard
    printed = _core.sweep(os.fspath(scenario), os.fspath(out), int(threads), seed, replicates,
                          int(i), int(n), bool(resume), bool(dry_run), bool(fail_fast), max_memory)
    _echo(printed)
    if dry_run:
        return printed["out"]
    if printed["code"] != 0:
        raise RuntimeError("the sweep recorded failed items; qvsim.status(%r) lists them" % out)
    if (pathlib.Path(out) / "runs.csv").is_file():
        return load(out)
    return None


def merge(out, dirs):
    """Combines the stores of a sharded sweep's folders into ``out`` (``qvsim merge``) and
    returns its :class:`Result`."""
    printed = _core.merge(os.fspath(out), [os.fspath(d) for d in dirs])
    _echo(printed)
    return load(out)


def status(dir):
    """How much of the sweep in ``dir`` is done (``qvsim status``), as text."""
    return _core.status(os.fspath(dir))["out"]


def threshold(scenario, *, attack, target, range=None, arm=None, mechanism=None, ballot=None,
              width=None, replicates=None, max_replicates=None, seed=None, threads=0,
              max_memory=None):
    """The smallest attack size reaching ``target`` ("METRIC=VALUE") per mechanism and ballot, as
    ``qvsim threshold`` finds it (docs/threshold.md): by bisection on a scenario file over
    ``range`` ("LO:HI" or a pair), or interpolated from a finished sweep's folder. Returns the
    table as a DataFrame."""
    if range is not None and not isinstance(range, str):
        range = "%r:%r" % tuple(range)

    def names(values):
        return [] if values is None else [values] if isinstance(values, str) else list(values)

    with tempfile.TemporaryDirectory(prefix="qvsim-threshold-") as d:
        path = os.path.join(d, "threshold.csv")
        _echo(_core.threshold(os.fspath(scenario), attack, target, range, arm, names(mechanism),
                              names(ballot), width, replicates, max_replicates, seed,
                              int(threads), path, max_memory))
        return _read_csv(path)


def analyze(dir, *, by=None, seed=None, resamples=None, baseline=None):
    """Grouped summaries of a run's or sweep's folder (``qvsim analyze``) into DIR/analysis/;
    returns what it says it wrote."""
    by = [] if by is None else [by] if isinstance(by, str) else list(by)
    printed = _core.analyze(os.fspath(dir), by, seed, resamples, baseline)
    _echo(printed)
    return printed["out"]


def _names(values):
    return [] if values is None else [values] if isinstance(values, str) else list(values)


def plot(dir, *, x=None, y=None, facet=None, where=None, format="both"):
    """Figures of a folder's summaries into DIR/plots/ (``qvsim plot``, docs/plots.md; needs
    python3-matplotlib). ``y`` is a metric or a list of them, ``where`` a "KEY=VALUE" filter or a
    list of them. Returns the list of files written."""
    printed = _core.plot(os.fspath(dir), x, _names(y), facet, _names(where), format)
    _echo(printed)
    if printed["code"] != 0:
        raise RuntimeError("the plot script failed (exit %d): %s" % (printed["code"],
                                                                     printed["err"].strip()))
    plots = pathlib.Path(dir) / "plots"
    return sorted(str(p) for p in plots.iterdir() if p.suffix in (".png", ".svg"))


def report(dir):
    """DIR/report.html (``qvsim report``), drawing the figures it needs; returns its path."""
    printed = _core.report(os.fspath(dir))
    _echo(printed)
    if printed["code"] != 0:
        raise RuntimeError("the report failed (exit %d): %s" % (printed["code"],
                                                                printed["err"].strip()))
    return str(pathlib.Path(dir) / "report.html")
