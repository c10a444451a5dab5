"""Unit forecasts: every department and commune, every target ahead, with the province model.

The units of the whole country form one :class:`~dxanalysis.forecast.panel.Panel` (one row per
unit x indicator) fitted by the same model (:func:`~dxanalysis.forecast.models.fit`). The only
change is the pooling group: the panel's ``region`` key is the unit's **province**, so
:func:`~dxanalysis.forecast.pooling.partial_pool` shrinks each unit's drift (and the season its
year-end effect) toward its own province's units, not toward a region. The province's own drift
is pooled toward its region in the province forecast (:func:`~dxanalysis.forecast.forecast`);
the two tables are forecast apart and not reconciled. Noise variances and the drift instability
are pooled per indicator over every unit, as they are over every province.

Rows are made by the province table's own code (:func:`~dxanalysis.forecast.table._row`): same
status rule, P(hit), required pace and ``insufficient_data`` for a unit with too few months.
Intervals are widened by the province backtest's factors (a unit-level backtest is not run).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import provinces
from ..core.errors import DxError
from ..core.periods import add_months, is_period, months_between
from ..core.provenance import source_note
from ..core.registry import load_indicators, load_targets
from .backtest import Calibrations
from .calibration import UNCALIBRATED
from .models import fit
from .panel import Panel
from .settings import DEFAULT_MODEL, FORECAST_COLUMNS, MAX_STALENESS
from .status import recent_pace
from .table import ForecastRun, forecast_row, province_thresholds

#: What a unit row carries beyond the province contract.
UNIT_KEY_COLUMNS = ["unit_code", "unit_name", "level", "ward_code"]
#: The unit's last monthly denominator (records, ...): how much of its province's gap a shortfall
#: holds, for ranking the units a province must move.
VOLUME_COLUMN = "volume"
#: The unit forecast contract: the province table's columns with the unit's after ``region``.
UNIT_FORECAST_COLUMNS = FORECAST_COLUMNS[:3] + UNIT_KEY_COLUMNS + [VOLUME_COLUMN] + FORECAST_COLUMNS[3:]


def build_unit_panel(units: pd.DataFrame, as_of: str | None = None) -> Panel:
    """One row per unit x indicator, one column per month (percent; NaN where missing).

    ``keys`` carries ``province_code, unit_code, indicator, unit_name, level, ward_code,
    province_name`` and ``region`` = the province code: the group the pooling shrinks toward.
    """
    data = units.dropna(subset=["value"])
    if as_of is not None:
        data = data[data["period"] <= as_of]
    if data.empty:
        raise DxError("no unit observations to forecast from" + (f" up to {as_of}" if as_of else ""))
    first, last = str(data["period"].min()), as_of or str(data["period"].max())
    periods = [add_months(first, i) for i in range(months_between(first, last) + 1)]
    # Factorised keys and one scatter: a pivot of a quarter of a million rows costs more than the fit.
    codes = data.groupby(["province_code", "unit_code", "indicator"], sort=True).ngroup().to_numpy()
    values = np.full((codes.max() + 1, len(periods)), np.nan)
    columns = data["period"].map({p: j for j, p in enumerate(periods)}).to_numpy(int)
    values[codes, columns] = data["value"].to_numpy(float)
    first_rows = data.iloc[pd.Series(np.arange(len(data))).groupby(codes).first().to_numpy()]
    keys = first_rows[["province_code", "unit_code", "indicator", *UNIT_KEY_COLUMNS[1:]]].reset_index(drop=True)
    keys = keys.astype(str)
    order = np.argsort(data["period"].to_numpy(), kind="stable")
    denominators = pd.to_numeric(data["denominator"], errors="coerce").to_numpy(float)[order]
    keys[VOLUME_COLUMN] = pd.Series(denominators).groupby(codes[order]).last().reindex(range(len(keys))).to_numpy()
    names = {code: provinces.province_name(code) for code in keys["province_code"].unique()}
    keys["province_name"] = keys["province_code"].map(names)
    keys["region"] = keys["province_code"]  # pool toward the unit's province (module docstring)
    note = source_note(units["source"].dropna().unique())
    return Panel(keys=keys, periods=periods, values=values, source_note=note)


def forecast_units(
    units: pd.DataFrame,
    as_of: str | None = None,
    model: str = DEFAULT_MODEL,
    targets: pd.DataFrame | None = None,
    province_table: pd.DataFrame | None = None,
    scheduler: str | None = None,
    calibrations: Calibrations | None = None,
) -> pd.DataFrame:
    """Forecast every unit x indicator that has a target still ahead at ``as_of``.

    Parameters
    ----------
    units : DataFrame
        The unit contract (:func:`~dxanalysis.data.units.load_units`).
    as_of : str, optional
        ``YYYY-MM``; default the units' last month.
    model : str
        One of :data:`~dxanalysis.forecast.MODELS` (same family as the province forecast).
    targets : DataFrame, optional
        :func:`~dxanalysis.core.registry.load_targets`; default the national targets with the
        provincial overrides of ``params/provinces/`` (a unit takes its province's).
    province_table : DataFrame, optional
        The harmonised province table: its backtest up to ``as_of`` gives the interval factors by
        horizon (:func:`~dxanalysis.forecast.backtest.calibrate`). Without it the intervals
        are the model's own (the note in ``attrs["calibration"]`` says so).
    calibrations : Calibrations, optional
        The caller's computed factors (a build's forecast step has them), so the province
        backtest is not run again.
    scheduler : str, optional
        A Dask scheduler address: the model is fitted here once (its pooled quantities span every
        province), and the rows are made province by province on the cluster; the table is the
        same, byte for byte, as without it.

    Returns
    -------
    DataFrame
        One row per (unit, target), columns :data:`UNIT_FORECAST_COLUMNS`, sorted by province,
        unit and target; ``region`` is the province's region.
    """
    run, chosen = prepare(units, as_of, model, targets, province_table, calibrations)
    if scheduler:
        from ..core.cluster import map_on_cluster

        codes = run.panel.keys["province_code"].to_numpy()
        jobs = [(np.flatnonzero(codes == code),) for code in sorted(set(codes))]
        rows = [row for part in map_on_cluster(scheduler, _rows_on_worker, jobs, (run, chosen)) for row in part]
    else:
        rows = unit_rows(run, chosen, np.arange(len(run.panel.keys)))
    return finish(rows, run)


def _rows_on_worker(shared, series: np.ndarray) -> list[dict]:
    """One province's rows on a Dask worker (``shared``: the run and the targets, sent once)."""
    run, chosen = shared
    return unit_rows(run, chosen, series)


