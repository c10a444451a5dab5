"""The forecast table: every province and the nation, every target, in one pass; and fans."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core import provinces
from ..core.errors import DxError
from ..core.periods import add_months, is_period, months_between
from ..core.provinces import NATIONAL_CODE, NATIONAL_NAME
from ..core.registry import load_indicators, load_targets
from .backtest import calibrate
from .calibration import Calibration
from .models import Fit, fit, quantiles_of, slice_of
from .panel import Panel, build_panel
from .scenarios import Scenario, parse_scenario
from .settings import DEFAULT_MODEL, FORECAST_COLUMNS, MAX_STALENESS, MIN_OBSERVATIONS, QUANTILES
from .status import decide_status, recent_pace

# --------------------------------------------------------------------------- the forecast table


def forecast(
    table: pd.DataFrame | None = None,
    as_of: str | None = None,
    model: str = DEFAULT_MODEL,
    targets: pd.DataFrame | None = None,
    scenario: str | Scenario | None = None,
    window: int | None = None,
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Forecast every province (and the nation) for every target, in one pass.

    Parameters
    ----------
    table : DataFrame, optional
        Harmonised observations (``dx harmonise`` output); the bundled synthetic panel when omitted.
    as_of : str, optional
        ``YYYY-MM``: use data up to this month only (default: the last month in the data).
    model : str
        One of :data:`MODELS`.
    targets : DataFrame, optional
        From :func:`~dxanalysis.core.registry.load_targets` (default: the national targets, with any
        provincial overrides in ``params/provinces/``).
    scenario : str or Scenario, optional
        A what-if change of pace (see :class:`Scenario`).
    calibration : Calibration, optional
        The interval factors of ``model`` on this table up to ``as_of``
        (:func:`~dxanalysis.forecast.backtest.calibrate`), when the caller has them already (the
        forecast and its fans share one); computed here when omitted.

    Returns
    -------
    DataFrame
        One row per (province, target), national row (``province_code == "00"``) included, columns
        :data:`FORECAST_COLUMNS`. Paces are in percentage points per month.
    """
    if table is None:
        from ..data.harmonise import load_bundled_table

        table = load_bundled_table()
    if as_of is not None and not is_period(as_of):
        raise DxError(f"as_of {as_of!r} is not YYYY-MM")
    scenario = parse_scenario(scenario)
    panel = build_panel(table, as_of=as_of)
    as_of = as_of or panel.periods[-1]
    last_data = str(table.loc[table["complete"].astype(bool), "period"].max())
    if months_between(last_data, as_of) > MAX_STALENESS:
        raise DxError(
            f"as_of {as_of} is {months_between(last_data, as_of)} months after the data's last month ({last_data}); "
            f"forecasts from data that old would be guesses: choose an as-of within {MAX_STALENESS} months of the data"
        )
    origin = panel.col(as_of)
    national_targets = targets if targets is not None else load_targets()
    indicators = load_indicators()
    pace = recent_pace(panel, origin)
    rows = []
    all_codes = [NATIONAL_CODE] + provinces.current_provinces()["code"].tolist()
    region_of = provinces.current_provinces().set_index("code")["region"].to_dict()
    # Intervals and P(hit) widened by horizon as the backtest of the data up to as_of says.
    calibrated = calibration or calibrate(table, model, as_of)
    fitted = fit(panel, model, origin, window, widen=calibrated.factors)
    run = ForecastRun(panel, origin, as_of, model, scenario, fitted, pace)
    for target in national_targets.itertuples(index=False):
        series = np.flatnonzero((panel.keys["indicator"] == target.indicator).to_numpy())
        upper = indicators[target.indicator].upper
        deadline_col = panel.col(target.deadline_period)
        pred = fitted.at(deadline_col) if len(series) else None
        keys = panel.keys.iloc[series]
        present = set(keys["province_code"])
        thresholds = province_thresholds(target, keys["province_code"].tolist(), targets is None)
        for j, (i, key) in enumerate(zip(series, keys.itertuples(index=False))):
            threshold, deadline_period, deadline = thresholds[j]
            rows.append(forecast_row(run, pred, i, key, target, threshold, deadline_period, deadline, upper))
        for code in all_codes:
            if code not in present:
                rows.append(_no_data_row(code, region_of.get(code, "national"), target, as_of, model, scenario))
    out = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    out["data_note"] = panel.source_note
    out.attrs["calibration"] = calibrated.describe()
    return out.sort_values(["province_code", "target_id"], ignore_index=True)


