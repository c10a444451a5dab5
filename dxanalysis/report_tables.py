"""Tables the notebooks show: the headline (targets still ahead), history, comparisons, the
provinces that formed a new one, and the 766 scores of both generations."""

from __future__ import annotations

import math

import pandas as pd

from . import paths, provinces
from .forecast import ratio_of_sums
from .i18n import comparator, day, indicator, num, pct, status, t, target_number, unbroken, verdict
from .i18n import month as i18n_month
from .i18n import region as i18n_region
from .registry import load_targets


def _rows(result: pd.DataFrame, code: str, ahead: bool) -> pd.DataFrame:
    """One province's rows: targets still ahead of the as-of month, or those already past."""
    rows = result[result["province_code"] == code]
    passed = rows["deadline_passed"].astype(str).isin(["True", "true", "1"])
    return rows[passed != ahead].sort_values(["deadline", "target_id"])


def _confidence(target_ids) -> list[str]:
    targets = load_targets().set_index("target_id")
    return [
        t("col.to_confirm", confidence=t("confidence." + targets.at[target, "confidence"]))
        if target in targets.index and targets.at[target, "to_confirm"]
        else t("col.confirmed")
        for target in target_ids
    ]


def headline_table(result: pd.DataFrame, code: str) -> pd.DataFrame:
    """The headline: every target whose deadline is still ahead, with forecast, 80% interval,
    P(hit), paces, status and how sure we are of the target itself."""
    rows = _rows(result, code, ahead=True)
    out = pd.DataFrame(
        {
            **_target_columns(rows),
            t("col.last"): _value_and_month(rows),
            t("col.forecast"): [pct(v) for v in rows["forecast"]],
            t("col.interval80"): [
                unbroken(f"{num(lo)}–{pct(hi)}") if math.isfinite(lo) else "—" for lo, hi in zip(rows["lo80"], rows["hi80"])
            ],
            t("col.p_hit"): [num(p, 2) for p in rows["p_hit"]],
            t("col.required_pace"): [num(v, 2, sign=True) for v in rows["required_pace"]],
            t("col.recent_pace"): [num(v, 2, sign=True) for v in rows["recent_pace"]],
            t("col.status"): [status(code) for code in rows["status"]],
            t("col.target_source"): _confidence(rows["target_id"]),
        }
    )
    return out.set_index(t("col.target"))


def history_table(result: pd.DataFrame, code: str) -> pd.DataFrame:
    """Targets whose deadline has passed: the value at the deadline and whether it was met."""
    rows = _rows(result, code, ahead=False)
    out = pd.DataFrame(
        {
            **_target_columns(rows),
            t("col.value_at_deadline"): _value_and_month(rows),
            t("col.verdict"): [verdict(code) for code in rows["status"]],
        }
    )
    return out.set_index(t("col.target"))


def _target_columns(rows: pd.DataFrame) -> dict:
    """The columns that name a target: its indicator's title, the threshold and the deadline."""
    return {
        t("col.target"): rows["indicator"].map(indicator).to_numpy(),
        t("col.target_value"): [
            unbroken(f"{comparator(c)} {target_number(v)}%") for c, v in zip(rows["comparator"], rows["target_value"])
        ],
        t("col.deadline"): [unbroken(day(d, short=True)) for d in rows["deadline"]],
    }


def _value_and_month(rows: pd.DataFrame) -> list[str]:
    """``12.3% (Oct 2026)`` for each row's last value, or a dash."""
    return [
        f"{pct(v)} ({unbroken(i18n_month(p))})" if isinstance(p, str) and math.isfinite(v) else "—"
        for v, p in zip(rows["last_value"], rows["last_period"])
    ]


