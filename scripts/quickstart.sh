#!/usr/bin/env bash
# Installs what is missing, builds qvsim (release) and runs the default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target qvsim
exec build/release/app/qvsim run scenarios/default.yaml "$@"
