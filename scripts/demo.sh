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
# HOOK(lead, sector plugins): add the plugin targets here and their directory
# to qtraced_flags below, e.g. qtraced_flags=(--plugin-dir "$root/$build/plugins").
demo_targets=(qtraced qtrace)
qtraced_flags=()
ninja -C "$build" ${JOBS:+-j "$JOBS"} "${demo_targets[@]}" >/dev/null
build_ms=$(elapsed "$t0")
t1=$(date +%s%N)

QT="$root/$build/host/cli/qtrace"
QTD="$root/$build/host/daemon/qtraced"
var=${DEMO_DIR:-var/demo}
keys="$var/parties"
rm -rf "$var"
mkdir -p "$keys" "$var/receipts"

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

# ---- aquatic -----------------------------------------------------------------------
section "2. Aquatic: feed, ponds and what went into them"
as lakeside-feed product --product local:crab-feed --sector agriculture --name "crab compound feed" --unit KGM
as lakeside-feed lot --lot local:crab-feed/F-2405 --quantity "2 TNE" --produced 2026-04-18T08:00:00+08:00 \
  --site 420704 --attr crude_protein_pct:decimal=42.0
as lakeside-feed lot --lot local:crab-feed/F-2406 --quantity "2 TNE" --produced 2026-04-20T08:00:00+08:00 \
  --site 420704 --attr crude_protein_pct:decimal=42.0
as lakeside-feed ship --to liangzi-coop --shipment DN-F-0425 --item "local:crab-feed/F-2405=1.5 TNE" \
  --item "local:crab-feed/F-2406=1 TNE" --at 2026-04-25T08:00:00+08:00
as liangzi-coop receive --from lakeside-feed --shipment DN-F-0425 --item "local:crab-feed/F-2405=1.5 TNE" \
  --item "local:crab-feed/F-2406=1 TNE" --at 2026-04-25T16:00:00+08:00
as liangzi-coop product --product local:mitten-crab --sector agriculture --name "Liangzi Lake mitten crab" --unit KGM
for p in 1 2 3 4 5; do
  as liangzi-coop unit register --unit "P$p" --kind pond --site 420702 --sector agriculture
done
for p in 1 2 4; do
  as liangzi-coop unit apply --unit "P$p" --input local:crab-feed/F-2405 --quantity "300 KGM" \
    --time 2026-05-02T07:00:00+08:00
done
for p in 3 5; do
  as liangzi-coop unit apply --unit "P$p" --input local:crab-feed/F-2406 --quantity "400 KGM" \
    --time 2026-05-03T07:00:00+08:00
done
as wuchang-bream product --product local:wuchang-bream --sector agriculture --name "Wuchang bream" --unit KGM
as wuchang-bream unit register --unit B1 --kind pond --site 420703
as wuchang-bream lot --lot local:wuchang-bream/WB-0915 --quantity "600 KGM" \
  --produced 2026-09-15T06:00:00+08:00 --from-unit B1@2026-09-15T06:00:00+08:00

section "3. Aquatic: harvest with commitment certificates, collection, processing, retail"
for p in 1 2 3 4 5; do
  as liangzi-coop lot --lot "local:mitten-crab/P$p-0920" --quantity "800 KGM" \
    --produced 2026-09-20T06:00:00+08:00 --from-unit "P$p@2026-09-20T06:00:00+08:00" \
    --cert "HG-0920-P$p=承诺达标合格证" --attr pond="P$p"
  as liangzi-coop cert issue --id "HG-0920-P$p" --kind commitment --standard 承诺达标合格证 \
    --subject-lot "local:mitten-crab/P$p-0920" --valid-from 2026-09-20T06:00:00+08:00 \
    --valid-to 2026-10-20T00:00:00+08:00
done
as liangzi-coop ship --to ezhou-aquatic --shipment DN-C-0921 --item "local:mitten-crab/P1-0920=800 KGM" \
  --item "local:mitten-crab/P3-0920=800 KGM" --item "local:mitten-crab/P5-0920=800 KGM" \
  --at 2026-09-21T07:00:00+08:00
as ezhou-aquatic receive --from liangzi-coop --shipment DN-C-0921 --item "local:mitten-crab/P1-0920=800 KGM" \
  --item "local:mitten-crab/P3-0920=800 KGM" --item "local:mitten-crab/P5-0920=800 KGM" \
  --at 2026-09-21T11:00:00+08:00
as ezhou-aquatic product --product local:crab-mixed --sector agriculture --name "collector lot" --unit KGM
as ezhou-aquatic lot --lot local:crab-mixed/M-1 --quantity "1600 KGM" --produced 2026-09-22T08:00:00+08:00 \
  --input "local:mitten-crab/P3-0920=800KGM:merged_into" --input "local:mitten-crab/P1-0920=800KGM:merged_into"
