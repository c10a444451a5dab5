"""Months that are reporting gaps, not performance: a denominator far below the series' usual volume.

The portal's new system filled up over the first half of 2026: Phú Thọ's share of records online
read 0.05% in January and 17-19% from June, because most records were not in the system yet. A
model fed those months sees a trend that is really the data arriving. A month whose denominator
is under a fraction of its series' usual volume (``low_coverage_fraction`` in
``params/run.yaml``, default 0.2) is therefore marked ``complete = False`` in the harmonised
table, with the reason in ``incomplete_reason``, and the forecasts leave it out.

The **usual volume** of a series (province x indicator) is the 80th percentile of its monthly
denominators: the volume of a month when reporting is whole, robust to a first half-year of gaps
(a median would sit among them) and to one exceptional month. It is taken over the whole series
handed in, so a backtest's early months are judged against volumes seen later: a data-quality
judgement, not an outcome.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core import paths
from ..core.errors import DxError
from ..core.registry import read_yaml

#: Default share of the usual volume under which a month is a reporting gap.
DEFAULT_FRACTION = 0.2
#: Percentile of a series' monthly denominators taken as its usual volume.
USUAL_PERCENTILE = 0.8
#: A series needs this many months with a denominator before any of them is judged.
MIN_MONTHS = 4
REASON_PREFIX = "low coverage"


def check_fraction(value, setting: str = "low_coverage_fraction") -> float:
    """The threshold as a number in (0, 1), or a :class:`DxError` naming the setting."""
    try:
        fraction = float(value)
    except (TypeError, ValueError):
        raise DxError(f"{setting}: {value!r} is not a number; expected a share between 0 and 1, e.g. 0.2") from None
    if not 0 < fraction < 1:
        raise DxError(f"{setting}: {value!r} is outside (0, 1); expected a share between 0 and 1, e.g. 0.2")
    return fraction


def configured_fraction(path: Path | None = None, spec: dict | None = None) -> float:
    """``low_coverage_fraction`` from ``params/run.yaml`` (default :data:`DEFAULT_FRACTION`), checked;
    ``spec``: the file already read (the run settings read it whole)."""
    path = Path(path or paths.RUN_SETTINGS_YAML)
    value = (read_yaml(path) if spec is None else spec).get("low_coverage_fraction", DEFAULT_FRACTION)
    try:
        return check_fraction(value)
    except DxError as exc:
        raise DxError(f"{path}: {exc}") from None


def low_coverage(table: pd.DataFrame, fraction: float = DEFAULT_FRACTION) -> pd.Series:
    """The reason each row is a reporting gap ("" for rows that are not), aligned with ``table``.

    Parameters
    ----------
    table : DataFrame
        Harmonised rows (``province_code, indicator, period, denominator``).
    fraction : float
        A month under ``fraction`` x the series' usual volume is a gap.
    """
    fraction = check_fraction(fraction)
    reasons = pd.Series("", index=table.index, dtype=object)
    if table.empty or "denominator" not in table:
        return reasons
    # Rows incomplete for another reason (a merger month missing a constituent) keep that reason,
    # and their partial volumes do not count toward the usual one. Rows this rule flagged before
    # still count, so that judging a table twice (harmonise, then the forecast's panel) flags the
    # same months.
    complete = table["complete"].astype(bool) if "complete" in table else pd.Series(True, index=table.index)
    if "incomplete_reason" in table:
        complete = complete | table["incomplete_reason"].astype(str).str.startswith(REASON_PREFIX)
    denominator = pd.to_numeric(table["denominator"], errors="coerce").where(complete)
    keys = [table["province_code"], table["indicator"]]
    grouped = denominator.groupby(keys)
    usual = grouped.transform("quantile", USUAL_PERCENTILE).where(grouped.transform("count") >= MIN_MONTHS)
    gap = denominator.notna() & usual.notna() & (usual > 0) & (denominator < fraction * usual)
    for row in np.flatnonzero(gap.to_numpy()):
        index = table.index[row]
        reasons[index] = (
            f"{REASON_PREFIX}: {denominator[index]:,.0f} in the denominator, "
            f"{denominator[index] / usual[index]:.0%} of the series' usual {usual[index]:,.0f} "
            f"(under {fraction:.0%}: a reporting gap)"
        )
    return reasons


def flag_low_coverage(table: pd.DataFrame, fraction: float = DEFAULT_FRACTION) -> pd.DataFrame:
    """``table`` with its reporting gaps marked ``complete = False`` and ``incomplete_reason`` set."""
    reasons = low_coverage(table, fraction)
    out = table.copy()
    if "incomplete_reason" not in out:
        out["incomplete_reason"] = ""
    gap = reasons != ""
    out.loc[gap, "complete"] = False
    out.loc[gap, "incomplete_reason"] = reasons[gap]
    return out


def left_out(table: pd.DataFrame) -> pd.DataFrame:
    """Months left out of the forecasts for low coverage: ``province_code, indicator, period, reason``."""
    if "incomplete_reason" not in table:
        return pd.DataFrame(columns=["province_code", "indicator", "period", "reason"])
    rows = table[table["incomplete_reason"].astype(str).str.startswith(REASON_PREFIX)]
    return rows[["province_code", "indicator", "period", "incomplete_reason"]].rename(
        columns={"incomplete_reason": "reason"}
    )


__all__ = ["configured_fraction", "check_fraction", "low_coverage", "flag_low_coverage", "left_out", "DEFAULT_FRACTION"]
