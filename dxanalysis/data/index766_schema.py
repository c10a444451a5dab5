"""The 766 table both generations share: groups, columns, checks, the total tolerance; stacking and ranking.

The 2025 Excel export (:mod:`.index766`) and the 2026 API (:mod:`.index766_2026`) both read into
this one table and this one set of rules; neither loader imports the other's code.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pandera.pandas as pa

from ..core import provinces
from ..core.errors import DxError, InputProblems, Problem

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
SOURCE = "National 766 dashboard export (Decision 766/QĐ-TTg scores); real published scores"
SOURCE_2026 = "National Public Service Portal, 2026 reporting API (service-results; Decision 766/QĐ-TTg scores)"
SCALES = ("766-2025", "766-2026")
SCOPES = ("year_to_date", "month")

#: How far a stated total may be from the sum of its six groups, in points, in both generations.
#: Both publish points to two decimals, each group and the total rounded on its own, so rounding
#: alone moves the sum by at most 7 x 0.005 = 0.035; 0.05 is the round figure just above that.
#: Measured: 0.00 (float noise, < 1e-13) in every row of both bundled files (the 2025 export's
#: province, department and commune sheets, the 2026 year-to-date table). The 2026 loader once
#: allowed 0.05 per group (0.30): no rounding explains that much, and it let a 0.3-point slip through.
TOTAL_TOLERANCE = 0.05

ROW_COLUMNS = ["province_code", "period", "scope", "component", "points", "max_points", "unit_name", "dashboard_code"]

INDEX766_SCHEMA = pa.DataFrameSchema(
    {
        "province_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
        "province_name": pa.Column(str),
        "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}-(0[1-9]|1[0-2])$")),
        "scope": pa.Column(str, pa.Check.isin(list(SCOPES))),
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


def total_adds_up(stated: float, groups: float) -> bool:
    """True when a stated total is within :data:`TOTAL_TOLERANCE` of the sum of its six groups."""
    return abs(float(stated) - float(groups)) <= TOTAL_TOLERANCE


def finish_rows(rows: list[tuple], file: str, scale: str, source: str) -> pd.DataFrame:
    """Tidy rows (in :data:`ROW_COLUMNS`) -> the validated 766 table (names from the province
    list, scale and source added)."""
    table = pd.DataFrame(rows, columns=ROW_COLUMNS)
    table.insert(1, "province_name", table["province_code"].map(provinces.province_name))
    table["scale"] = scale
    table["source"] = source
    return check_table(table.astype({"points": float, "max_points": float}), file)


def check_table(table: pd.DataFrame, file: str) -> pd.DataFrame:
    """Validate a 766 table against :data:`INDEX766_SCHEMA` (problems name ``file``); return it sorted."""
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


def combine_scores(*tables: pd.DataFrame, allow_mixed_scales: bool = False, warn: bool = True) -> pd.DataFrame:
    """Stack 766 tables. Tables of the 2025 service and the 2026 API are on different scales:
    stacking them is refused unless ``allow_mixed_scales``, and then a warning says so (the
    ``scale`` column keeps them apart). ``warn=False`` silences that warning for callers that
    keep both generations side by side on purpose and read each by its ``scale`` (the bundled
    tables of the pipeline and the reports); it never allows mixing on its own."""
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
        if warn:
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


def wide_scores(table: pd.DataFrame, scope: str = "month") -> pd.DataFrame:
    """One row per province with a column per component (for display); one scale only."""
    sub = table[table["scope"] == scope]
    if sub["scale"].nunique() > 1:
        raise DxError("wide_scores: the table mixes 766 scales; show each generation on its own")
    wide = sub.pivot_table(index=["province_code", "province_name"], columns="component", values="points")
    return wide[[*COMPONENTS, TOTAL[0]]].reset_index().sort_values(TOTAL[0], ascending=False, ignore_index=True)
