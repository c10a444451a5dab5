"""Load exports of the national 766 dashboard (Decision 766/QĐ-TTg): real monthly scores.

The dashboard scores every province, department and commune out of 100 points in six groups.
These are **points, not target rates**: reports show them as what they are, beside the
forecasts, never in place of a target indicator.

Two generations are read, and never joined into one series without saying so:

* ``766-2025``: the older reporting service's Excel export (sheets "Điểm năm", "Điểm tháng");
* ``766-2026``: the 2026 reporting API (``service-results``), as a saved JSON table (the bundled
  ``index766_2026-10-10_ytd.json``), a raw API answer, or the ``index766.csv`` that ``dx fetch`` writes.

The two are on different scales (national average about 86 in Oct 2025, about 62.6 in Oct 2026).

Output (tidy, one row per province, scope and component)::

    province_code, province_name, period, scope (year_to_date | month), component,
    points, max_points, unit_name, dashboard_code, scale (766-2025 | 766-2026), source
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..core import provinces
from ..core.errors import DxError, InputProblems, Problem
from ..core.periods import is_period, period_from_filename
from ..core.provinces import normalise_name
from .readers import is_blank, read_workbook

#: Score groups of the 766 index and their maximum points (Decision 766/QĐ-TTg; CLGQ and TTTT
#: checked against the group maxima the 2026 reporting API returns).
COMPONENTS: dict[str, tuple[str, float]] = {
    "CKMB": ("transparency (công khai, minh bạch)", 18),
    "TDGQ": ("progress of settlement (tiến độ giải quyết)", 20),
    "CLGQ": ("online service provision (dịch vụ trực tuyến)", 12),
    "TTTT": ("online payment (thanh toán trực tuyến)", 10),
    "MDHL": ("satisfaction (mức độ hài lòng)", 18),
    "MDSH": ("digitisation of records and results (mức độ số hóa)", 22),
}
TOTAL = ("TONG_SCORE", 100.0)
REQUIRED_COLUMNS = ("TEN", "MA_COQUAN", *COMPONENTS, TOTAL[0])
SOURCE = "National 766 dashboard export (Decision 766/QĐ-TTg scores); real published scores"
SOURCE_2026 = "National Public Service Portal, 2026 reporting API (service-results; Decision 766/QĐ-TTg scores)"
SCALES = ("766-2025", "766-2026")
SCOPES = ("year_to_date", "month")

# Words in sheet names that give the scope (matched on the normalised name, so "Điểm năm",
# "diem_nam", "Year to date" and "Điểm tháng 10" all work).
_SCOPE_WORDS = (
    ("thang", "month"),
    ("month", "month"),
    ("nam", "year_to_date"),
    ("year", "year_to_date"),
    ("ytd", "year_to_date"),
)


def scope_of_sheet(sheet: str) -> str | None:
    """``month`` or ``year_to_date`` from a sheet's name, or None when it does not say."""
    key = normalise_name(sheet)
    for word, scope in _SCOPE_WORDS:
        if word in key:
            return scope
    return None


INDEX766_SCHEMA = pa.DataFrameSchema(
    {
        "province_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
        "province_name": pa.Column(str),
        "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}-(0[1-9]|1[0-2])$")),
        "scope": pa.Column(str, pa.Check.isin(["year_to_date", "month"])),
        "component": pa.Column(str, pa.Check.isin([*COMPONENTS, TOTAL[0]])),
        "points": pa.Column(float, pa.Check.ge(0)),
        "max_points": pa.Column(float, pa.Check.gt(0)),
        "unit_name": pa.Column(str),
        "dashboard_code": pa.Column(str),
        "scale": pa.Column(str, pa.Check.isin(list(SCALES))),
        "source": pa.Column(str),
    },
    checks=pa.Check(lambda df: (df["points"] <= df["max_points"] + 1e-9).all(), error="points above max_points"),
    unique=["province_code", "period", "scope", "component", "scale"],
    strict=True,
)


