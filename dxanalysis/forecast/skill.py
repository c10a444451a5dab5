"""Scoring the backtest's forecasts: MAE, MASE, coverage, Brier, reliability, December skill.

:func:`~dxanalysis.forecast.backtest.backtest` generates the forecasts at every origin; this module
turns its per-forecast scores into the tables the skill notebook and ``dx backtest`` show, with
each origin's interval calibration fitted only on outcomes known at that origin (``*_cal``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from ..core.files import atomic_write_csv
from . import calibration

RELIABILITY_BINS = np.linspace(0, 1, 11)


@dataclass
class BacktestResult:
    """Per-forecast scores (``scores``), the model x horizon table (``summary``), the per-model
    overall table (``overall``) and the reliability table (``reliability``)."""

    scores: pd.DataFrame
    events: pd.DataFrame
    summary: pd.DataFrame
    overall: pd.DataFrame
    reliability: pd.DataFrame
    bands: pd.DataFrame = None  # model x horizon band (1-3, 4-6, 7-12 months), raw and calibrated
    december: pd.DataFrame = None  # December outcomes by origin month (June..November), per model

    @classmethod
    def read(cls, folder: str | Path) -> BacktestResult:
        """The tables :meth:`write` wrote (without the per-forecast scores)."""
        folder = Path(folder)
        read = lambda name: pd.read_csv(folder / name)  # noqa: E731
        return cls(
            scores=pd.DataFrame(),
            events=pd.DataFrame(),
            summary=read("backtest_summary.csv"),
            overall=read("backtest_overall.csv"),
            reliability=read("backtest_reliability.csv"),
            bands=read("backtest_bands.csv"),
            december=read("backtest_december.csv") if (folder / "backtest_december.csv").exists() else None,
        )

    def write(self, out_dir: str | Path, include_scores: bool = False) -> list[Path]:
        """Write the tables as CSV (the per-forecast scores, ~10 MB, only when asked)."""
        out = Path(out_dir)
        written = []
        tables = [
            ("backtest_summary.csv", self.summary),
            ("backtest_overall.csv", self.overall),
            ("backtest_reliability.csv", self.reliability),
            ("backtest_bands.csv", self.bands),
            ("backtest_december.csv", self.december),
        ]
        if include_scores:
            tables.append(("backtest_scores.csv", self.scores))
        for name, frame in tables:
            atomic_write_csv(frame, out / name)
            written.append(out / name)
        return written


def score(scores: pd.DataFrame, events: pd.DataFrame) -> BacktestResult:
    """The backtest's tables from its per-forecast ``scores`` and per-threshold ``events``."""
    events["sq"] = (events["p"] - events["hit"]) ** 2
    recalibrate_online(scores, events)
    summary = summarise(scores, events, ["model", "horizon"])
    overall = summarise(scores, events, ["model"])
    labels = np.array(calibration.band_labels())
    bands = summarise(
        scores.assign(band=labels[calibration.band_of(scores["horizon"].to_numpy())]),
        events.assign(band=labels[calibration.band_of(events["horizon"].to_numpy())]),
        ["model", "band"],
    )
    reliability = pd.concat(
        [reliability_table(events).assign(calibrated=False), reliability_table(events, "p_cal").assign(calibrated=True)],
        ignore_index=True,
    )
    return BacktestResult(scores, events, summary, overall, reliability, bands, december_skill(scores, events))


#: Origin months whose December forecasts the skill table scores (the year-end question).
DECEMBER_ORIGINS = ("06", "07", "08", "09", "10", "11")