def constituents_table(code: str, table: pd.DataFrame) -> pd.DataFrame:
    """The old provinces that form a new one, and how its history was combined."""
    members = provinces.constituents()[code]
    sub = table[table["province_code"] == code]
    methods = sub.groupby("method")["period"].agg(["min", "max", "count"]).reset_index()
    incomplete = int((~sub["complete"]).sum())
    rows = [{t("col.old_province"): provinces.province_name(c, "legacy"), t("col.old_code"): c} for c in members]
    out = pd.DataFrame(rows)
    out.attrs["methods"] = methods
    out.attrs["incomplete"] = incomplete
    return out


def group_series(table: pd.DataFrame, indicator: str, codes: list[str] | None = None) -> pd.DataFrame:
    """One indicator's aggregate across provinces (a region, or all): see :func:`~dxanalysis.forecast.ratio_of_sums`."""
    return ratio_of_sums(table[table["indicator"] == indicator], ["period"], codes)[["period", "value"]]


def comparison_table(table: pd.DataFrame, code: str, as_of: str | None = None) -> pd.DataFrame:
    """Latest value of each indicator: the province, its region and the nation (ratio of sums).

    One aggregation for the region and one for the nation, every indicator at once."""
    region, members = region_codes(code)
    data = table if as_of is None else table[table["period"] <= as_of]
    own = data[(data["province_code"] == code) & data["complete"]].sort_values("period")
    last = own.groupby("indicator").tail(1).set_index("indicator")
    regional = ratio_of_sums(data, ["indicator", "period"], members).set_index(["indicator", "period"])["value"]
    national = ratio_of_sums(data, ["indicator", "period"]).set_index(["indicator", "period"])["value"]
    rows = []
    for indicator_id in sorted(last.index):
        month, value = last.at[indicator_id, "period"], last.at[indicator_id, "value"]
        rows.append(
            {
                t("col.indicator"): indicator(indicator_id),
                t("col.month"): unbroken(i18n_month(month)),
                provinces.province_name(code): num(value),
                t("col.region", region=i18n_region(region)): num(regional.get((indicator_id, month))),
                t("col.national"): num(national.get((indicator_id, month))),
            }
        )
    return pd.DataFrame(rows).set_index(t("col.indicator"))


def region_codes(code: str) -> tuple[str, list[str]]:
    region = provinces.region_of(code)
    cur = provinces.current_provinces()
    return region, cur.loc[cur["region"] == region, "code"].tolist()


def index766_table(tables=None) -> pd.DataFrame:
    """Both bundled 766 tables (``scale`` keeps them apart): from the pipeline's build when it has
    them, else read from ``data/index766``."""
    from .index766 import load_index766

    if tables is not None and tables.scores is not None:
        return tables.scores
    return pd.concat([load_index766(paths.INDEX766_XLSX)[0], load_index766(paths.INDEX766_2026_JSON)[0]], ignore_index=True)


def scores_2025(code: str, scores: pd.DataFrame) -> pd.DataFrame:
    """The province's October 2025 scores on the older service's scale, by scope."""
    mine = scores[(scores["province_code"] == code) & (scores["scale"] == "766-2025")]
    return mine.pivot_table(index="component", columns="scope", values="points").round(2)


def scores_2026(code: str, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """The province's real 2026 year-to-date 766 scores, with its rank among the 34 per group.

    On the 2026 API's scale: never compare with the 2025 export's points.
    """
    from .index766 import COMPONENTS, TOTAL, ranks

    table = index766_table() if scores is None else scores
    ranked = ranks(table[table["scale"] == "766-2026"], "year_to_date")
    mine = ranked[ranked["province_code"] == code].set_index("component")
    names = {**{c: f"{t('score.' + c)} ({c})" for c in COMPONENTS}, TOTAL[0]: t("col.total")}
    order = [*COMPONENTS, TOTAL[0]]
    return pd.DataFrame(
        {
            t("col.group"): [names[c] for c in order],
            t("col.points"): [num(mine.at[c, "points"], 2) for c in order],
            t("col.of"): [int(mine.at[c, "max_points"]) for c in order],
            t("col.rank"): [int(mine.at[c, "rank"]) for c in order],
        }
    ).set_index(t("col.group"))