as ezhou-aquatic lot --lot local:crab-mixed/M-2 --quantity "800 KGM" --produced 2026-09-22T08:00:00+08:00 \
  --input "local:mitten-crab/P5-0920=800KGM:merged_into"
as ezhou-aquatic product --product gtin:06901234567892 --sector agriculture \
  --name "live mitten crab, 500 g gift box" --unit KGM
retail() {  # CODE FROM-LOT HOLDER
  as ezhou-aquatic lot --lot "gtin:06901234567892/$1" --quantity "400 KGM" \
    --produced 2026-09-23T08:00:00+08:00 --input "local:crab-mixed/$2=400KGM:split_from" \
    --expiry 2026-10-03T00:00:00+08:00
}
retail RB-01 M-1
retail RB-02 M-1
retail RB-03 M-1
retail RB-04 M-2
retail RB-05 M-2
ship ezhou-aquatic super-a DN-P-01 "gtin:06901234567892/RB-01=400 KGM" 2026-09-24
ship ezhou-aquatic super-b DN-P-02 "gtin:06901234567892/RB-02=400 KGM" 2026-09-24
ship ezhou-aquatic lake-restaurants DN-P-03 "gtin:06901234567892/RB-03=400 KGM" 2026-09-24
ship ezhou-aquatic super-a DN-P-04 "gtin:06901234567892/RB-04=400 KGM" 2026-09-24
ship ezhou-aquatic lake-restaurants DN-P-05 "gtin:06901234567892/RB-05=400 KGM" 2026-09-24
as super-a consume --kind sold --item "gtin:06901234567892/RB-01=120 KGM" --at 2026-09-26T20:00:00+08:00
as lake-restaurants consume --kind consumed --item "gtin:06901234567892/RB-03=150 KGM" \
  --at 2026-09-26T21:00:00+08:00
# HOOK(lead, sector plugins): the agriculture refusal goes here, e.g. a
# harvest inside a veterinary drug's withdrawal period, or a retail lot
# without a commitment certificate.
agriculture_refusal() { :; }
agriculture_refusal

# ---- pharma ------------------------------------------------------------------------
section "4. Pharma: API -> tablets with trace codes -> distributor -> pharmacies"
codes() { seq -f "8123456024$1%09g" "$2" "$3"; }  # 20-digit drug trace codes
codes 1 1 40 >"$var/codes-A.txt"
codes 2 1 40 >"$var/codes-B.txt"
as biopark-api product --product local:metformin-api --sector pharma --name "metformin hydrochloride (API)" --unit KGM
as biopark-api lot --lot local:metformin-api/API-2409 --quantity "500 KGM" --produced 2026-09-02T08:00:00+08:00 \
  --attr licence=HB20240017 --attr gmp:bool=true
ship biopark-api hubei-tablets DN-API-0905 "local:metformin-api/API-2409=60 KGM" 2026-09-05
as hubei-tablets product --product national:86900001000012 --sector pharma \
  --name "metformin HCl tablets 0.5 g x 60" --unit EA
for x in A B; do
  as hubei-tablets lot --lot "national:86900001000012/TB-2410$x" --quantity "40 EA" \
    --produced 2026-10-08T08:00:00+08:00 --expiry 2028-09-30T00:00:00+08:00 \
    --input "local:metformin-api/API-2409=1.2KGM" --attr "approval_number=国药准字H20243456" \
    --serials-file "$var/codes-$x.txt"
done
mapfile -t codes_a <"$var/codes-A.txt"
as hubei-tablets ship --to ezhou-pharma-dist --shipment DN-T-1010 --item "national:86900001000012/TB-2410A=40 EA" \
  $(printf -- '--serial %s ' "${codes_a[@]}") --at 2026-10-10T08:00:00+08:00
as ezhou-pharma-dist receive --from hubei-tablets --shipment DN-T-1010 \
  --item "national:86900001000012/TB-2410A=40 EA" --at 2026-10-10T14:00:00+08:00
for i in 1 2 3; do
  from=$(( (i - 1) * 10 ))
  as ezhou-pharma-dist ship --to "pharmacy-$i" --shipment "DN-D-101$i" \
    --item "national:86900001000012/TB-2410A=10 EA" $(printf -- '--serial %s ' "${codes_a[@]:$from:10}") \
    --at 2026-10-12T08:00:00+08:00
  as "pharmacy-$i" receive --from ezhou-pharma-dist --shipment "DN-D-101$i" \
    --item "national:86900001000012/TB-2410A=10 EA" --at 2026-10-12T13:00:00+08:00
done
as pharmacy-1 consume --kind dispensed --item "national:86900001000012/TB-2410A=1 EA" \
  --serial "${codes_a[0]}" --at 2026-10-15T10:20:00+08:00
# HOOK(lead, sector plugins): the pharma refusal goes here, e.g. a pack code
# dispensed twice, or a tablet lot without a valid approval number.
pharma_refusal() { :; }
pharma_refusal

