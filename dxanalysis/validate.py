"""``dx validate`` for files of any size: every check, in about the file's size of memory.

The file is read and checked chunk by chunk (:func:`~dxanalysis.observations.checked_parts`);
the checked chunks are kept as they are, never concatenated into one frame (that would double
the memory at its peak); keys are checked for duplicates across the whole file on their own
columns; and the harmonisation onto the 34 provinces, which only ever combines rows of the same
month, runs one block of months at a time.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import provinces
from .harmonise import harmonise
from .observations import checked_parts
from .provinces import MERGER_PERIOD
from .readers import UNDECLARED, NumberFormat
from .row_checks import RowChecks

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
    keys = pd.concat([p[["province", "period", "indicator", "source_file", "source_row"]] for p in parts], ignore_index=True)
    checks = RowChecks(keys)
    checks.duplicates(keys)
    checks.raise_problems()
    labels = pd.unique(keys["province"])
    periods = sorted(pd.unique(keys["period"]))
    indicators = len(pd.unique(keys["indicator"]))
    del keys
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
    return Summary(rows, len(labels), scheme_note, periods, indicators, incomplete, unweighted)


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
