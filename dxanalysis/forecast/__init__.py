"""Year-end forecasts with honest uncertainty, P(target hit), required pace and status.

Everything is vectorised over series (province x indicator) so one call forecasts every
province and target in one pass. Four models, by name (README, "Forecast models"):

``naive``     last value; random-walk uncertainty (the baseline).
``linear``    straight-line trend (OLS) over the last ``window`` months, raw scale, clipped to 0-100.
``compound``  compound-growth extrapolation of the value (UN ESCAP / EU Digital Decade trackers),
              capped at 100%.
``pooled``    the project's model: random walk with drift on the **logit** scale (so forecasts and
              intervals stay inside 0-100%), the drift of each province partially pooled toward
              its region's (empirical Bayes), the July 2025 merger jump excluded from the drift
              and treated as a level shift. Default, chosen by the backtest (``dx backtest``).

A forecast is a predictive distribution at the deadline: ``forecast`` is its median, ``lo80..hi95``
its central intervals, ``p_hit`` the probability that the indicator meets the target's comparator.
"""

from ..data.harmonise import harmonise_data, load_bundled_table
from . import calibration
from .changes import DiffStats, diff_stats
from .models import Fit, Predictive, fit, predict
from .panel import Panel, build_panel, path_to, ratio_of_sums
from .scenarios import Scenario, parse_scenario
from .settings import (
    DEFAULT_MODEL,
    FORECAST_COLUMNS,
    MODELS,
    POOLED_WINDOW,
    QUANTILES,
    RECENT_MONTHS,
    STATUSES,
    WINDOW,
)
from .status import decide_status, limit_coefficient, recent_pace
from .table import fan, forecast

__all__ = [
    "calibration",
    "forecast",
    "predict",
    "fit",
    "Fit",
    "Predictive",
    "DiffStats",
    "diff_stats",
    "build_panel",
    "Panel",
    "decide_status",
    "limit_coefficient",
    "recent_pace",
    "parse_scenario",
    "Scenario",
    "MODELS",
    "DEFAULT_MODEL",
    "FORECAST_COLUMNS",
    "QUANTILES",
    "STATUSES",
    "WINDOW",
    "POOLED_WINDOW",
    "RECENT_MONTHS",
    "fan",
    "path_to",
    "harmonise_data",
    "load_bundled_table",
    "ratio_of_sums",
]
