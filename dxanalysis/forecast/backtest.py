"""Rolling-origin backtest: does each model's forecast, interval and P(hit) hold up?

For every origin month, each model sees the data up to that month only and forecasts every
later month up to the next December (the horizons the year-end targets care about), for every
province and indicator (and the national series). Scored against what was then observed:

* MAE (points) and MASE (MAE over the in-sample mean absolute one-month change);
* coverage of the 80% and 95% intervals;
* Brier score of the probability of being at or above the target's threshold at that month,
  and of thresholds 5 and 10 points around it (``brier_target``, ``brier_all``);
* a reliability table (predicted probability bins vs observed frequency) for calibration plots;
* the same measures after calibration by horizon band (:mod:`~dxanalysis.forecast.calibration`),
  each origin's factors fitted only on outcomes known at that origin (``*_cal`` columns).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from ..core.errors import DxError
from ..core.files import atomic_write_csv
from ..core.registry import load_targets
from . import MODELS, QUANTILES, Panel, build_panel, calibration, fit
from .ets import REFIT_EVERY
from .models import fit_ets_reusing
from .panel import _to_scale

#: An origin needs this many months of history before it.
MIN_HISTORY = 6
THRESHOLD_OFFSETS = (-10.0, -5.0, 0.0, 5.0, 10.0)
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


def _thresholds(panel: Panel) -> np.ndarray:
    """Target threshold (minus tolerance) of each series' indicator; NaN where none."""
    targets = load_targets().drop_duplicates("indicator").set_index("indicator")
    effective = (targets["threshold"] - targets["tolerance"]).to_dict()
    return panel.keys["indicator"].map(effective).to_numpy(float)


def _naive_scale(values: np.ndarray, origin: int) -> np.ndarray:
    """Mean absolute change between consecutive observed months up to ``origin``."""
    sub = values[:, : origin + 1]
    diffs = np.abs(np.diff(sub, axis=1))
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a series with no two months yet: NaN scale
        return np.nanmean(np.where(np.isfinite(diffs), diffs, np.nan), axis=1)


def backtest(table: pd.DataFrame, models: tuple[str, ...] = MODELS, min_history: int = MIN_HISTORY) -> BacktestResult:
    """Run the rolling-origin evaluation on a harmonised table.

    Parameters
    ----------
    table : DataFrame
        Harmonised observations (real or synthetic).
    models : tuple of str
        Models to compare.
    min_history : int
        Months of data required before the first origin.
    """
    panel = build_panel(table)
    thresholds = _thresholds(panel)
    n_series, n_cols = panel.values.shape
    if n_cols < min_history + 1:
        raise DxError(
            f"the backtest needs at least {min_history + 1} months of data ({min_history} before the first origin "
            f"and one to score); the data cover {n_cols} ({panel.periods[0]}..{panel.periods[-1]})"
        )
    score_parts, event_parts = [], []
    ets_params = None
    for origin in range(min_history - 1, n_cols - 1):
        known = panel.truncated(origin)
        origin_period = panel.periods[origin]
        december = int(origin_period[:4]) * 12 + 11 - (int(origin_period[:4]) * 12 + int(origin_period[5:]) - 1)
        horizon_max = december if december > 0 else 12
        scale = _naive_scale(known.values, origin)
        fits = {model: fit(known, model, origin) for model in models if model != "ets"}
        if "ets" in models:
            # Parameters re-estimated every REFIT_EVERY origins; states updated at every origin.
            refit = ets_params is None or (origin - min_history + 1) % REFIT_EVERY == 0
            fits["ets"], ets_params = fit_ets_reusing(known, origin, None if refit else ets_params, fits.get("pooled"))
        for step in range(1, horizon_max + 1):
            col = origin + step
            if col >= n_cols:
                break
            actual = panel.values[:, col]
            has = ~np.isnan(actual)
            if not has.any():
                continue
            for model in models:
                pred = fits[model].at(col)
                median = pred.quantile(0.5)
                lo80, hi80, lo95, hi95 = (pred.quantile(QUANTILES[k]) for k in ("lo80", "hi80", "lo95", "hi95"))
                ok = has & ~np.isnan(median)
                score_parts.append(
                    pd.DataFrame(
                        {
                            "model": model,
                            "origin": origin_period,
                            "horizon": step,
                            "period": panel.periods[col],
                            "province_code": panel.keys["province_code"].to_numpy()[ok],
                            "indicator": panel.keys["indicator"].to_numpy()[ok],
                            "actual": actual[ok],
                            "forecast": median[ok],
                            "abs_error": np.abs(median - actual)[ok],
                            "scaled_error": (np.abs(median - actual) / np.where(scale > 0, scale, np.nan))[ok],
                            "in80": ((actual >= lo80) & (actual <= hi80))[ok],
                            "in95": ((actual >= lo95) & (actual <= hi95))[ok],
                            "std_error": _standardised(pred, actual)[ok],
                            "df": np.broadcast_to(pred.df, actual.shape)[ok],
                        }
                    )
                )
                for offset in THRESHOLD_OFFSETS:
                    thr = thresholds + offset
                    usable = ok & np.isfinite(thr) & (thr > 0) & (thr <= 100)
                    if not usable.any():
                        continue
                    p = pred.prob_at_least(thr)
                    event_parts.append(
                        pd.DataFrame(
                            {
                                "model": model,
                                "origin": origin_period,
                                "horizon": step,
                                "period": panel.periods[col],
                                "offset": offset,
                                "indicator": panel.keys["indicator"].to_numpy()[usable],
                                "p": p[usable],
                                "hit": (actual >= thr)[usable].astype(float),
                                "std_threshold": _standardised(pred, thr)[usable],
                                "df": np.broadcast_to(pred.df, actual.shape)[usable],
                            }
                        )
                    )
    scores = pd.concat(score_parts, ignore_index=True)
    events = pd.concat(event_parts, ignore_index=True)
    events["sq"] = (events["p"] - events["hit"]) ** 2
    _recalibrate_online(scores, events)
    summary = _summarise(scores, events, ["model", "horizon"])
    overall = _summarise(scores, events, ["model"])
    labels = np.array(calibration.band_labels())
    bands = _summarise(
        scores.assign(band=labels[calibration.band_of(scores["horizon"].to_numpy())]),
        events.assign(band=labels[calibration.band_of(events["horizon"].to_numpy())]),
        ["model", "band"],
    )
    reliability = pd.concat(
        [_reliability(events).assign(calibrated=False), _reliability(events, "p_cal").assign(calibrated=True)],
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


def _standardised(pred, values: np.ndarray) -> np.ndarray:
    """(value on the model's scale - location) / scale: the error in units of the forecast's own spread."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (_to_scale(np.asarray(values, float), pred.scale) - pred.location) / pred.sd


def _recalibrate_online(scores: pd.DataFrame, events: pd.DataFrame) -> None:
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


def _summarise(scores: pd.DataFrame, events: pd.DataFrame, by: list[str]) -> pd.DataFrame:
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


def _reliability(events: pd.DataFrame, column: str = "p") -> pd.DataFrame:
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
