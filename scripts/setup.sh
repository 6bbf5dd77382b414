#!/usr/bin/env bash
# Installs the Debian packages qtrace builds with, only when one is missing.
# Idempotent and quiet when there is nothing to do. Needs root or sudo the
# first time on a fresh Debian 12 machine.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkgconf
  librocksdb-dev libssl-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libflatbuffers-dev flatbuffers-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libspdlog-dev libfmt-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
