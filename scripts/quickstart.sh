#!/usr/bin/env bash
# Installs what is missing, builds qvsim (release) and its Python package (installed for
# /usr/bin/python3, docs/python.md), and runs the default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target qvsim qvsim_python
scripts/install-python.sh build/release
exec build/release/app/qvsim run scenarios/default.yaml "$@"
