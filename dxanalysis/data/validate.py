"""``dx validate`` for files of any size: every check, in about the file's size of memory.

The file is read and checked chunk by chunk (:func:`~dxanalysis.data.observations.checked_parts`);
the checked chunks are kept as they are, never concatenated into one frame (that would double
the memory at its peak); keys are checked for duplicates across the whole file on their own
columns; and the harmonisation onto the 34 provinces, which only ever combines rows of the same
month, runs one block of months at a time.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import provinces
from ..core.provinces import MERGER_PERIOD
from .harmonise import harmonise
from .observations import checked_parts
from .readers import UNDECLARED, NumberFormat
from .row_checks import RowChecks, canonical_province

#: Rows harmonised at once when a large file is checked block by block.
BLOCK_ROWS = 250_000

UNWEIGHTED = "not combined: percentages without weights"


@dataclass
class Summary:
    """What ``dx validate`` says about a valid observation file."""

    rows: int
    province_labels: int
    scheme_note: str
    periods: list[str]
    indicators: int
    incomplete_months: int
    unweighted: int


def validate_observations(path: str | Path, number_format: NumberFormat = UNDECLARED, scheme=None) -> Summary:
    """Check one observation file completely and summarise it (raises InputProblems)."""
    parts = [part for part in checked_parts(Path(path), None, number_format) if len(part)]
    distinct = _check_duplicates(parts)
    periods = sorted(distinct["period"])
    indicators = len(distinct["indicator"])
    sides = {
        "before": [p for p in periods if p < MERGER_PERIOD],
        "after": [p for p in periods if p >= MERGER_PERIOD],
    }
    schemes = {}
    for side, side_periods in sides.items():
        if side_periods:
            side_labels = pd.unique(pd.concat([p.loc[p["period"].isin(side_periods), "province"] for p in parts]))
            schemes[side] = scheme or provinces.detect_scheme(side_labels)
    how = "forced" if scheme else "detected"
    scheme_note = ", ".join(f"{side} {MERGER_PERIOD}: {sch} list ({how})" for side, sch in schemes.items())
    incomplete = unweighted = 0
    rows = sum(len(p) for p in parts)
    for side, side_periods in sides.items():
        for block in _blocks(side_periods, parts):
            frame = pd.concat([p[p["period"].isin(block)] for p in parts], ignore_index=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = harmonise([frame], scheme=schemes[side], require_weights=False)
            table = result.table
            incomplete += int((~table["complete"] & (table["method"] != UNWEIGHTED)).sum())
            unweighted += int((result.table["method"] == UNWEIGHTED).sum())
    return Summary(rows, len(distinct["province"]), scheme_note, periods, indicators, incomplete, unweighted)


def _check_duplicates(parts: list[pd.DataFrame]) -> dict[str, dict]:
    """Repeated (province, period, indicator) across the whole file, on one integer per row (a
    province's code and name are one key); the messages are built only from the repeated rows.

    Returns each key column's distinct values (in order of first appearance), found on the way."""
    codes: dict[str, int] = {}
    ids: dict[str, dict] = {"province": {}, "period": {}, "indicator": {}}

    def province_id(label: str) -> int:
        canonical = canonical_province(label) or label
        return codes.setdefault(canonical, len(codes))

    keys = []
    for part in parts:
        for column, mapping in ids.items():
            for value in pd.unique(part[column]):
                if value not in mapping:
                    mapping[value] = province_id(value) if column == "province" else len(mapping)
        province = part["province"].map(ids["province"]).to_numpy(np.int64)
        period = part["period"].map(ids["period"]).to_numpy(np.int64)
        indicator = part["indicator"].map(ids["indicator"]).to_numpy(np.int64)
        keys.append((province * 100_000 + period) * 1_000 + indicator)
    key = np.concatenate(keys)
    repeated = pd.Series(key).duplicated(keep=False).to_numpy()
    if not repeated.any():
        return ids
    offsets = np.cumsum([0] + [len(p) for p in parts])
    rows = pd.concat([p[repeated[offsets[i] : offsets[i + 1]]] for i, p in enumerate(parts)], ignore_index=True)
    checks = RowChecks(rows)
    checks.duplicates(rows)
    checks.raise_problems()
    return ids


def _blocks(periods: list[str], parts: list[pd.DataFrame]) -> list[list[str]]:
    """Consecutive months grouped so that each block holds about BLOCK_ROWS rows."""
    if not periods:
        return []
    counts = pd.concat([p["period"].value_counts() for p in parts]).groupby(level=0).sum()
    sizes = counts.reindex(periods).fillna(0).to_numpy()
    blocks, current, size = [], [], 0
    for period, n in zip(periods, sizes):
        if current and size + n > BLOCK_ROWS:
            blocks.append(current)
            current, size = [], 0
        current.append(period)
        size += int(n)
    blocks.append(current)
    return blocks


__all__ = ["Summary", "validate_observations", "BLOCK_ROWS"]
