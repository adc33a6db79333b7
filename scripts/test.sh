#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole test suite three times (this is what CI
# runs, through .ci/run):
#   dev   GCC, Debug, warnings as errors, invariant checks on;
#   asan  Clang with AddressSanitizer and UBSan (also builds the fuzzers and runs them briefly);
#   tsan  GCC with ThreadSanitizer (parallel loops on the std::thread back end, docs in README).
# QVSIM_TEST_PRESETS="dev" (or any subset, in order) runs fewer, for a quicker local check.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)
for preset in ${QVSIM_TEST_PRESETS:-dev asan tsan}; do
  echo "== ${preset}: build"
  start=$(date +%s)
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}" -j "${jobs}"
  echo "== ${preset}: test"
  ctest --preset "${preset}" -j "${jobs}"
  echo "== ${preset}: passed in $(($(date +%s) - start)) s"
done