def looks_like_766(path: str | Path) -> bool:
    """True for a 766 table: a workbook with the 766 columns (TEN, MA_COQUAN, TONG_SCORE...), a
    2026 JSON table or API answer, or a CSV in the 766 contract."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return True
    if suffix == ".csv":
        try:
            header = path.open(encoding="utf-8-sig").readline()
        except (OSError, UnicodeDecodeError):
            return False
        return {"component", "points", "max_points"} <= {c.strip() for c in header.split(",")}
    if suffix not in (".xlsx", ".xlsm"):
        return False
    try:
        sheets = pd.read_excel(path, sheet_name=None, nrows=0, engine="openpyxl")
    except Exception:
        return False
    return any(set(REQUIRED_COLUMNS) <= {str(c).strip() for c in frame.columns} for frame in sheets.values())


def _province_label(unit_name: str) -> str | None:
    """'UBND tỉnh Bắc Ninh' -> 'Bắc Ninh'; None for departments and communes."""
    text = str(unit_name).strip()
    key = normalise_name(text)
    if " - " in text or not key:
        return None
    lowered = text.lower()
    if not lowered.startswith("ubnd tỉnh") and not lowered.startswith("ubnd thành phố"):
        return None
    return text


def load_index766(
    path: str | Path, period: str | None = None, scope: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a 766 table of either generation (see the module docstring).

    Parameters
    ----------
    path : str or Path
        An Excel export of the 2025 service (sheets recognised by their columns, not by name or
        order; the scope comes from the sheet name, "Điểm năm" = year to date, "Điểm tháng" =
        month), a 2026 JSON table or ``service-results`` answer, or a CSV in the 766 contract.
    period : str, optional
        ``YYYY-MM`` the export describes; by default read from the file name (``T10_2025`` or
        ``2025-10``) or, for the 2026 JSON table, from its ``date``.
    scope : {"year_to_date", "month"}, optional
        For exports whose sheet names do not say which (every province sheet gets this scope),
        and for raw API answers.

    Returns
    -------
    (provinces, other_units) : tuple of DataFrame
        ``provinces`` is the validated tidy table keyed by current ``province_code``;
        ``other_units`` holds the rows that are not provinces (departments, communes), kept
        apart with their sheet name, never mixed in.

    Raises
    ------
    InputProblems
        Unknown layout, an unresolvable province, a missing period, or totals that do not add up.
    """
    path = Path(path)
    file = str(path)
    if scope is not None and scope not in SCOPES:
        raise InputProblems([Problem(file, None, None, f"scope {scope!r}: expected one of {', '.join(SCOPES)}")])
    if path.suffix.lower() in (".json", ".csv"):
        from .index766_2026 import load_2026_json, load_contract_csv

        table = load_2026_json(path, period, scope) if path.suffix.lower() == ".json" else load_contract_csv(path)
        return table, pd.DataFrame()
    if period is None:
        period = period_from_filename(path.name)
        if period is None:
            raise InputProblems(
                [
                    Problem(
                        file,
                        None,
                        None,
                        "cannot tell the month from the file name; "
                        "expected --period YYYY-MM or a name such as bao_cao_T10_2025.xlsx",
                    )
                ]
            )
    elif not is_period(period):
        raise InputProblems([Problem(file, None, None, f"period {period!r} is not YYYY-MM")])
    sheets = read_workbook(path, percent_cells=False)
    rows, others, problems = [], [], []
    seen_scopes = set()
    lacking: dict[str, list[str]] = {}
    for sheet, frame in sheets.items():
        frame.columns = [str(c).strip() for c in frame.columns]
        if not set(REQUIRED_COLUMNS) <= set(frame.columns):
            lacking[sheet] = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
            continue
        label = f"{file}[{sheet}]"
        sheet_scope = scope_of_sheet(sheet) or scope
        has_provinces = any(_province_label(str(n)) for n in frame["TEN"])
        if sheet_scope is None and has_provinces:
            problems.append(
                Problem(
                    label,
                    1,
                    None,
                    "cannot tell whether this sheet holds year-to-date or monthly "
                    "scores; expected a sheet name with 'năm'/'year' or 'tháng'/'month' "
                    "(as in 'Điểm năm', 'Điểm tháng'), or --scope year_to_date|month",
                )
            )
            continue
        for position, record in zip(frame.index.tolist(), frame.to_dict("records")):
            name = str(record["TEN"]).strip()
            is_province_level = str(record.get("LOAI_COQUAN", "1")).strip() in ("1", "1.0")
            province_label = _province_label(name) if is_province_level else None
            if province_label is None or sheet_scope is None:
                others.append(
                    {
                        "sheet": sheet,
                        "unit_name": name,
                        "dashboard_code": str(record["MA_COQUAN"]),
                        **{c: record[c] for c in (*COMPONENTS, TOTAL[0])},
                    }
                )
                continue
            code = provinces.try_resolve(province_label, "current")
            if code is None:
                problems.append(Problem(label, position, "TEN", f"{name!r} is not one of the 34 provinces"))
                continue
            total = 0.0
            for component, (_, max_points) in COMPONENTS.items():
                points = _points(record[component], label, position, component, max_points, problems)
                total += points
                rows.append((code, period, sheet_scope, component, points, max_points, name, str(record["MA_COQUAN"])))
            stated = _points(record[TOTAL[0]], label, position, TOTAL[0], TOTAL[1], problems)
            if abs(stated - total) > 0.05:
                problems.append(
                    Problem(
                        label, position, TOTAL[0], f"{stated:g} does not equal the sum of the six components ({total:.2f})"
                    )
                )
            rows.append((code, period, sheet_scope, TOTAL[0], stated, TOTAL[1], name, str(record["MA_COQUAN"])))
            seen_scopes.add(sheet_scope)
    if not rows and not problems:
        seen = "; ".join(f"sheet {name!r} lacks {', '.join(cols)}" for name, cols in lacking.items()) or "no sheets"
        problems.append(
            Problem(
                file,
                None,
                None,
                "no sheet with the 766 columns "
                f"({', '.join(REQUIRED_COLUMNS)}) and a province score sheet ('Điểm năm' or 'Điểm tháng'); "
                f"found: {seen}",
            )
        )
    if problems:
        raise InputProblems(problems)
    return _finish(rows, file, "766-2025", f"{SOURCE}: {path.name}"), pd.DataFrame(others)


