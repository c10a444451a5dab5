"""The 63 provinces before 1 Jul 2025, the 34 after, and the crosswalk between them.

Codes are two-digit strings (GSO codes: "01" is Hà Nội). Every current code is also the
legacy code of one of its constituents (24 was Bắc Giang and is now the new Bắc Ninh), so a
code alone does not say which list a row uses: callers pass a *scheme*, ``"legacy"`` or
``"current"``, and :func:`detect_scheme` decides it for a set of labels.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pandas as pd

from . import paths
from .errors import UnknownProvince

Scheme = Literal["legacy", "current"]

#: First month under the 34 provinces (Resolution 202/2025/QH15, in force 1 Jul 2025).
MERGER_PERIOD = "2025-07"

NATIONAL_CODE = "00"
NATIONAL_NAME = "Toàn quốc (national)"

# Words in front of a province's name in real spreadsheets; removed before matching.
_PREFIXES = (
    "uy ban nhan dan",
    "ubnd",
    "thanh pho truc thuoc trung uong",
    "thanh pho",
    "tinh",
    "tp.",
    "tp ",
    "province of",
    "province",
    "city of",
    "city",
)

_PREFIX_PASS = re.compile("".join(f"(?:{re.escape(p)}(?=.)[ .\\-_]*)?" for p in _PREFIXES), re.DOTALL)


def normalise_name(label: str) -> str:
    """Reduce a province label to a matching key.

    Diacritics, case, punctuation, spacing and administrative prefixes ("Tỉnh", "Thành phố",
    "TP.", "UBND") are removed, so "Thành phố Hồ Chí Minh", "TP. Ho Chi Minh" and
    "hồ chí minh" share one key; "Hòa"/"Hoà" and "Đắk"/"Đăk" fold together.

    Parameters
    ----------
    label : str
        A province name as written in a source.

    Returns
    -------
    str
        Lower-case ASCII letters and digits only.
    """
    text = unicodedata.normalize("NFD", str(label)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower().strip()
    text = re.sub(r"\s+", " ", text)
    # One pass tries every prefix once, in order, each only when something follows it, and
    # strips the separators after it; passes repeat while one strips something. Done by one
    # regex match per pass from a moving index: slicing the label after each prefix copied the
    # rest of it, which made a long run of prefixes quadratic (a 1 MB label took 42 s).
    start = 0
    while (stop := _PREFIX_PASS.match(text, start).end()) > start:
        start = stop
    text = re.sub(r"\s+(province|city)$", "", text[start:])
    return re.sub(r"[^a-z0-9]", "", text)


@dataclass(frozen=True)
class ProvinceTables:
    """The province lists and the crosswalk, as loaded from ``data/provinces``."""

    legacy: pd.DataFrame
    current: pd.DataFrame
    crosswalk: pd.DataFrame

    def table(self, scheme: Scheme) -> pd.DataFrame:
        return self.legacy if scheme == "legacy" else self.current


@lru_cache(maxsize=1)
def province_lists() -> ProvinceTables:
    """Load and check the bundled province lists and crosswalk (cached)."""
    read = dict(dtype=str, keep_default_na=False, encoding="utf-8")
    legacy = pd.read_csv(paths.LEGACY_PROVINCES_CSV, **read)
    current = pd.read_csv(paths.CURRENT_PROVINCES_CSV, **read)
    crosswalk = pd.read_csv(paths.CROSSWALK_CSV, **read)
    for frame in (legacy, current):
        frame["lat"] = frame["lat"].astype(float)
        frame["lon"] = frame["lon"].astype(float)
    # The bundled tables are data we ship: a broken one is a bug, so assert loudly.
    assert len(legacy) == 63 and legacy["code"].is_unique, "legacy list must hold 63 unique codes"
    assert len(current) == 34 and current["code"].is_unique, "current list must hold 34 unique codes"
    assert set(crosswalk["legacy_code"]) == set(legacy["code"]) and crosswalk["legacy_code"].is_unique
    assert set(crosswalk["current_code"]) == set(current["code"])
    return ProvinceTables(legacy=legacy, current=current, crosswalk=crosswalk)


@lru_cache(maxsize=2)
def _lookup(scheme: Scheme) -> dict[str, str]:
    """Matching key -> code for one scheme (names, short names, aliases, codes)."""
    table = province_lists().table(scheme)
    lookup: dict[str, str] = {}
    for row in table.itertuples(index=False):
        labels = [row.name, row.short_name, *[a for a in row.aliases.split("|") if a]]
        for label in labels:
            lookup[normalise_name(label)] = row.code
    return lookup


def code_form(value: object) -> str | None:
    """Return a two-digit code if ``value`` looks like a code ("1", "01", 1, 1.0), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and float(value).is_integer():
        number = int(value)
    else:
        text = str(value).strip()
        if not re.fullmatch(r"\d{1,2}(\.0+)?", text):
            return None
        number = int(float(text))
    return f"{number:02d}"