def prepare(units, as_of, model, targets, province_table, calibrations=None):
    """Panel, fit and the targets ahead: everything the rows of every province share."""
    if as_of is not None and not is_period(as_of):
        raise DxError(f"as_of {as_of!r} is not YYYY-MM")
    panel = build_unit_panel(units, as_of)
    as_of = as_of or panel.periods[-1]
    last_data = str(units.dropna(subset=["value"])["period"].max())
    if months_between(last_data, as_of) > MAX_STALENESS:
        raise DxError(f"as_of {as_of} is more than {MAX_STALENESS} months after the units' last month ({last_data})")
    origin = panel.col(as_of)
    calibrated = (
        (calibrations or Calibrations()).get(province_table, model, as_of) if province_table is not None else UNCALIBRATED
    )
    fitted = fit(panel, model, origin, widen=calibrated.factors if province_table is not None else None)
    run = ForecastRun(panel, origin, as_of, model, None, fitted, recent_pace(panel, origin))
    run.panel.keys.attrs["calibration"] = calibrated.describe()
    every = targets if targets is not None else load_targets()
    present = set(panel.keys["indicator"])
    chosen = every[(every["deadline_period"] > as_of) & every["indicator"].isin(present)]
    return run, (chosen, targets is None)


def unit_rows(run: ForecastRun, chosen, series: np.ndarray) -> list[dict]:
    """The forecast rows of the panel rows ``series`` (one province's, or all), every target ahead."""
    targets, overrides = chosen
    indicators = load_indicators()
    keys = list(run.panel.keys.itertuples(index=False))
    indicator_of = run.panel.keys["indicator"].to_numpy()
    rows = []
    for target in targets.itertuples(index=False):
        mine = series[indicator_of[series] == target.indicator]
        if not len(mine):
            continue
        pred = run.fitted.at(run.panel.col(target.deadline_period))
        codes = sorted({keys[i].province_code for i in mine})
        thresholds = dict(zip(codes, province_thresholds(target, codes, overrides)))
        upper = indicators[target.indicator].upper
        for i in mine:
            key = keys[i]
            threshold, deadline_period, deadline = thresholds[key.province_code]
            row = forecast_row(run, pred, i, key, target, threshold, deadline_period, deadline, upper)
            row.update({column: getattr(key, column) for column in (*UNIT_KEY_COLUMNS, VOLUME_COLUMN)})
            rows.append(row)
    return rows


def finish(rows: list[dict], run: ForecastRun) -> pd.DataFrame:
    """The rows as the unit contract: the province's region, the data note, sorted."""
    out = pd.DataFrame(rows, columns=UNIT_FORECAST_COLUMNS)
    regions = provinces.current_provinces().set_index("code")["region"].to_dict()
    out["region"] = out["province_code"].map(regions)
    out["data_note"] = run.panel.source_note
    out.attrs["calibration"] = run.panel.keys.attrs.get("calibration", "")
    return out.sort_values(["province_code", "unit_code", "target_id"], ignore_index=True)


__all__ = ["forecast_units", "build_unit_panel", "UNIT_FORECAST_COLUMNS", "UNIT_KEY_COLUMNS", "VOLUME_COLUMN"]
