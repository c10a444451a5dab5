"""The unit contract's columns, defined once for the table `dx fetch` writes and the synthetic panel.

The unit contract's columns, defined once: the table ``dx fetch`` writes (``units.csv``), the
synthetic unit panel generates, and :func:`dxanalysis.data.units.load_units` checks (README, "Units")."""

#: One row per province x unit x month x indicator.
UNIT_COLUMNS = [
    "province_code",
    "unit_code",
    "unit_name",
    "level",
    "ward_code",
    "ward_match",
    "period",
    "indicator",
    "numerator",
    "denominator",
    "value",
    "source",
]
