# Demo story, pharma: API -> tablets with trace codes -> distributor ->
# pharmacies, and the refusals the pharma plugin makes.
# Sourced by scripts/demo.sh, which defines as/refused/ship/section/say.
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
pharma_refusal() { :; }
pharma_refusal

