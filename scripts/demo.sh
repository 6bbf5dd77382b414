#!/usr/bin/env bash
# The demo story (one city's supply chains, /docs and demo-story.md) played
# against the real thing: installs what is missing, builds qtraced and the
# qtrace CLI, starts qtraced on a fresh embedded RocksDB store under
# ./var/demo, registers the city's parties and plays the aquatic chain and
# one lot in each other sector through the CLI, then asks a regulator's
# questions — where did this retail lot come from, where did the feed lot
# go, what happens to a bad record, does a receipt verify offline — and
# stops the daemon cleanly.
#
#   scripts/demo.sh
#   env: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo),
#        JOBS (ninja -j; default ninja's), DEMO_DIR (default var/demo; wiped
#        at the start of every run)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
t0=$(date +%s%N)
elapsed() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# ---- build (only what the demo runs) ---------------------------------------------
scripts/setup.sh
build=${BUILD_DIR:-build}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
# qtraced runs with the four sector plugins (plugins/*), built as real .so files.
demo_targets=(qtraced qtrace qtrace_sector_plugins)
# The recall runs as a drill: the host clock can be moved forward
# (--clock-offset-file) to cross a deadline without waiting a day.
qtraced_flags=(--plugin-dir "$root/$build/plugins/modules" --clock-offset-file "$root/${DEMO_DIR:-var/demo}/clock-offset"
  --recall-monitor-s 1)
ninja -C "$build" ${JOBS:+-j "$JOBS"} "${demo_targets[@]}" >/dev/null
build_ms=$(elapsed "$t0")
t1=$(date +%s%N)

QT="$root/$build/host/cli/qtrace"
QTD="$root/$build/host/daemon/qtraced"
var=${DEMO_DIR:-var/demo}
keys="$var/parties"
rm -rf "$var"
mkdir -p "$keys" "$var/receipts"
echo 0 >"$var/clock-offset"

# ---- how the story is told -------------------------------------------------------
section() { printf '\n== %s ==\n' "$*"; }
say() { printf '   %s\n' "$*"; }

