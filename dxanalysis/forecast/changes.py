"""Per-series statistics of consecutive observed changes: the drift and noise every model starts from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class DiffStats:
    """Per-series statistics of consecutive observed changes inside a window."""

    slope: np.ndarray  # drift per month (on the model's scale)
    sum_k: np.ndarray  # months spanned by the changes used
    pairs: np.ndarray  # number of changes used
    sigma2: np.ndarray  # variance of a one-month change around the drift
    last_value: np.ndarray  # last observed value (model scale)
    last_col: np.ndarray  # column of the last observation (-1 when none)
    n_obs: np.ndarray  # observations in the window


def diff_stats(z: np.ndarray, origin: int, window: int, merger_col: int, drift: bool = True) -> DiffStats:
    """Drift and noise of each row of ``z`` from observed changes in ``(origin-window, origin]``.

    Gaps are allowed (a change over k months counts k times the drift and k times the variance).
    The change that spans the merger (June to July 2025) is left out: it carries the one-off
    level shift of the new provinces' reporting, not the trend.
    """
    lo = max(0, origin - window + 1)
    sub = z[:, lo : origin + 1]
    n_series, width = sub.shape
    observed = ~np.isnan(sub)
    idx = np.where(observed, np.arange(width)[None, :], -1)
    last_idx = np.maximum.accumulate(idx, axis=1)
    prev = np.concatenate([np.full((n_series, 1), -1), last_idx[:, :-1]], axis=1)
    cols = np.arange(width)[None, :]
    crosses = (prev + lo < merger_col) & (cols + lo >= merger_col)
    valid = observed & (prev >= 0) & ~crosses
    prev_values = np.take_along_axis(sub, np.maximum(prev, 0), axis=1)
    delta = np.where(valid, sub - prev_values, 0.0)
    k = np.where(valid, cols - prev, 0)
    sum_k = k.sum(axis=1).astype(float)
    pairs = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (
            np.where(sum_k > 0, delta.sum(axis=1) / np.where(sum_k > 0, sum_k, 1), np.nan) if drift else np.zeros(n_series)
        )
        centred = np.where(valid, (delta - k * np.nan_to_num(slope)[:, None]) ** 2 / np.where(k > 0, k, 1), 0.0)
        dof = pairs - (1 if drift else 0)
        sigma2 = np.where(dof > 0, centred.sum(axis=1) / np.where(dof > 0, dof, 1), np.nan)
    last_col_local = last_idx[:, -1]
    last_value = np.where(
        last_col_local >= 0, np.take_along_axis(sub, np.maximum(last_col_local, 0)[:, None], 1)[:, 0], np.nan
    )
    return DiffStats(
        slope=slope,
        sum_k=sum_k,
        pairs=pairs,
        sigma2=sigma2,
        last_value=last_value,
        last_col=np.where(last_col_local >= 0, last_col_local + lo, -1),
        n_obs=observed.sum(axis=1),
    )


__all__ = ["DiffStats", "diff_stats"]
