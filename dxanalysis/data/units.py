"""The unit table (every department and commune, per month and indicator): its loader and checks.

The unit table (every department and commune of a province, per month and indicator): its
contract, and a loader that checks it at the boundary.

One row per province x unit x month x indicator (README, "Data contracts")::

    province_code  text     two-digit GSO code of a current province ("01")
    unit_code      text     the portal's code of the unit ("H44.100")
    unit_name      text     the unit's name as published
    level          text     department | commune
    ward_code      text     five-digit GSO code of a commune; "" for a department or an unmatched commune
    ward_match     text     "" or why a commune has no code (no commune of that name, or several)
    period         YYYY-MM
    indicator      id       from params/indicators.yaml
    numerator      count    whole, >= 0, <= denominator; empty = missing (never zero)
    denominator    count    whole, >= 0; empty = missing
    value          percent  numerator / denominator * 100; empty when either is missing
    source         text

Every problem is collected and raised at once as :class:`~dxanalysis.core.errors.InputProblems`, each
naming the file, the row as a spreadsheet shows it (the header is row 1) and the column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..core import provinces
from ..core.errors import InputProblems, Problem
from .unit_contract import UNIT_COLUMNS

LEVELS = ("department", "commune")
#: Cells that mean "no number" (a JSON null written out, an empty cell): missing, never zero.
NULL_TEXTS = frozenset({"", "null", "none", "nan", "na", "n/a"})
#: Allowed gap between a stated value and numerator / denominator * 100 (rounding).
VALUE_TOLERANCE = 0.05
#: Problems kept before the rest are only counted.
MAX_PROBLEMS = 1000
KEY = ["province_code", "unit_code", "period", "indicator"]

UNIT_SCHEMA = pa.DataFrameSchema(
    {
        "province_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
        "unit_code": pa.Column(str, pa.Check.str_length(min_value=1)),
        "unit_name": pa.Column(str),
        "level": pa.Column(str, pa.Check.isin(LEVELS)),
        "ward_code": pa.Column(str, pa.Check.str_matches(r"^(\d{5})?$")),
        "ward_match": pa.Column(str),
        "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}-(0[1-9]|1[0-2])$")),
        "indicator": pa.Column(str),
        "numerator": pa.Column(float, pa.Check.ge(0), nullable=True),
        "denominator": pa.Column(float, pa.Check.ge(0), nullable=True),
        "value": pa.Column(float, pa.Check.in_range(0, 100), nullable=True),
        "source": pa.Column(str),
    },
    unique=KEY,
    strict=True,
    coerce=False,
)


class _Checker:
    """Collects problems of one file, a column at a time (vectorised: a row is named only when bad)."""

    def __init__(self, file: str, rows: pd.DataFrame):
        self.file, self.rows, self.problems, self.more = file, rows, [], 0

    def flag(self, bad: np.ndarray | pd.Series, column: str, message) -> None:
        """Record ``message`` (text, or a function of the cell) for every row where ``bad`` holds."""
        for i in np.flatnonzero(np.asarray(bad, dtype=bool)):
            if len(self.problems) >= MAX_PROBLEMS:
                self.more += 1
                continue
            cell = self.rows[column].iloc[i] if column in self.rows else None
            text = message(cell) if callable(message) else message
            self.problems.append(Problem(self.file, int(i) + 2, column, text))

    def count(self, column: str) -> np.ndarray:
        """A count column as floats (NaN = missing), flagging anything but a whole number >= 0."""
        cells = self.rows[column].astype(str).str.strip()
        missing = cells.str.lower().isin(NULL_TEXTS).to_numpy()
        numbers = pd.to_numeric(cells.where(~missing), errors="coerce").to_numpy(float)
        self.flag(
            ~missing & ~np.isfinite(numbers), column, lambda c: f"{c!r} is not a number; expected a whole count or empty"
        )
        with np.errstate(invalid="ignore"):
            self.flag(np.isfinite(numbers) & (numbers < 0), column, lambda c: f"{c} is negative; a count is >= 0")
            self.flag(
                np.isfinite(numbers) & (numbers >= 0) & (numbers != np.floor(numbers)),
                column,
                lambda c: f"{c} is not a whole number; a count is whole (a thousands separator read as a decimal?)",
            )
        return np.where(np.isfinite(numbers) & (numbers >= 0) & (numbers == np.floor(numbers)), numbers, np.nan)


def check_units(rows: pd.DataFrame, file: str = "<table>") -> pd.DataFrame:
    """Check a unit table read as text and return it typed (codes as text, counts as floats).

    Parameters
    ----------
    rows : DataFrame
        Every column as text (``dtype=str, keep_default_na=False``), header names as in the contract.
    file : str
        Named in every problem.

    Returns
    -------
    DataFrame
        :data:`UNIT_COLUMNS`; ``numerator``/``denominator``/``value`` NaN where missing.

    Raises
    ------
    InputProblems
        Every problem at once, each ``FILE:ROW: column: what is wrong``.
    """
    from ..core.registry import load_indicators

    absent = [c for c in UNIT_COLUMNS if c not in rows.columns]
    if absent:
        raise InputProblems([Problem(file, None, c, "column missing from the unit table") for c in absent])
    rows = rows[UNIT_COLUMNS].astype(str).reset_index(drop=True)
    check = _Checker(file, rows)
    text = {c: rows[c].str.strip() for c in UNIT_COLUMNS if c not in ("numerator", "denominator", "value")}
    codes = set(provinces.current_provinces()["code"])
    check.flag(
        ~text["province_code"].isin(codes),
        "province_code",
        lambda c: f"{c!r} is not the two-digit code of a current province (codes are text: '01', not '1')",
    )
    check.flag(text["unit_code"] == "", "unit_code", "empty; every unit has its portal code")
    check.flag(~text["level"].isin(LEVELS), "level", lambda c: f"{c!r} is not one of {', '.join(LEVELS)}")
    ward = text["ward_code"]
    check.flag((ward != "") & ~ward.str.fullmatch(r"\d{5}"), "ward_code", lambda c: f"{c!r} is not a five-digit GSO code")
    check.flag(
        (text["level"] == "department") & (ward != ""), "ward_code", "a department has no commune code; expected empty"
    )
    check.flag(
        (text["level"] == "commune") & (ward == "") & (text["ward_match"] == ""),
        "ward_match",
        "a commune without a code must say why (ward_match)",
    )
    check.flag(~text["period"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])"), "period", lambda c: f"{c!r} is not YYYY-MM")
    known = set(load_indicators())
    check.flag(~text["indicator"].isin(known), "indicator", lambda c: f"{c!r} is not an indicator of params/indicators.yaml")
    numerator, denominator = check.count("numerator"), check.count("denominator")
    with np.errstate(invalid="ignore"):
        check.flag(
            numerator > denominator,
            "numerator",
            lambda c: f"{c} is more than the denominator; a numerator counts records of its denominator",
        )
        computed = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1) * 100, np.nan)
    value_cells = rows["value"].str.strip()
    blank = value_cells.str.lower().isin(NULL_TEXTS).to_numpy()
    stated = pd.to_numeric(value_cells.where(~blank), errors="coerce").to_numpy(float)
    check.flag(~blank & ~np.isfinite(stated), "value", lambda c: f"{c!r} is not a number; expected a percent or empty")
    with np.errstate(invalid="ignore"):
        check.flag(
            np.isfinite(stated) & np.isfinite(computed) & (np.abs(stated - computed) > VALUE_TOLERANCE),
            "value",
            lambda c: f"{c} disagrees with numerator / denominator * 100",
        )
    duplicated = pd.DataFrame(text)[KEY].duplicated(keep="first").to_numpy()
    check.flag(duplicated, "unit_code", "the same province, unit, month and indicator again")
    if check.problems:
        more = [Problem(file, None, None, f"... and {check.more} more problems")] if check.more else []
        raise InputProblems(check.problems + more)
    out = pd.DataFrame({c: text[c] for c in text})
    out["numerator"], out["denominator"] = numerator, denominator
    # The value is the counts' own (null where either is missing), never a stated figure without them.
    out["value"] = np.where(np.isnan(numerator) | np.isnan(denominator), np.nan, computed)
    return UNIT_SCHEMA.validate(out[UNIT_COLUMNS])


def load_units(path: str | Path | None = None) -> pd.DataFrame:
    """Load a unit table (CSV, optionally ``.gz``) checked against the contract.

    Parameters
    ----------
    path : str or Path, optional
        A ``units.csv`` as ``dx fetch`` writes it; by default the bundled synthetic unit panel
        (generated at first use and cached: :func:`~dxanalysis.data.unit_synthetic.cached_units`).

    Returns
    -------
    DataFrame
        See :func:`check_units`.
    """
    from .unit_synthetic import cached_units

    path = Path(path) if path is not None else cached_units()
    rows = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return check_units(rows, str(path))


def units_file(data: str | Path | None = None) -> Path | None:
    """The unit table that goes with observation ``data``: the bundled synthetic panel's (cached)
    for none, else ``units.csv`` in the folder (or beside the file) ``dx fetch`` wrote; None when
    there is none."""
    from .unit_synthetic import cached_units

    if data is None or str(data) == "":
        return cached_units()
    path = Path(data)
    candidate = path / "units.csv" if path.is_dir() else path.parent / "units.csv"
    return candidate if candidate.exists() else None


def commune_centroids(province_code: str | None = None) -> pd.DataFrame:
    """Communes' centroids for a map: ``ward_code, name, type, province_code, lat, lon``
    (a unit forecast joins on ``ward_code``); one province's with ``province_code``."""
    from .communes import load_communes

    communes = load_communes()
    if province_code is not None:
        communes = communes[communes["province_code"] == province_code]
    return communes[["ward_code", "name", "type", "province_code", "lat", "lon"]].reset_index(drop=True)


__all__ = ["UNIT_COLUMNS", "UNIT_SCHEMA", "LEVELS", "check_units", "load_units", "units_file", "commune_centroids"]
