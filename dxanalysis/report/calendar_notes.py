"""What the calendar means for a province: the year-end push it made before and the one it needs now.

What the calendar means for a province: the year-end push it made before and the one it needs
now, and the months left out of its forecasts as reporting gaps."""

from __future__ import annotations

import pandas as pd

from ..core import provinces
from ..data.coverage import left_out
from .i18n import indicator, month, num, pct, t, target_number
from .tables import target_rows


def _value(series: pd.Series, period: str) -> float | None:
    value = series.get(period)
    return None if value is None or pd.isna(value) else float(value)


def calendar_lines(table: pd.DataFrame, result: pd.DataFrame, code: str) -> list[str]:
    """One sentence per target due this December that the province has not reached yet: what it
    gained from the same month to December in earlier years, what it needs now, and whether that
    is more than it has ever gained over those months.

    The sentence a policy researcher quotes: the forecast's year-end effect in plain points.
    """
    lines = []
    rows = target_rows(result, code, ahead=True)
    for row in rows.itertuples(index=False):
        deadline = str(row.deadline_period) if hasattr(row, "deadline_period") else str(row.deadline)[:7]
        last_period = str(row.last_period)
        if row.status in ("achieved", "no_data", "insufficient_data") or not isinstance(row.last_value, float):
            continue
        if deadline[5:7] != "12" or deadline[:4] != last_period[:4] or last_period[5:7] == "12":
            continue
        series = table[
            (table["province_code"] == code) & (table["indicator"] == row.indicator) & table["complete"].astype(bool)
        ]
        series = series.set_index("period")["value"]
        start_month = last_period[5:7]
        gains = {}
        for year in range(int(last_period[:4]) - 1, int(last_period[:4]) - 6, -1):
            start, end = _value(series, f"{year}-{start_month}"), _value(series, f"{year}-12")
            if start is not None and end is not None:
                gains[year] = end - start
        need = float(row.target_value) - float(row.last_value)
        values = {
            "title": indicator(row.indicator),
            "name": provinces.province_name(code) if code != provinces.NATIONAL_CODE else row.province_name,
            "from": month(last_period, long=True),
            "from_month": t("month." + last_period[5:7]),
            "target": f"{target_number(row.target_value)}%",
            "need": num(need, 1, sign=True),
            "value": pct(row.last_value),
        }
        if not gains:
            lines.append(t("calendar.no_history", **values))
            continue
        listed = ", ".join(
            t("calendar.gain", gain=num(gain, 1, sign=True), year=str(year)) for year, gain in sorted(gains.items())
        )
        key = "calendar.more_than_ever" if need > max(gains.values()) else "calendar.within"
        lines.append(t(key, gains=listed, **values))
    return lines


def left_out_lines(table: pd.DataFrame, code: str) -> tuple[list[str], list[str]]:
    """Months left out of the forecasts as reporting gaps: (lines for every province, this
    province's own lines). A month left out in every province that reported it is said once, in
    the first list, not as 34 separate notes."""
    gaps = left_out(table)
    if gaps.empty:
        return [], []
    reported = table.groupby(["indicator", "period"])["province_code"].nunique()
    flagged = gaps.groupby(["indicator", "period"])["province_code"].nunique()
    all_of_them = flagged[flagged.to_numpy() >= reported.reindex(flagged.index).to_numpy()].reset_index()
    common, own = [], []
    for name, group in all_of_them.groupby("indicator"):
        months = ", ".join(month(p) for p in sorted(group["period"]))
        common.append(t("calendar.left_out_everywhere", title=indicator(name), months=months))
    everywhere = set(zip(all_of_them["indicator"], all_of_them["period"]))
    mine = gaps[gaps["province_code"] == code]
    mine = mine[[(i, p) not in everywhere for i, p in zip(mine["indicator"], mine["period"])]]
    for name, group in mine.groupby("indicator"):
        months = ", ".join(month(p) for p in sorted(group["period"]))
        own.append(t("calendar.left_out", title=indicator(name), n=str(len(group)), months=months))
    return common, own


__all__ = ["calendar_lines", "left_out_lines"]
