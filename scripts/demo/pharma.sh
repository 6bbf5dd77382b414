# Demo story, pharma: API -> tablets with trace codes -> distributor ->
# pharmacies, and the refusals the pharma plugin makes (plugins/pharma:
# approval numbers, 20-digit trace codes, the API maker's licence, QP
# release, the distributor's licence, one code per dispensed pack).
# Sourced by scripts/demo.sh, which defines as/refused/ship/section/say.
# ---- pharma ------------------------------------------------------------------------
section "4. Pharma: API -> tablets with trace codes -> distributor -> pharmacies"
codes() { seq -f "8123456024$1%09g" "$2" "$3"; }  # 20-digit drug trace codes
codes 1 1 40 >"$var/codes-A.txt"
codes 2 1 40 >"$var/codes-B.txt"
as biopark-api product --product local:metformin-api --sector pharma --name "metformin hydrochloride (API)" --unit KGM
as biopark-api lot --lot local:metformin-api/API-2409 --quantity "500 KGM" --produced 2026-09-02T08:00:00+08:00 \
  --attr category=api --attr mfg_licence_no=HB20240017 --attr cde_registration=Y20240000317
ship biopark-api hubei-tablets DN-API-0905 "local:metformin-api/API-2409=60 KGM" 2026-09-05
as hubei-tablets product --product national:86900001000019 --sector pharma \
  --name "metformin HCl tablets 0.5 g x 60" --unit EA
for x in A B; do
  as hubei-tablets lot --lot "national:86900001000019/TB-2410$x" --quantity "40 EA" \
    --produced 2026-10-08T08:00:00+08:00 --expiry 2028-09-30T00:00:00+08:00 \
    --input "local:metformin-api/API-2409=1.2KGM" --attr "approval_number=国药准字H20243456" \
    --attr "generic_name=盐酸二甲双胍片" --attr "dosage_form=片剂" --attr strength=0.5g \
    --attr mfg_licence_no=HB20240022 --attr "qp_name=QP Wang" \
    --attr qp_released_at:time=2026-10-09T17:00:00+08:00 --serials-file "$var/codes-$x.txt"
done
mapfile -t codes_a <"$var/codes-A.txt"
as hubei-tablets ship --to ezhou-pharma-dist --shipment DN-T-1010 --item "national:86900001000019/TB-2410A=40 EA" \
  $(printf -- '--serial %s ' "${codes_a[@]}") --at 2026-10-10T08:00:00+08:00
as ezhou-pharma-dist receive --from hubei-tablets --shipment DN-T-1010 \
  --item "national:86900001000019/TB-2410A=40 EA" --at 2026-10-10T14:00:00+08:00
for i in 1 2 3; do
  from=$(( (i - 1) * 10 ))
  as ezhou-pharma-dist ship --to "pharmacy-$i" --shipment "DN-D-101$i" \
    --item "national:86900001000019/TB-2410A=10 EA" $(printf -- '--serial %s ' "${codes_a[@]:$from:10}") \
    --at 2026-10-12T08:00:00+08:00
  as "pharmacy-$i" receive --from ezhou-pharma-dist --shipment "DN-D-101$i" \
    --item "national:86900001000019/TB-2410A=10 EA" --at 2026-10-12T13:00:00+08:00
done
as pharmacy-1 consume --kind dispensed --item "national:86900001000019/TB-2410A=1 EA" \
  --serial "${codes_a[0]}" --at 2026-10-15T10:20:00+08:00
# A third tablet lot whose approval number lost a digit, and whose last pack
# code was mistyped: the pharma plugin names both.
pharma_refusal() {
  codes 3 1 39 >"$var/codes-C.txt"
  echo 8123456024300000040 >>"$var/codes-C.txt"  # 19 digits
  refused hubei-tablets lot --lot "national:86900001000019/TB-2410C" --quantity "40 EA" \
    --produced 2026-10-20T08:00:00+08:00 --expiry 2028-09-30T00:00:00+08:00 \
    --input "local:metformin-api/API-2409=1.2KGM" --attr "approval_number=国药准字H2024345" \
    --attr mfg_licence_no=HB20240022 --serials-file "$var/codes-C.txt"
}
pharma_refusal

