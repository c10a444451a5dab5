"""What the notebooks call, in one namespace (``report.headline_table`` ...).

Parameters are checked here (papermill does not); the tables, the sentences and the results files
live in :mod:`~dxanalysis.report.tables`, :mod:`~dxanalysis.report.text` and :mod:`~dxanalysis.report.results`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core import paths, provinces
from ..core.errors import DxError
from ..core.periods import is_period
from ..core.provinces import NATIONAL_CODE
from ..core.registry import load_targets
from ..forecast import DEFAULT_MODEL, MODELS, parse_scenario
from ..forecast.compute import compute, compute_units
from ..forecast.outputs import read_build, read_unit_forecasts
from .calendar_notes import calendar_lines, left_out_lines
from .results import read_results, write_results
from .tables import (
    at_risk_table,
    comparison_table,
    constituents_table,
    december_table,
    group_series,
    headline_table,
    history_table,
    index766_table,
    national_figures_table,
    national_scores_table,
    region_codes,
    scores_2025,
    scores_2026,
    status_counts,
    target_label,
    verdict_counts,
)
from .text import (
    environment_footer,
    footer,
    is_synthetic_table,
    markdown_escape,
    narrative,
    provenance_banner,
)
from .unit_tables import map_target as unit_map_target
from .unit_tables import ranking as unit_ranking
from .unit_tables import rankings as unit_rankings
from .unit_tables import status_counts as unit_status_counts
from .unit_tables import summary_lines as unit_summary_lines
from .unit_tables import units_ahead


@dataclass(frozen=True)
class ReportParameters:
    """Checked, normalised notebook parameters."""

    province: str
    as_of: str | None
    data: str | None
    targets: str | None
    scenario: str | None
    model: str


def normalise_province(value: object) -> str:
    """A current province code from what a user typed: 1, "1", "01", "Hà Nội", "TP HCM".

    A pre-merger province is an error that names the province it joined.
    """
    if value is None or str(value).strip() == "":
        raise DxError("province is empty; expected a current two-digit code such as '01' (Hà Nội)")
    code = provinces.try_resolve(value, "current")
    if code is not None:
        return code
    old = provinces.try_resolve(value, "legacy")
    if old is not None:
        new = provinces.legacy_to_current()[old]
        raise DxError(
            f"province {value!r} is {provinces.province_name(old, 'legacy')} ({old}), a pre-merger province "
            f"that is now part of {provinces.province_name(new)} ({new}); run the report for {new!r}"
        )
    provinces.resolve(value, "current")  # raises UnknownProvince with suggestions
    raise AssertionError("unreachable")


def check_parameters(
    province: object,
    as_of: object = None,
    data: object = None,
    targets: object = None,
    scenario: object = None,
    model: object = DEFAULT_MODEL,
) -> ReportParameters:
    """Validate notebook parameters (papermill does not) with clear errors."""
    code = normalise_province(province)
    as_of_text = None if as_of in (None, "") else str(as_of)
    if as_of_text is not None and not is_period(as_of_text):
        raise DxError(f"as_of {as_of!r} is not a month; expected YYYY-MM such as '2026-10'")
    data_text = None if data in (None, "") else str(data)
    if data_text is not None and not Path(data_text).exists():
        raise DxError(
            f"data {data_text!r} does not exist; expected an observation file or folder, or '' for the bundled panel"
        )
    targets_text = None if targets in (None, "") else str(targets)
    if targets_text is not None and not Path(targets_text).exists():
        raise DxError(f"targets {targets_text!r} does not exist; expected a YAML file like params/targets.yaml")
    if str(model) not in MODELS:
        raise DxError(f"model {model!r} is unknown; expected one of {', '.join(MODELS)}")
    scenario_text = None if scenario in (None, "") else str(scenario)
    parse_scenario(scenario_text)
    return ReportParameters(code, as_of_text, data_text, targets_text, scenario_text, str(model))


def run_forecasts(params: ReportParameters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load (harmonised) data and forecast every province and target in one pass."""
    tables = load_tables(params)
    return tables.harmonised, tables.forecasts


def load_tables(params: ReportParameters, build_dir: str = ""):
    """The pipeline's tables: read from ``build_dir`` (a batch computed them once), or computed
    now through the same single call when the notebook is opened alone (or with its own targets)."""

    if build_dir and not params.targets:
        return read_build(build_dir, params.province)
    targets = load_targets(path=Path(params.targets)) if params.targets else None
    return compute(params.data, as_of=params.as_of, model=params.model, scenario=params.scenario, targets=targets)


def load_unit_forecasts(params: ReportParameters, build_dir: str, tables) -> pd.DataFrame | None:
    """The province's unit forecasts: read from ``build_dir``, or computed now (every unit, as the
    batch's step does) when the notebook is opened alone; None when the data came without units.

    ``tables`` is what :func:`load_tables` gave (its calibration is reused), or the harmonised table."""
    if build_dir:
        return read_unit_forecasts(build_dir, params.province)
    table, calibrations = (tables, None) if isinstance(tables, pd.DataFrame) else (tables.harmonised, tables.calibrations)
    units = compute_units(params.data, table, as_of=params.as_of, model=params.model, calibrations=calibrations)
    return None if units is None else units[units["province_code"] == params.province].reset_index(drop=True)


__all__ = [
    "load_unit_forecasts",
    "ReportParameters",
    "normalise_province",
    "check_parameters",
    "load_tables",
    "run_forecasts",
    "headline_table",
    "history_table",
    "status_counts",
    "verdict_counts",
    "at_risk_table",
    "national_figures_table",
    "national_scores_table",
    "target_label",
    "comparison_table",
    "constituents_table",
    "december_table",
    "group_series",
    "region_codes",
    "index766_table",
    "scores_2025",
    "scores_2026",
    "narrative",
    "calendar_lines",
    "left_out_lines",
    "units_ahead",
    "unit_ranking",
    "unit_rankings",
    "unit_map_target",
    "unit_status_counts",
    "unit_summary_lines",
    "provenance_banner",
    "markdown_escape",
    "environment_footer",
    "footer",
    "is_synthetic_table",
    "write_results",
    "read_results",
    "NATIONAL_CODE",
    "paths",
    "provinces",
]
