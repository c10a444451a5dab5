"""Helpers the notebooks call: parameter checks, tables, narrative, results written as data."""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from . import paths, provinces
from .errors import DxError
from .forecast import DEFAULT_MODEL, MODELS, parse_scenario, ratio_of_sums
from .io import atomic_write_csv, atomic_write_text
from .labels import STATUS_WORDS, SYNTHETIC_TEXT, SYNTHETIC_TITLE, verdict
from .periods import is_period
from .provenance import is_synthetic
from .provinces import NATIONAL_CODE
from .registry import load_indicators, load_targets


@dataclass(frozen=True)
class ReportParameters:
    """Checked, normalised notebook parameters."""

    province: str
    as_of: str | None
    data: str | None
    targets: str | None
    scenario: str | None
    model: str


def normalise_province(value: object) -> str:
    """A current province code from what a user typed: 1, "1", "01", "Hà Nội", "TP HCM".

    A pre-merger province is an error that names the province it joined.
    """
    if value is None or str(value).strip() == "":
        raise DxError("province is empty; expected a current two-digit code such as '01' (Hà Nội)")
    code = provinces.try_resolve(value, "current")
    if code is not None:
        return code
    old = provinces.try_resolve(value, "legacy")
    if old is not None:
        new = provinces.legacy_to_current()[old]
        raise DxError(
            f"province {value!r} is {provinces.province_name(old, 'legacy')} ({old}), a pre-merger province "
            f"that is now part of {provinces.province_name(new)} ({new}); run the report for {new!r}"
        )
    provinces.resolve(value, "current")  # raises UnknownProvince with suggestions
    raise AssertionError("unreachable")


def check_parameters(
    province: object,
    as_of: object = None,
    data: object = None,
    targets: object = None,
    scenario: object = None,
    model: object = DEFAULT_MODEL,
) -> ReportParameters:
    """Validate notebook parameters (papermill does not) with clear errors."""
    code = normalise_province(province)
    as_of_text = None if as_of in (None, "") else str(as_of)
    if as_of_text is not None and not is_period(as_of_text):
        raise DxError(f"as_of {as_of!r} is not a month; expected YYYY-MM such as '2026-10'")
    data_text = None if data in (None, "") else str(data)
    if data_text is not None and not Path(data_text).exists():
        raise DxError(
            f"data {data_text!r} does not exist; expected an observation file or folder, or '' for the bundled panel"
        )
    targets_text = None if targets in (None, "") else str(targets)
    if targets_text is not None and not Path(targets_text).exists():
        raise DxError(f"targets {targets_text!r} does not exist; expected a YAML file like params/targets.yaml")
    if str(model) not in MODELS:
        raise DxError(f"model {model!r} is unknown; expected one of {', '.join(MODELS)}")
    scenario_text = None if scenario in (None, "") else str(scenario)
    parse_scenario(scenario_text)
    return ReportParameters(code, as_of_text, data_text, targets_text, scenario_text, str(model))