def province_thresholds(target, codes: list[str], use_overrides: bool) -> list[tuple[float, str, object]]:
    """Per province: (threshold, deadline period, deadline), applying params/provinces overrides."""
    out = []
    from ..core import paths

    for code in codes:
        if use_overrides and code != NATIONAL_CODE and (paths.PROVINCE_TARGETS_DIR / f"{code}.yaml").exists():
            own = load_targets(code).set_index("target_id").loc[target.target_id]
            out.append((float(own["threshold"]), str(own["deadline_period"]), own["deadline"]))
        else:
            out.append((float(target.threshold), target.deadline_period, target.deadline))
    return out


@dataclass(frozen=True)
class ForecastRun:
    """What every row of one forecast call shares."""

    panel: Panel
    origin: int
    as_of: str
    model: str
    scenario: Scenario | None
    fitted: Fit
    pace: np.ndarray


def forecast_row(run: ForecastRun, pred, i, key, target, threshold, deadline_period, deadline, upper):
    panel, origin, as_of, model, scenario, fitted = run.panel, run.origin, run.as_of, run.model, run.scenario, run.fitted
    pace_i, deadline_col = run.pace[i], panel.col(deadline_period)
    effective = threshold - float(target.tolerance)  # the value that counts as meeting it
    values = panel.values[i, : origin + 1]
    observed = np.flatnonzero(~np.isnan(values))
    base = {
        "province_code": key.province_code,
        "province_name": key.province_name,
        "region": key.region,
        "target_id": target.target_id,
        "indicator": target.indicator,
        "deadline": str(deadline),
        "target_value": threshold,
        "comparator": target.comparator,
        "as_of": as_of,
        "model": model,
        "scenario": scenario.label() if scenario else "",
        "recent_pace": pace_i,
    }
    if len(observed) == 0:
        return {**base, "status": "no_data", "deadline_passed": deadline_period <= as_of}
    last_col = observed[-1]
    last_value = values[last_col]
    base.update({"last_period": panel.periods[last_col], "last_value": last_value, "n_obs": len(observed)})
    if deadline_period <= as_of:
        # The deadline has passed: report what the data say, not a forecast.
        at_deadline = observed[observed <= deadline_col]
        realised = values[at_deadline[-1]] if len(at_deadline) else math.nan
        met = realised >= effective if math.isfinite(realised) else False
        base.update({"last_period": panel.periods[at_deadline[-1]] if len(at_deadline) else None, "last_value": realised})
        return {
            **base,
            "forecast": realised,
            "lo80": realised,
            "hi80": realised,
            "lo95": realised,
            "hi95": realised,
            "p_hit": float(met) if math.isfinite(realised) else math.nan,
            "deadline_passed": True,
            "horizon_months": 0,
            "status": ("achieved" if met else "off_track") if math.isfinite(realised) else "no_data",
            "required_pace": math.nan,
            "growth_ratio": math.nan,
            "pooling_weight": math.nan,
        }
    if deadline_col != panel.col(target.deadline_period):
        pred = fitted.at(deadline_col)
    shift = (
        scenario.shift(target.indicator, key.province_code, panel.col(scenario.start), last_col, deadline_col)
        if scenario
        else 0.0
    )
    one = slice_of(pred, i)
    quant = quantiles_of(one, shift, median_name="forecast")
    p_hit = float(one.prob_at_least(effective, shift)[0])
    months_left = deadline_col - last_col
    if last_value < effective and (len(observed) < MIN_OBSERVATIONS or not math.isfinite(quant["forecast"])):
        # Too short to say where it is heading: say so, never a NaN dressed as a verdict.
        nothing = dict.fromkeys(("forecast", "lo80", "hi80", "lo95", "hi95", "p_hit", "growth_ratio"), math.nan)
        return {
            **base,
            **nothing,
            "status": "insufficient_data",
            "deadline_passed": False,
            "horizon_months": int(months_left),
            "required_pace": (effective - last_value) / months_left,
            "pooling_weight": math.nan,
        }
    required = (effective - last_value) / months_left if months_left > 0 else math.inf
    status, ratio = decide_status(
        last_value,
        effective,
        required,
        pace_i + (scenario.pace if shift else 0.0),
        p_hit,
        at_limit=threshold >= upper,
        upper=upper,
    )
    return {
        **base,
        **quant,
        "p_hit": p_hit,
        "required_pace": max(required, 0.0) if status != "achieved" else 0.0,
        "growth_ratio": ratio,
        "status": status,
        "deadline_passed": False,
        "horizon_months": int(months_left),
        "pooling_weight": float(pred.pooling_weight[i]) if len(pred.pooling_weight) else math.nan,
    }


