# Demo story, diamond tools: segments -> saw blades -> rotation test ->
# wholesaler, and the refusals the diamond-tools plugin makes.
# Sourced by scripts/demo.sh, which defines as/refused/ship/section/say.
# ---- diamond tools -----------------------------------------------------------------
section "5. Diamond tools: segments -> saw blades (MOS 80 m/s) -> rotation test -> wholesaler"
as ezhou-segments product --product local:segment-40x10 --sector diamond_tools \
  --name "diamond segment 40 x 3.2 x 10 mm" --unit EA
as ezhou-segments unit register --unit SINTER-1 --kind furnace --site 420704 --sector diamond_tools
as ezhou-segments unit run --unit SINTER-1 --run S-1002 --start 2026-10-02T02:00:00+08:00 \
  --end 2026-10-02T06:00:00+08:00 --attr peak_temp_c:int=820
as ezhou-segments lot --lot local:segment-40x10/SEG-2410 --quantity "1000 EA" --produced 2026-10-02T08:00:00+08:00 \
  --from-unit "SINTER-1@2026-10-02T02:00:00+08:00,2026-10-02T06:00:00+08:00" \
  --attr product_type=segment --attr bond=M
ship ezhou-segments ezhou-blades DN-S-1003 "local:segment-40x10/SEG-2410=960 EA" 2026-10-03
as ezhou-blades unit register --unit BRAZE-2 --kind furnace --site 420704 --sector diamond_tools
as ezhou-blades unit run --unit BRAZE-2 --run R-1006 --start 2026-10-06T08:00:00+08:00 \
  --end 2026-10-06T10:00:00+08:00 --attr peak_temp_c:int=860
as ezhou-blades product --product gtin:06901234567816 --sector diamond_tools \
  --name "segmented saw blade 350 mm" --unit EA
as ezhou-blades lot --lot gtin:06901234567816/BL-2410-01 --quantity "40 EA" --produced 2026-10-06T12:00:00+08:00 \
  --input "local:segment-40x10/SEG-2410=480EA" --from-unit "BRAZE-2@2026-10-06T08:00:00+08:00,2026-10-06T10:00:00+08:00" \
  --attr product_type=brazed_saw_blade \
  --attr diameter_mm:int=350 --attr max_speed_ms:int=80 --attr max_rpm:int=4365 \
  --attr direction_arrow:bool=true --attr "marking=EN 13236 / GB/T 43134"
as diamond-qic cert issue --id QIC-RT-2026-1188 --kind rotation_test --standard "GB/T 43134-2023" \
  --subject-lot gtin:06901234567816/BL-2410-01 --valid-from 2026-10-08T00:00:00+08:00 \
  --attr tested_speed_ms:decimal=120 --attr result=pass
ship ezhou-blades hardware-wholesale DN-B-1010 "gtin:06901234567816/BL-2410-01=20 EA" 2026-10-10
# A second lot of the same blades whose rpm marking was copied from the
# 250 mm blade: 6110 rpm is 80 m/s on 250 mm, 112 m/s on 350 mm.
diamond_refusal() {
  refused ezhou-blades lot --lot gtin:06901234567816/BL-2410-02 --quantity "40 EA" \
    --produced 2026-10-06T12:00:00+08:00 --input "local:segment-40x10/SEG-2410=480EA" \
    --from-unit "BRAZE-2@2026-10-06T08:00:00+08:00,2026-10-06T10:00:00+08:00" \
    --attr product_type=brazed_saw_blade --attr diameter_mm:int=350 --attr max_speed_ms:int=80 \
    --attr max_rpm:int=6110 --attr direction_arrow:bool=true --attr "marking=EN 13236 / GB/T 43134"
}
diamond_refusal

