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

import numpy as np
import pandas as pd

from ..core.errors import DxError
from ..core.registry import load_targets
from .calibration import UNCALIBRATED, Calibration, earliest_origin, factors
from .ets import REFIT_EVERY
from .models import fit, fit_ets_reusing
from .panel import Panel, build_panel, to_scale
from .settings import MODELS, QUANTILES
from .skill import DECEMBER_ORIGINS, BacktestResult, comparison_table, score

#: An origin needs this many months of history before it.
MIN_HISTORY = 6
THRESHOLD_OFFSETS = (-10.0, -5.0, 0.0, 5.0, 10.0)


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
    """Run the rolling-origin evaluation on a harmonised table and score it.

    Parameters
    ----------
    table : DataFrame
        Harmonised observations (real or synthetic).
    models : tuple of str
        Models to compare.
    min_history : int
        Months of data required before the first origin.
    """
    return score(*generate(table, models, min_history))


def generate(
    table: pd.DataFrame,
    models: tuple[str, ...] = MODELS,
    min_history: int = MIN_HISTORY,
    first_origin: int | None = None,
    with_events: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The backtest's forecasts at every origin, each scored against what was then observed:
    ``(scores, events)``, one row per forecast and one per forecast x threshold.

    ``first_origin`` (a column of the panel) skips the origins before it, ``with_events=False``
    the threshold events: what the calibration needs, computed alone. ``ets`` re-estimates its
    parameters every ``REFIT_EVERY`` origins, so it starts at the refit before ``first_origin``
    and its forecasts there are the same as in the whole run.
    """
    return _generate(build_panel(table), models, min_history, first_origin, with_events)


def _generate(
    panel: Panel, models: tuple[str, ...], min_history: int, first_origin: int | None, with_events: bool
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """:func:`generate` on a panel already built."""
    thresholds = _thresholds(panel)
    n_series, n_cols = panel.values.shape
    if n_cols < min_history + 1:
        raise DxError(
            f"the backtest needs at least {min_history + 1} months of data ({min_history} before the first origin "
            f"and one to score); the data cover {n_cols} ({panel.periods[0]}..{panel.periods[-1]})"
        )
    score_parts, event_parts = [], []
    ets_params = None
    start = min_history - 1
    if first_origin is not None and first_origin > start:
        start = start + (first_origin - start) // REFIT_EVERY * REFIT_EVERY if "ets" in models else first_origin
    for origin in range(start, n_cols - 1):
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
                for offset in THRESHOLD_OFFSETS if with_events else ():
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
    events = pd.concat(event_parts, ignore_index=True) if with_events else None
    return pd.concat(score_parts, ignore_index=True), events


def _standardised(pred, values: np.ndarray) -> np.ndarray:
    """(value on the model's scale - location) / scale: the error in units of the forecast's own spread."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (to_scale(np.asarray(values, float), pred.scale) - pred.location) / pred.sd


def calibrate(table: pd.DataFrame, model: str, as_of: str | None = None) -> Calibration:
    """Interval factors for ``model`` from the backtest of ``table`` up to ``as_of`` (data after it
    unseen): :mod:`~dxanalysis.forecast.calibration` says how.

    One backtest of one model; a caller that needs the factors twice (the forecast and its fans)
    computes them once and hands them on. Data too short for a backtest give
    :data:`~dxanalysis.forecast.calibration.UNCALIBRATED` with a note saying so.
    """
    data = table if as_of is None else table[table["period"] <= as_of]
    try:
        scores = _recent_scores(data, model)
    except DxError as exc:
        return Calibration(model, UNCALIBRATED.factors, UNCALIBRATED.scored, f"not calibrated: {exc}")
    found, counts = factors(scores["std_error"].to_numpy(), scores["df"].to_numpy(), scores["horizon"].to_numpy())
    note = f"{int(counts.sum())} scored forecasts, origins {scores['origin'].min()}..{scores['origin'].max()}"
    return Calibration(model, tuple(float(k) for k in found), tuple(int(n) for n in counts), note)


def _recent_scores(data: pd.DataFrame, model: str) -> pd.DataFrame:
    """The backtest scores of the last RECENT_ORIGINS origins, the only ones the factors rest on:
    the earlier origins are not run (the same scores as the whole backtest's, a fraction of its time)."""
    panel = build_panel(data)  # once, for both runs below
    periods = panel.periods
    earliest = earliest_origin(periods[-2]) if len(periods) > 2 else None
    first = periods.index(earliest) if earliest in periods else None
    scores, _ = _generate(panel, (model,), MIN_HISTORY, first, with_events=False)
    last = scores["origin"].max() if len(scores) else None
    if first is not None and last != periods[-2]:  # the last origin scored nothing: the window starts earlier
        scores, _ = _generate(panel, (model,), MIN_HISTORY, None, with_events=False)
        last = scores["origin"].max()
    return scores[scores["origin"] >= earliest_origin(last)]


class Calibrations:
    """The interval factors a build or a report computed, each once: a context object its caller
    holds and hands on (the forecast, its fans and the unit forecasts share one backtest), never
    state of this module, so nothing carries from one report into the next."""

    def __init__(self) -> None:
        self._known: dict[tuple, Calibration] = {}

    def get(self, table: pd.DataFrame, model: str, as_of: str | None = None) -> Calibration:
        """:func:`calibrate` of ``table`` up to ``as_of``, computed on the first ask."""
        data = table if as_of is None else table[table["period"] <= as_of]
        key = (len(data), model, int(pd.util.hash_pandas_object(data, index=False).sum()))
        if key not in self._known:
            self._known[key] = calibrate(data, model)
        return self._known[key]


__all__ = [
    "BacktestResult",
    "Calibrations",
    "DECEMBER_ORIGINS",
    "MIN_HISTORY",
    "backtest",
    "calibrate",
    "comparison_table",
    "generate",
]
