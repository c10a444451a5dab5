"""Rebuild data/communes/communes_2025.csv from the vietnamadminunits package (MIT licence).

Run: ``python scripts/make_commune_table.py``. The 3,321 communes, wards and special zones in force
since 1 July 2025 (the two-level local government), with their GSO codes, province, type and
centroid. The CSV is committed so that the suite runs without the package at run time;
``tests/data/test_communes.py`` checks it still agrees with the package.
"""

from __future__ import annotations

import hashlib
import sqlite3
from importlib import metadata, resources
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parent.parent / "data" / "communes" / "communes_2025.csv"
TYPES = {"Phường": "ward", "Xã": "commune", "Đặc khu": "special_zone"}


def read_package() -> pd.DataFrame:
    """The package's list, in the bundled file's columns and order."""
    database = resources.files("vietnamadminunits") / "data" / "dataset.db"
    with sqlite3.connect(str(database)) as connection:
        frame = pd.read_sql(
            "select wardCode as ward_code, ward as name, wardShort as short_name, wardType as type_vi,"
            " provinceCode as province_code, wardLat as lat, wardLon as lon, wardAreaKm2 as area_km2 from admin_units",
            connection,
        )
    frame["type"] = frame["type_vi"].map(TYPES)
    columns = ["ward_code", "name", "short_name", "type", "type_vi", "province_code", "lat", "lon", "area_km2"]
    return frame[columns].sort_values(["province_code", "ward_code"], ignore_index=True)


def main() -> None:
    frame = read_package()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(OUT, index=False, lineterminator="\n")
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    version = metadata.version("vietnamadminunits")
    OUT.with_name(OUT.name + ".meta.yml").write_text(
        "title: The 3,321 communes, wards and special zones in force since 1 Jul 2025 (two-level local government)\n"
        "synthetic: false\n"
        f"source: PyPI package vietnamadminunits {version} "
        "(https://github.com/tranngocminhhieu/vietnamadminunits), table admin_units\n"
        "date_accessed: 2026-12-06\n"
        "licence: MIT (vietnamadminunits)\n"
        "how_made: scripts/make_commune_table.py (type = ward for Phường, commune for Xã, special_zone for Đặc khu;"
        " lat/lon are the package's centroids)\n"
        "columns: ward_code (GSO, 5 digits, text), name, short_name, type, type_vi, province_code (GSO, 2 digits),"
        " lat, lon, area_km2\n"
        f"sha256: {digest}\n",
        encoding="utf-8",
    )
    print(f"wrote {len(frame)} rows to {OUT}")


if __name__ == "__main__":
    main()
