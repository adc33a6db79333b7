#!/usr/bin/python3
"""scripts/mission_comparison.py on a few replicates: one row per attack arm and budget model,
every cell a number with its interval, and the contrast's mean equal to the difference of the
two mechanisms' means (they are paired on the same replicates, none missing here)."""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import yaml

CELL = re.compile(r"^([+-]\d+\.\d{4}) \[([+-]\d+\.\d{4}), ([+-]\d+\.\d{4})\]$")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--qvsim", required=True)
    p.add_argument("--source", required=True)
    a = p.parse_args()
    scenario = os.path.join(a.source, "scenarios", "bribery.yaml")
    with open(scenario, encoding="utf-8") as f:
        arms = [n for n in yaml.safe_load(f)["arms"] if n != "honest"]
    with tempfile.TemporaryDirectory() as work:
        out = subprocess.run(
            ["/usr/bin/python3", os.path.join(a.source, "scripts", "mission_comparison.py"),
             "--qvsim", a.qvsim, "--replicates", "4", "--out", work, scenario],
            check=True, capture_output=True, text=True).stdout
    rows = [line.split(" | ") for line in out.splitlines()[2:]]
    errors = []
    if len(rows) != 2 * len(arms):
        errors.append(f"{len(rows)} rows for {len(arms)} arms x 2 budgets:\n{out}")
    for row in rows:
        cells = [c.strip(" |") for c in row]
        if cells[2] not in ("credits", "money") or cells[1] not in arms:
            errors.append(f"bad row {row}")
            continue
        parsed = [CELL.match(c) for c in cells[3:6]]
        if not re.match(r"^\d+/4, \d+/4$", cells[6]):
            errors.append(f"bad inert counts: {row}")
        if not all(parsed):
            errors.append(f"a cell is not 'mean [lo, hi]': {row}")
            continue
        qv, pv, contrast = (float(m.group(1)) for m in parsed)
        for m in parsed:
            if not float(m.group(2)) <= float(m.group(1)) <= float(m.group(3)):
                errors.append(f"mean outside its interval: {row}")
        # Each mean is rounded to 4 decimals: the difference of two rounded means is within 1e-4.
        if abs(contrast - (qv - pv)) > 1.01e-4:
            errors.append(f"contrast {contrast} is not QV - 1p1v = {qv - pv}: {row}")
    for e in errors:
        print("FAIL", e)
    print(f"{len(rows)} rows checked, {len(errors)} failed")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
