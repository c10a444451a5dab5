"""Rebuild data/provinces/*.csv from the vietnamadminunits package (MIT licence).

Run: ``python scripts/make_province_tables.py`` (needs the dev extra installed).
The CSVs are committed so that the suite runs without the package; the test
``tests/core/test_provinces.py::test_tables_match_vietnamadminunits`` checks they still agree.

Regions are not in the package: the six socio-economic regions of GSO, with each new
province placed in the region of its seat. They are used only to pool trends.
"""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parent.parent / "data" / "provinces"

REGIONS = {
    "Northern midlands and mountains": ["04", "08", "11", "12", "14", "15", "19", "20", "25"],
    "Red River Delta": ["01", "22", "24", "31", "33", "37"],
    "North Central and Central Coast": ["38", "40", "42", "44", "46", "48", "51", "56"],
    "Central Highlands": ["52", "66", "68"],
    "Southeast": ["75", "79", "80"],
    "Mekong River Delta": ["82", "86", "91", "92", "96"],
}

# Spellings seen in real spreadsheets that normalisation alone does not reach.
EXTRA_ALIASES_LEGACY = {
    "46": ["Thừa Thiên Huế", "Thua Thien Hue", "TT Huế", "TT-Huế"],
    "79": ["TP HCM", "TPHCM", "HCM", "Ho Chi Minh City", "HCMC", "Sài Gòn"],
    "01": ["HN", "Hanoi", "Ha Noi City"],
    "77": ["BR-VT", "BRVT", "Bà Rịa Vũng Tàu", "Ba Ria Vung Tau"],
    "48": ["Danang"],
}
EXTRA_ALIASES_CURRENT = {
    "46": ["Thừa Thiên Huế", "Thua Thien Hue"],
    "79": ["TP HCM", "TPHCM", "HCM", "Ho Chi Minh City", "HCMC", "Sài Gòn"],
    "01": ["HN", "Hanoi", "Ha Noi City"],
    "48": ["Danang"],
}


def main() -> None:
    data_dir = resources.files("vietnamadminunits") / "data"
    con = sqlite3.connect(str(data_dir / "dataset.db"))
    legacy = pd.read_sql(
        "select distinct provinceCode as code, province as name, provinceShort as short_name,"
        " provinceKey as key, provinceLat as lat, provinceLon as lon from admin_units_legacy",
        con,
    ).sort_values("code")
    current = pd.read_sql(
        "select distinct provinceCode as code, province as name, provinceShort as short_name,"
        " provinceKey as key, provinceLat as lat, provinceLon as lon from admin_units",
        con,
    ).sort_values("code")
    converter = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))
    legacy_key_to_code = dict(zip(legacy["key"], legacy["code"]))
    current_key_to_code = dict(zip(current["key"], current["code"]))
    rows = []
    for new_key, old_keys in converter["DICT_PROVINCE"].items():
        for old_key in old_keys:
            rows.append({"legacy_code": legacy_key_to_code[old_key], "current_code": current_key_to_code[new_key]})
    crosswalk = pd.DataFrame(rows)
    crosswalk = crosswalk.merge(
        legacy[["code", "short_name"]].rename(columns={"code": "legacy_code", "short_name": "legacy_name"})
    ).merge(current[["code", "short_name"]].rename(columns={"code": "current_code", "short_name": "current_name"}))
    crosswalk["effective_from"] = "2025-07"
    crosswalk["legal_basis"] = "Resolution 202/2025/QH15 (12 Jun 2025)"
    crosswalk = crosswalk[
        ["legacy_code", "legacy_name", "current_code", "current_name", "effective_from", "legal_basis"]
    ].sort_values("legacy_code")

    region_of = {code: region for region, codes in REGIONS.items() for code in codes}
    current["region"] = current["code"].map(region_of)
    legacy["region"] = legacy["code"].map(dict(zip(crosswalk["legacy_code"], crosswalk["current_code"]))).map(region_of)
    legacy["aliases"] = legacy["code"].map(lambda c: "|".join(EXTRA_ALIASES_LEGACY.get(c, [])))
    current["aliases"] = current["code"].map(lambda c: "|".join(EXTRA_ALIASES_CURRENT.get(c, [])))
    cols = ["code", "name", "short_name", "region", "lat", "lon", "aliases"]
    legacy[cols].to_csv(OUT / "provinces_legacy_63.csv", index=False)
    current[cols].to_csv(OUT / "provinces_current_34.csv", index=False)
    crosswalk.to_csv(OUT / "crosswalk_2025.csv", index=False)
    print(f"wrote {len(legacy)} legacy, {len(current)} current provinces, {len(crosswalk)} crosswalk rows to {OUT}")


if __name__ == "__main__":
    main()
