"""Partial pooling of drifts toward the region (empirical Bayes) and drift instability."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.provinces import NATIONAL_CODE
from .changes import diff_stats
from .settings import POOL_MIN_PROVINCES, POOL_MIN_REGION, WINDOW


def drift_instability(z: np.ndarray, origin: int, merger_col: int, groups: np.ndarray) -> np.ndarray:
    """Per indicator: how much the drift moves between the two halves of the window.

    The drift over the last ``WINDOW/2`` months minus the drift over the ``WINDOW/2`` before has
    variance v1 + v2 if the drift were stable; the excess, averaged over an indicator's series
    (method of moments, floored at 0), is the variance added to every drift of that indicator.
    """
    half = min(WINDOW // 2, (origin + 1) // 2)  # short histories: two shorter halves
    out = np.zeros(z.shape[0])
    if half < 3:
        return out
    recent = diff_stats(z, origin, half, merger_col)
    earlier = diff_stats(z, origin - half, half, merger_col)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = recent.sigma2 / recent.sum_k + earlier.sigma2 / earlier.sum_k
        d2 = (recent.slope - earlier.slope) ** 2
    usable = np.isfinite(v) & np.isfinite(d2) & (recent.pairs >= 2) & (earlier.pairs >= 2)
    for group in np.unique(groups):
        members = groups == group
        ok = members & usable
        if ok.sum() >= POOL_MIN_PROVINCES:
            out[members] = max(np.mean(d2[ok]) - np.mean(v[ok]), 0.0)
    return out


def partial_pool(slope: np.ndarray, slope_var: np.ndarray, keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Empirical-Bayes shrinkage of each province's drift toward its region's (per indicator).

    Normal-normal: drift_i ~ N(mu_region, tau^2), estimate_i ~ N(drift_i, v_i). ``tau^2`` by the
    method of moments across the indicator's provinces; the national series is not pooled.
    Returns the posterior mean, variance and the weight on the province's own estimate.
    """
    post_mean, post_var, weight = slope.copy(), slope_var.copy(), np.ones_like(slope)
    national = (keys["province_code"] == NATIONAL_CODE).to_numpy()
    indicators = keys["indicator"].to_numpy()
    regions = keys["region"].to_numpy()
    for indicator in np.unique(indicators):
        members = (indicators == indicator) & ~national
        has = members & np.isfinite(slope) & np.isfinite(slope_var) & (slope_var > 0)
        if has.sum() < POOL_MIN_PROVINCES:
            continue
        precision = np.zeros_like(slope)
        precision[has] = 1.0 / slope_var[has]
        overall = np.sum(precision[has] * slope[has]) / precision[has].sum()
        mu = np.full_like(slope, overall)
        for region in np.unique(regions[members]):
            in_region = has & (regions == region)
            if in_region.sum() >= POOL_MIN_REGION:
                mu[members & (regions == region)] = (
                    np.sum(precision[in_region] * slope[in_region]) / precision[in_region].sum()
                )
        residual = slope[has] - mu[has]
        tau2 = max(np.var(residual, ddof=1) - np.median(slope_var[has]), 1e-6 * np.var(slope[has]) + 1e-10)
        v = np.where(has, slope_var, np.inf)
        w = np.where(has, tau2 / (tau2 + np.where(has, v, 1.0)), 0.0)
        post_mean[members] = np.where(has, w * np.nan_to_num(slope) + (1 - w) * mu, mu)[members]
        post_var[members] = np.where(has, w * np.where(has, v, 0.0), tau2)[members]
        weight[members] = w[members]
    return post_mean, post_var, weight
