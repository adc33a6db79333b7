#!/usr/bin/env bash
# Installs what is missing, builds qvsim with assertions on (dev preset) and runs the whole test
# suite. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)"
ctest --preset dev -j "$(nproc)"
