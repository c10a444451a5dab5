"""Constants of the forecast engine (windows, thresholds, quantiles, columns)."""

from __future__ import annotations

MODELS = ("naive", "linear", "compound", "pooled", "pooled_no_season", "ets")
DEFAULT_MODEL = "pooled"
#: Months of history the baselines (and the drift-instability check) look back over.
WINDOW = 12
#: Months over which the pooled model estimates each drift. Chosen by the backtest among 6, 9,
#: 12 and 18 months (README, "Forecast skill"): shorter memory follows accelerations sooner.
POOLED_WINDOW = 6
#: Calendar months (1-12) whose change carries a learnt year-end effect in the ``pooled`` model:
#: the November and December push before a December deadline, and the January after it (how
#: much of the push is kept). The backtest chose these over November-December alone (README).
SEASON_MONTHS = (11, 12, 1)
#: Months before November whose mean change is a year's ordinary pace (May to October).
SEASON_REFERENCE_MONTHS = 6
#: Shrinkage of a season month toward zero: its effect is scaled by max(0, 1 - SHRINK se^2 / mean^2),
#: so an effect within two standard errors of nothing is nothing.
SEASON_SHRINK = 4.0
#: A season month whose average effect is not clearly above this (logit; about a point at a 50%
#: share, a tenth of one at 97%) is none: small steady drifts near a ceiling are not a calendar.
SEASON_MIN_EFFECT = 0.05
#: Months over which the recent pace is measured.
RECENT_MONTHS = 6
#: Logit clipping: 0.05% and 99.95% are the most extreme shares the models represent.
EPS = 5e-4
#: Prior degrees of freedom when a series' noise is pooled with its indicator's.
PRIOR_DF = 4.0
#: Status rule: growth-ratio thresholds (open-sdg progress measure, quantitative targets).
ON_TRACK_RATIO, ACCELERATION_RATIO = 0.95, 0.60
#: Status without a recent pace (one observed month): by P(hit) alone, on track at or above the
#: first, needs acceleration at or above the second, else off track.
P_HIT_ON_TRACK, P_HIT_NEEDS_ACCELERATION = 0.8, 0.2
#: The growth-ratio status checked against P(hit): on track with P(hit) under this is demoted to
#: needs acceleration, off track with P(hit) at or above it promoted to needs acceleration.
P_HIT_CROSS_CHECK = 0.5
#: Needs acceleration with P(hit) under this is off track.
P_HIT_OFF_TRACK = 0.05
#: Pooling: an indicator needs this many provinces with a usable drift to pool them (and to
#: measure how much its drift moves between the window's halves); a region this many to have a mean of its own.
POOL_MIN_PROVINCES, POOL_MIN_REGION = 3, 2
#: open-sdg's exponent for the "natural limit" coefficient near 100%.
LIMIT_EXPONENT = 4.44
#: Standard deviation (logit scale) of a province's reporting level shift at the July 2025
#: merger, used when a forecast made before July crosses it. An assumption: the size of the
#: shift cannot be estimated before it happens (after it, the jump is excluded from the drift).
MERGER_SHIFT_SD = 0.10
STATUSES = ("achieved", "on_track", "needs_acceleration", "off_track", "insufficient_data", "no_data")
#: A series needs this many observed months before a forecast is made from it (else insufficient_data).
MIN_OBSERVATIONS = 3
#: An as-of month more than this many months after the data's last month is refused (no far extrapolation).
MAX_STALENESS = 12

FORECAST_COLUMNS = [
    "province_code",
    "province_name",
    "region",
    "target_id",
    "indicator",
    "deadline",
    "target_value",
    "comparator",
    "as_of",
    "last_period",
    "last_value",
    "forecast",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
    "p_hit",
    "required_pace",
    "recent_pace",
    "growth_ratio",
    "status",
    "deadline_passed",
    "horizon_months",
    "n_obs",
    "pooling_weight",
    "model",
    "scenario",
    "data_note",
]


#: Central intervals reported everywhere: name -> quantile.
QUANTILES = {"lo80": 0.1, "hi80": 0.9, "lo95": 0.025, "hi95": 0.975}