# ---- diamond tools -----------------------------------------------------------------
section "5. Diamond tools: segments -> saw blades (MOS 80 m/s) -> rotation test -> wholesaler"
as ezhou-segments product --product local:segment-40x10 --sector diamond_tools \
  --name "diamond segment 40 x 3.2 x 10 mm" --unit EA
as ezhou-segments lot --lot local:segment-40x10/SEG-2410 --quantity "1000 EA" --produced 2026-10-02T08:00:00+08:00
ship ezhou-segments ezhou-blades DN-S-1003 "local:segment-40x10/SEG-2410=480 EA" 2026-10-03
as ezhou-blades unit register --unit BRAZE-2 --kind furnace --site 420704 --sector diamond_tools
as ezhou-blades unit run --unit BRAZE-2 --run R-1006 --start 2026-10-06T08:00:00+08:00 \
  --end 2026-10-06T10:00:00+08:00 --attr peak_temp_c:int=860
as ezhou-blades product --product gtin:06901234567816 --sector diamond_tools \
  --name "segmented saw blade 350 mm" --unit EA
as ezhou-blades lot --lot gtin:06901234567816/BL-2410-01 --quantity "40 EA" --produced 2026-10-06T12:00:00+08:00 \
  --input "local:segment-40x10/SEG-2410=480EA" --from-unit "BRAZE-2@2026-10-06T08:00:00+08:00,2026-10-06T10:00:00+08:00" \
  --attr diameter_mm:int=350 --attr max_speed_ms:int=80 --attr max_rpm:int=4365 \
  --attr direction_arrow:bool=true --attr "marking=EN 13236 / GB/T 43134"
as diamond-qic cert issue --id QIC-RT-2026-1188 --kind rotation_test --standard "GB/T 43134-2023" \
  --subject-lot gtin:06901234567816/BL-2410-01 --valid-from 2026-10-08T00:00:00+08:00 \
  --attr tested_speed_ms:decimal=120 --attr result=pass
ship ezhou-blades hardware-wholesale DN-B-1010 "gtin:06901234567816/BL-2410-01=20 EA" 2026-10-10
# HOOK(lead, sector plugins): the diamond-tools refusal goes here, e.g. a
# blade lot whose max_rpm does not match 80 m/s at its diameter.
diamond_refusal() { :; }
diamond_refusal

# ---- building materials ------------------------------------------------------------
section "6. Building materials: cement P·O 42.5 -> ready-mix C30 -> construction site"
as ezhou-cement product --product local:cement-po42.5 --sector building_materials \
  --name "P·O 42.5 ordinary Portland cement" --unit TNE
as ezhou-cement lot --lot local:cement-po42.5/CEM-260901 --quantity "500 TNE" --produced 2026-09-01T08:00:00+08:00 \
  --attr standard="GB 175-2023" --attr strength_grade:decimal=42.5
as ezhou-cement cert issue --id CEM-260901-R28 --kind strength_report_28d --standard "GB 175-2023" \
  --subject-lot local:cement-po42.5/CEM-260901 --valid-from 2026-09-29T08:00:00+08:00 \
  --attr strength_28d_mpa:decimal=48.6 --attr result=pass
ship ezhou-cement ezhou-readymix DN-CM-1001 "local:cement-po42.5/CEM-260901=60 TNE" 2026-10-01
as ezhou-readymix product --product local:concrete-c30 --sector building_materials \
  --name "ready-mix concrete C30" --unit MTQ
as ezhou-readymix lot --lot local:concrete-c30/RMC-261105-01 --quantity "120 MTQ" \
  --produced 2026-11-05T06:00:00+08:00 --input "local:cement-po42.5/CEM-260901=45TNE" \
  --attr strength_class=C30
ship ezhou-readymix huarong-site DN-RM-1105 "local:concrete-c30/RMC-261105-01=120 MTQ" 2026-11-05
as huarong-site consume --kind consumed --item "local:concrete-c30/RMC-261105-01=120 MTQ" \
  --at 2026-11-05T12:00:00+08:00
# HOOK(lead, sector plugins): the building-materials refusal goes here, e.g.
# a ready-mix lot made from cement whose 28-day report is missing.
building_refusal() { :; }
building_refusal

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

# HOOK(lead, recall engine): the recall goes here — the regulator orders a
# level-1 food recall seeded at local:crab-feed/F-2406 (qtrace submit of a
# "recall" record, or the recall commands), then: the scope and its
# checkpoint, notices to every holder, the supermarkets' acknowledgements,
# the restaurant chain overdue, recovered/destroyed quantities, a refused
# shipment of a recalled lot, the effectiveness table, closure.
recall() { :; }
recall

section "10. Supermarket B checks its receipt offline, with nothing but public keys"
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
