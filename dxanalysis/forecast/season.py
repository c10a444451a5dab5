"""The year-end push, learnt from earlier years and pooled (the ``pooled`` model's calendar).

Real series do not move evenly through the year: the whole country's share of records processed
fully online rose 1.7 points in the twelve months to October 2025, then 12 points in November
2025, before a December deadline. The ``pooled`` model therefore writes a month's change (on the
logit scale) as the ordinary drift plus an effect of its calendar month, for the months in
:data:`~dxanalysis.forecast.settings.SEASON_MONTHS` (November, December and the January after:
the push, and how much of it is kept).

How an effect is learnt, for each series and each earlier year-end it has observed:

* the **ordinary pace** is the mean one-month change over the six months before November
  (May to October; the change across the July 2025 merger left out);
* a season month's **excess** is its change minus that pace (November, December, January);
* each series' excesses are averaged over its years, and the averages are pooled toward the
  region's (the nation's for a region with fewer than two provinces) by empirical Bayes, as the
  drift is (:func:`~dxanalysis.forecast.pooling.partial_pool`): a province with one past
  year-end borrows strength, one with none takes its region's effect;
* the whole effect of a month is shrunk toward **zero** by how clearly the provinces' average
  excess stands out from noise and from a size too small to matter (positive-part James-Stein:
  ``max(0, 1 - (4 se^2 + 0.05^2) / mean^2)``), so a series with no seasonality gets no season,
  and its intervals do not widen;
* the predictive variance adds the uncertainty of each effect and its year-to-year variation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.provinces import NATIONAL_CODE
from .pooling import partial_pool
from .settings import SEASON_MIN_EFFECT, SEASON_MONTHS, SEASON_REFERENCE_MONTHS, SEASON_SHRINK

#: The calendar months (1-12) whose changes carry an effect.
_SEASON = np.array(SEASON_MONTHS)


@dataclass
class Season:
    """Month-of-year effects per series (logit scale), columns January..December.

    ``effect`` and ``variance`` are ``(n_series, 12)``; ``years`` counts the earlier year-ends each
    series was seen through (0: its effect is its region's alone); ``first_month`` is the calendar
    month (0 = January) of the panel's first column.
    """

    effect: np.ndarray
    variance: np.ndarray
    yearly_variance: np.ndarray
    years: np.ndarray
    first_month: int

    @classmethod
    def none(cls, n_series: int, first_month: int) -> Season:
        zeros = np.zeros((n_series, 12))
        return cls(zeros, zeros.copy(), zeros.copy(), np.zeros(n_series, dtype=int), first_month)

    @property
    def active(self) -> bool:
        return bool(np.any(self.effect != 0))

    def months_of(self, columns: np.ndarray) -> np.ndarray:
        """Calendar month index (0 = January) of panel columns."""
        return (self.first_month + np.asarray(columns)) % 12

    def cumulative(self, n_columns: int) -> np.ndarray:
        """Sum of the effects of every month from column 1 to each column: ``(n_series, n_columns)``.

        Subtracting it from a series removes the calendar from its changes (the change into
        column ``c`` carries the effect of ``c``'s month)."""
        months = self.months_of(np.arange(n_columns))
        steps = self.effect[:, months]
        steps[:, 0] = 0.0
        return np.cumsum(steps, axis=1)

    def offset(self, last_col: np.ndarray, target_col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sum of the effects, and its variance, over the months after ``last_col`` up to ``target_col``.

        The uncertainty of an effect's mean is the same every year (fully correlated); its
        year-to-year variation is independent from one year-end to the next.
        """
        last = np.asarray(last_col)
        target = np.broadcast_to(np.asarray(target_col), last.shape)
        horizon = int(np.max(target - last, initial=0))
        total = np.zeros(last.shape)
        mean_sd = np.zeros(last.shape)
        yearly = np.zeros(last.shape)
        block_sd = np.zeros(last.shape)
        rows = np.arange(last.shape[0])
        for step in range(1, horizon + 1):
            inside = step <= target - last
            month = self.months_of(last + step)
            total += np.where(inside, self.effect[rows, month], 0.0)
            mean_sd += np.where(inside, np.sqrt(self.variance[rows, month]), 0.0)
            # One year-end's months vary together; the next year-end starts a new block.
            starts = inside & (month == _SEASON[0] - 1)
            yearly += np.where(starts, block_sd**2, 0.0)
            block_sd = np.where(starts, 0.0, block_sd)
            block_sd += np.where(inside, np.sqrt(self.yearly_variance[rows, month]), 0.0)
        return total, mean_sd**2 + yearly + block_sd**2


def _changes(z: np.ndarray, origin: int, merger_col: int) -> np.ndarray:
    """One-month changes into each column up to ``origin`` (NaN where a month is missing or the
    change spans the merger)."""
    known = z[:, : origin + 1]
    delta = np.full(known.shape, np.nan)
    delta[:, 1:] = known[:, 1:] - known[:, :-1]
    if 0 < merger_col <= origin:
        delta[:, merger_col] = np.nan
    return delta


def excesses(z: np.ndarray, origin: int, merger_col: int, first_month: int) -> tuple[np.ndarray, np.ndarray]:
    """Every observed year-end's excess change per season month: ``(n_series, n_years, len(SEASON_MONTHS))``,
    and the variance of ordinary one-month changes around their pace per series."""
    delta = _changes(z, origin, merger_col)
    n_series, width = delta.shape
    months = (first_month + np.arange(width)) % 12
    octobers = [c for c in range(width) if months[c] == _SEASON[0] - 2 and c + 1 <= origin]
    found, squares, dofs = [], [], []  # per year-end: excesses; squared deviations and dof of the pace
    half = SEASON_REFERENCE_MONTHS // 2
    for october in octobers:
        # The ordinary pace on both sides of the year-end (August-October and February-April),
        # so that a series that is slowing down (a plateau) is not read as a negative season;
        # before-only while the months after are not yet known.
        after = october + 1 + len(_SEASON)
        if after + half - 1 <= origin:
            reference = np.concatenate(
                [delta[:, max(0, october - half + 1) : october + 1], delta[:, after : after + half]], axis=1
            )
        else:
            reference = delta[:, max(0, october - SEASON_REFERENCE_MONTHS + 1) : october + 1]
        counted = np.isfinite(reference).sum(axis=1)
        with np.errstate(invalid="ignore"):
            pace = np.where(counted >= 3, np.nansum(reference, axis=1) / np.maximum(counted, 1), np.nan)
            squares.append(np.where(counted >= 3, np.nansum((reference - pace[:, None]) ** 2, axis=1), np.nan))
        dofs.append(np.where(counted >= 3, counted - 1.0, 0.0))
        year = np.full((n_series, len(_SEASON)), np.nan)
        for k in range(len(_SEASON)):
            col = october + 1 + k
            if col <= origin:
                year[:, k] = delta[:, col] - pace
        found.append(year)
    if not found:
        return np.full((n_series, 0, len(_SEASON)), np.nan), np.full(n_series, np.nan)
    total, dof = np.nansum(np.array(squares), axis=0), np.sum(np.array(dofs), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        noise = np.where(dof > 0, total / np.where(dof > 0, dof, 1), np.nan)
    return np.stack(found, axis=1), noise


def estimate(z: np.ndarray, origin: int, merger_col: int, first_month: int, keys: pd.DataFrame) -> Season:
    """Learn the season of every series from the year-ends observed up to column ``origin``.

    Parameters
    ----------
    z : ndarray
        Series on the logit scale, one row per (province, indicator), one column per month.
    origin : int
        Last column the estimate may see.
    merger_col : int
        Column of July 2025 (the change into it is not a change of pace).
    first_month : int
        Calendar month (0 = January) of column 0.
    keys : DataFrame
        ``province_code, indicator, region`` per row (pooling toward the region, per indicator).
    """
    n_series = z.shape[0]
    season = Season.none(n_series, first_month)
    found, noise = excesses(z, origin, merger_col, first_month)
    if found.shape[1] == 0:
        return season
    counts = np.isfinite(found).sum(axis=1)  # (n_series, k)
    season.years = counts.max(axis=1)
    indicators = keys["indicator"].to_numpy()
    provinces_only = (keys["province_code"] != NATIONAL_CODE).to_numpy()
    for k, month in enumerate(_SEASON):
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(counts[:, k] > 0, np.nansum(found[:, :, k], axis=1) / np.maximum(counts[:, k], 1), np.nan)
        spread = np.full(n_series, np.nan)  # per indicator: how much one year's excess varies
        for indicator in np.unique(indicators):
            spread[indicators == indicator] = _spread(found[:, :, k], counts[:, k], noise, indicators == indicator)
        usable = np.isfinite(mean) & np.isfinite(spread) & (spread > 0)
        sampling = np.where(usable, spread / np.maximum(counts[:, k], 1), np.inf)
        pooled, pooled_var, _ = partial_pool(np.where(usable, mean, np.nan), sampling, keys)
        for indicator in np.unique(indicators):
            members = indicators == indicator
            seen = members & usable & provinces_only
            if seen.sum() < 3:
                continue  # too few series to tell a season from noise: none
            # How clearly the month stands out across provinces: shrink toward zero by that.
            average = float(np.mean(mean[seen]))
            standard_error2 = float(np.var(mean[seen], ddof=1)) / seen.sum()
            floor = SEASON_SHRINK * standard_error2 + SEASON_MIN_EFFECT**2
            shrink = max(0.0, 1.0 - floor / average**2) if average else 0.0
            noise_part = float(np.nanmedian(noise[seen])) * (1 + 1 / SEASON_REFERENCE_MONTHS)
            year_to_year = max(float(spread[seen][0]) - noise_part, 0.0) if np.isfinite(noise_part) else 0.0
            national_fill = np.where(np.isfinite(pooled[members]), pooled[members], average)
            variance = np.where(np.isfinite(pooled_var[members]), pooled_var[members], standard_error2)
            season.effect[members, month - 1] = shrink * national_fill
            season.variance[members, month - 1] = shrink**2 * variance
            season.yearly_variance[members, month - 1] = shrink**2 * year_to_year
    return season


def _spread(column: np.ndarray, count: np.ndarray, noise: np.ndarray, members: np.ndarray) -> float:
    """The variance of one year's excess around a series' own mean excess, pooled over an
    indicator's series seen twice or more; from the ordinary months' noise when none was."""
    repeated = members & (count >= 2)
    if repeated.sum() >= 3:
        with np.errstate(invalid="ignore"):
            return float(np.nanmean(np.nanvar(column[repeated], axis=1, ddof=1)))
    seen = members & (count > 0) & np.isfinite(noise)
    if not seen.any():
        return float("nan")
    return float(np.nanmedian(noise[seen])) * (1 + 1 / SEASON_REFERENCE_MONTHS)


__all__ = ["Season", "estimate", "excesses"]
