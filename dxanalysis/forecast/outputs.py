"""The build folder's tables read back, one typed reader each: harmonised, forecasts, fans, units, 766.

Every reader of a table goes through its function here, so a column is typed once: codes and
periods stay text, empty text stays "", and the true/false columns are booleans
(:func:`~dxanalysis.core.files.read_bool`), never the strings "True"/"False".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.files import read_bool

#: Columns that are text in every build table (codes keep their leading zeros).
TEXT_COLUMNS = {
    "province_code": str,
    "period": str,
    "last_period": str,
    "as_of": str,
    "deadline": str,
    "scenario": str,
    "source": str,
    "constituents": str,
    "incomplete_reason": str,
    "method": str,
    "data_note": str,
    "dashboard_code": str,
    "unit_code": str,
    "unit_name": str,
    "level": str,
    "ward_code": str,
}


@dataclass
class Tables:
    """The pipeline's tables (in memory)."""

    harmonised: pd.DataFrame
    forecasts: pd.DataFrame
    fans: pd.DataFrame
    scores: pd.DataFrame | None = None
    #: The interval factors the tables were computed with (in memory only; a build folder's
    #: tables are already computed).
    calibrations: object = None


def read_harmonised(build_dir: str | Path) -> pd.DataFrame:
    """The harmonise step's table (``harmonised.csv``): every province x indicator x month."""
    table = pd.read_csv(
        Path(build_dir) / "harmonised.csv",
        dtype=TEXT_COLUMNS,
        keep_default_na=False,
        na_values={"numerator": [""], "denominator": [""], "value": [""]},
    )
    table["complete"] = read_bool(table["complete"])
    return table


def read_forecasts(build_dir: str | Path) -> pd.DataFrame:
    """The forecast step's table (every province and the nation, every target)."""
    forecasts = pd.read_csv(Path(build_dir) / "forecasts.csv", dtype=TEXT_COLUMNS)
    forecasts["scenario"] = forecasts["scenario"].fillna("")
    forecasts["deadline_passed"] = read_bool(forecasts["deadline_passed"])
    return forecasts


def read_fans(build_dir: str | Path, province: str | None = None) -> pd.DataFrame:
    """The forecast step's monthly quantiles (``fans.csv``); one province's with ``province``."""
    fans = pd.read_csv(Path(build_dir) / "fans.csv", dtype=TEXT_COLUMNS)
    if "scenario" in fans:
        fans["scenario"] = fans["scenario"].fillna("")
    return fans if province is None else fans[fans["province_code"] == province]


def read_scores(build_dir: str | Path) -> pd.DataFrame | None:
    """The scores step's 766 table (both scales, kept apart by ``scale``), or None without one."""
    from ..data.index766_2026 import load_contract_csv

    path = Path(build_dir) / "index766.csv"
    return load_contract_csv(path) if path.exists() else None


@functools.lru_cache(maxsize=2)
def _unit_table(path: str, mtime_ns: int, size: int, inode: int) -> pd.DataFrame:
    """The whole unit table, read and typed once per worker: every province report of a batch
    reads it, and a warm kernel keeps modules across reports. Keyed by the file's identity and
    content stamp, so a rewritten file is read again."""
    frame = pd.read_csv(path, dtype=TEXT_COLUMNS)
    # Text that may be empty stays text: a department's ward code, the scenario.
    frame[["ward_code", "scenario"]] = frame[["ward_code", "scenario"]].fillna("")
    frame["deadline_passed"] = read_bool(frame["deadline_passed"])
    return frame


def read_unit_forecasts(build_dir: str | Path, province: str | None = None) -> pd.DataFrame | None:
    """The unit step's table (every unit x target ahead; one province's with ``province``), or
    None when the data came without units (or the step has not run)."""
    path = Path(build_dir) / "unit_forecasts.csv"
    if not path.exists():
        return None
    stat = path.stat()
    table = _unit_table(str(path.resolve()), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    if province is None:
        return table.copy()  # the cached frame is never handed out to be changed
    return table[table["province_code"] == province].reset_index(drop=True)


def read_build(build_dir: str | Path, province: str | None = None) -> Tables:
    """The pipeline's tables from a build folder (``province``: only that province's fans)."""
    return Tables(
        read_harmonised(build_dir), read_forecasts(build_dir), read_fans(build_dir, province), read_scores(build_dir)
    )


__all__ = [
    "TEXT_COLUMNS",
    "Tables",
    "read_build",
    "read_fans",
    "read_forecasts",
    "read_harmonised",
    "read_scores",
    "read_unit_forecasts",
]
