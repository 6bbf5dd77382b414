# Demo story, building materials: cement -> ready-mix -> construction site,
# and the refusals the building-materials plugin makes.
# Sourced by scripts/demo.sh, which defines as/refused/ship/section/say.
# ---- building materials ------------------------------------------------------------
section "6. Building materials: cement P·O 42.5 -> ready-mix C30 -> construction site"
# The cement lot names its GB 175 type and grade (R-BM-2) and the plant's XK
# licence (R-BM-XK); it ships only once its 28-day strength report is on
# record (R-BM-3).
as ezhou-cement product --product local:cement-po42.5 --sector building_materials \
  --name "P·O 42.5 ordinary Portland cement" --unit TNE
as ezhou-cement lot --lot local:cement-po42.5/CEM-260901 --quantity "500 TNE" --produced 2026-09-01T08:00:00+08:00 \
  --attr material=cement --attr product_standard="GB 175-2023" --attr cement_type="P·O" \
  --attr strength_grade=42.5 --attr xk_licence_no="(鄂)XK08-001-00931"
as ezhou-cement cert issue --id CEM-260901-R28 --kind strength_report_28d --standard "GB 175-2023" \
  --subject-lot local:cement-po42.5/CEM-260901 --valid-from 2026-09-29T08:00:00+08:00 \
  --attr strength_28d_mpa:decimal=48.6 --attr result=pass
ship ezhou-cement ezhou-readymix DN-CM-1001 "local:cement-po42.5/CEM-260901=60 TNE" 2026-10-01
as ezhou-readymix product --product local:concrete-c30 --sector building_materials \
  --name "ready-mix concrete C30" --unit MTQ
as ezhou-readymix lot --lot local:concrete-c30/RMC-261105-01 --quantity "120 MTQ" \
  --produced 2026-11-05T06:00:00+08:00 --input "local:cement-po42.5/CEM-260901=45TNE" \
  --attr material=concrete --attr product_standard="GB/T 14902-2012" --attr strength_class=C30
ship ezhou-readymix huarong-site DN-RM-1105 "local:concrete-c30/RMC-261105-01=120 MTQ" 2026-11-05
as huarong-site consume --kind consumed --item "local:concrete-c30/RMC-261105-01=120 MTQ" \
  --at 2026-11-05T12:00:00+08:00

# The plant's next lot is made on 20 October; its 28-day strength is known
# on 17 November at the earliest. Dispatching it to the ready-mix plant on
# 2 November, before that report exists, is refused.
building_refusal() {
  as ezhou-cement lot --lot local:cement-po42.5/CEM-261020 --quantity "500 TNE" \
    --produced 2026-10-20T08:00:00+08:00 --attr material=cement \
    --attr product_standard="GB 175-2023" --attr cement_type="P·O" --attr strength_grade=42.5 \
    --attr xk_licence_no="(鄂)XK08-001-00931"
  say "cement lot CEM-261020 is dispatched on 2 November, before its 28-day strength report:"
  refused ezhou-cement ship --to ezhou-readymix --shipment DN-CM-1102 \
    --item "local:cement-po42.5/CEM-261020=60 TNE" --at 2026-11-02T08:00:00+08:00
}
building_refusal
