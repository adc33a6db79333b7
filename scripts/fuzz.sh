#!/usr/bin/env bash
# Long fuzzing runs: scripts/fuzz.sh TARGET [SECONDS] [LIBFUZZER OPTION...]
#   TARGET   scenario or edge_list (tests/fuzz/fuzz_TARGET.cpp)
#   SECONDS  how long to fuzz (default 600)
# Builds the target in the asan preset (clang, ASan + UBSan), then fuzzes a persistent corpus in
# build/fuzz-corpus/TARGET (seeded from the seed corpus and the saved regressions), writing crash,
# timeout and out-of-memory inputs to build/fuzz-artifacts/TARGET/. Further arguments go to
# libFuzzer, e.g. -fork=1 -ignore_crashes=1 to keep going after a crash. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/fuzz.sh scenario|edge_list [SECONDS] [LIBFUZZER OPTION...]" >&2
  exit 2
}
[[ $# -ge 1 ]] || usage
target=$1
seconds=${2:-600}
shift $(($# >= 2 ? 2 : 1))
case $target in
  scenario) seeds=(scenarios/*.yaml tests/data/*.yaml tests/fuzz/seeds/scenario/*)
            extra=(-dict=tests/fuzz/scenario.dict) ;;
  edge_list) seeds=(tests/data/*.txt tests/fuzz/seeds/edge_list/*)
             extra=() ;;
  *) usage ;;
esac
[[ $seconds =~ ^[0-9]+$ ]] || usage

cmake --preset asan >/dev/null
cmake --build --preset asan -j "$(nproc)" --target "fuzz_$target"
fuzzer=build/asan/tests/fuzz/fuzz_$target

corpus=build/fuzz-corpus/$target
artifacts=build/fuzz-artifacts/$target
regressions=tests/fuzz/regressions/$target
mkdir -p "$corpus" "$artifacts"
# Seeds and regressions are copied in (never fuzzed in place, so the source tree stays clean).
for f in "${seeds[@]}" "$regressions"/*; do
  [[ -f $f ]] && cp "$f" "$corpus/seed_$(basename "$f")"
done

log=build/fuzz-artifacts/$target.log
stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
echo "fuzzing $target for $seconds s; corpus $corpus, artifacts $artifacts/, log $log"
status=0
"$fuzzer" "${extra[@]}" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$corpus" 2>&1 | tee "$log" ||
  status=$?

echo
# Executions: "Done N runs in S second(s)"; with -fork the last "#N" status line counts them.
grep -E '^Done [0-9]+ runs' "$log" || grep -E '^#[0-9]+' "$log" | tail -n 1 || true
found=$(find "$artifacts" -maxdepth 1 -type f -newer "$stamp" \( -name 'crash-*' \
          -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' -o -name 'slow-unit-*' \) | sort)
if [[ -n $found ]]; then
  echo "inputs that crashed, hung or ran out of memory (in $artifacts/):"
  echo "$found" | sed 's/^/  /'
  echo "reproduce one with: $fuzzer FILE"
  echo "then copy it into $regressions/ under a name that says what it found; every test run"
  echo "replays that folder (ctest --preset asan -R fuzz)."
fi
exit "$status"
