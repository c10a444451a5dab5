"""Read a 766 table of either generation: the 2025 dashboard's Excel export here, the 2026 JSON or CSV by suffix.

The dashboard scores every province, department and commune out of 100 points in six groups.
These are **points, not target rates**: reports show them as what they are, beside the
forecasts, never in place of a target indicator.

Two generations are read, and never joined into one series without saying so:

* ``766-2025``: the older reporting service's Excel export (sheets "Điểm năm", "Điểm tháng");
* ``766-2026``: the 2026 reporting API (``service-results``), as a saved JSON table (the bundled
  ``index766_2026-10-10_ytd.json``), a raw API answer, or the ``index766.csv`` that ``dx fetch`` writes.

The two are on different scales (national average about 86 in Oct 2025, about 62.6 in Oct 2026).
The table both read into, its checks and the tools that stack and rank it are in
:mod:`.index766_schema`; the 2026 readers in :mod:`.index766_2026`, which imports only the schema.

Output (tidy, one row per province, scope and component)::

    province_code, province_name, period, scope (year_to_date | month), component,
    points, max_points, unit_name, dashboard_code, scale (766-2025 | 766-2026), source
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core import paths, provinces
from ..core.errors import InputProblems, Problem
from ..core.periods import is_period, period_from_filename
from ..core.provinces import normalise_name
from .index766_2026 import load_2026_json, load_contract_csv
from .index766_schema import (
    COMPONENTS,
    INDEX766_SCHEMA,
    SCALES,
    SCOPES,
    SOURCE,
    SOURCE_2026,
    TOTAL,
    TOTAL_TOLERANCE,
    combine_scores,
    finish_rows,
    ranks,
    total_adds_up,
    wide_scores,
)
from .readers import is_blank, read_workbook

REQUIRED_COLUMNS = ("TEN", "MA_COQUAN", *COMPONENTS, TOTAL[0])

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
            if not total_adds_up(stated, total):
                problems.append(
                    Problem(
                        label,
                        position,
                        TOTAL[0],
                        f"{stated:g} does not equal the sum of the six components ({total:.2f}, "
                        f"tolerance {TOTAL_TOLERANCE:g})",
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
    return finish_rows(rows, file, "766-2025", f"{SOURCE}: {path.name}"), pd.DataFrame(others)


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


def load_bundled_scores() -> pd.DataFrame:
    """Both bundled 766 tables (the 2025 export and the 2026 year-to-date table) side by side.

    Stacked through :func:`combine_scores` with ``allow_mixed_scales=True``: the ``scale`` column
    keeps the generations apart and every reader picks one (``scores_2025``, ``scores_2026``,
    the national tables). ``warn=False`` because the mixing is this function's stated job: the
    warning would say nothing new, and it would print in every notebook opened alone.
    """
    old, _ = load_index766(paths.INDEX766_XLSX)
    new, _ = load_index766(paths.INDEX766_2026_JSON)
    return combine_scores(old, new, allow_mixed_scales=True, warn=False)


__all__ = [
    "COMPONENTS",
    "INDEX766_SCHEMA",
    "REQUIRED_COLUMNS",
    "SCALES",
    "SCOPES",
    "SOURCE",
    "SOURCE_2026",
    "TOTAL",
    "TOTAL_TOLERANCE",
    "combine_scores",
    "load_bundled_scores",
    "load_index766",
    "looks_like_766",
    "ranks",
    "scope_of_sheet",
    "wide_scores",
]