def december_skill(scores: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Skill for December deadlines by origin month (June..November), per model: P(hit) Brier at
    the target's threshold, 80% coverage and MAE, raw and calibrated. December of the origin's own
    year only: "will it be hit by 31 December?" asked in June, July, ..., November."""

    def december(frame: pd.DataFrame) -> pd.DataFrame:
        same_year = frame["period"].str[:4] == frame["origin"].str[:4]
        origin_month = frame["origin"].str[5:7]
        rows = frame[(frame["period"].str[5:7] == "12") & same_year & origin_month.isin(DECEMBER_ORIGINS)]
        return rows.assign(origin_month=rows["origin"].str[5:7])

    point = (
        december(scores)
        .groupby(["model", "origin_month"])
        .agg(
            n=("abs_error", "size"),
            mae=("abs_error", "mean"),
            coverage80=("in80", "mean"),
            coverage80_cal=("in80_cal", "mean"),
        )
    )
    target = december(events[events["offset"] == 0]).groupby(["model", "origin_month"])
    brier = target["sq"].mean().rename("brier_target").to_frame().join(target["sq_cal"].mean().rename("brier_target_cal"))
    return point.join(brier).reset_index()


def recalibrate_online(scores: pd.DataFrame, events: pd.DataFrame) -> None:
    """Calibrated coverage and P(hit), each origin's factors fitted only on earlier outcomes.

    For origin ``m`` the factors come from backtest forecasts (from the
    :data:`~dxanalysis.forecast.calibration.RECENT_ORIGINS` origins before it) whose target month
    is ``m`` or before: what was known when the forecast at ``m`` was made. Adds
    ``factor``, ``in80_cal``, ``in95_cal`` to ``scores`` and ``p_cal``, ``sq_cal`` to ``events``.
    """
    months = np.unique(np.concatenate([scores["origin"].unique(), scores["period"].unique()]))
    rank = {month: i for i, month in enumerate(months)}
    s_origin, s_period = scores["origin"].map(rank).to_numpy(), scores["period"].map(rank).to_numpy()
    e_origin = events["origin"].map(rank).to_numpy()
    s_model, models = pd.factorize(scores["model"])
    e_model = pd.Categorical(events["model"], categories=models).codes
    s_band, e_band = calibration.band_of(scores["horizon"].to_numpy()), calibration.band_of(events["horizon"].to_numpy())
    ratio = calibration.interval_ratio(scores["std_error"].to_numpy(), scores["df"].to_numpy())
    s_factor, e_factor = np.ones(len(scores)), np.ones(len(events))
    for model in range(len(models)):
        mine, mine_events = s_model == model, e_model == model
        for origin in np.unique(s_origin[mine]):
            # Outcomes known at this origin, from the recent origins only (as the live forecast does).
            known = mine & (s_period <= origin) & (s_origin > origin - calibration.RECENT_ORIGINS)
            found, _ = calibration.factors_from_ratio(ratio[known], s_band[known])
            rows, event_rows = mine & (s_origin == origin), mine_events & (e_origin == origin)
            s_factor[rows], e_factor[event_rows] = found[s_band[rows]], found[e_band[event_rows]]
    scores["factor"], events["factor"] = s_factor, e_factor
    for name, level in (("in80_cal", 0.8), ("in95_cal", 0.95)):
        half_width = special.stdtrit(scores["df"].to_numpy(), 0.5 + level / 2) * scores["factor"].to_numpy()
        scores[name] = np.abs(scores["std_error"].to_numpy()) <= half_width
    p_cal = 1.0 - special.stdtr(events["df"].to_numpy(), events["std_threshold"].to_numpy() / events["factor"].to_numpy())
    events["p_cal"] = np.where(np.isfinite(events["std_threshold"]), p_cal, events["p"])
    events["sq_cal"] = (events["p_cal"] - events["hit"]) ** 2


def summarise(scores: pd.DataFrame, events: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    point = scores.groupby(by).agg(
        n=("abs_error", "size"),
        mae=("abs_error", "mean"),
        mase=("scaled_error", "mean"),
        coverage80=("in80", "mean"),
        coverage95=("in95", "mean"),
        coverage80_cal=("in80_cal", "mean"),
        coverage95_cal=("in95_cal", "mean"),
    )
    target = events[events["offset"] == 0].groupby(by)
    brier = target["sq"].mean().rename("brier_target").to_frame().join(target["sq_cal"].mean().rename("brier_target_cal"))
    brier_all = events.groupby(by)[["sq", "sq_cal"]].mean().rename(columns={"sq": "brier_all", "sq_cal": "brier_all_cal"})
    return point.join(brier).join(brier_all).reset_index()


def reliability_table(events: pd.DataFrame, column: str = "p") -> pd.DataFrame:
    binned = events.assign(bin=pd.cut(events[column], RELIABILITY_BINS, include_lowest=True, labels=False))
    table = (
        binned.groupby(["model", "bin"])
        .agg(n=("hit", "size"), mean_predicted=(column, "mean"), observed_frequency=("hit", "mean"))
        .reset_index()
    )
    table["bin_lower"] = RELIABILITY_BINS[table["bin"].astype(int)]
    table["bin_upper"] = RELIABILITY_BINS[table["bin"].astype(int) + 1]
    return table[["model", "bin_lower", "bin_upper", "n", "mean_predicted", "observed_frequency"]]


def comparison_table(result: BacktestResult) -> pd.DataFrame:
    """Per-model headline: MAE, MASE, coverage and Brier, raw and calibrated; sorted by Brier (target)."""
    cols = [
        "model", "n", "mae", "mase", "coverage80", "coverage80_cal", "coverage95", "coverage95_cal",
        "brier_target", "brier_target_cal", "brier_all", "brier_all_cal",
    ]  # fmt: skip
    return result.overall[cols].sort_values("brier_target", ignore_index=True)


__all__ = [
    "BacktestResult",
    "DECEMBER_ORIGINS",
    "comparison_table",
    "december_skill",
    "recalibrate_online",
    "reliability_table",
    "score",
    "summarise",
]
