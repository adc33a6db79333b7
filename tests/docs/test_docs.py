#!/usr/bin/python3
"""Every example in README.md and docs/*.md runs, and every file a doc names exists.

For one markdown file (paths relative to the source tree) this test, in a fresh scratch folder
that holds copies of scenarios/ and networks/:

1. Paths. Every path that starts with a folder of the source tree (ROOTS below: scenarios/,
   docs/, scripts/, bench/, networks/, sim/, tests/, ...) and every relative markdown link,
   anchor included, must exist. A path preceded by '/' (build/release/bench/...,
   DIR/analysis/...) is not one of ours. A component in capitals or in <angle brackets> (TARGET,
   <preset>) is a placeholder and, like '*', matches any name: at least one file must match.
2. YAML blocks (```yaml). A block that is a whole scenario (top-level `name` and `arms`) is
   checked with `qvsim validate`, then run: `qvsim sweep --dry-run --replicates 1` when it has a
   `sweep:` block, else `qvsim run --replicates 1`. Any other YAML block must carry a marker.
3. Commands. In every other fenced block (not ```json), each line whose first word is `qvsim`
   (or a path ending in /qvsim) is a command, with its '\\' continuation lines; the commands of a
   doc run in order in its one scratch folder, so a later one sees what an earlier one wrote.
   Each must exit 0. A line `mkdir -p FOLDER...` (relative folders) runs too, so a doc may
   create a folder for an output file. Replicates are shrunk where a doc asks for many (SHRINK
   below: `run --replicates 2`, `sweep --replicates 1`, `threshold FILE --replicates 2
   --max-replicates 4`, `analyze --resamples 200`; a smaller value written in the doc is kept).
   Lines starting with `qvsim:` are the program's messages, not commands. A block that names a
   qvsim subcommand in any other way (`mpirun ... qvsim sweep`, `--wrap 'qvsim ...'`) cannot be
   run by this test and must be marked. The README's quick start (scripts/quickstart.sh,
   scripts/test.sh) is exempt: it installs packages and builds, which is what the suite itself
   is run from; only `qvsim` commands are run, and only from fenced blocks (commands written
   inline in prose are synopses).
4. Python blocks (```python) run as one script each with /usr/bin/python3 in the scratch
   folder, importing the build tree's qvsim package (QVSIM_PYTHONPATH; without it, in a build
   without the package, they are reported as skipped), and must exit 0; an output block below
   one is compared with what it printed.

Markers: an HTML comment alone on the line directly above the opening fence (invisible when
the markdown is rendered):

  <!-- not-run: REASON -->      the block is deliberately not run (a usage synopsis, a script
                                 for a SLURM cluster, ...); REASON must say why.
  <!-- base: NAME -->           a whole scenario that later blocks of the same doc splice into.
  <!-- splice: BASE [under PATH] [each] -->
                                 a scenario fragment: its top-level keys replace those of BASE
                                 (a `base:` NAME of this doc, or a scenario file such as
                                 scenarios/bribery.yaml), or those of the map at the dotted PATH
                                 inside it (`under electorate`); with `each`, every top-level
                                 entry of the block is a separate alternative (a block listing
                                 `budget: ...` several times). The result is validated and run
                                 as a whole scenario.
  <!-- output -->               the block shows the standard output of the last command of the
                                 block of commands directly above it; that block then runs as
                                 written (not shrunk) and the output must match exactly (lines
                                 compared without trailing blanks). For worked examples whose
                                 numbers a reader checks: a change of the model that changes
                                 them fails this test until the doc shows the new output.

Usage: test_docs.py --qvsim BIN --source DIR --work DIR DOC...   (one ctest test per doc)
       test_docs.py --source DIR --covers DOC...   (fails when a doc is missing from the list)
       test_docs.py --qvsim BIN --work DIR --self-test   (the checker catches broken docs)
"""
import argparse
import copy
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([^\s`]*)")
MARKER = re.compile(r"^\s*<!--\s*(not-run|base|splice|output)\b:?(.*?)-->\s*$")
SUBCOMMANDS = "run|validate|sweep|merge|status|analyze|plot|report|threshold"
MENTION = re.compile(r"(^|[\s'\"/])qvsim\s+(%s)\b" % SUBCOMMANDS)
SHRINK = {  # subcommand: {option: most allowed}
    "run": {"--replicates": 2},
    "sweep": {"--replicates": 1},
    "threshold": {"--replicates": 2, "--max-replicates": 4},
    "analyze": {"--resamples": 200},
}
# The source tree's folders (not build/ or results/, which hold outputs and may not exist).
ROOTS = ["agents", "analysis", "app", "bench", "cmake", "docs", "networks", "scenarios", "scripts",
         "sim", "tests"]
COPIED = ["scenarios", "networks"]  # what a doc's commands may read, copied into the scratch
TIMEOUT_S = 300


class Block:
    def __init__(self, line, info, text, marker):
        self.line, self.info, self.text, self.marker = line, info, text, marker


def parse_blocks(lines, where, errors):
    """Fenced blocks with their markers; a marker not directly above a fence is an error."""
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        mark = MARKER.match(lines[i])
        if mark and not (i + 1 < len(lines) and FENCE.match(lines[i + 1])):
            errors.append(f"{where}:{i + 1}: a doc-test marker must be directly above a code block")
        if not m:
            i += 1
            continue
        indent, fence = m.group(1), m.group(2)
        marker = None
        if i > 0 and MARKER.match(lines[i - 1]):
            pm = MARKER.match(lines[i - 1])
            marker = (pm.group(1), pm.group(2).strip())
        body, j = [], i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence[0] * len(fence)):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j])
            j += 1
        blocks.append(Block(i + 1, m.group(3).lower(), "\n".join(body) + "\n", marker))
        i = j + 1
    return blocks


def slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    with open(path, encoding="utf-8") as f:
        return {slug(line.lstrip("#")) for line in f if re.match(r"^#{1,6} ", line)}


def check_paths(source, doc, text, errors):
    here = os.path.dirname(os.path.join(source, doc))
    # Prose and blocks alike: a path written from the root of the source tree.
    pattern = re.compile(r"(?<![\w./<>-])((?:%s)/[\w./*<>-]*)" % "|".join(ROOTS))
    for n, line in enumerate(text.splitlines(), 1):
        for m in pattern.finditer(line):
            path = m.group(1).rstrip(".,:;")
            parts = [re.sub(r"^(<[^>]*>|[A-Z][A-Z0-9_]*)$", "*", p) for p in path.split("/")]
            pat = os.path.join(source, *parts)
            if not glob.glob(pat):
                errors.append(f"{doc}:{n}: names {path}, which does not exist")
        for m in re.finditer(r"\]\(([^)\s]+)\)", line):
            target = m.group(1)
            if re.match(r"^[a-z]+:", target):
                continue  # a web address
            file, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(here, file)) if file else os.path.join(source, doc)
            if not os.path.exists(full):
                errors.append(f"{doc}:{n}: links to {file}, which does not exist")
            elif anchor and full.endswith(".md") and anchor not in anchors(full):
                errors.append(f"{doc}:{n}: links to {target}, which has no such heading")


def command_lines(text):
    """(line offset, command text) for each qvsim command; joined continuations."""
    out, pending, start = [], "", 0
    for n, raw in enumerate(text.splitlines()):
        line = raw.rstrip()
        if pending:
            pending += " " + line.rstrip("\\").strip()
        else:
            words = line.split()
            first = words[0] if words else ""
            if first != "qvsim" and not first.endswith("/qvsim") and words[:2] != ["mkdir", "-p"]:
                continue
            pending, start = line.rstrip("\\").strip(), n
        if not line.endswith("\\"):
            out.append((start, pending))
            pending = ""
    return out


def tidy(text):
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def shrink(args):
    """Lowers replicate-like options to SHRINK's bounds; says what it changed."""
    limits = dict(SHRINK.get(args[1], {}))
    if args[1] == "threshold" and "--range" not in args:
        limits = {}  # threshold DIR reads a finished sweep: nothing to shrink
    args, notes = list(args), []
    for opt, most in limits.items():
        if opt in args and args.index(opt) + 1 < len(args):
            k = args.index(opt) + 1
            if args[k].isdigit() and int(args[k]) > most:
                notes.append(f"{opt} {args[k]} -> {most}")
                args[k] = str(most)
        else:
            args += [opt, str(most)]
            notes.append(f"{opt} {most} added")
    return args, notes


class Checker:
    def __init__(self, qvsim, source, work):
        self.qvsim, self.source, self.work = qvsim, source, work
        self.errors, self.ran, self.skipped, self.missing = [], 0, [], []
        python = os.environ.get("QVSIM_PYTHON", "/usr/bin/python3")  # the one `qvsim plot` runs
        probe = subprocess.run([python, "-c", "import matplotlib"], capture_output=True)
        self.has_matplotlib = probe.returncode == 0

    def execute(self, where, args):
        label = " ".join(shlex.quote(a) for a in ["qvsim"] + args[1:])
        if args[1] in ("plot", "report") and not self.has_matplotlib:
            self.missing.append(f"{where}: {label}: not run, python3-matplotlib is missing")
            return None
        start = time.monotonic()
        try:
            p = subprocess.run([self.qvsim] + args[1:], cwd=self.work, capture_output=True,
                               text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            self.errors.append(f"{where}: {label}: still running after {TIMEOUT_S} s")
            return None
        self.ran += 1
        print(f"{where}: {label}  ({time.monotonic() - start:.1f} s)", flush=True)
        if p.returncode != 0:
            tail = (p.stdout + p.stderr).strip().splitlines()[-8:]
            self.errors.append(f"{where}: {label}: exit {p.returncode}\n    " + "\n    ".join(tail))
        return p.stdout

    def mkdir(self, where, folders):
        for folder in folders:
            if os.path.isabs(folder) or ".." in folder.split("/"):
                self.errors.append(f"{where}: mkdir -p {folder}: only folders below the scratch")
            else:
                os.makedirs(os.path.join(self.work, folder), exist_ok=True)

    def scenario(self, where, name, data, text=None):
        """Validates a whole scenario and runs it with the fewest replicates."""
        file = os.path.join(self.work, name + ".yaml")
        with open(file, "w", encoding="utf-8") as f:
            f.write(text if text is not None else yaml.safe_dump(data, sort_keys=False))
        self.execute(where, ["qvsim", "validate", name + ".yaml"])
        out = os.path.join("doc-test-out", name)
        if "sweep" in data:
            self.execute(where,
                         ["qvsim", "sweep", name + ".yaml", "--dry-run", "--replicates", "1"])
        else:
            self.execute(where, ["qvsim", "run", name + ".yaml", "--replicates", "1", "--quiet",
                                 "--out", out])

    def splice(self, where, stem, bases, arg, text):
        words = arg.split()
        if not words:
            return self.errors.append(f"{where}: splice: names no base scenario")
        base_name, under, each = words[0], None, "each" in words[1:]
        if "under" in words[1:]:
            k = words.index("under")
            under = words[k + 1] if k + 1 < len(words) else None
        if base_name in bases:
            base = bases[base_name]
        elif os.path.isfile(os.path.join(self.source, base_name)):
            with open(os.path.join(self.source, base_name), encoding="utf-8") as f:
                base = yaml.safe_load(f)
        else:
            return self.errors.append(f"{where}: splice: no base named {base_name} above, "
                                      f"nor a file {base_name}")
        # With `each`, a new alternative starts at every line that is not indented.
        chunks, current = [], []
        for line in text.splitlines():
            if each and line and not line[0].isspace() and not line.startswith("#") and current:
                chunks.append("\n".join(current))
                current = []
            current.append(line)
        chunks.append("\n".join(current))
        for i, chunk in enumerate(chunks):
            fragment = yaml.safe_load(chunk)
            if not isinstance(fragment, dict):
                self.errors.append(f"{where}: splice: the fragment is not a YAML map")
                continue
            data = copy.deepcopy(base)
            target = data
            for key in (under.split(".") if under else []):
                if not isinstance(target.get(key), dict):
                    target[key] = {}
                target = target[key]
            target.update(fragment)
            self.scenario(where, f"{stem}-{i}" if each else stem, data)

    def check_doc(self, doc):
        path = os.path.join(self.source, doc)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        check_paths(self.source, doc, text, self.errors)
        stem_base = re.sub(r"\W", "_", os.path.splitext(doc)[0])
        bases = {}
        blocks = parse_blocks(text.splitlines(), doc, self.errors)
        for k, b in enumerate(blocks):
            where, stem = f"{doc}:{b.line}", f"{stem_base}-L{b.line}"
            kind, arg = b.marker if b.marker else (None, "")
            shown = blocks[k + 1] if k + 1 < len(blocks) else None
            shown = shown if shown and shown.marker and shown.marker[0] == "output" else None
            if kind == "output":
                continue  # compared with the output of the block above it
            if kind == "not-run":
                if not arg:
                    self.errors.append(f"{where}: not-run needs a reason")
                self.skipped.append(f"{where}: not run: {arg}")
                continue
            if b.info in ("yaml", "yml"):
                self.yaml_block(where, stem, b, kind, arg, bases)
            elif b.info == "python":
                self.python_block(where, b, kind, shown)
            elif b.info != "json":
                self.command_block(where, b, kind, shown)
            if shown and (b.info in ("yaml", "yml", "json") or kind):
                self.errors.append(f"{doc}:{shown.line}: an output block must follow a block of "
                                   "commands that runs")

    def yaml_block(self, where, stem, b, kind, arg, bases):
        if kind == "splice":
            return self.splice(where, stem, bases, arg, b.text)
        try:
            data = yaml.safe_load(b.text)
        except yaml.YAMLError as e:
            return self.errors.append(f"{where}: not valid YAML: {e}")
        if not (isinstance(data, dict) and "name" in data and "arms" in data):
            return self.errors.append(
                f"{where}: a YAML block that is not a whole scenario (no top-level name and "
                "arms): mark it <!-- splice: BASE [under PATH] [each] --> or "
                "<!-- not-run: REASON -->")
        if kind == "base":
            bases[arg] = data
        self.scenario(where, stem, data, b.text)

    def python_block(self, where, b, kind, shown):
        if kind:
            return self.errors.append(f"{where}: {kind} does not apply to a python block")
        path = os.environ.get("QVSIM_PYTHONPATH")
        if not path:
            self.missing.append(f"{where}: python block not run: this build has no Python package")
            return
        start = time.monotonic()
        env = dict(os.environ, PYTHONPATH=path)
        try:
            p = subprocess.run(["/usr/bin/python3", "-c", b.text], cwd=self.work, env=env,
                               capture_output=True, text=True, timeout=TIMEOUT_S,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return self.errors.append(f"{where}: python block still running after {TIMEOUT_S} s")
        self.ran += 1
        print(f"{where}: python block  ({time.monotonic() - start:.1f} s)", flush=True)
        if p.returncode != 0:
            tail = (p.stdout + p.stderr).strip().splitlines()[-8:]
            return self.errors.append(f"{where}: python block: exit {p.returncode}\n    " +
                                      "\n    ".join(tail))
        if shown and tidy(p.stdout) != tidy(shown.text):
            self.errors.append(f"{where}: the output shown at line {shown.line} differs from "
                               f"the real one, which is:\n{tidy(p.stdout)}")

    def command_block(self, where, b, kind, shown):
        if kind in ("base", "splice"):
            return self.errors.append(f"{where}: {kind} marks YAML blocks only")
        commands = command_lines(b.text)
        lines = b.text.splitlines()
        for n, line in enumerate(lines):
            if line.lstrip().startswith("qvsim:") or not MENTION.search(line):
                continue
            covered = any(s <= n and (s == n or lines[n - 1].rstrip().endswith("\\"))
                          for s, _ in commands)
            if not covered:
                self.errors.append(
                    f"{where}: line {n + 1} runs qvsim in a way this test cannot run "
                    f"({line.strip()[:60]}): mark the block <!-- not-run: REASON -->")
                return
        out = None
        for offset, command in commands:
            try:
                args = shlex.split(command, comments=True)
            except ValueError as e:
                self.errors.append(f"{where}: cannot split '{command}': {e}")
                continue
            if len(args) < 2:
                self.errors.append(f"{where}: '{command}' has no subcommand")
                continue
            if args[0] == "mkdir":
                self.mkdir(where, args[2:])
                continue
            if not shown:
                args, notes = shrink(args)
                if notes:
                    print(f"{where}+{offset + 1}: shrunk: {', '.join(notes)}")
            out = self.execute(f"{where}+{offset + 1}", args)
        if shown and commands:
            # The block below shows this block's last output: run as written, compared exactly.
            if out is not None and tidy(out) != tidy(shown.text):
                self.errors.append(f"{where}: the output shown at line {shown.line} differs from "
                                   f"the real one, which is:\n{tidy(out)}")
        elif shown:
            self.errors.append(f"{where}: an output block follows a block with no command")


def fresh_work(source, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    for folder in COPIED:
        if os.path.isdir(os.path.join(source, folder)):
            shutil.copytree(os.path.join(source, folder), os.path.join(work, folder))


SELF_TEST = {  # a broken doc and what the checker must say about it
    "missing.md": ("See scenarios/no_such.yaml.\n", "does not exist"),
    "link.md": ("See [x](other.md).\n", "links to other.md"),
    "anchor.md": ("# Top\nSee [x](#bottom).\n", "has no such heading"),
    "fragment.md": ("```yaml\nvalues: {distribution: normal}\n```\n", "not a whole scenario"),
    "bad.md": ("```yaml\nname: x\nseed: 1\nreplicates: 1\nelectorate: {agents: 1}\narms: {a: {}}\n"
               "```\n", "exit 2"),
    "synopsis.md": ("```text\nqvsim run FILE [--out DIR]\n```\n", "exit 2"),
    "mpi.md": ("```sh\nmpirun -np 2 qvsim sweep x.yaml\n```\n", "cannot run"),
    "reason.md": ("<!-- not-run: -->\n```sh\nqvsim run x\n```\n", "needs a reason"),
    "stray.md": ("<!-- not-run: old -->\n\nText.\n", "directly above"),
    "output.md": ("```sh\nqvsim --version\n```\n<!-- output -->\n```text\nqvsim 0\n```\n",
                  "differs"),
    "splice.md": ("<!-- splice: nothing -->\n```yaml\nseed: 2\n```\n", "no base named nothing"),
}