# as PARTY qtrace-args...: state a record as PARTY; one line per record:
#   #<log index>  <party>  <what was recorded>
as() {
  local party=$1 out
  shift
  if ! out=$("$QT" "$@" --key "$keys/$party.key" --party "$party"); then
    echo "demo: '$party: qtrace $*' failed (see above)" >&2
    exit 1
  fi
  if [[ $out =~ ^(already\ )?accepted\ \ (.*)\ \ \[log\ ([0-9]+), ]]; then
    printf '  #%-4s %-18s %s\n' "${BASH_REMATCH[3]}" "$party" "${BASH_REMATCH[2]}"
  else
    printf '  %s\n' "$out"
  fi
}

# refused PARTY qtrace-args...: a record that must be refused; shows why.
refused() {
  local party=$1 err rc=0
  shift
  err=$("$QT" "$@" --key "$keys/$party.key" --party "$party" 2>&1 >/dev/null) || rc=$?
  if [ "$rc" -ne 1 ]; then
    echo "demo: expected the server to refuse '$party: qtrace $*' (exit 1), got exit $rc: $err" >&2
    exit 1
  fi
  printf '  REFUSED %-16s %s\n' "$party" "${err#refused: }" | sed '2,$s/^/                          /'
}

# party ID ROLE SECTOR "NAME" [extra qtrace party flags]: a key pair for the
# party, registered by the platform operator.
party() {
  local id=$1 role=$2 sector=$3 name=$4
  shift 4
  "$QT" keygen "$keys/$id.key" >/dev/null
  as ezhou-platform party --id "$id" --role "$role" --sector "$sector" --name "$name" \
    --public-key "$keys/$id.pub" --admin-area 420700 "$@"
}

# ship FROM TO SHIPMENT ITEM DAY [more ship flags]: a shipment and its receipt.
ship() {
  local from=$1 to=$2 id=$3 item=$4 day=$5
  shift 5
  as "$from" ship --to "$to" --shipment "$id" --item "$item" --at "${day}T08:00:00+08:00" "$@"
  as "$to" receive --from "$from" --shipment "$id" --item "$item" --at "${day}T15:00:00+08:00" \
    --receipt-out "$var/receipts/$to-$id.tlog"
}

# ---- the city's log ----------------------------------------------------------------
section "A traceability log for Ezhou"
"$QT" init "$var" --origin qtrace.ezhou.example/log --admin-party ezhou-platform \
  --admin-name "Ezhou traceability platform operator" >/dev/null
cp "$var/keys/admin.key" "$keys/ezhou-platform.key"
"$QTD" --data-dir "$var" --listen 127.0.0.1:0 --port-file "$var/qtraced.port" \
  --log-level warn ${qtraced_flags[@]+"${qtraced_flags[@]}"} >"$var/qtraced.out" 2>"$var/qtraced.log" &
qtraced_pid=$!
trap 'kill -KILL "$qtraced_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 400); do
  [ -s "$var/qtraced.port" ] && break
  if ! kill -0 "$qtraced_pid" 2>/dev/null; then
    echo "demo: qtraced did not start:" >&2
    cat "$var/qtraced.log" >&2
    exit 1
  fi
  sleep 0.025
done
[ -s "$var/qtraced.port" ] || { echo "demo: qtraced did not start listening" >&2; exit 1; }
export QTRACE_SERVER="http://127.0.0.1:$(cat "$var/qtraced.port")"
say "qtraced (pid $qtraced_pid) serves log qtrace.ezhou.example/log at $QTRACE_SERVER"
say "store $var/db; host public key $var/keys/host.pub"

section "1. The platform operator registers the city's parties"
party ezhou-amr regulator all "City Market Supervision Bureau"
party ezhou-agri regulator agriculture "City Agriculture and Rural Affairs Bureau"
party cnca-organic certifier agriculture "CNCA-approved organic certification body"
party ezhou-foodlab lab agriculture "CMA food testing laboratory" --licence CMA:241712340567
party diamond-qic lab diamond_tools "National diamond-tools quality inspection centre"
party lakeside-feed enterprise agriculture "Lakeside feed mill" --licence feed:E-FEED-2024-0311
party liangzi-coop enterprise agriculture "Liangzi Lake crab cooperative" --licence aquaculture:EZ-AQ-0087
party wuchang-bream enterprise agriculture "Wuchang bream farm" --licence aquaculture:EZ-AQ-0102
party ezhou-aquatic enterprise agriculture "Ezhou aquatic products collector and processor" \
  --licence SC:SC10942070300251
party super-a enterprise retail "Supermarket A (Echeng)"
party super-b enterprise retail "Supermarket B (Huarong)"
party lake-restaurants enterprise retail "Lake restaurant chain"
party biopark-api enterprise pharma "Biomedicine park API maker" --licence drug_mfg:HB20240017
party hubei-tablets enterprise pharma "Tablet maker (marketing authorisation holder)" \
  --licence drug_mfg:HB20240022
party ezhou-pharma-dist enterprise pharma "Pharmaceutical distributor" --licence drug_dist:HB-B-2024-031
party pharmacy-1 enterprise pharma "Pharmacy 1 (Echeng)"
party pharmacy-2 enterprise pharma "Pharmacy 2 (Huarong)"
party pharmacy-3 enterprise pharma "Pharmacy 3 (Liangzihu)"
party ezhou-segments enterprise diamond_tools "Diamond segment maker"
party ezhou-blades enterprise diamond_tools "Saw-blade maker" --licence XK:XK23-004-00117
party hardware-wholesale enterprise diamond_tools "Hardware wholesaler"
party ezhou-cement enterprise building_materials "Cement plant" --licence XK:XK08-001-00931
party ezhou-readymix enterprise building_materials "Ready-mix concrete plant"
party huarong-site enterprise building_materials "Huarong school construction site"

source scripts/demo/agriculture.sh
source scripts/demo/pharma.sh
source scripts/demo/diamond_tools.sh
source scripts/demo/building_materials.sh

# ---- the regulator's questions ------------------------------------------------------
section "7. A bad record is refused, and nothing changes"
size_before=$("$QT" log checkpoint --json | sed -n 's/.*"size":\([0-9]*\).*/\1/p')
refused super-b ship --to lake-restaurants --shipment DN-X-0925 \
  --item "gtin:06901234567892/RB-02=450 KGM" --at 2026-09-25T08:00:00+08:00
size_after=$("$QT" log checkpoint --json | sed -n 's/.*"size":\([0-9]*\).*/\1/p')
say "log size before $size_before, after $size_after: nothing was written"

section "8. A spot check fails; where did the two complaint lots come from?"
as ezhou-foodlab inspect --id SC-2026-0927-01 --kind spot_check --lot gtin:06901234567892/RB-02 \
  --sample S-0927-01 --item "enrofloxacin=38.5 ug/kg;max=0" --report FL-2026-1893 \
  --accreditation 241712340567
reg=(--key "$keys/ezhou-amr.key" --party ezhou-amr)
say "trace back from RB-02 (the failed sample, Supermarket B):"
"$QT" trace gtin:06901234567892/RB-02 --backward "${reg[@]}" | sed 's/^/     /'
say "trace back from RB-04 (a consumer complaint, Supermarket A):"
"$QT" trace gtin:06901234567892/RB-04 --backward "${reg[@]}" | sed 's/^/     /'
"$QT" trace gtin:06901234567892/RB-02 --backward --csv "${reg[@]}" | cut -d, -f2 | sort -u >"$var/up-RB-02"
"$QT" trace gtin:06901234567892/RB-04 --backward --csv "${reg[@]}" | cut -d, -f2 | sort -u >"$var/up-RB-04"
say "shared upstream lots: $(comm -12 "$var/up-RB-02" "$var/up-RB-04" | grep -v '^lot$' | grep crab-feed | paste -sd, -)"

section "9. Where did feed lot F-2406 go? Every downstream lot and holder"
"$QT" trace local:crab-feed/F-2406 --forward "${reg[@]}" | sed 's/^/     /'
"$QT" trace local:crab-feed/F-2406 --forward --csv "${reg[@]}" >"$var/trace-F-2406.csv"
say "as a sheet ($var/trace-F-2406.csv, one row per lot and holder; the retail rows):"
# (product names may hold quoted commas, so the holder columns are counted from the end)
awk -F, 'NR == 1 || $1 == 3 { printf "     %-6s %-28s %-18s %s %s\n", $1, $2, $(NF-7), $(NF-6), $NF }' \
  "$var/trace-F-2406.csv"
say "not in it: the P1-only, P2 and P4 lots, and the Wuchang bream farm:"
for lot in local:mitten-crab/P1-0920 local:mitten-crab/P2-0920 local:mitten-crab/P4-0920 \
  local:wuchang-bream/WB-0915; do
  grep -q "$lot" "$var/trace-F-2406.csv" && { echo "demo: $lot must not be downstream of F-2406" >&2; exit 1; }
done
say "  (checked: local:mitten-crab/P1-0920, P2-0920, P4-0920 and local:wuchang-bream/WB-0915 are absent)"

source scripts/demo/recall.sh

section "16. Supermarket B checks its receipt offline, with nothing but public keys"
say "receipt $var/receipts/super-b-DN-P-02.tlog (super-b's record of receiving RB-02):"
"$QT" verify "$var/receipts/super-b-DN-P-02.tlog" --host-key "$var/keys/host.pub" \
  --signer-key "$keys/super-b.pub" | sed 's/^/     /'
say "latest signed checkpoint:"
"$QT" log checkpoint --host-key "$var/keys/host.pub" | sed 's/^/     /'

section "The end"
kill -TERM "$qtraced_pid"
rc=0
wait "$qtraced_pid" || rc=$?
trap - EXIT
if [ "$rc" -ne 0 ]; then
  echo "demo: qtraced exited with $rc" >&2
  cat "$var/qtraced.log" >&2
  exit 1
fi
say "qtraced stopped cleanly (SIGTERM, exit 0); the store stays in $var"
say "timing: build $(( build_ms / 1000 )).$(( build_ms % 1000 / 100 )) s, story $(( $(elapsed "$t1") / 1000 )).$(( $(elapsed "$t1") % 1000 / 100 )) s"
