"""Inside a province: the units off track, ranked by how far they are from the pace needed.

Inside a province: where it will miss. The units off track ranked by how much of the
province's gap they hold, counts of units by status, and the communes on a map (issue 19)."""

from __future__ import annotations

import pandas as pd

from .i18n import indicator, num, pct, status, t
from .tables import target_label

OFF = ("needs_acceleration", "off_track")
#: How many units a ranking shows (the rest are counted, and all are in unit_forecasts.csv).
SHOWN = 15


def units_ahead(unit_forecasts: pd.DataFrame | None, code: str) -> pd.DataFrame:
    """The province's unit rows for the targets still ahead (empty without units)."""
    if unit_forecasts is None or unit_forecasts.empty:
        return pd.DataFrame()
    rows = unit_forecasts[(unit_forecasts["province_code"] == code) & ~unit_forecasts["deadline_passed"].astype(bool)]
    return rows.sort_values(["deadline", "target_id", "unit_code"], ignore_index=True)


def shortfall(rows: pd.DataFrame) -> pd.Series:
    """Records that would have to change for the unit to reach the target at its forecast: the
    gap in points times the unit's monthly volume (0 for a unit on track)."""
    gap = (rows["target_value"] - rows["forecast"]).clip(lower=0)
    return (gap / 100 * rows["volume"].fillna(0)).where(rows["status"].isin(OFF), 0.0)


def status_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Units by status, communes and departments apart, per target ahead."""
    if rows.empty:
        return pd.DataFrame()
    level = rows["level"].map({"commune": t("units.communes"), "department": t("units.departments")})
    labels = rows["target_id"].map({target: target_label(target) for target in rows["target_id"].unique()})
    counts = pd.crosstab([labels, level], rows["status"].map(status))
    counts.index.names = [t("col.target"), t("units.level")]
    counts.columns.name = t("col.status")
    return counts


def ranking(rows: pd.DataFrame, target_id: str, level: str) -> pd.DataFrame:
    """The ``level`` units off track on ``target_id``, largest share of the province's gap first."""
    mine = rows[(rows["target_id"] == target_id) & (rows["level"] == level) & rows["status"].isin(OFF)].copy()
    if mine.empty:
        return pd.DataFrame()
    mine["short"] = shortfall(mine)
    total = shortfall(rows[rows["target_id"] == target_id]).sum()
    mine = mine.sort_values(["short", "p_hit"], ascending=[False, True]).head(SHOWN)
    return pd.DataFrame(
        {
            t("units.unit"): mine["unit_name"].to_numpy(),
            t("units.code"): [ward or unit for ward, unit in zip(mine["ward_code"], mine["unit_code"])],
            t("col.last_value"): [num(v) for v in mine["last_value"]],
            t("col.forecast"): [pct(v) for v in mine["forecast"]],
            t("col.p_hit"): [num(p, 2) for p in mine["p_hit"]],
            t("col.required_pace"): [num(v, 2, sign=True) for v in mine["required_pace"]],
            t("units.short"): [num(v, 0) for v in mine["short"]],
            t("units.share"): [pct(100 * v / total, 0) if total > 0 else "—" for v in mine["short"]],
            t("col.status"): [status(s) for s in mine["status"]],
        }
    )


def summary_lines(rows: pd.DataFrame) -> list[str]:
    """One sentence per target ahead: how many communes and departments are off track, and how
    much of the province's gap the first few hold."""
    lines = []
    for _, part in rows.groupby("target_id", sort=False):
        first = part.iloc[0]
        communes = part[part["level"] == "commune"]
        off = communes["status"].isin(OFF).sum()
        departments_off = part[(part["level"] == "department") & part["status"].isin(OFF)].shape[0]
        short = shortfall(part).sort_values(ascending=False)
        top = short.head(5).sum() / short.sum() if short.sum() > 0 else 0.0
        lines.append(
            t(
                "units.summary",
                title=indicator(first["indicator"]),
                off=str(off),
                communes=str(len(communes)),
                departments=str(departments_off),
                top=pct(100 * top, 0),
            )
        )
    return lines


def rankings(rows: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """For each target ahead, a heading and the ranking of its communes, then of its departments
    (each only when some are off track)."""
    out = []
    for target_id in rows["target_id"].unique():
        for level, key in (("commune", "units.ranking_communes"), ("department", "units.ranking_departments")):
            table = ranking(rows, target_id, level)
            if not table.empty:
                out.append((t(key, target=target_label(target_id)), table))
    return out


def map_target(rows: pd.DataFrame) -> str | None:
    """The target the commune map shows: the first due (end-2026 before 2030) with commune rows."""
    communes = rows[rows["level"] == "commune"]
    return None if communes.empty else str(communes.sort_values(["deadline", "target_id"])["target_id"].iloc[0])


def communes_off_track(unit_forecasts: pd.DataFrame | None, target_id: str) -> dict[str, int]:
    """Per province, the communes off track (or needing acceleration) on ``target_id``."""
    if unit_forecasts is None or unit_forecasts.empty:
        return {}
    rows = unit_forecasts[(unit_forecasts["target_id"] == target_id) & (unit_forecasts["level"] == "commune")]
    return rows[rows["status"].isin(OFF)].groupby("province_code").size().to_dict()


__all__ = [
    "units_ahead",
    "shortfall",
    "status_counts",
    "ranking",
    "rankings",
    "map_target",
    "summary_lines",
    "communes_off_track",
    "SHOWN",
]
