"""Tables the notebooks show: headline, history, comparisons, the 766 scores, status counts.

Tables the notebooks show: the headline (targets still ahead), history, comparisons, the
provinces that formed a new one, and the 766 scores of both generations."""

from __future__ import annotations

import math

import pandas as pd

from ..core import provinces
from ..core.registry import load_targets
from ..forecast import ratio_of_sums
from .i18n import comparator, day, indicator, num, pct, status, t, target_number, unbroken, verdict
from .i18n import month as i18n_month
from .i18n import region as i18n_region


def target_rows(result: pd.DataFrame, code: str, ahead: bool) -> pd.DataFrame:
    """One province's rows: targets still ahead of the as-of month, or those already past."""
    rows = result[result["province_code"] == code]
    passed = rows["deadline_passed"].astype(bool)
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
    rows = target_rows(result, code, ahead=True)
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
    rows = target_rows(result, code, ahead=False)
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
    from ..data.index766 import load_bundled_scores

    if tables is not None and tables.scores is not None:
        return tables.scores
    return load_bundled_scores()


def scores_2025(code: str, scores: pd.DataFrame) -> pd.DataFrame:
    """The province's October 2025 scores on the older service's scale, by scope."""
    mine = scores[(scores["province_code"] == code) & (scores["scale"] == "766-2025")]
    return mine.pivot_table(index="component", columns="scope", values="points").round(2)


def scores_2026(code: str, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """The province's real 2026 year-to-date 766 scores, with its rank among the 34 per group.

    On the 2026 API's scale: never compare with the 2025 export's points.
    """
    from ..data.index766_schema import COMPONENTS, TOTAL, ranks

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


def target_label(target_id: str) -> str:
    """A reader's name for a target: its indicator's title, then threshold and deadline
    ("Records processed online (≥ 80% by 31/12/2026)"); ids stay in the CSV and JSON outputs."""
    row = load_targets().set_index("target_id").loc[target_id]
    detail = t(
        "index.detail",
        comparator=comparator(row["comparator"]),
        value=target_number(row["threshold"]),
        deadline=unbroken(day(row["deadline"], short=True)),
    )
    return f"{indicator(row['indicator'])} ({detail})"


def _labelled(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the forecast table with a ``label`` per target, in deadline order."""
    labels = {target: target_label(target) for target in rows["target_id"].unique()}
    return rows.assign(label=rows["target_id"].map(labels)).sort_values(["deadline", "target_id"])


def _counts(forecasts: pd.DataFrame, word, column: str) -> pd.DataFrame:
    """Provinces per target (rows, by name, in deadline order) and word (columns)."""
    rows = _labelled(forecasts[forecasts["province_code"] != provinces.NATIONAL_CODE])
    counts = pd.crosstab(rows["label"], rows["status"].map(word)).reindex(list(dict.fromkeys(rows["label"])))
    counts.index.name, counts.columns.name = t("col.target"), t(column)
    return counts


def status_counts(forecasts: pd.DataFrame) -> pd.DataFrame:
    """How many provinces are in each status, per target still ahead (rows: targets by name)."""
    return _counts(forecasts, status, "col.status")


def verdict_counts(forecasts: pd.DataFrame) -> pd.DataFrame:
    """How many provinces met or missed each target whose deadline has passed."""
    return _counts(forecasts, verdict, "col.verdict")


def at_risk_table(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Province x target rows still ahead that need acceleration or are off track, worst first."""
    rows = forecasts[
        (forecasts["province_code"] != provinces.NATIONAL_CODE)
        & forecasts["status"].isin(["needs_acceleration", "off_track"])
    ]
    rows = _labelled(rows).sort_values(["deadline", "target_id", "p_hit"])
    return pd.DataFrame(
        {
            t("col.province"): rows["province_name"].to_numpy(),
            t("col.code"): rows["province_code"].to_numpy(),
            t("col.target"): rows["label"].to_numpy(),
            t("col.last_value"): [num(v) for v in rows["last_value"]],
            t("col.forecast_value"): [num(v) for v in rows["forecast"]],
            t("col.p_hit"): [num(p, 2) for p in rows["p_hit"]],
            t("col.required_pace"): [num(v, 2, sign=True) for v in rows["required_pace"]],
            t("col.recent_pace"): [num(v, 2, sign=True) for v in rows["recent_pace"]],
            t("col.status"): [status(s) for s in rows["status"]],
        }
    )


def national_figures_table(figures: pd.DataFrame) -> pd.DataFrame:
    """The real reported national figures, in words: indicator title, scope, month, value, status."""

    def what(row) -> str:  # an indicator of the registry, or a figure of its own (VNeID accounts, ...)
        if isinstance(row.indicator, str) and row.indicator:
            return indicator(row.indicator)
        return t("figure." + row.figure_id.rsplit("_", 1)[0])

    def value(row) -> str:
        if row.unit == "%":
            return pct(row.value, 2)
        return f"{num(row.value, 2 if row.value % 1 else 0)} {t('figure_unit.' + row.unit.replace(' ', '_'))}"

    return pd.DataFrame(
        {
            t("col.indicator"): [what(row) for row in figures.itertuples()],
            t("col.scope"): [t("chart.scope." + scope) for scope in figures["scope"]],
            t("col.month"): [i18n_month(p) for p in figures["period"]],
            t("col.value"): [value(row) for row in figures.itertuples()],
            t("col.figure_status"): [t("figure_status." + s.replace(" ", "_")) for s in figures["status"]],
            t("col.source"): figures["source"].to_numpy(),
        }
    )


def national_scores_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Every province's real 2026 year-to-date 766 scores, one column per group named in words
    (the group codes kept in brackets), best total first."""
    from ..data.index766_schema import COMPONENTS, TOTAL, wide_scores

    wide = wide_scores(scores[scores["scale"] == "766-2026"], scope="year_to_date")
    names = {**{c: f"{t('score.' + c)} ({c})" for c in COMPONENTS}, TOTAL[0]: t("col.total")}
    wide = wide.rename(columns={"province_name": t("col.province"), "province_code": t("col.code"), **names})
    wide.columns.name = t("col.group")
    return wide.set_index([t("col.code"), t("col.province")]).round(2)


def december_table(december: pd.DataFrame | None) -> pd.DataFrame:
    """December deadlines by the month the forecast was made (June..November): P(hit) Brier, 80%
    coverage and MAE, with the year-end effect (``pooled``) and without it (``pooled_no_season``)."""
    if december is None or december.empty:
        return pd.DataFrame()
    rows = december[december["model"].isin(["pooled", "pooled_no_season"])]
    wide = rows.pivot_table(index="origin_month", columns="model", values=["brier_target_cal", "coverage80_cal", "mae"])
    names = {
        ("brier_target_cal", "pooled"): t("col.brier_with"),
        ("brier_target_cal", "pooled_no_season"): t("col.brier_without"),
        ("coverage80_cal", "pooled"): t("col.coverage_with"),
        ("coverage80_cal", "pooled_no_season"): t("col.coverage_without"),
        ("mae", "pooled"): t("col.mae_with"),
        ("mae", "pooled_no_season"): t("col.mae_without"),
    }
    out = pd.DataFrame(index=[t(f"month.{int(month):02d}") for month in wide.index])  # "06", or 6 read back from CSV
    for key, name in names.items():
        if key in wide.columns:
            values = wide[key].to_numpy()
            out[name] = [
                pct(v * 100, 0) if key[0].startswith("coverage") else num(v, 4 if key[0].startswith("brier") else 2)
                for v in values
            ]
    out.index.name = t("col.origin_month")
    return out
