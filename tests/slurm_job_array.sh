#!/usr/bin/env bash
# The README's SLURM job array, end to end: starts a one-node cluster (scripts/slurm-local.sh),
# submits the README's job script scaled down (4 shards of scenarios/sweep_example.yaml, one CPU
# each, every shard into one shared folder, --resume), waits for the array, and checks that every
# task exited 0, that `qvsim status` says complete, and that runs.csv and summary.csv are
# byte-identical to the same sweep run whole in one process.
#
# Usage: tests/slurm_job_array.sh QVSIM SOURCE_DIR WORK
#   QVSIM       the qvsim binary; SOURCE_DIR the repository; WORK a scratch folder (emptied).
# Exits 0 when all of that holds, 1 when any of it fails, and 77 (ctest's SKIP_RETURN_CODE for
# this test) with the reason when no cluster can be started here: not root, slurm-wlm or munge
# not installed, or the daemons not up within 30 s. The daemons are always stopped on exit.
set -euo pipefail

readonly shards=4
readonly replicates=2
readonly array_timeout_s=75
readonly skip=77

qvsim=$1
source_dir=$2
work=$3

# A previous run killed before its clean-up (by a ctest timeout, say) left its cluster folder
# named here; stop those daemons first.
if [ -f "$work/cluster-dir" ]; then
  stale=$(cat "$work/cluster-dir")
  if [ -d "$stale" ]; then
    "$source_dir/scripts/slurm-local.sh" stop "$stale" || true
    rm -rf "$stale"
  fi
fi
rm -rf "$work"
mkdir -p "$work"

skip_because() {
  echo "SKIPPED: $*"
  exit $skip
}

[ "$(id -u)" -eq 0 ] || skip_because "not root (the local SLURM cluster runs its daemons as root)"
export PATH="$PATH:/usr/sbin"
for tool in munged slurmctld slurmd sbatch; do
  command -v "$tool" >/dev/null 2>&1 ||
    skip_because "$tool not installed (Debian packages slurm-wlm and munge; scripts/setup.sh)"
done

cluster=""
job=""
finish() {
  local rc=$?
  if [ -n "$job" ] && [ -n "$cluster" ]; then
    # A task still running (on failure or timeout) is cancelled before its slurmd goes.
    scancel "$job" 2>/dev/null || true
    for _ in $(seq 20); do
      [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  if [ -n "$cluster" ]; then
    "$source_dir/scripts/slurm-local.sh" stop "$cluster" || true
    rm -rf "$cluster"
    rm -f "$work/cluster-dir"
  fi
  exit $rc
}
trap finish EXIT
trap 'exit 1' INT TERM

# The cluster's folder is named in WORK before anything starts in it, and kept short (munge's
# socket path has a length limit, which a build folder's path may exceed).
cluster=$(mktemp -d "${TMPDIR:-/tmp}/qvsim-slurm.XXXXXX")
echo "$cluster" >"$work/cluster-dir"
if ! "$source_dir/scripts/slurm-local.sh" start "$cluster" >/dev/null 2>"$work/start.err"; then
  cat "$work/start.err"
  skip_because "the local SLURM cluster did not start (see above)"
fi
export SLURM_CONF="$cluster/slurm.conf"
echo "cluster up in $cluster: $(sinfo -h -o '%D node(s), %c CPUs, %t')"

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

# The README's job script, with the array and the replicates scaled down and the built binary.
cat >"$work/job.sh" <<EOF
#!/bin/bash
#SBATCH --array=0-$((shards - 1))
#SBATCH --cpus-per-task=1
#SBATCH --output=$work/slurm-%A_%a.out
"$qvsim" sweep scenarios/sweep_example.yaml --out "$work/sweep" \\
      --shard \${SLURM_ARRAY_TASK_ID}/$shards --threads \${SLURM_CPUS_PER_TASK} --resume --quiet \\
      --replicates $replicates
EOF
job=$(sbatch --parsable --chdir="$source_dir" "$work/job.sh") || fail "sbatch refused the job"
job=${job%%;*}
echo "submitted job array $job ($shards tasks)"

# Meanwhile, the reference: the same sweep, whole, in one process.
(cd "$source_dir" && "$qvsim" sweep scenarios/sweep_example.yaml --out "$work/whole" --quiet \
  --replicates $replicates) || fail "the whole sweep failed"

deadline=$((SECONDS + array_timeout_s))
while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do
  [ $SECONDS -lt $deadline ] ||
    fail "job array $job still queued or running after ${array_timeout_s} s"
  sleep 1
done

# Every task: COMPLETED with exit code 0 (finished jobs stay known to slurmctld for MinJobAge).
states=$(scontrol -o show job "$job" |
  sed -E 's/.*ArrayTaskId=([0-9]+) .*JobState=([A-Z_]+) .*ExitCode=([0-9:]+).*/\1 \2 \3/' | sort -n)
while read -r line; do echo "  task $line"; done <<<"$states"
for f in "$work"/slurm-*.out; do
  if [ -s "$f" ]; then
    echo "--- ${f##*/}"
    cat "$f"
  fi
done
[ "$(echo "$states" | grep -c ' COMPLETED 0:0$')" -eq $shards ] ||
  fail "not every task of job array $job completed with exit code 0"

status=$("$qvsim" status "$work/sweep") || fail "qvsim status failed"
echo "$status"
echo "$status" | grep -Eq '^[[:space:]]*complete$' || fail "qvsim status does not say complete"

for f in runs.csv summary.csv; do
  cmp "$work/whole/$f" "$work/sweep/$f" ||
    fail "$f differs between the job array and the whole sweep"
done
echo "runs.csv and summary.csv byte-identical to the whole sweep"
