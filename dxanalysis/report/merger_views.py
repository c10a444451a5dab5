"""What the merger explorer notebook shows: the crosswalk and how old series join into new ones."""

from __future__ import annotations

import functools
import warnings

import pandas as pd

from ..core import provenance, provinces
from ..core.errors import DxError
from ..core.provinces import MERGER_PERIOD
from ..core.registry import load_indicators
from ..data.harmonise import IncompleteProvinceWarning, harmonise
from ..data.observations import expand_data_argument, load_many


def check_indicator(indicator: str) -> str:
    """Raise a clear error for an unknown indicator id."""
    if indicator not in load_indicators():
        raise DxError(f"indicator {indicator!r} is unknown; expected one of {', '.join(load_indicators())}")
    return indicator


def crosswalk_summary() -> pd.DataFrame:
    """The 34 new provinces with the old ones that form each (Resolution 202/2025/QH15)."""
    rows = []
    for code, members in sorted(provinces.constituents().items()):
        rows.append(
            {
                "code": code,
                "province (since 1 Jul 2025)": provinces.province_name(code),
                "region": provinces.region_of(code),
                "old provinces": len(members),
                "formed from": " + ".join(f"{provinces.province_name(c, 'legacy')} ({c})" for c in members),
            }
        )
    return pd.DataFrame(rows).set_index("code")


@functools.lru_cache(maxsize=4)
def _frames(data):
    """Validated frames of a data argument, loaded once per notebook (the three views share them)."""
    return tuple(load_many(expand_data_argument(data)))


def series_for(code: str, indicator: str, data=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Old provinces' series (before the merger) and the harmonised new province.

    Returns
    -------
    (parts, whole)
        ``parts``: ``name, period, value`` of each old province up to June 2025;
        ``whole``: ``period, value`` of the harmonised province (complete months only).
    """
    frames = _frames(data)
    members = set(provinces.constituents()[code])
    parts = []
    for frame in frames:
        sub = frame[(frame["indicator"] == indicator) & (frame["period"] < MERGER_PERIOD)]
        scheme = provinces.detect_scheme(sub["province"].unique()) if len(sub) else "legacy"
        if scheme != "legacy":
            continue
        sub = sub.assign(old=sub["province"].map(lambda p: provinces.try_resolve(p, "legacy")))
        sub = sub[sub["old"].isin(members)]
        sub = sub.assign(name=sub["old"].map(lambda c: f"{provinces.province_name(c, 'legacy')} ({c})"))
        parts.append(sub[["name", "period", "value"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteProvinceWarning)
        table = harmonise(list(frames)).table
    whole = table[(table["province_code"] == code) & (table["indicator"] == indicator) & table["complete"]]
    parts_frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["name", "period", "value"])
    return parts_frame.sort_values(["name", "period"], ignore_index=True), whole[["period", "value"]].reset_index(drop=True)


def weights_table(code: str, indicator: str, data=None) -> pd.DataFrame:
    """Each old province's share of the new province's denominator, by year (how much it weighs)."""
    frames = _frames(data)
    members = set(provinces.constituents()[code])
    rows = []
    for frame in frames:
        sub = frame[(frame["indicator"] == indicator) & (frame["period"] < MERGER_PERIOD)].dropna(subset=["denominator"])
        sub = sub.assign(old=sub["province"].map(lambda p: provinces.try_resolve(p, "legacy")))
        rows.append(sub[sub["old"].isin(members)])
    data_ = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if data_.empty:
        return pd.DataFrame(columns=["old province", "share of denominator"])
    total = data_.groupby("old")["denominator"].sum()
    share = (total / total.sum()).rename("share of denominator").reset_index()
    share["old province"] = share["old"].map(lambda c: f"{provinces.province_name(c, 'legacy')} ({c})")
    share["share of denominator"] = share["share of denominator"].round(3)
    return share[["old province", "share of denominator"]]


def source_note(data=None) -> str:
    return provenance.source_note(s for f in _frames(data) for s in f["source"].unique())
