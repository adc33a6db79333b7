#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages qvsim needs, only those that are missing.
# Usage: scripts/setup.sh            (as root, or with sudo available)
set -euo pipefail

packages=(
  build-essential cmake git pkg-config
  libboost-graph-dev libtbb-dev libyaml-cpp-dev catch2 librandom123-dev
  libsqlite3-dev libcli11-dev libopenmpi-dev openmpi-bin python3-numpy python3-pandas python3-matplotlib
  python3-yaml  # tests/docs/test_docs.py reads the docs' YAML examples
  python3-networkx  # tests/scripts/test_agent_table.py reads graph.graphml back
  pybind11-dev python3-pybind11 python3-pytest python3-dev  # the Python package and its tests
  clang
  slurm-wlm munge  # the SLURM job-array test's one-node cluster (scripts/slurm-local.sh)
)
# Clang's sanitizer and libFuzzer runtimes (the asan preset): a package of their own on Debian 12,
# part of clang's on older releases.
if apt-cache show libclang-rt-dev >/dev/null 2>&1; then
  packages+=(libclang-rt-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