def run_forecasts(params: ReportParameters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load (harmonised) data and forecast every province and target in one pass."""
    tables = load_tables(params)
    return tables.harmonised, tables.forecasts


def load_tables(params: ReportParameters, build_dir: str = ""):
    """The pipeline's tables: read from ``build_dir`` (a batch computed them once), or computed
    now through the same single call when the notebook is opened alone (or with its own targets)."""
    from .pipeline import compute, read_tables

    if build_dir and not params.targets:
        return read_tables(build_dir, params.province)
    targets = load_targets(path=Path(params.targets)) if params.targets else None
    return compute(params.data, as_of=params.as_of, model=params.model, scenario=params.scenario, targets=targets)


def provenance_banner(table: pd.DataFrame) -> str:
    """Markdown banner saying plainly where the numbers come from."""
    sources = sorted({s for s in table["source"].astype(str).unique() if s})
    if is_synthetic(sources):
        return f"> **{SYNTHETIC_TITLE}** {SYNTHETIC_TEXT} The 766 index scores shown below are real."
    return "> Data: " + "; ".join(markdown_escape(s) for s in sources[:5])


def markdown_escape(text: object) -> str:
    """Text from a data file made safe inside Markdown: HTML escaped (no ``<script>`` or
    ``<img onerror>`` survives), and Markdown's punctuation backslash-escaped (no injected links)."""
    import html

    return re.sub(r"([\\`*_{}\[\]()#+!|>~-])", r"\\\1", html.escape(str(text), quote=True))


def _rows(result: pd.DataFrame, code: str, ahead: bool) -> pd.DataFrame:
    """One province's rows: targets still ahead of the as-of month, or those already past."""
    rows = result[result["province_code"] == code]
    passed = rows["deadline_passed"].astype(str).isin(["True", "true", "1"])
    return rows[passed != ahead].sort_values(["deadline", "target_id"])


def _confidence(target_ids) -> list[str]:
    targets = load_targets().set_index("target_id")
    return [
        ("to confirm (" + targets.at[t, "confidence"] + ")")
        if t in targets.index and targets.at[t, "to_confirm"]
        else "confirmed"
        for t in target_ids
    ]


def headline_table(result: pd.DataFrame, code: str) -> pd.DataFrame:
    """The headline: every target whose deadline is still ahead, with forecast, 80% interval,
    P(hit), paces, status and how sure we are of the target itself."""
    rows = _rows(result, code, ahead=True)
    indicators = load_indicators()
    out = pd.DataFrame(
        {
            "target": rows["indicator"].map(lambda i: indicators[i].title_en).to_numpy(),
            "target value": rows["comparator"] + " " + rows["target_value"].map(lambda v: f"{v:g}%"),
            "deadline": rows["deadline"],
            "last (month)": [
                f"{v:.1f}% ({p})" if isinstance(p, str) and math.isfinite(v) else "—"
                for v, p in zip(rows["last_value"], rows["last_period"])
            ],
            "forecast at deadline": [_fmt_pct(v) for v in rows["forecast"]],
            "80% interval": [
                f"{lo:.1f}–{hi:.1f}%" if math.isfinite(lo) else "—" for lo, hi in zip(rows["lo80"], rows["hi80"])
            ],
            "P(hit)": [f"{p:.2f}" if math.isfinite(p) else "—" for p in rows["p_hit"]],
            "required pace (pts/month)": [_fmt_pace(v) for v in rows["required_pace"]],
            "recent pace (pts/month)": [_fmt_pace(v) for v in rows["recent_pace"]],
            "status": [STATUS_WORDS[s] for s in rows["status"]],
            "target's source": _confidence(rows["target_id"]),
        }
    )
    return out.set_index("target")


def history_table(result: pd.DataFrame, code: str) -> pd.DataFrame:
    """Targets whose deadline has passed: the value at the deadline and whether it was met."""
    rows = _rows(result, code, ahead=False)
    indicators = load_indicators()
    out = pd.DataFrame(
        {
            "target": rows["indicator"].map(lambda i: indicators[i].title_en).to_numpy(),
            "target value": rows["comparator"] + " " + rows["target_value"].map(lambda v: f"{v:g}%"),
            "deadline": rows["deadline"],
            "value at the deadline (month)": [
                f"{v:.1f}% ({p})" if isinstance(p, str) and math.isfinite(v) else "—"
                for v, p in zip(rows["last_value"], rows["last_period"])
            ],
            "verdict": [verdict(s) for s in rows["status"]],
        }
    )
    return out.set_index("target")


def _fmt_pct(value: float) -> str:
    return f"{value:.1f}%" if isinstance(value, float) and math.isfinite(value) else "—"


def _fmt_pace(value: float) -> str:
    return f"{value:+.2f}" if isinstance(value, float) and math.isfinite(value) else "—"


def _month_name(period: str) -> str:
    return pd.Timestamp(f"{period}-01").strftime("%B %Y")


def narrative(result: pd.DataFrame, code: str, ahead: bool = True) -> list[str]:
    """Plain-words sentences, one per target still ahead (``ahead=False``: one per past target)."""
    indicators = load_indicators()
    lines = []
    rows = _rows(result, code, ahead)
    for row in rows.itertuples(index=False):
        title = indicators[row.indicator].title_en.lower()
        name = row.province_name
        deadline = pd.Timestamp(row.deadline).strftime("%-d %B %Y")
        if row.status == "no_data":
            lines.append(f"No data on {title} for {name}: no forecast.")
            continue
        if row.deadline_passed:
            verdict = "met" if row.status == "achieved" else "missed"
            lines.append(
                f"{title.capitalize()}: the {row.target_value:g}% target for {deadline} was {verdict} "
                f"({row.last_value:.1f}% in {_month_name(row.last_period)})."
            )
            continue
        if row.status == "achieved":
            lines.append(
                f"{title.capitalize()}: {name} already stands at {row.last_value:.1f}% "
                f"({_month_name(row.last_period)}), at or above the {row.target_value:g}% target."
            )
            continue
        pace = row.recent_pace
        text = (
            f"At the current pace, {name} reaches {row.forecast:.0f}% on {title} by {deadline} "
            f"(80% interval {row.lo80:.0f}–{row.hi80:.0f}%; chance of meeting the target {row.p_hit:.0%}). "
        )
        need = f"{row.target_value:g}% needs {row.required_pace:+.1f} points a month"
        if isinstance(pace, float) and math.isfinite(pace) and pace > 0.05:
            multiple = row.required_pace / pace
            text += f"{need}, {_times(multiple)} the recent pace of {pace:+.1f}."
        elif isinstance(pace, float) and math.isfinite(pace):
            text += f"{need}; the recent pace is {pace:+.2f}, so the gap is not closing."
        else:
            text += f"{need}."
        lines.append(text)
    return lines


def _times(multiple: float) -> str:
    words = {2: "twice", 3: "three times", 4: "four times", 5: "five times"}
    rounded = round(multiple)
    if multiple < 1:
        return f"{multiple:.1f} times"
    if abs(multiple - rounded) < 0.15 and rounded in words:
        return words[rounded]
    return f"{multiple:.1f} times"


def constituents_table(code: str, table: pd.DataFrame) -> pd.DataFrame:
    """The old provinces that form a new one, and how its history was combined."""
    members = provinces.constituents()[code]
    sub = table[table["province_code"] == code]
    methods = sub.groupby("method")["period"].agg(["min", "max", "count"]).reset_index()
    incomplete = int((~sub["complete"]).sum())
    rows = [{"old province": provinces.province_name(c, "legacy"), "old code": c} for c in members]
    out = pd.DataFrame(rows)
    out.attrs["methods"] = methods
    out.attrs["incomplete"] = incomplete
    return out


def group_series(table: pd.DataFrame, indicator: str, codes: list[str] | None = None) -> pd.DataFrame:
    """One indicator's aggregate across provinces (a region, or all): see :func:`~dxanalysis.forecast.ratio_of_sums`."""
    return ratio_of_sums(table[table["indicator"] == indicator], ["period"], codes)[["period", "value"]]


def comparison_table(table: pd.DataFrame, code: str, as_of: str | None = None) -> pd.DataFrame:
    """Latest value of each indicator: the province, its region and the nation (ratio of sums)."""
    indicators = load_indicators()
    region, members = region_codes(code)
    rows = []
    for indicator in sorted(table["indicator"].unique()):
        data = table if as_of is None else table[table["period"] <= as_of]
        own = data[(data["province_code"] == code) & (data["indicator"] == indicator) & data["complete"]]
        if own.empty:
            continue
        last = own.sort_values("period").iloc[-1]
        month = last["period"]
        region_value, national_value = (
            frame.loc[frame["period"] == month, "value"]
            for frame in (group_series(data, indicator, members), group_series(data, indicator))
        )
        rows.append(
            {
                "indicator": indicators[indicator].title_en,
                "month": last["period"],
                provinces.province_name(code): round(float(last["value"]), 1),
                f"region: {region}": round(float(region_value.iloc[0]), 1) if len(region_value) else None,
                "national": round(float(national_value.iloc[0]), 1) if len(national_value) else None,
            }
        )
    return pd.DataFrame(rows).set_index("indicator")


def region_codes(code: str) -> tuple[str, list[str]]:
    region = provinces.region_of(code)
    cur = provinces.current_provinces()
    return region, cur.loc[cur["region"] == region, "code"].tolist()


def write_results(output_dir: str | Path, code: str, result: pd.DataFrame, params: ReportParameters) -> list[Path]:
    """Write one province's forecast rows as CSV and JSON (read by the national overview)."""
    out = Path(output_dir)
    rows = result[result["province_code"] == code]
    csv_path, json_path = out / f"forecast_{code}.csv", out / f"forecast_{code}.json"
    atomic_write_csv(rows, csv_path)
    payload = {
        "province_code": code,
        "parameters": asdict(params),
        "rows": json.loads(rows.to_json(orient="records", double_precision=10)),
    }
    atomic_write_text(json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True), json_path)
    return [csv_path, json_path]


