"""Recent pace and the status rule (open-sdg growth ratio, natural limit, P(hit) cross-check)."""

from __future__ import annotations

import math

import numpy as np

from .changes import diff_stats
from .panel import Panel
from .settings import (
    ACCELERATION_RATIO,
    LIMIT_EXPONENT,
    ON_TRACK_RATIO,
    P_HIT_CROSS_CHECK,
    P_HIT_NEEDS_ACCELERATION,
    P_HIT_OFF_TRACK,
    P_HIT_ON_TRACK,
    RECENT_MONTHS,
)

# --------------------------------------------------------------------------- pace and status


def recent_pace(panel: Panel, origin: int, months: int = RECENT_MONTHS) -> np.ndarray:
    """Observed pace, percentage points per month, over the last ``months`` (merger jump excluded)."""
    st = diff_stats(panel.values[:, : origin + 1], origin, months + 1, panel.merger_col, drift=True)
    return np.where(st.pairs >= 2, st.slope, np.nan)


def limit_coefficient(value: float, limit: float = 100.0) -> float:
    """open-sdg's natural-limit coefficient: 1 far from the limit, falling to 0 at it."""
    if not math.isfinite(value):
        return 1.0
    ratio = min(max(value / limit, 0.0), 1.0)
    return 1.0 - ratio**LIMIT_EXPONENT


def decide_status(
    last_value: float, threshold: float, required: float, recent: float, p_hit: float, at_limit: bool, upper: float = 100.0
) -> tuple[str, float]:
    """Status of a target whose deadline has not passed (README, "Status rule").

    1. ``achieved`` when the last value already meets the target.
    2. growth ratio = recent pace / required pace; ``on_track`` at >= 0.95, ``needs_acceleration``
       at >= 0.60, else ``off_track`` (open-sdg's thresholds). For targets at the natural limit
       (100%) the thresholds are multiplied by open-sdg's limit coefficient 1 - (value/100)^4.44,
       because the last points before 100% come slowly by nature.
    3. Cross-check with the predictive probability: ``on_track`` with p_hit < 0.5 becomes
       ``needs_acceleration``; ``off_track`` with p_hit >= 0.5 becomes ``needs_acceleration``;
       ``needs_acceleration`` with p_hit < 0.05 becomes ``off_track``.
    4. Without a recent pace, the status follows p_hit alone (>= 0.8, >= 0.2).

    Returns
    -------
    (status, growth_ratio)
    """
    if not math.isfinite(last_value):
        return "no_data", math.nan
    if last_value >= threshold:
        return "achieved", math.nan
    ratio = recent / required if math.isfinite(recent) and required > 0 else math.nan
    if not math.isfinite(ratio):
        status = (
            "on_track"
            if p_hit >= P_HIT_ON_TRACK
            else "needs_acceleration"
            if p_hit >= P_HIT_NEEDS_ACCELERATION
            else "off_track"
        )
        return status, ratio
    coefficient = limit_coefficient(last_value, upper) if at_limit else 1.0
    if ratio >= ON_TRACK_RATIO * coefficient:
        status = "on_track"
    elif ratio >= ACCELERATION_RATIO * coefficient:
        status = "needs_acceleration"
    else:
        status = "off_track"
    if status == "on_track" and p_hit < P_HIT_CROSS_CHECK:
        status = "needs_acceleration"
    elif status == "off_track" and p_hit >= P_HIT_CROSS_CHECK:
        status = "needs_acceleration"
    elif status == "needs_acceleration" and p_hit < P_HIT_OFF_TRACK:
        status = "off_track"
    return status, ratio
