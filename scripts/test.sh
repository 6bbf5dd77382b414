#!/usr/bin/env bash
# Installs what is missing, configures (Ninja + ccache), builds and runs every
# test. Usage: scripts/test.sh [extra ctest args]
# Env: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo),
#      QTRACE_SANITIZE=ON for an ASan + UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/setup.sh

build=${BUILD_DIR:-build}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=pch_defines,time_macros
cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DQTRACE_SANITIZE="${QTRACE_SANITIZE:-OFF}" >/dev/null
ninja -C "$build"
cd "$build"
ctest --output-on-failure -j "$(nproc)" "$@"