def read_results(results_dir: str | Path, only: str | list[str] | None = None) -> pd.DataFrame:
    """Province forecast rows written by :func:`write_results` in a folder.

    ``only`` (codes, or a comma-separated string) limits them to the provinces of one batch run, so
    results left by an earlier run are never mixed in.
    """
    if isinstance(only, str):
        only = [c.strip() for c in only.split(",") if c.strip()]
    files = sorted(Path(results_dir).glob("forecast_*.csv"))
    if only:
        wanted = {f"forecast_{c}.csv" for c in only}
        missing = sorted(wanted - {f.name for f in files})
        if missing:
            raise DxError(f"results missing in {results_dir}: {', '.join(missing)}")
        files = [f for f in files if f.name in wanted]
    if not files:
        raise DxError(f"no province results (forecast_XX.csv) in {results_dir}; run the province reports first")
    frames = [
        pd.read_csv(f, dtype={"province_code": str, "last_period": str, "as_of": str, "scenario": str}, keep_default_na=True)
        for f in files
    ]
    out = pd.concat(frames, ignore_index=True)
    out["scenario"] = out["scenario"].fillna("")
    return out


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
    names = {**{c: label for c, (label, _) in COMPONENTS.items()}, TOTAL[0]: "total"}
    order = [*COMPONENTS, TOTAL[0]]
    return pd.DataFrame(
        {
            "group": [names[c] for c in order],
            "points": [round(float(mine.at[c, "points"]), 2) for c in order],
            "of": [int(mine.at[c, "max_points"]) for c in order],
            "rank among 34": [int(mine.at[c, "rank"]) for c in order],
        }
    ).set_index("group")


def environment_footer() -> str:
    """Versions that produced a report (no timestamps: reports are reproducible)."""
    import importlib.metadata as md
    import platform

    names = ["dxanalysis", "pandas", "numpy", "scipy", "matplotlib", "seaborn", "papermill"]
    versions = ", ".join(f"{n} {md.version(n)}" for n in names)
    return f"Python {platform.python_version()}; {versions}"


__all__ = [
    "check_parameters",
    "run_forecasts",
    "headline_table",
    "history_table",
    "scores_2026",
    "narrative",
    "provenance_banner",
    "constituents_table",
    "group_series",
    "region_codes",
    "write_results",
    "read_results",
    "NATIONAL_CODE",
    "paths",
]
