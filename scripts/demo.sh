#!/usr/bin/env bash
# Installs what is missing, builds, and plays the demo story's aquatic chain
# end to end on an embedded RocksDB store under ./var, printing what happened.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/setup.sh
build=${BUILD_DIR:-build}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
ninja -C "$build" aquatic_chain >/dev/null
mkdir -p var
exec "$build/examples/aquatic_chain" var/qtrace