def _no_data_row(code, region, target, as_of, model, scenario):
    return {
        "province_code": code,
        "province_name": NATIONAL_NAME if code == NATIONAL_CODE else provinces.province_name(code),
        "region": region,
        "target_id": target.target_id,
        "indicator": target.indicator,
        "deadline": str(target.deadline),
        "target_value": float(target.threshold),
        "comparator": target.comparator,
        "as_of": as_of,
        "status": "no_data",
        "model": model,
        "scenario": scenario.label() if scenario else "",
        "deadline_passed": target.deadline_period <= as_of,
    }


FAN_COLUMNS = ["province_code", "indicator", "period", "median", *QUANTILES]


def fan_paths(panel: Panel, fitted: Fit, until: dict[tuple[str, str], str], scenario: Scenario | None) -> pd.DataFrame:
    """Monthly predictive quantiles of each series ``(province_code, indicator) -> last month`` from
    the month after the panel's last one: the fitted model evaluated at every month (cheap)."""
    origin = len(panel.periods) - 1
    last = panel.periods[-1]
    keys = panel.keys[["province_code", "indicator"]].apply(tuple, axis=1).tolist()
    index = {key: i for i, key in enumerate(keys)}
    wanted = [(key, index[key], end) for key, end in until.items() if key in index]
    rows = []
    for step in range(1, max((months_between(last, end) for _, _, end in wanted), default=0) + 1):
        col, period = origin + step, add_months(last, step)
        pred = fitted.at(col)
        for (code, indicator), i, end in wanted:
            if period > end:
                continue
            one = slice_of(pred, i)
            shift = (
                scenario.shift(indicator, code, panel.col(scenario.start), int(one.last_col[0]), col) if scenario else 0.0
            )
            rows.append(
                {
                    "province_code": code,
                    "indicator": indicator,
                    "period": period,
                    **quantiles_of(one, shift, median_name="median"),
                }
            )
    return pd.DataFrame(rows, columns=FAN_COLUMNS).sort_values(["province_code", "indicator", "period"], ignore_index=True)


def fan(
    table: pd.DataFrame,
    province_code: str,
    indicator: str,
    until: str,
    as_of: str | None = None,
    model: str = DEFAULT_MODEL,
    scenario: str | Scenario | None = None,
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Monthly predictive quantiles of one series from the month after ``as_of`` to ``until`` (fan charts)."""
    panel = build_panel(table, as_of=as_of)
    calibrated = calibration or calibrate(table, model, as_of)
    fitted = fit(panel, model, len(panel.periods) - 1, widen=calibrated.factors)
    paths = fan_paths(panel, fitted, {(province_code, indicator): until}, parse_scenario(scenario))
    return paths.drop(columns=["province_code", "indicator"])
