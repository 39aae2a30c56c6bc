"""Grafana's unit ids: every panel of our dashboards has a unit from this list (launchpad.monitoring.dashboards
`convention_problems`). An id Grafana does not know is drawn as a literal, unscaled suffix (getValueFormat in
packages/grafana-data/src/valueFormats/valueFormats.ts falls back to `toFixedUnit(id)`): `cores` was one (no
unit id: CPU cores are plain numbers, `short`), and a typo such as `byte` would show 1073741824 byte, not 1 GiB.

The ids are Grafana's own, copied from `getCategories()` in grafana/grafana
packages/grafana-data/src/valueFormats/categories.ts at commit ed1aac226b3bd196012053975b4072fb2b91fd4a, one
tuple per category in its order. Custom units (`suffix:`, `prefix:`, `si:`, `count:`, ...) are deliberately
not accepted: a panel uses an id from this list."""

from __future__ import annotations

UNIT_IDS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "Misc": ("none", "string", "short", "percent", "percentunit", "humidity", "dB", "hex0x", "hex", "sci", "locale",
             "pixel"),
    "Acceleration": ("accMS2", "accFS2", "accG"),
    "Angle": ("degree", "radian", "grad", "arcmin", "arcsec"),
    "Area": ("areaM2", "areaF2", "areaMI2"),
    "Computation": ("flops", "mflops", "gflops", "tflops", "pflops", "eflops", "zflops", "yflops"),
    "Concentration": ("ppm", "conppb", "conngm3", "conngNm3", "conμgm3", "conμgNm3", "conmgm3", "conmgNm3", "congm3",
                      "congNm3", "conmgdL", "conmmolL"),
    "Currency": ("currencyUSD", "currencyGBP", "currencyEUR", "currencyJPY", "currencyRUB", "currencyUAH",
                 "currencyBRL", "currencyDKK", "currencyISK", "currencyNOK", "currencySEK", "currencyCZK",
                 "currencyCHF", "currencyPLN", "currencyBTC", "currencymBTC", "currencyμBTC", "currencyZAR",
                 "currencyINR", "currencyKRW", "currencyIDR", "currencyPHP", "currencyVND", "currencyTRY"),
    "Data": ("bytes", "decbytes", "bits", "decbits", "kbytes", "deckbytes", "mbytes", "decmbytes", "gbytes",
             "decgbytes", "tbytes", "dectbytes", "pbytes", "decpbytes"),
    "Data rate": ("pps", "binBps", "Bps", "binbps", "bps", "KiBs", "Kibits", "KBs", "Kbits", "MiBs", "Mibits", "MBs",
                  "Mbits", "GiBs", "Gibits", "GBs", "Gbits", "TiBs", "Tibits", "TBs", "Tbits", "PiBs", "Pibits",
                  "PBs", "Pbits"),
    "Date & time": ("dateTimeAsIso", "dateTimeAsIsoNoDateIfToday", "dateTimeAsUS", "dateTimeAsUSNoDateIfToday",
                    "dateTimeAsLocal", "dateTimeAsLocalNoDateIfToday", "dateTimeAsSystem", "dateTimeFromNow"),
    "Energy": ("watt", "kwatt", "megwatt", "gwatt", "mwatt", "Wm2", "voltamp", "kvoltamp", "voltampreact",
               "kvoltampreact", "watth", "watthperkg", "kwatth", "kwattm", "amph", "kamph", "mamph", "joule", "ev",
               "amp", "kamp", "mamp", "volt", "kvolt", "mvolt", "dBm", "ohm", "kohm", "Mohm", "farad", "µfarad",
               "nfarad", "pfarad", "ffarad", "henry", "mhenry", "µhenry", "lumens"),
    "Flow": ("flowgpm", "flowcms", "flowcfs", "flowcfm", "litreh", "flowlpm", "flowmlpm", "lux"),
    "Force": ("forceNm", "forcekNm", "forceN", "forcekN"),
    "Hash rate": ("Hs", "KHs", "MHs", "GHs", "THs", "PHs", "EHs"),
    "Mass": ("massmg", "massg", "masslb", "masskg", "masst"),
    "Length": ("lengthmm", "lengthin", "lengthft", "lengthm", "lengthkm", "lengthmi"),
    "Pressure": ("pressurembar", "pressurebar", "pressurekbar", "pressurepa", "pressurehpa", "pressurekpa",
                 "pressurehg", "pressurepsi"),
    "Radiation": ("radbq", "radci", "radgy", "radrad", "radsv", "radmsv", "radusv", "radrem", "radexpckg", "radr",
                  "radsvh", "radmsvh", "radusvh"),
    "Rotational Speed": ("rotrpm", "rothz", "rotrads", "rotdegs"),
    "Temperature": ("celsius", "fahrenheit", "kelvin"),
    "Time": ("hertz", "ns", "µs", "ms", "s", "m", "h", "d", "dtdurationms", "dtdurations", "dthms", "dtdhms",
             "timeticks", "clockms", "clocks"),
    "Throughput": ("cps", "ops", "reqps", "rps", "wps", "iops", "eps", "mps", "recps", "rowsps", "cpm", "opm", "reqpm",
                   "rpm", "wpm", "epm", "mpm", "recpm", "rowspm"),
    "Velocity": ("velocityms", "velocitykmh", "velocitymph", "velocityknot"),
    "Volume": ("mlitre", "litre", "m3", "Nm3", "dm3", "gallons"),
    "Boolean": ("bool", "bool_yes_no", "bool_on_off"),
}  # fmt: skip
UNIT_IDS = frozenset(unit for units in UNIT_IDS_BY_CATEGORY.values() for unit in units)