def self_test(qvsim, work):
    """Each broken doc must be reported, with the expected words; a good one must pass."""
    failures = []
    good = ("<!-- base: t -->\n```yaml\nname: t\nseed: 1\nreplicates: 9\nelectorate: {agents: 21}\n"
            "graph: {model: erdos_renyi, mean_degree: 4}\narms: {honest: {}}\n```\n"
            "<!-- splice: t under electorate each -->\n```yaml\nproposals: 2\nproposals: 3\n```\n"
            "<!-- not-run: a synopsis -->\n```text\nqvsim run FILE\n```\n"
            "```sh\nqvsim run good-L2.yaml --out o --replicates 50  # the block above\n```\n")
    cases = dict(SELF_TEST, **{"good.md": (good, None)})
    for name, (text, expected) in cases.items():
        source = tempfile.mkdtemp(dir=work)
        with open(os.path.join(source, name), "w", encoding="utf-8") as f:
            f.write(text)
        os.makedirs(os.path.join(source, "scenarios"))
        checker = Checker(qvsim, source, os.path.join(source, "scratch"))
        fresh_work(source, checker.work)
        checker.check_doc(name)
        said = "\n".join(checker.errors)
        if expected is None and said:
            failures.append(f"{name}: expected no error, got: {said}")
        if expected is not None and expected not in said:
            failures.append(f"{name}: expected an error containing '{expected}', got: {said!r}")
    for f in failures:
        print("FAIL", f)
    print(f"self-test: {len(cases) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qvsim")
    ap.add_argument("--source")
    ap.add_argument("--work")
    ap.add_argument("--covers", action="store_true")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("docs", nargs="*")
    a = ap.parse_args()
    if a.self_test:
        shutil.rmtree(a.work, ignore_errors=True)
        os.makedirs(a.work)
        return self_test(os.path.abspath(a.qvsim), a.work)
    if a.covers:
        every = ["README.md"] + sorted(
            os.path.relpath(p, a.source) for p in glob.glob(os.path.join(a.source, "docs", "*.md")))
        missing = [d for d in every if d not in a.docs]
        for d in missing:
            print(f"{d}: not tested: add it to QVSIM_DOCS in tests/CMakeLists.txt")
        return 1 if missing else 0
    checker = Checker(os.path.abspath(a.qvsim), os.path.abspath(a.source), os.path.abspath(a.work))
    fresh_work(checker.source, checker.work)
    for doc in a.docs:
        checker.check_doc(doc)
    for s in checker.skipped + checker.missing:
        print(s)
    for e in checker.errors:
        print("FAIL", e)
    print(f"{checker.ran} commands run, {len(checker.errors)} failed, "
          f"{len(checker.skipped)} blocks marked not-run, {len(checker.missing)} commands "
          "skipped for a missing package (listed above)")
    if checker.errors:
        return 1
    return 77 if checker.missing else 0  # 77: ctest reports the doc skipped, not passed


if __name__ == "__main__":
    sys.exit(main())
