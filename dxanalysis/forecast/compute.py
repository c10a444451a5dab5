"""Every table a report needs computed in memory, in one call: what a notebook opened alone runs.

The batch's build steps (:mod:`dxanalysis.run.pipeline`) call the same functions and write their
results to a build folder, so a report reads the same numbers either way.
"""

from __future__ import annotations

import pandas as pd

from ..data.harmonise import harmonise_data
from ..data.units import load_units, units_file
from .backtest import Calibrations
from .models import fit
from .outputs import Tables
from .panel import build_panel
from .scenarios import parse_scenario
from .table import fan_paths, forecast
from .units import forecast_units


def fans_table(
    table: pd.DataFrame,
    forecasts: pd.DataFrame,
    as_of: str,
    model: str,
    scenario: str | None,
    calibrations: Calibrations | None = None,
) -> pd.DataFrame:
    """Monthly predictive quantiles of every series with a target still ahead, up to its last deadline.

    One fit of the model, evaluated at every month (cheap), so the province figures draw from
    this table instead of refitting. ``calibrations``: the caller's, when it has forecast already.
    """
    panel = build_panel(table, as_of=as_of)
    calibrated = (calibrations or Calibrations()).get(table, model, as_of)
    fitted = fit(panel, model, len(panel.periods) - 1, widen=calibrated.factors)
    ahead = forecasts[
        ~forecasts["deadline_passed"].astype(bool) & ~forecasts["status"].isin(["no_data", "insufficient_data"])
    ]
    until = ahead.groupby(["province_code", "indicator"])["deadline"].max().str[:7].to_dict()
    return fan_paths(panel, fitted, until, parse_scenario(scenario))


def forecast_and_fans(
    table: pd.DataFrame,
    as_of: str | None,
    model: str,
    scenario: str | None,
    targets: pd.DataFrame | None,
    calibrations: Calibrations,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The forecast table and its fans, on ``calibrations`` (the caller's: one backtest for both)."""
    forecasts = forecast(
        table,
        as_of=as_of,
        model=model,
        targets=targets,
        scenario=scenario,
        calibration=calibrations.get(table, model, as_of),
    )
    resolved = str(forecasts["as_of"].iloc[0])
    return forecasts, fans_table(table, forecasts, resolved, model, scenario, calibrations)


def compute(data=None, as_of: str | None = None, model: str = "pooled", scenario: str | None = None, targets=None) -> Tables:
    """Harmonise, forecast every province and target, and the fans, in memory (one call)."""
    table = harmonise_data(data)
    calibrations = Calibrations()
    forecasts, fans = forecast_and_fans(table, as_of, model, scenario, targets, calibrations)
    return Tables(table, forecasts, fans, calibrations=calibrations)


def compute_units(
    data, table: pd.DataFrame, as_of: str | None = None, model: str = "pooled", calibrations: Calibrations | None = None
) -> pd.DataFrame | None:
    """The unit step's table in memory (every unit x target ahead), or None without units: what a
    notebook opened alone computes, through the same call as the step. The intervals are
    calibrated on the province backtest of ``table`` (from ``calibrations`` when given)."""
    found = units_file(data or None)
    if found is None:
        return None
    return forecast_units(load_units(found), as_of=as_of, model=model, province_table=table, calibrations=calibrations)


__all__ = ["compute", "compute_units", "fans_table", "forecast_and_fans"]
