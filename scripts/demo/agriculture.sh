# Demo story, agriculture: the aquatic chain (feed -> ponds -> harvest ->
# collector -> retail), and the refusals the agriculture plugin makes.
# Sourced by scripts/demo.sh, which defines as/refused/ship/section/say.
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
agriculture_refusal() { :; }
agriculture_refusal