_ROW_COLUMNS = ["province_code", "period", "scope", "component", "points", "max_points", "unit_name", "dashboard_code"]


def _finish(rows: list[tuple], file: str, scale: str, source: str) -> pd.DataFrame:
    """Tidy rows -> the validated 766 table (names from the province list, scale and source added)."""
    table = pd.DataFrame(rows, columns=_ROW_COLUMNS)
    table.insert(1, "province_name", table["province_code"].map(provinces.province_name))
    table["scale"] = scale
    table["source"] = source
    return _validate(table.astype({"points": float, "max_points": float}), file)


def _validate(table: pd.DataFrame, file: str) -> pd.DataFrame:
    try:
        table = INDEX766_SCHEMA.validate(table, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise InputProblems(
            [
                Problem(file, None, str(c.column), f"{c.failure_case!r} is not a valid {c.column}; expected the 766 table")
                for c in exc.failure_cases.itertuples()
            ]
        ) from None
    return table.sort_values(["scale", "period", "scope", "province_code", "component"], ignore_index=True)


def combine_scores(*tables: pd.DataFrame, allow_mixed_scales: bool = False) -> pd.DataFrame:
    """Stack 766 tables. Tables of the 2025 service and the 2026 API are on different scales:
    stacking them is refused unless ``allow_mixed_scales``, and then a warning says so (the
    ``scale`` column keeps them apart)."""
    table = pd.concat(tables, ignore_index=True)
    scales = sorted(table["scale"].unique())
    if len(scales) > 1:
        message = (
            f"766 scores of different scales ({' and '.join(scales)}): the 2025 service and the 2026 API "
            "score differently (national average about 86 in Oct 2025, 62.6 in Oct 2026); never read "
            "them as one series"
        )
        if not allow_mixed_scales:
            raise DxError(message + "; pass allow_mixed_scales=True to keep them side by side")
        warnings.warn(message, stacklevel=2)
    return table


def ranks(table: pd.DataFrame, scope: str, period: str | None = None) -> pd.DataFrame:
    """Rank of every province (1 = highest total) per scale, period and component, ties shared."""
    sub = table[table["scope"] == scope]
    if period is not None:
        sub = sub[sub["period"] == period]
    sub = sub.copy()
    sub["rank"] = sub.groupby(["scale", "period", "component"])["points"].rank(ascending=False, method="min").astype(int)
    return sub


def _points(cell, file: str, row: int, column: str, max_points: float, problems: list[Problem]) -> float:
    if is_blank(cell):
        problems.append(Problem(file, row, column, f"empty; expected a number of points between 0 and {max_points:g}"))
        return 0.0
    try:
        value = float(cell)
    except (TypeError, ValueError):
        problems.append(Problem(file, row, column, f"{cell!r} is not a number; expected points 0..{max_points:g}"))
        return 0.0
    if not 0 <= value <= max_points + 1e-9:
        problems.append(Problem(file, row, column, f"{value:g} is outside 0..{max_points:g} points"))
    return value


def wide_scores(table: pd.DataFrame, scope: str = "month") -> pd.DataFrame:
    """One row per province with a column per component (for display); one scale only."""
    sub = table[table["scope"] == scope]
    if sub["scale"].nunique() > 1:
        raise DxError("wide_scores: the table mixes 766 scales; show each generation on its own")
    wide = sub.pivot_table(index=["province_code", "province_name"], columns="component", values="points")
    return wide[[*COMPONENTS, TOTAL[0]]].reset_index().sort_values(TOTAL[0], ascending=False, ignore_index=True)
