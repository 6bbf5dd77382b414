# Demo story, agriculture: the aquatic chain (feed -> ponds -> harvest ->
# collector -> retail), and the refusals the agriculture plugin makes.
# Sourced by scripts/demo.sh, which defines as/refused/ship/section/say.
# ---- aquatic -----------------------------------------------------------------------
section "2. Aquatic: feed, ponds and what went into them"
as lakeside-feed product --product local:crab-feed --sector agriculture --name "crab compound feed" --unit KGM
as lakeside-feed lot --lot local:crab-feed/F-2405 --quantity "2 TNE" --produced 2026-04-18T08:00:00+08:00 \
  --site 420704 --attr input_kind=feed --attr registration_no=E-FEED-2024-0311 --attr crude_protein_pct:decimal=42.0
as lakeside-feed lot --lot local:crab-feed/F-2406 --quantity "2 TNE" --produced 2026-04-20T08:00:00+08:00 \
  --site 420704 --attr input_kind=feed --attr registration_no=E-FEED-2024-0311 --attr crude_protein_pct:decimal=42.0
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
as wuchang-bream unit register --unit B1 --kind pond --site 420703 --sector agriculture
as wuchang-bream lot --lot local:wuchang-bream/WB-0915 --quantity "600 KGM" \
  --produced 2026-09-15T06:00:00+08:00 --from-unit B1@2026-09-15T06:00:00+08:00 \
  --attr category=aquatic --attr species="Megalobrama amblycephala"

section "3. Aquatic: harvest with commitment certificates, collection, processing, retail"
for p in 1 2 3 4 5; do
  as liangzi-coop lot --lot "local:mitten-crab/P$p-0920" --quantity "800 KGM" \
    --produced 2026-09-20T06:00:00+08:00 --from-unit "P$p@2026-09-20T06:00:00+08:00" \
    --cert "HG-0920-P$p=承诺达标合格证" --attr pond="P$p" --attr category=aquatic \
    --attr species="Eriocheir sinensis"
  as liangzi-coop cert issue --id "HG-0920-P$p" --kind commitment --standard 承诺达标合格证 \
    --subject-lot "local:mitten-crab/P$p-0920" --valid-from 2026-09-20T06:00:00+08:00 \
    --valid-to 2026-10-20T00:00:00+08:00 --attr basis=self_test
done
as liangzi-coop ship --to ezhou-aquatic --shipment DN-C-0921 --item "local:mitten-crab/P1-0920=800 KGM" \
  --item "local:mitten-crab/P3-0920=800 KGM" --item "local:mitten-crab/P5-0920=800 KGM" \
  --at 2026-09-21T07:00:00+08:00
as ezhou-aquatic receive --from liangzi-coop --shipment DN-C-0921 --item "local:mitten-crab/P1-0920=800 KGM" \
  --item "local:mitten-crab/P3-0920=800 KGM" --item "local:mitten-crab/P5-0920=800 KGM" \
  --at 2026-09-21T11:00:00+08:00
as ezhou-aquatic product --product local:crab-mixed --sector agriculture --name "collector lot" --unit KGM
# Mixing (and, below, splitting into retail boxes) re-issues the commitment
# certificate, listing every source lot (R-AG-4).
commitment() {  # CERT LOT DAY SOURCES
  as ezhou-aquatic cert issue --id "$1" --kind commitment --standard 承诺达标合格证 --subject-lot "$2" \
    --valid-from "${3}T08:00:00+08:00" --valid-to 2026-10-20T00:00:00+08:00 --attr basis=self_test \
    --attr source_lots="$4"
}
as ezhou-aquatic lot --lot local:crab-mixed/M-1 --quantity "1600 KGM" --produced 2026-09-22T08:00:00+08:00 \
  --input "local:mitten-crab/P3-0920=800KGM:merged_into" --input "local:mitten-crab/P1-0920=800KGM:merged_into" \
  --cert "HG-0922-M-1=承诺达标合格证"
commitment HG-0922-M-1 local:crab-mixed/M-1 2026-09-22 local:mitten-crab/P3-0920,local:mitten-crab/P1-0920
as ezhou-aquatic lot --lot local:crab-mixed/M-2 --quantity "800 KGM" --produced 2026-09-22T08:00:00+08:00 \
  --input "local:mitten-crab/P5-0920=800KGM:merged_into" --cert "HG-0922-M-2=承诺达标合格证"
commitment HG-0922-M-2 local:crab-mixed/M-2 2026-09-22 local:mitten-crab/P5-0920
as ezhou-aquatic product --product gtin:06901234567892 --sector agriculture \
  --name "live mitten crab, 500 g gift box" --unit KGM
retail() {  # CODE FROM-LOT HOLDER
  as ezhou-aquatic lot --lot "gtin:06901234567892/$1" --quantity "400 KGM" \
    --produced 2026-09-23T08:00:00+08:00 --input "local:crab-mixed/$2=400KGM:split_from" \
    --expiry 2026-10-03T00:00:00+08:00 --cert "HG-0923-$1=承诺达标合格证"
  commitment "HG-0923-$1" "gtin:06901234567892/$1" 2026-09-23 "local:crab-mixed/$2"
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
# The bream farm treats pond B1 with medicated feed (florfenicol premix,
# 15-day withdrawal period) and tries a pond-out five days later: refused
# under R-AG-3 until the withdrawal period is over.
agriculture_refusal() {
  section "3b. Aquatic: no pond-out inside a withdrawal period"
  as lakeside-feed product --product local:medicated-feed --sector agriculture \
    --name "bream feed with florfenicol premix" --unit KGM
  as lakeside-feed lot --lot local:medicated-feed/F-2409M --quantity "500 KGM" \
    --produced 2026-09-22T08:00:00+08:00 --site 420704 --attr input_kind=feed \
    --attr registration_no=E-FEED-2024-0311 --attr withdrawal_days:int=15
  ship lakeside-feed wuchang-bream DN-F-0924 "local:medicated-feed/F-2409M=200 KGM" 2026-09-24
  as wuchang-bream unit apply --unit B1 --input local:medicated-feed/F-2409M --quantity "200 KGM" \
    --time 2026-09-25T07:00:00+08:00
  refused wuchang-bream lot --lot local:wuchang-bream/WB-0930 --quantity "500 KGM" \
    --produced 2026-09-30T06:00:00+08:00 --from-unit B1@2026-09-30T06:00:00+08:00 \
    --attr category=aquatic --attr species="Megalobrama amblycephala"
}
agriculture_refusal