def resolve(label: object, scheme: Scheme) -> str:
    """Return the code of a province given by code or name in one scheme.

    Raises
    ------
    UnknownProvince
        With the closest matches, when nothing matches.
    """
    table = province_lists().table(scheme)
    code = code_form(label)
    if code is not None:
        if code in set(table["code"]):
            return code
        raise UnknownProvince(label, _suggest(str(label), scheme), scheme)
    key = normalise_name(str(label))
    found = _lookup(scheme).get(key)
    if found is None:
        raise UnknownProvince(label, _suggest(str(label), scheme), scheme)
    return found


def _suggest(label: str, scheme: Scheme, n: int = 3) -> list[str]:
    table = province_lists().table(scheme)
    key = normalise_name(label)
    names = {normalise_name(r.short_name): f"{r.short_name} ({r.code})" for r in table.itertuples()}
    close = difflib.get_close_matches(key, list(names), n=n, cutoff=0.5)
    return [names[k] for k in close]


def try_resolve(label: object, scheme: Scheme) -> str | None:
    """Like :func:`resolve` but returns ``None`` instead of raising."""
    try:
        return resolve(label, scheme)
    except UnknownProvince:
        return None


@lru_cache(maxsize=1)
def legacy_to_current() -> dict[str, str]:
    """Legacy code -> current code (every one of the 63 maps to exactly one of the 34)."""
    cw = province_lists().crosswalk
    return dict(zip(cw["legacy_code"], cw["current_code"]))


@lru_cache(maxsize=1)
def constituents() -> dict[str, tuple[str, ...]]:
    """Current code -> the legacy codes that form it, sorted."""
    out: dict[str, list[str]] = {}
    for old, new in legacy_to_current().items():
        out.setdefault(new, []).append(old)
    return {new: tuple(sorted(olds)) for new, olds in out.items()}


@lru_cache(maxsize=2)
def _names(scheme: Scheme) -> dict[str, str]:
    table = province_lists().table(scheme)
    return dict(zip(table["code"], table["short_name"]))


def province_name(code: str, scheme: Scheme = "current") -> str:
    """Short name of a province ("Hà Nội"), or the national label for ``"00"``."""
    if code == NATIONAL_CODE:
        return NATIONAL_NAME
    name = _names(scheme).get(code)
    if name is None:
        raise UnknownProvince(code, _suggest(code, scheme), scheme)
    return name


@lru_cache(maxsize=1)
def _legacy_only_markers() -> tuple[frozenset[str], frozenset[str]]:
    legacy, current = province_lists().legacy, province_lists().current
    codes = frozenset(set(legacy["code"]) - set(current["code"]))
    keys = frozenset(set(_lookup("legacy")) - set(_lookup("current")))
    return codes, keys


def is_legacy_only(label: object) -> bool:
    """True when a label can only be a pre-merger province (e.g. code 06 or "Bắc Kạn")."""
    codes, keys = _legacy_only_markers()
    code = code_form(label)
    if code is not None:
        return code in codes
    return normalise_name(str(label)) in keys


def detect_scheme(labels: Iterable[object]) -> Scheme:
    """Decide which province list a set of labels uses.

    A single legacy-only code or name (one that exists only before the merger, e.g. 06 or
    "Bắc Kạn") means ``"legacy"``; otherwise ``"current"``. Labels valid in both lists (such as
    "24" or "Hà Nội") are then read in the chosen list.
    """
    return "legacy" if any(is_legacy_only(label) for label in labels) else "current"


def current_provinces() -> pd.DataFrame:
    """The 34 provinces in force since 1 Jul 2025 (code, name, short_name, region, lat, lon)."""
    return province_lists().current.copy()


def legacy_provinces() -> pd.DataFrame:
    """The 63 provinces in force until 30 Jun 2025."""
    return province_lists().legacy.copy()


@lru_cache(maxsize=64)
def region_of(code: str) -> str:
    """Socio-economic region (used for pooling) of a current province."""
    cur = province_lists().current
    return str(cur.loc[cur["code"] == code, "region"].iloc[0])
