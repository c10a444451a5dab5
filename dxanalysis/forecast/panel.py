"""Series as a matrix (Panel), the one ratio-of-sums aggregate, and the model scales."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core import provinces
from ..core.errors import DxError
from ..core.periods import add_months, months_between
from ..core.provenance import source_note
from ..core.provinces import MERGER_PERIOD, NATIONAL_CODE, NATIONAL_NAME
from .settings import EPS

# --------------------------------------------------------------------------- panel


@dataclass
class Panel:
    """Series as a matrix: one row per (province, indicator), one column per month.

    ``values`` holds percents, NaN where a month is missing or incomplete.
    """

    keys: pd.DataFrame
    periods: list[str]
    values: np.ndarray
    source_note: str = ""

    @property
    def merger_col(self) -> int:
        return months_between(self.periods[0], MERGER_PERIOD)

    def col(self, period: str) -> int:
        return months_between(self.periods[0], period)

    def truncated(self, last_col: int) -> Panel:
        """The panel as it was known at column ``last_col`` (later months hidden)."""
        values = self.values.copy()
        values[:, last_col + 1 :] = np.nan
        return Panel(self.keys, self.periods, values, self.source_note)


def ratio_of_sums(table: pd.DataFrame, by: list[str], codes: list[str] | None = None) -> pd.DataFrame:
    """Sum of numerators over sum of denominators (percent) across provinces, grouped by ``by``.

    The one definition of an aggregate (the nation, a region): complete rows with a numerator and
    denominator only, never an average of shares. ``codes`` limits it to some provinces.
    """
    data = table[table["complete"].astype(bool)].dropna(subset=["numerator", "denominator"])
    if codes is not None:
        data = data[data["province_code"].isin(codes)]
    agg = data.groupby(by, as_index=False)[["numerator", "denominator"]].sum()
    agg["value"] = agg["numerator"] / agg["denominator"] * 100
    return agg


def build_panel(table: pd.DataFrame, as_of: str | None = None, national: bool = True) -> Panel:
    """Turn a harmonised table into a :class:`Panel`.

    Parameters
    ----------
    table : DataFrame
        Harmonised contract (``province_code, period, indicator, numerator, denominator, value,
        complete``...).
    as_of : str, optional
        Last month the panel may contain; later rows are dropped.
    national : bool
        Add a national series per indicator: the sum of numerators over the sum of denominators
        of the provinces reporting complete data that month (never an average of shares).
    """
    # Reporting gaps never reach a model, even in a table that was not harmonised here: judged on
    # the whole table, as harmonise judges it, so both find the same months.
    from ..data.coverage import configured_fraction, low_coverage

    gaps = (low_coverage(table, configured_fraction()) != "").to_numpy()
    data = table[table["complete"].astype(bool).to_numpy() & ~gaps]
    if as_of is not None:
        data = data[data["period"] <= as_of]
    if data.empty:
        raise DxError("no complete observations to forecast from" + (f" up to {as_of}" if as_of else ""))
    first = data["period"].min()
    last = as_of or data["period"].max()
    periods = [add_months(first, i) for i in range(months_between(first, last) + 1)]
    frames = [data[["province_code", "indicator", "period", "value"]]]
    if national:
        agg = ratio_of_sums(data, ["indicator", "period"])
        if len(agg):
            agg["province_code"] = NATIONAL_CODE
            frames.append(agg[["province_code", "indicator", "period", "value"]])
    long = pd.concat(frames, ignore_index=True)
    wide = long.pivot_table(index=["province_code", "indicator"], columns="period", values="value", aggfunc="first")
    wide = wide.reindex(columns=periods)
    keys = wide.index.to_frame(index=False)
    regions = provinces.current_provinces().set_index("code")["region"].to_dict()
    keys["region"] = keys["province_code"].map(regions).fillna("national")
    keys["province_name"] = keys["province_code"].map(
        lambda c: NATIONAL_NAME if c == NATIONAL_CODE else provinces.province_name(c)
    )
    note = source_note(table.get("source", pd.Series(dtype=str)).dropna().unique())
    return Panel(keys=keys, periods=periods, values=wide.to_numpy(float), source_note=note)


# --------------------------------------------------------------------------- transforms


def to_scale(values: np.ndarray, scale: str) -> np.ndarray:
    if scale == "logit":
        p = np.clip(values / 100.0, EPS, 1 - EPS)
        return np.log(p / (1 - p))
    if scale == "log":
        return np.log(np.maximum(values, 0.01))
    return values


def from_scale(values: np.ndarray, scale: str) -> np.ndarray:
    if scale == "logit":
        return 100.0 / (1.0 + np.exp(-values))
    if scale == "log":
        return np.exp(values)
    return values


def path_to(table: pd.DataFrame, province_code: str, indicator: str) -> pd.DataFrame:
    """History of one series (for plots): period, value, complete."""
    if province_code == NATIONAL_CODE:
        national = ratio_of_sums(table[table["indicator"] == indicator], ["period"])
        return national[["period", "value"]].sort_values("period", ignore_index=True)
    sub = table[(table["province_code"] == province_code) & (table["indicator"] == indicator) & table["complete"]]
    return sub[["period", "value"]].sort_values("period", ignore_index=True)
