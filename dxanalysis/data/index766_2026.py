"""Read the 766 index of the 2026 reporting API: its province list, saved JSON tables and contract CSVs.

The province list is ``service-results``' ``data.evaluation``; the saved year-to-date table is the
bundled ``index766_2026-10-10_ytd.json``; the CSVs already in the 766 contract are what ``dx fetch``
writes. Imports only the shared schema (:mod:`.index766_schema`), never the 2025 loader.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from ..core import provinces
from ..core.errors import InputProblems, Problem
from ..core.periods import is_period
from .index766_schema import (
    COMPONENTS,
    INDEX766_SCHEMA,
    SOURCE_2026,
    TOTAL,
    TOTAL_TOLERANCE,
    check_table,
    finish_rows,
    total_adds_up,
)


def _points(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def rows_from_evaluation(
    units: list[dict], period: str, scope: str, file: str, problems: list[Problem], positions: list[int] | None = None
) -> list[tuple]:
    """766 rows from the 2026 API's province list (``service-results`` ``data.evaluation``).

    Each unit carries ``departmentName``, ``departmentCode``, ``totalScore`` and the six group
    scores (``groupScores``, or ``scores`` in tables saved by other tools). A ``null`` score is a
    problem naming the province and group, never a zero; so are NaN and infinities.
    ``positions`` are the units' places in the whole list, when ``units`` is a part of it
    (problems name "province #N" by them).
    """
    rows = []
    for position, unit in zip(positions or range(1, len(units) + 1), units, strict=True):
        if not isinstance(unit, dict):
            problems.append(Problem(file, None, None, f"province #{position}: not an object"))
            continue
        name = unit.get("departmentName", "")
        name = str(name).strip() if isinstance(name, (str, int, float)) else ""  # a list's str() could recurse
        code = provinces.try_resolve(name, "current")
        where = f"province #{position} ({name[:80] or 'no name'})"
        if code is None:
            problems.append(Problem(file, None, "departmentName", f"{where}: not one of the 34 provinces"))
            continue
        groups = unit.get("groupScores", unit.get("scores")) or {}
        if not isinstance(groups, dict):
            problems.append(Problem(file, None, "groupScores", f"{where}: the group scores are not an object"))
            continue
        dashboard = str(unit.get("departmentCode") or "")
        total = 0.0
        for component, (_, max_points) in COMPONENTS.items():
            value = groups.get(component)
            if not _points(value):
                problems.append(Problem(file, None, component, f"{where}: {value!r:.40} is not a number of points"))
                continue
            if not 0 <= value <= max_points + 1e-9:
                problems.append(Problem(file, None, component, f"{where}: {value:g} is outside 0..{max_points:g}"))
            total += float(value)
            rows.append((code, period, scope, component, float(value), max_points, name, dashboard))
        stated = unit.get("totalScore")
        if not _points(stated):
            problems.append(Problem(file, None, "totalScore", f"{where}: {stated!r:.40} is not a number of points"))
            continue
        if not total_adds_up(stated, total):
            problems.append(
                Problem(
                    file,
                    None,
                    "totalScore",
                    f"{where}: {stated:g} does not equal the sum of the six groups ({total:.2f}, "
                    f"tolerance {TOTAL_TOLERANCE:g})",
                )
            )
        rows.append((code, period, scope, TOTAL[0], float(stated), TOTAL[1], name, dashboard))
    return rows


def load_2026_json(path: Path, period: str | None, scope: str | None) -> pd.DataFrame:
    """A 2026 table: ``{"year", "date", "provinces": [...]}`` (saved year-to-date table) or a raw
    ``service-results`` answer ``{"code": "OK", "data": {"evaluation": [...]}}``."""
    file = str(path)
    try:
        payload = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InputProblems([Problem(file, None, None, f"cannot read as JSON: {exc}")]) from exc
    if isinstance(payload, dict) and isinstance(payload.get("provinces"), list):
        units = payload["provinces"]
        date = str(payload.get("date", ""))
        period = period or (date[:7] if is_period(date[:7]) else None)
        scope = scope or "year_to_date"
        source = f"{SOURCE_2026}, {scope.replace('_', ' ')} as of {date or period}: {path.name}"
    elif (
        isinstance(payload, dict)
        and isinstance(payload.get("data"), dict)
        and isinstance(payload["data"].get("evaluation"), list)
    ):
        if payload.get("code") != "OK":
            raise InputProblems([Problem(file, None, "code", f"the API answered {payload.get('code')!r}, not 'OK'")])
        units = payload["data"]["evaluation"]
        if period is None or scope is None:
            raise InputProblems(
                [
                    Problem(
                        file,
                        None,
                        None,
                        "a raw service-results answer does not say its month "
                        "or scope; expected --period YYYY-MM and --scope year_to_date|month",
                    )
                ]
            )
        source = f"{SOURCE_2026}: {path.name}"
    else:
        raise InputProblems(
            [
                Problem(
                    file,
                    None,
                    None,
                    "not a 766 table: expected a 'provinces' list (saved 2026 "
                    "table) or a service-results answer with data.evaluation",
                )
            ]
        )
    if period is None or not is_period(period):
        raise InputProblems([Problem(file, None, "date", f"cannot tell the month ({period!r}); expected --period YYYY-MM")])
    problems: list[Problem] = []
    rows = rows_from_evaluation(units, period, scope, file, problems)
    codes = {r[0] for r in rows}
    if not problems and len(codes) != 34:
        problems.append(Problem(file, None, None, f"{len(codes)} provinces, expected the 34 current ones"))
    if problems:
        raise InputProblems(problems)
    return finish_rows(rows, file, "766-2026", source)


def load_contract_csv(path: Path) -> pd.DataFrame:
    """A CSV already in the 766 contract (``dx fetch`` writes ``index766.csv``)."""
    file = str(path)
    try:
        table = pd.read_csv(path, dtype={"province_code": str, "period": str, "dashboard_code": str}, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputProblems([Problem(file, None, None, f"cannot read as CSV: {exc}")]) from exc
    missing = [c for c in INDEX766_SCHEMA.columns if c not in table.columns]
    if missing:
        raise InputProblems([Problem(file, 1, None, f"missing column(s) {', '.join(missing)} of the 766 contract")])
    table = table[list(INDEX766_SCHEMA.columns)].copy()
    table["province_code"] = table["province_code"].str.zfill(2)
    table[["unit_name", "dashboard_code", "source"]] = table[["unit_name", "dashboard_code", "source"]].fillna("")
    return check_table(table.astype({"points": float, "max_points": float}), file)


__all__ = ["rows_from_evaluation", "load_2026_json", "load_contract_csv"]
