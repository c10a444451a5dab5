"""Interval calibration by horizon, learnt from the rolling backtest (conformal widening).

The backtest says how far outcomes actually fell from each model's forecast, in units of the
forecast's own scale (on the model's scale: logit for ``pooled``). For each horizon band the
factor ``k`` is the conformal quantile of ``|standardised error| / t(0.90)``: multiplying the
predictive scale by ``k`` makes the 80% interval hold 80% of the past outcomes of that band.
The same widening moves P(hit) (wider means less sure), so it is calibrated too.

No peeking: the factors for a forecast made at month ``m`` are fitted only on backtest forecasts
whose outcome was known by ``m`` (:func:`online_factors` in the backtest; the live forecast uses
the backtest of the data up to its as-of month).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

#: Horizon bands (months ahead), each calibrated on its own.
HORIZON_BANDS = ((1, 3), (4, 6), (7, 12))
#: Interval the factors are fitted to.
NOMINAL = 0.8
#: Fewer scored forecasts than this in a band: no calibration there (factor 1).
MIN_SCORED = 30
#: The factors rest on the backtest's last this many origins: the model as it now is. Earlier
#: origins knew less (before a series' first year-end there is no season to learn), and their
#: misses said little about today's forecasts; with every origin, a panel with year-end pushes
#: over-covered (91% for an 80% interval), with the last 18 it held 82% (README, "Forecast skill").
RECENT_ORIGINS = 18
#: Bounds on a factor (a handful of wild outcomes must not explode or collapse the intervals).
FACTOR_BOUNDS = (0.5, 4.0)


def earliest_origin(last_origin: str) -> str:
    """The first origin whose scores calibrate forecasts made after ``last_origin``."""
    from ..core.periods import add_months

    return add_months(last_origin, -(RECENT_ORIGINS - 1))


def band_of(horizon) -> np.ndarray:
    """Index of each horizon's band (beyond the last band: the last)."""
    uppers = np.array([upper for _, upper in HORIZON_BANDS[:-1]])
    return np.searchsorted(uppers, np.asarray(horizon), side="left")


def band_labels() -> list[str]:
    return [f"{lo}-{hi}" for lo, hi in HORIZON_BANDS]


def interval_ratio(standardised_error: np.ndarray, df: np.ndarray) -> np.ndarray:
    """|standardised error| over the half-width of the nominal interval: inside it when <= 1."""
    return np.abs(standardised_error) / special.stdtrit(df, 0.5 + NOMINAL / 2)


def factors(standardised_error: np.ndarray, df: np.ndarray, horizon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Conformal widening factor per band, and the number of scored forecasts it rests on."""
    return factors_from_ratio(interval_ratio(standardised_error, df), band_of(horizon))


def factors_from_ratio(ratio: np.ndarray, bands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`factors` from precomputed :func:`interval_ratio` and band indices."""
    out, counts = np.ones(len(HORIZON_BANDS)), np.zeros(len(HORIZON_BANDS), dtype=int)
    for band in range(len(HORIZON_BANDS)):
        sample = ratio[(bands == band) & np.isfinite(ratio)]
        counts[band] = len(sample)
        if len(sample) >= MIN_SCORED:
            level = min(1.0, math.ceil((len(sample) + 1) * NOMINAL) / len(sample))
            out[band] = float(np.clip(np.quantile(sample, level, method="higher"), *FACTOR_BOUNDS))
    return out, counts


@dataclass(frozen=True)
class Calibration:
    """Widening factors per horizon band for one model, and what they rest on."""

    model: str
    factors: tuple[float, ...]
    scored: tuple[int, ...]
    note: str

    def describe(self) -> str:
        shown = ", ".join(f"{label} months x{k:.2f}" for label, k in zip(band_labels(), self.factors))
        return f"intervals calibrated by horizon on the backtest ({shown}; {self.note})"


UNCALIBRATED = Calibration("", tuple(1.0 for _ in HORIZON_BANDS), tuple(0 for _ in HORIZON_BANDS), "not calibrated")


__all__ = [
    "HORIZON_BANDS",
    "NOMINAL",
    "Calibration",
    "UNCALIBRATED",
    "band_of",
    "band_labels",
    "factors",
    "factors_from_ratio",
    "interval_ratio",
    "earliest_origin",
    "RECENT_ORIGINS",
]
