#!/usr/bin/env bash
# Builds in Release and runs one benchmark suite from bench/.
# Usage: scripts/bench.sh SUITE [suite flags]
#   ingest  in-process ingest pipeline vs raw Ed25519 verify rate, with the
#           four sector plugins loaded (--plugin-dir= runs without plugins)
#   trace   forward closure on a synthetic lineage graph
#   log     Merkle log append / inclusion proof / verify
#   http    a real qtraced under concurrent clients (throughput, p99)
#   recall  recall scope at 1M lots and durable notices for 10k parties
# Each suite prints a readable table and, as its last line, one JSON object.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
suite=${1:-}
[ -n "$suite" ] || { sed -n '2,10p' "$0"; exit 2; }
shift

scripts/setup.sh >&2
build=${BENCH_BUILD_DIR:-build-release}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DQTRACE_BUILD_TESTS=OFF >/dev/null
ninja -C "$build" "bench_${suite}" >&2
case "$suite" in
  http) ninja -C "$build" qtraced >&2 ;;
  ingest)
    ninja -C "$build" qtrace_sector_plugins >&2
    # Later flags win: an explicit --plugin-dir= overrides this default.
    set -- "--plugin-dir=$build/plugins/modules" "$@" ;;
esac
exec "$build/bench/bench_${suite}" "$@"
