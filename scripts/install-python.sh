#!/usr/bin/env bash
# Installs the Python package qvsim, built in a build tree, for Debian's /usr/bin/python3: copies
# BUILD/python/qvsim into the first of that Python's site folders (/usr/local/lib/python3.X/
# dist-packages on Debian), replacing an earlier copy, through sudo when not root.
# Usage: scripts/install-python.sh [BUILD]   (default build/release; build it first:
#        cmake --build --preset release --target qvsim_python)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
python=/usr/bin/python3
package="${build}/python/qvsim"
if ! ls "${package}"/_core*.so >/dev/null 2>&1; then
  echo "install-python: ${package} holds no built module; build the qvsim_python target first" >&2
  exit 2
fi
site=$("${python}" -c 'import site; print(site.getsitepackages()[0])')
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" mkdir -p "${site}"
"${sudo_cmd[@]}" rm -rf "${site}/qvsim.tmp"
"${sudo_cmd[@]}" cp -r "${package}" "${site}/qvsim.tmp"
"${sudo_cmd[@]}" rm -rf "${site}/qvsim"
"${sudo_cmd[@]}" mv "${site}/qvsim.tmp" "${site}/qvsim"
echo "install-python: installed qvsim into ${site}"
(cd / && "${python}" -c 'import qvsim; print("install-python: import qvsim works, version", qvsim.__version__)')
