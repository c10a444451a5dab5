"""Rolling-origin backtest: does each model's forecast, interval and P(hit) hold up?

For every origin month, each model sees the data up to that month only and forecasts every
later month up to the next December (the horizons the year-end targets care about), for every
province and indicator (and the national series). Scored against what was then observed:

* MAE (points) and MASE (MAE over the in-sample mean absolute one-month change);
* coverage of the 80% and 95% intervals;
* Brier score of the probability of being at or above the target's threshold at that month,
  and of thresholds 5 and 10 points around it (``brier_target``, ``brier_all``);
* a reliability table (predicted probability bins vs observed frequency) for calibration plots.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DxError
from .forecast import MODELS, QUANTILES, Panel, build_panel, fit
from .io import atomic_write_csv
from .registry import load_targets

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
        )

    def write(self, out_dir: str | Path, include_scores: bool = False) -> list[Path]:
        """Write the tables as CSV (the per-forecast scores, ~10 MB, only when asked)."""
        out = Path(out_dir)
        written = []
        tables = [
            ("backtest_summary.csv", self.summary),
            ("backtest_overall.csv", self.overall),
            ("backtest_reliability.csv", self.reliability),
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
    with np.errstate(invalid="ignore"):
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
    for origin in range(min_history - 1, n_cols - 1):
        known = panel.truncated(origin)
        origin_period = panel.periods[origin]
        december = int(origin_period[:4]) * 12 + 11 - (int(origin_period[:4]) * 12 + int(origin_period[5:]) - 1)
        horizon_max = december if december > 0 else 12
        scale = _naive_scale(known.values, origin)
        fits = {model: fit(known, model, origin) for model in models}
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
                                "offset": offset,
                                "indicator": panel.keys["indicator"].to_numpy()[usable],
                                "p": p[usable],
                                "hit": (actual >= thr)[usable].astype(float),
                            }
                        )
                    )
    scores = pd.concat(score_parts, ignore_index=True)
    events = pd.concat(event_parts, ignore_index=True)
    events["sq"] = (events["p"] - events["hit"]) ** 2
    summary = _summarise(scores, events, ["model", "horizon"])
    overall = _summarise(scores, events, ["model"])
    reliability = _reliability(events)
    return BacktestResult(scores=scores, events=events, summary=summary, overall=overall, reliability=reliability)


def _summarise(scores: pd.DataFrame, events: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    point = scores.groupby(by).agg(
        n=("abs_error", "size"),
        mae=("abs_error", "mean"),
        mase=("scaled_error", "mean"),
        coverage80=("in80", "mean"),
        coverage95=("in95", "mean"),
    )
    brier_target = events[events["offset"] == 0].groupby(by)["sq"].mean().rename("brier_target")
    brier_all = events.groupby(by)["sq"].mean().rename("brier_all")
    return point.join(brier_target).join(brier_all).reset_index()


def _reliability(events: pd.DataFrame) -> pd.DataFrame:
    binned = events.assign(bin=pd.cut(events["p"], RELIABILITY_BINS, include_lowest=True, labels=False))
    table = (
        binned.groupby(["model", "bin"])
        .agg(n=("hit", "size"), mean_predicted=("p", "mean"), observed_frequency=("hit", "mean"))
        .reset_index()
    )
    table["bin_lower"] = RELIABILITY_BINS[table["bin"].astype(int)]
    table["bin_upper"] = RELIABILITY_BINS[table["bin"].astype(int) + 1]
    return table[["model", "bin_lower", "bin_upper", "n", "mean_predicted", "observed_frequency"]]


def comparison_table(result: BacktestResult) -> pd.DataFrame:
    """Per-model headline: MAE, MASE, coverage, Brier; sorted by Brier (target)."""
    cols = ["model", "n", "mae", "mase", "coverage80", "coverage95", "brier_target", "brier_all"]
    return result.overall[cols].sort_values("brier_target", ignore_index=True)
