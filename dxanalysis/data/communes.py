"""The communes, wards and special zones since 1 July 2025, and matching a portal unit's name to its code.

The communes, wards and special zones since 1 July 2025 (3,321), and matching a portal unit's
published name ("UBND Phường Việt Trì", "UBND xã Lâm Thao - Tỉnh Phú Thọ") to its GSO code.

The list is bundled in ``data/communes/communes_2025.csv`` (from vietnamadminunits, MIT; rebuilt
by ``scripts/make_commune_table.py``). Names are matched within the unit's province only, with or
without diacritics and the "UBND" prefix or a " - Tỉnh X" suffix; a name that matches none, or
more than one, gets no code and a reason, never a guess.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pandas as pd

from ..core import paths

#: Types as the bundled list names them, and the words that begin a published name.
TYPE_WORDS = {"phuong": "ward", "xa": "commune", "dac khu": "special_zone"}


@functools.lru_cache(maxsize=1)
def load_communes() -> pd.DataFrame:
    """The bundled list: ``ward_code, name, short_name, type, type_vi, province_code, lat, lon,
    area_km2`` (codes as text, so the leading zeros stay)."""
    frame = pd.read_csv(paths.COMMUNES_CSV, dtype={"ward_code": str, "province_code": str}, keep_default_na=False)
    frame["exact"] = frame["name"].map(exact_key)
    frame["key"] = frame["name"].map(name_key)
    frame["short_key"] = frame["short_name"].map(name_key)
    return frame


def exact_key(text: str) -> str:
    """A name as written, less case, the "UBND" prefix, a " - Tỉnh X" suffix and extra spaces."""
    text = unicodedata.normalize("NFC", str(text)).lower()
    text = re.sub(r"\s+-\s+(tỉnh|thành phố)\b.*$", "", text)
    text = re.sub(r"^\s*(ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+", "", text)
    return " ".join(text.split())


def name_key(text: str) -> str:
    """A name without case, diacritics, the "UBND" prefix, a " - Tỉnh X" suffix or extra spaces."""
    text = unicodedata.normalize("NFD", str(text).replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"\s+-\s+(tinh|thanh pho)\b.*$", "", text)
    text = re.sub(r"^\s*(ubnd|uy ban nhan dan)\s+", "", text)
    return " ".join(text.replace(".", " ").split())


def match_ward(province_code: str, unit_name: str) -> tuple[str, str]:
    """``(ward_code, "")`` for a unit whose name is one commune of its province, else ``("", reason)``."""
    communes = load_communes()
    mine = communes[communes["province_code"] == province_code]
    # With diacritics first: Thanh An and Thạnh An are two wards of Hồ Chí Minh City.
    exact = mine[mine["exact"] == exact_key(unit_name)]
    if len(exact) == 1:
        return str(exact["ward_code"].iloc[0]), ""
    key = name_key(unit_name)
    found = mine[mine["key"] == key]
    if found.empty:  # "Việt Trì" without its type, or a type written differently
        bare = key
        for word in TYPE_WORDS:
            if bare.startswith(word + " "):
                bare = bare[len(word) + 1 :]
                break
        found = mine[mine["short_key"] == bare]
    if len(found) == 1:
        return str(found["ward_code"].iloc[0]), ""
    if found.empty:
        return "", f"no commune, ward or special zone of that name in province {province_code}"
    codes = ", ".join(found["ward_code"])
    return "", f"{len(found)} communes of province {province_code} share that name ({codes})"


__all__ = ["load_communes", "match_ward", "name_key", "exact_key", "TYPE_WORDS"]
