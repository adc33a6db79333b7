"""The Python package against the command line: same bytes, same errors, same sweeps.

Run by ctest (python.package) with PYTHONPATH at the build tree's python/ folder, QVSIM_BIN the
command line and QVSIM_SOURCE the source tree.
"""

import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pandas.testing as pdt
import pytest

import qvsim

SOURCE = pathlib.Path(os.environ["QVSIM_SOURCE"])
QVSIM = os.environ["QVSIM_BIN"]
DEFAULT = SOURCE / "scenarios" / "default.yaml"
SWEEP = SOURCE / "scenarios" / "sweep_example.yaml"


def cli(*args, check=True):
    p = subprocess.run([QVSIM, *map(str, args)], capture_output=True, text=True)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def test_run_writes_the_same_bytes_as_the_command_line(tmp_path):
    cli("run", DEFAULT, "--out", tmp_path / "cli", "--replicates", 4, "--seed", 7, "--quiet",
        "--proposals")
    result = qvsim.run(DEFAULT, tmp_path / "py", replicates=4, seed=7, proposals=True)
    assert result.dir == str(tmp_path / "py")
    for name in ("runs.csv", "summary.csv", "proposals.csv"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "py" / name).read_bytes(), name
    # The same scenario given as YAML text, and as a dict, runs the same replicates.
    text = DEFAULT.read_text()
    from_text = qvsim.run(text, tmp_path / "text", replicates=4, seed=7)
    assert (tmp_path / "text" / "runs.csv").read_bytes() == (tmp_path / "cli" / "runs.csv").read_bytes()
    import yaml
    from_dict = qvsim.run(yaml.safe_load(text), replicates=4, seed=7)
    assert from_dict.dir is None  # a temporary folder, removed once read
    pdt.assert_frame_equal(from_dict.runs, from_text.runs)


def test_a_funding_run_loads_its_projects(tmp_path):
    funding = SOURCE / "scenarios" / "funding.yaml"
    cli("run", funding, "--out", tmp_path / "cli", "--replicates", 2, "--quiet")
    result = qvsim.run(funding, tmp_path / "py", replicates=2, electorate__agents=1000)
    for name in ("runs.csv", "projects.csv", "summary.csv"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "py" / name).read_bytes(), name
    assert result.manifest["kind"] == "funding"
    # One row per replicate, arm and rule; projects.csv five per row (funding.projects: 5).
    assert len(result.runs) == 2 * 4 * 5
    assert len(result.projects) == 5 * len(result.runs)
    assert set(result.runs["rule"]) == {"standard", "capped", "pairwise", "cluster", "cocm"}
    assert result.proposals is None


def test_frames_hold_the_files_exactly(tmp_path):
    result = qvsim.run(DEFAULT, tmp_path / "r", replicates=3, proposals=True)
    runs = pd.read_csv(tmp_path / "r" / "runs.csv", float_precision="round_trip")
    # The identity columns first, then runs.csv's columns, values bit for bit.
    assert list(result.runs.columns[:2]) == ["scenario", "scenario_hash"]
    assert set(result.runs["scenario"]) == {"qv-vs-majority"}
    assert set(result.runs["scenario_hash"]) == {result.manifest["scenario_hash"]}
    pdt.assert_frame_equal(result.runs.iloc[:, 2:].reset_index(drop=True), runs, check_exact=True)
    # One row per replicate, arm, mechanism and proposal.
    assert len(result.proposals) == len(result.runs) * result.manifest["scenario"]["electorate"]["proposals"]
    assert result.manifest["replicates"] == 3
    assert result.rounds is None and result.agents is None


def test_scenario_keys_can_be_overridden(tmp_path):
    result = qvsim.run(DEFAULT, replicates=2, electorate__agents=51)
    assert set(result.runs["agents"]) == {51}
    assert result.manifest["scenario"]["electorate"]["agents"] == 51


def test_merged_three_shard_sweep_loads_equal_to_the_whole_sweep(tmp_path):
    whole = qvsim.sweep(SWEEP, tmp_path / "whole", replicates=2)
    shards = []
    for i in range(3):
        part = qvsim.sweep(SWEEP, tmp_path / ("shard%d" % i), replicates=2, shard=(i, 3))
        assert part is None  # a shard alone leaves the sweep incomplete
        shards.append(tmp_path / ("shard%d" % i))
    merged = qvsim.merge(tmp_path / "merged", shards)
    assert len(whole.runs) == 20 * 2 * 2 * 2  # points x replicates x arms x mechanisms
    assert "arms.coalitions.collusion.organizers" in whole.runs.columns
    for table in ("runs", "summary"):
        pdt.assert_frame_equal(getattr(merged, table), getattr(whole, table), check_exact=True)
    loaded = qvsim.load(tmp_path / "merged")
    pdt.assert_frame_equal(loaded.runs, whole.runs, check_exact=True)
    assert qvsim.status(tmp_path / "whole").rstrip().endswith("complete")
    assert "incomplete" in qvsim.status(tmp_path / "shard0")
    with pytest.raises(qvsim.InputError):
        qvsim.load(tmp_path / "shard0")  # no runs.csv until every item is done


