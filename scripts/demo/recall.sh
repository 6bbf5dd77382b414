# Demo story, the recall: the regulator orders a level-1 food recall seeded
# at feed lot F-2406; notices, acknowledgements, a refused shipment, a missed
# deadline (on the drill clock), recovered and destroyed quantities, the
# effectiveness table and closure. Sourced by scripts/demo.sh, which defines
# as/refused/section/say and reg (the regulator's --key/--party flags).
rid=RC-EZ-2026-0927
retail=gtin:06901234567892

section "10. The regulator orders a level-1 food recall seeded at feed lot F-2406"
as ezhou-amr recall order --id "$rid" --sector agriculture --level 1 --responsible ezhou-aquatic \
  --input-lot local:crab-feed/F-2406 --depth consumer \
  --hazard "banned veterinary drug residue (enrofloxacin 38.5 ug/kg in crab)" \
  --reason "spot check SC-2026-0927-01 (Supermarket B) and a consumer complaint (Supermarket A)"
"$QT" recall scope "$rid" "${reg[@]}" >"$var/$rid-scope.csv"
say "scope: every lot downstream of F-2406 after it was fed, and who holds it ($var/$rid-scope.csv):"
# columns: recall,lot,product,producer,holder,received,held,shipped,used,consumed,destroyed,unit
# (product names may hold quoted commas, so the holder columns are counted from the end)
awk -F, 'NR == 1 { printf "     %-36s %-18s %9s %9s %9s\n", "LOT", "HOLDER", "RECEIVED", "HELD", "CONSUMED"; next }
         { printf "     %-36s %-18s %9s %9s %9s %s\n", $2, $(NF-7), $(NF-6), $(NF-5), $(NF-2), $NF }' \
  "$var/$rid-scope.csv"
for lot in local:mitten-crab/P1-0920 local:mitten-crab/P2-0920 local:mitten-crab/P4-0920 \
  local:wuchang-bream/WB-0915; do
  if grep -q ",$lot," "$var/$rid-scope.csv"; then echo "demo: $lot must not be in the recall" >&2; exit 1; fi
done
say "not in it (checked): the P1, P2 and P4 harvests themselves, and the Wuchang bream farm"
say "$("$QT" recall scope "$rid" --recompute --json "${reg[@]}" |
  sed -n 's/.*"as_of":\([0-9]*\).*"same":\([a-z]*\).*/recomputed as of log index \1: same digest = \2/p')"

section "11. Every holder finds the notice in its inbox"
for p in super-a super-b lake-restaurants; do
  say "$p:"
  "$QT" recall notices --key "$keys/$p.key" --party "$p" | sed 's/^/     /'
done

section "12. Acknowledgements (the restaurant chain does not answer); the processor files its plan"
for p in super-a super-b ezhou-aquatic liangzi-coop lakeside-feed; do
  as "$p" recall ack --id "$rid"
done
as ezhou-aquatic recall file-plan --id "$rid" \
  --evidence "recall-plan/$rid.pdf" --evidence "risk-evaluation/$rid.pdf"
refused super-b ship --to lake-restaurants --shipment DN-X-0930 \
  --item "$retail/RB-02=10 KGM"

section "13. 25 hours later (the drill clock jumps): who missed a deadline?"
echo 90000 >"$var/clock-offset"
sleep 1.5  # qtraced re-reads the offset; its deadline monitor runs every second
export QTRACE_CLOCK_OFFSET_S=90000
"$QT" recall overdue "${reg[@]}" | sed 's/^/     /'
as lake-restaurants recall ack --id "$rid" --note "late: the notice went to a closed branch"

section "14. What was recovered, destroyed and already consumed"
progress() {  # PARTY LOT RECOVERED/DESTROYED/CONSUMED...
  local party=$1 lot=$2
  shift 2
  as "$party" recall progress --id "$rid" --item "$lot,$(IFS=,; echo "$*")" \
    --evidence "disposal-cert/$party/$(basename "$lot")"
}
progress super-a "$retail/RB-01" "recovered=280 KGM" "consumed=120 KGM"
progress super-a "$retail/RB-04" "destroyed=400 KGM"
progress super-b "$retail/RB-02" "recovered=400 KGM"
progress lake-restaurants "$retail/RB-03" "destroyed=250 KGM" "consumed=150 KGM"
progress lake-restaurants "$retail/RB-05" "destroyed=400 KGM"
progress ezhou-aquatic local:crab-mixed/M-1 "destroyed=400 KGM"
progress liangzi-coop local:crab-feed/F-2406 "destroyed=0.2 TNE"
progress lakeside-feed local:crab-feed/F-2406 "recovered=1 TNE"
"$QT" recall show "$rid" "${reg[@]}" | sed 's/^/     /'

section "15. The processor files its summary; the regulator reviews and closes"
as ezhou-aquatic recall complete --id "$rid" --reason "all retail lots recovered or destroyed"
as ezhou-amr recall review --id "$rid"
as ezhou-amr recall close --id "$rid" --outcome accepted_as_is --reason "100% accounted for"
unset QTRACE_CLOCK_OFFSET_S