# "qvsim: error (KIND): FILE:LINE: KEY: message", KEY absent when the problem has none (YAML syntax).
CLI_ERROR = re.compile(r"^qvsim: error \((?P<kind>[a-z_]+)\): (?P<file>[^:\n]+):(?P<line>\d+): "
                       r"(?:(?P<key>[A-Za-z0-9_.\[\]]+): )?")


@pytest.mark.parametrize("text", [
    "name: x\nseed: 1\nreplicates: 0\n",                      # range, line 3
    "name: x\nseed: 1\nreplicates: 2\nelectorat: {}\n",       # unknown key, did you mean
    "name: x\nseed: [1\n",                                    # malformed YAML
])
def test_input_error_carries_the_command_lines_class_line_and_key(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    p = cli("run", path, "--out", tmp_path / "out", check=False)
    assert p.returncode == 2
    m = CLI_ERROR.match(p.stderr)
    assert m, p.stderr
    with pytest.raises(qvsim.InputError) as info:
        qvsim.run(path, tmp_path / "out")
    e = info.value
    assert (e.kind, e.file, e.line, e.key) == (m["kind"], m["file"], int(m["line"]), m["key"] or "")
    assert p.stderr.startswith("qvsim: error (%s): %s" % (e.kind, str(e).splitlines()[0]))
    assert not (tmp_path / "out").exists()
    with pytest.raises(qvsim.InputError) as info:
        qvsim.validate(path)
    assert (info.value.kind, info.value.line, info.value.key) == (e.kind, e.line, e.key)


def test_a_missing_file_is_an_io_error(tmp_path):
    with pytest.raises(qvsim.InputError) as info:
        qvsim.run(tmp_path / "missing.yaml")
    assert info.value.kind == "io"
    with pytest.raises(qvsim.InputError) as info:
        qvsim.load(tmp_path)
    assert info.value.kind == "io"


def test_validate_and_threshold(tmp_path):
    assert "runs" in qvsim.validate(DEFAULT)
    qvsim.sweep(SWEEP, tmp_path / "sw", replicates=2)
    table = qvsim.threshold(tmp_path / "sw", attack="arms.coalitions.collusion.organizers",
                            target="flip_rate=0.02")
    cli("threshold", tmp_path / "sw", "--attack", "arms.coalitions.collusion.organizers",
        "--target", "flip_rate=0.02", "--out", tmp_path / "cli.csv")
    pdt.assert_frame_equal(table, pd.read_csv(tmp_path / "cli.csv", float_precision="round_trip"),
                           check_exact=True)
    assert len(table) == 8  # 2 mechanisms x 2 ballots x 2 graph groups
    with pytest.raises(qvsim.InputError) as info:
        qvsim.threshold(tmp_path / "sw", attack="arms.coalitions.collusion.organizers",
                        target="flip_rate")
    assert (info.value.kind, info.value.key) == ("usage", "target")
    said = qvsim.analyze(tmp_path / "sw", by="ballot", resamples=50)
    assert said.startswith("analyze: ")
    from_python = (tmp_path / "sw" / "analysis" / "effects.csv").read_bytes()
    cli("analyze", tmp_path / "sw", "--by", "ballot", "--resamples", 50)
    assert (tmp_path / "sw" / "analysis" / "effects.csv").read_bytes() == from_python


def test_long_calls_release_the_gil(tmp_path):
    ticks = 0
    done = threading.Event()

    def work():
        qvsim.run(DEFAULT, tmp_path / "r", replicates=400, threads=1)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    # Holding the GIL for the whole run, the C++ call would let this loop tick only before and
    # after it (a handful of times); released, it ticks throughout a run of well over 50 ms.
    assert ticks > 20


def test_ctrl_c_stops_a_run_and_writes_nothing(tmp_path):
    out = tmp_path / "r"
    code = ("import qvsim, sys\n"
            "print('started', flush=True)\n"
            "qvsim.run(%r, %r, replicates=10**6, threads=1)\n" % (str(DEFAULT), str(out)))
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=os.environ)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.0)  # inside the run: a million replicates take minutes
    start = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode != 0
    assert "KeyboardInterrupt" in err and "nothing was written" in err, err
    # Stopped at the next replicate, not at the end of the run.
    assert time.monotonic() - start < 30
    assert not (out / "runs.csv").exists()


def test_plot_and_report_write_what_the_command_line_writes(tmp_path):
    qvsim.run(DEFAULT, tmp_path / "r", replicates=3)
    files = qvsim.plot(tmp_path / "r", y="efficiency", format="svg")
    assert files and all(f.endswith(".svg") for f in files)
    page = qvsim.report(tmp_path / "r")
    assert page.endswith("report.html") and "<html" in pathlib.Path(page).read_text().lower()
    with pytest.raises(qvsim.InputError) as info:
        qvsim.plot(tmp_path / "r", where="ballot")  # not KEY=VALUE
    assert info.value.key == "--where"
