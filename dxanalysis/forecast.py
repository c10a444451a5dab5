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

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from . import provinces
from .errors import DxError
from .periods import add_months, is_period, months_between
from .provenance import source_note
from .provinces import MERGER_PERIOD, NATIONAL_CODE, NATIONAL_NAME
from .registry import load_indicators, load_targets

MODELS = ("naive", "linear", "compound", "pooled")
DEFAULT_MODEL = "pooled"
#: Months of history the baselines (and the drift-instability check) look back over.
WINDOW = 12
#: Months over which the pooled model estimates each drift. Chosen by the backtest among 6, 9,
#: 12 and 18 months (README, "Forecast skill"): shorter memory follows accelerations sooner.
POOLED_WINDOW = 6
#: Months over which the recent pace is measured.
RECENT_MONTHS = 6
#: Logit clipping: 0.05% and 99.95% are the most extreme shares the models represent.
EPS = 5e-4
#: Prior degrees of freedom when a series' noise is pooled with its indicator's.
PRIOR_DF = 4.0
#: Status rule: growth-ratio thresholds (open-sdg progress measure, quantitative targets).
ON_TRACK_RATIO, ACCELERATION_RATIO = 0.95, 0.60
#: open-sdg's exponent for the "natural limit" coefficient near 100%.
LIMIT_EXPONENT = 4.44
#: Standard deviation (logit scale) of a province's reporting level shift at the July 2025
#: merger, used when a forecast made before July crosses it. An assumption: the size of the
#: shift cannot be estimated before it happens (after it, the jump is excluded from the drift).
MERGER_SHIFT_SD = 0.10
STATUSES = ("achieved", "on_track", "needs_acceleration", "off_track", "no_data")

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
    data = table[table["complete"].astype(bool)]
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


def _to_scale(values: np.ndarray, scale: str) -> np.ndarray:
    if scale == "logit":
        p = np.clip(values / 100.0, EPS, 1 - EPS)
        return np.log(p / (1 - p))
    if scale == "log":
        return np.log(np.maximum(values, 0.01))
    return values


def _from_scale(values: np.ndarray, scale: str) -> np.ndarray:
    if scale == "logit":
        return 100.0 / (1.0 + np.exp(-values))
    if scale == "log":
        return np.exp(values)
    return values


# --------------------------------------------------------------------------- series statistics


@dataclass
class DiffStats:
    """Per-series statistics of consecutive observed changes inside a window."""

    slope: np.ndarray  # drift per month (on the model's scale)
    sum_k: np.ndarray  # months spanned by the changes used
    pairs: np.ndarray  # number of changes used
    sigma2: np.ndarray  # variance of a one-month change around the drift
    last_value: np.ndarray  # last observed value (model scale)
    last_col: np.ndarray  # column of the last observation (-1 when none)
    n_obs: np.ndarray  # observations in the window


def diff_stats(z: np.ndarray, origin: int, window: int, merger_col: int, drift: bool = True) -> DiffStats:
    """Drift and noise of each row of ``z`` from observed changes in ``(origin-window, origin]``.

    Gaps are allowed (a change over k months counts k times the drift and k times the variance).
    The change that spans the merger (June to July 2025) is left out: it carries the one-off
    level shift of the new provinces' reporting, not the trend.
    """
    lo = max(0, origin - window + 1)
    sub = z[:, lo : origin + 1]
    n_series, width = sub.shape
    observed = ~np.isnan(sub)
    idx = np.where(observed, np.arange(width)[None, :], -1)
    last_idx = np.maximum.accumulate(idx, axis=1)
    prev = np.concatenate([np.full((n_series, 1), -1), last_idx[:, :-1]], axis=1)
    cols = np.arange(width)[None, :]
    crosses = (prev + lo < merger_col) & (cols + lo >= merger_col)
    valid = observed & (prev >= 0) & ~crosses
    prev_values = np.take_along_axis(sub, np.maximum(prev, 0), axis=1)
    delta = np.where(valid, sub - prev_values, 0.0)
    k = np.where(valid, cols - prev, 0)
    sum_k = k.sum(axis=1).astype(float)
    pairs = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (
            np.where(sum_k > 0, delta.sum(axis=1) / np.where(sum_k > 0, sum_k, 1), np.nan) if drift else np.zeros(n_series)
        )
        centred = np.where(valid, (delta - k * np.nan_to_num(slope)[:, None]) ** 2 / np.where(k > 0, k, 1), 0.0)
        dof = pairs - (1 if drift else 0)
        sigma2 = np.where(dof > 0, centred.sum(axis=1) / np.where(dof > 0, dof, 1), np.nan)
    last_col_local = last_idx[:, -1]
    last_value = np.where(
        last_col_local >= 0, np.take_along_axis(sub, np.maximum(last_col_local, 0)[:, None], 1)[:, 0], np.nan
    )
    return DiffStats(
        slope=slope,
        sum_k=sum_k,
        pairs=pairs,
        sigma2=sigma2,
        last_value=last_value,
        last_col=np.where(last_col_local >= 0, last_col_local + lo, -1),
        n_obs=observed.sum(axis=1),
    )


def _pool_noise(sigma2: np.ndarray, dof: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shrink each series' noise variance toward its indicator's median (PRIOR_DF pseudo-observations)."""
    out, df = np.empty_like(sigma2), np.empty_like(sigma2)
    for group in np.unique(groups):
        members = groups == group
        usable = members & np.isfinite(sigma2) & (dof >= 2)
        prior = (
            np.nanmean(sigma2[usable])
            if usable.any()
            else np.nanmean(sigma2[members & np.isfinite(sigma2)])
            if (members & np.isfinite(sigma2)).any()
            else 0.01
        )
        d = np.where(np.isfinite(sigma2), np.maximum(dof, 0), 0).astype(float)
        s = np.where(np.isfinite(sigma2), sigma2, 0.0)
        out[members] = ((d * s + PRIOR_DF * prior) / (d + PRIOR_DF))[members]
        df[members] = (d + PRIOR_DF)[members]
    return out, df


# --------------------------------------------------------------------------- models


@dataclass
class Predictive:
    """Predictive distributions (one per series): ``scale``-transformed value ~ location + scale_sd * t(df)."""

    scale: str
    location: np.ndarray
    sd: np.ndarray
    df: np.ndarray
    last_value: np.ndarray  # percent
    last_col: np.ndarray
    n_obs: np.ndarray
    pooling_weight: np.ndarray = field(default_factory=lambda: np.array([]))
    upper: float = 100.0

    def quantile(self, q: float, shift: np.ndarray | float = 0.0) -> np.ndarray:
        """Quantile in percent, inside [0, upper]; ``shift`` adds points (scenarios)."""
        z = self.location + self.sd * special.stdtrit(self.df, q)
        return np.clip(_from_scale(z, self.scale) + shift, 0.0, self.upper)

    def prob_at_least(self, threshold: np.ndarray | float, shift: np.ndarray | float = 0.0) -> np.ndarray:
        """P(value >= threshold), with the value shifted by ``shift`` points."""
        thr = np.broadcast_to(np.asarray(threshold, float) - shift, self.location.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = _to_scale(np.clip(thr, 1e-9, None), self.scale)
            p = 1.0 - special.stdtr(self.df, (z - self.location) / self.sd)
        p = np.where(thr <= 0, 1.0, p)
        p = np.where(thr > self.upper, 0.0, p)
        return np.where(np.isnan(self.location), np.nan, p)


def predict(panel: Panel, model: str, origin: int, target_col: np.ndarray | int, window: int | None = None) -> Predictive:
    """Predictive distribution of every series at ``target_col`` from data up to ``origin``.

    Parameters
    ----------
    panel : Panel
    model : {"naive", "linear", "compound", "pooled"}
    origin : int
        Last column the model may see.
    target_col : int or array
        Column (month) to predict, per series or for all.
    window : int, optional
        Months of history to use (default :data:`POOLED_WINDOW` for ``pooled``, else :data:`WINDOW`).
    """
    return fit(panel, model, origin, window).at(target_col)


@dataclass
class Fit:
    """A model fitted once at an origin; :meth:`at` evaluates it at any target month (cheap)."""

    model: str
    scale: str
    last_value: np.ndarray  # model scale
    last_col: np.ndarray
    n_obs: np.ndarray
    slope: np.ndarray
    slope_var: np.ndarray
    sigma2: np.ndarray
    df: np.ndarray
    weight: np.ndarray
    merger_col: int
    linear: tuple | None = None  # (intercept, x_bar, sxx, n, values) for the linear model

    def at(self, target_col: np.ndarray | int) -> Predictive:
        target = np.broadcast_to(np.asarray(target_col), self.last_col.shape).astype(float)
        if self.linear is not None:
            intercept, x_bar, sxx, n = self.linear
            location = intercept + self.slope * target
            with np.errstate(invalid="ignore", divide="ignore"):
                variance = self.sigma2 * (
                    1 + 1 / n + np.where(sxx > 0, (target - x_bar) ** 2 / np.where(sxx > 0, sxx, 1), 0)
                )
            location = np.where(n >= 2, location, np.where(n == 1, self.last_value, np.nan))
            return Predictive(
                scale="identity",
                location=location,
                sd=np.sqrt(np.maximum(variance, 1e-12)),
                df=self.df,
                last_value=self.last_value,
                last_col=self.last_col,
                n_obs=n.astype(int),
                pooling_weight=self.weight,
            )
        h = target - self.last_col
        extra = 0.0
        if self.model == "pooled":
            # The reporting level shift when the horizon crosses the merger.
            crosses = (self.last_col < self.merger_col) & (target >= self.merger_col)
            extra = np.where(crosses, MERGER_SHIFT_SD**2, 0.0)
        location = self.last_value + self.slope * h
        variance = h * self.sigma2 + h**2 * np.where(np.isfinite(self.slope_var), self.slope_var, 0.0) + extra
        sd = np.sqrt(np.maximum(variance, 1e-12))
        location = np.where(self.last_col >= 0, location, np.nan)
        return Predictive(
            scale=self.scale,
            location=location,
            sd=sd,
            df=self.df,
            last_value=_from_scale(self.last_value, self.scale),
            last_col=self.last_col,
            n_obs=self.n_obs,
            pooling_weight=self.weight,
        )


def fit(panel: Panel, model: str, origin: int, window: int | None = None) -> Fit:
    """Fit ``model`` to every series of ``panel`` with data up to column ``origin`` (see :func:`predict`)."""
    if model not in MODELS:
        raise DxError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    window = window or (POOLED_WINDOW if model == "pooled" else WINDOW)
    values = panel.values[:, : origin + 1]
    groups = panel.keys["indicator"].to_numpy()
    if model == "linear":
        return _fit_linear(values, origin, window, groups, panel.merger_col)
    scale = {"naive": "identity", "compound": "log", "pooled": "logit"}[model]
    z = _to_scale(values, scale)
    st = diff_stats(z, origin, window, panel.merger_col, drift=model != "naive")
    sigma2, df = _pool_noise(st.sigma2, st.pairs - (0 if model == "naive" else 1), groups)
    slope_var = np.where(st.sum_k > 0, sigma2 / np.where(st.sum_k > 0, st.sum_k, 1), np.inf)
    weight = np.ones_like(st.slope)
    slope = np.nan_to_num(st.slope)
    if model == "pooled":
        slope, slope_var, weight = _partial_pool(st.slope, slope_var, panel.keys)
        # Drifts change (campaigns start, provinces plateau): add the observed instability of the drift.
        slope_var = slope_var + _drift_instability(z, origin, panel.merger_col, groups)
    if model == "naive":
        slope, slope_var = np.zeros_like(slope), np.zeros_like(slope)
    return Fit(
        model=model,
        scale=scale,
        last_value=st.last_value,
        last_col=st.last_col,
        n_obs=st.n_obs,
        slope=slope,
        slope_var=slope_var,
        sigma2=sigma2,
        df=df,
        weight=weight,
        merger_col=panel.merger_col,
    )


def _drift_instability(z: np.ndarray, origin: int, merger_col: int, groups: np.ndarray) -> np.ndarray:
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
        if ok.sum() >= 3:
            out[members] = max(np.mean(d2[ok]) - np.mean(v[ok]), 0.0)
    return out


def _partial_pool(slope: np.ndarray, slope_var: np.ndarray, keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
        if has.sum() < 3:
            continue
        precision = np.zeros_like(slope)
        precision[has] = 1.0 / slope_var[has]
        overall = np.sum(precision[has] * slope[has]) / precision[has].sum()
        mu = np.full_like(slope, overall)
        for region in np.unique(regions[members]):
            in_region = has & (regions == region)
            if in_region.sum() >= 2:
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


def _fit_linear(values: np.ndarray, origin: int, window: int, groups: np.ndarray, merger_col: int) -> Fit:
    lo = max(0, origin - window + 1)
    y = values[:, lo : origin + 1]
    x = np.arange(lo, origin + 1, dtype=float)[None, :] * np.ones_like(y)
    mask = ~np.isnan(y)
    n = mask.sum(axis=1).astype(float)
    xs, ys = np.where(mask, x, 0.0), np.where(mask, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_bar = xs.sum(1) / n
        y_bar = ys.sum(1) / n
        sxx = np.where(mask, (x - x_bar[:, None]) ** 2, 0).sum(1)
        sxy = np.where(mask, (x - x_bar[:, None]) * (y - y_bar[:, None]), 0).sum(1)
        slope = np.where(sxx > 0, sxy / sxx, 0.0)
        intercept = y_bar - slope * x_bar
        resid = np.where(mask, y - intercept[:, None] - slope[:, None] * x, 0.0)
        dof = n - 2
        s2 = np.where(dof > 0, (resid**2).sum(1) / np.where(dof > 0, dof, 1), np.nan)
    s2, df = _pool_noise(s2, dof, groups)
    last_col = np.where(mask.any(1), lo + (mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1)), -1)
    last_value = np.where(last_col >= 0, np.take_along_axis(values, np.maximum(last_col, 0)[:, None], 1)[:, 0], np.nan)
    return Fit(
        model="linear",
        scale="identity",
        last_value=last_value,
        last_col=last_col,
        n_obs=n.astype(int),
        slope=slope,
        slope_var=np.zeros_like(slope),
        sigma2=s2,
        df=df,
        weight=np.ones_like(n),
        merger_col=merger_col,
        linear=(intercept, x_bar, sxx, n),
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
        status = "on_track" if p_hit >= 0.8 else "needs_acceleration" if p_hit >= 0.2 else "off_track"
        return status, ratio
    coefficient = limit_coefficient(last_value, upper) if at_limit else 1.0
    if ratio >= ON_TRACK_RATIO * coefficient:
        status = "on_track"
    elif ratio >= ACCELERATION_RATIO * coefficient:
        status = "needs_acceleration"
    else:
        status = "off_track"
    if status == "on_track" and p_hit < 0.5:
        status = "needs_acceleration"
    elif status == "off_track" and p_hit >= 0.5:
        status = "needs_acceleration"
    elif status == "needs_acceleration" and p_hit < 0.05:
        status = "off_track"
    return status, ratio


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    """A what-if: ``pace`` extra points per month from ``start`` on (a campaign).

    Written ``pace=+1.5,from=2025-11[,indicator=online_records][,province=01]``. It shifts the
    whole predictive distribution by ``pace`` x (months from ``start`` to the deadline), clipped
    to the indicator's bounds, for the matching series.
    """

    pace: float
    start: str
    indicator: str | None = None
    province: str | None = None

    def shift(self, indicator: str, province_code: str, start_col: int, last_col: int, target_col: int) -> float:
        """Points added at ``target_col``: pace x months from the later of the start and the month
        after the last observation, up to the target month (0 for series it does not cover)."""
        if self.indicator not in (None, indicator) or self.province not in (None, province_code):
            return 0.0
        return self.pace * max(0, target_col - max(start_col, last_col + 1) + 1)

    def label(self) -> str:
        parts = [f"{self.pace:+g} pts/month from {self.start}"]
        if self.indicator:
            parts.append(self.indicator)
        if self.province:
            parts.append(f"province {self.province}")
        return ", ".join(parts)


def parse_scenario(text: str | dict | Scenario | None) -> Scenario | None:
    """Parse ``pace=+1.5,from=2025-11[,indicator=ID][,province=CODE]`` (or a dict of those keys)."""
    if text is None or isinstance(text, Scenario) or (isinstance(text, str) and not text.strip()):
        return text or None
    if isinstance(text, str):
        fields = {}
        for part in re.split(r"[,;]\s*", text.strip()):
            separator = "=" if "=" in part else ":"  # pace:+1.5 also reads (papermill comments cannot hold '=')
            if separator not in part:
                raise DxError(f"scenario {text!r}: expected key=value pairs, e.g. pace=+1.5,from=2026-11")
            key, value = part.split(separator, 1)
            fields[key.strip().lower()] = value.strip()
    else:
        fields = {str(k).lower(): v for k, v in text.items()}
    unknown = set(fields) - {"pace", "from", "indicator", "province"}
    if unknown or "pace" not in fields or "from" not in fields:
        raise DxError(f"scenario {text!r}: needs pace and from (optional indicator, province); got {sorted(fields)}")
    try:
        pace = float(fields["pace"])
    except ValueError as exc:
        raise DxError(f"scenario pace {fields['pace']!r} is not a number (points per month)") from exc
    if not math.isfinite(pace) or abs(pace) > 100:
        raise DxError(
            f"scenario pace {fields['pace']!r}: expected a finite number of points per month between -100 and +100"
        )
    if not is_period(str(fields["from"])):
        raise DxError(f"scenario from {fields['from']!r} is not YYYY-MM")
    indicator = fields.get("indicator")
    if indicator and indicator not in load_indicators():
        raise DxError(f"scenario indicator {indicator!r} is unknown")
    province = fields.get("province")
    if province:
        province = provinces.resolve(province, "current")
    return Scenario(pace=pace, start=str(fields["from"]), indicator=indicator, province=province)


# --------------------------------------------------------------------------- the forecast table


def forecast(
    table: pd.DataFrame | None = None,
    as_of: str | None = None,
    model: str = DEFAULT_MODEL,
    targets: pd.DataFrame | None = None,
    scenario: str | Scenario | None = None,
    window: int | None = None,
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
        From :func:`~dxanalysis.registry.load_targets` (default: the national targets, with any
        provincial overrides in ``params/provinces/``).
    scenario : str or Scenario, optional
        A what-if change of pace (see :class:`Scenario`).

    Returns
    -------
    DataFrame
        One row per (province, target), national row (``province_code == "00"``) included, columns
        :data:`FORECAST_COLUMNS`. Paces are in percentage points per month.
    """
    if table is None:
        table = load_bundled_table()
    if as_of is not None and not is_period(as_of):
        raise DxError(f"as_of {as_of!r} is not YYYY-MM")
    scenario = parse_scenario(scenario)
    panel = build_panel(table, as_of=as_of)
    as_of = as_of or panel.periods[-1]
    origin = panel.col(as_of)
    national_targets = targets if targets is not None else load_targets()
    indicators = load_indicators()
    pace = recent_pace(panel, origin)
    rows = []
    all_codes = [NATIONAL_CODE] + provinces.current_provinces()["code"].tolist()
    region_of = provinces.current_provinces().set_index("code")["region"].to_dict()
    fitted = fit(panel, model, origin, window)
    for target in national_targets.itertuples(index=False):
        series = np.flatnonzero((panel.keys["indicator"] == target.indicator).to_numpy())
        upper = indicators[target.indicator].upper
        deadline_col = panel.col(target.deadline_period)
        pred = fitted.at(deadline_col) if len(series) else None
        keys = panel.keys.iloc[series]
        present = set(keys["province_code"])
        thresholds = _province_thresholds(target, keys["province_code"].tolist(), targets is None)
        for j, (i, key) in enumerate(zip(series, keys.itertuples(index=False))):
            threshold, deadline_period, deadline = thresholds[j]
            rows.append(
                _row(
                    panel,
                    pred,
                    i,
                    key,
                    target,
                    threshold,
                    deadline_period,
                    deadline,
                    origin,
                    as_of,
                    upper,
                    pace[i],
                    model,
                    scenario,
                    panel.col(deadline_period),
                    fitted,
                )
            )
        for code in all_codes:
            if code not in present:
                rows.append(_no_data_row(code, region_of.get(code, "national"), target, as_of, model, scenario))
    out = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    out["data_note"] = panel.source_note
    return out.sort_values(["province_code", "target_id"], ignore_index=True)


def _province_thresholds(target, codes: list[str], use_overrides: bool) -> list[tuple[float, str, object]]:
    """Per province: (threshold, deadline period, deadline), applying params/provinces overrides."""
    out = []
    from . import paths

    for code in codes:
        if use_overrides and code != NATIONAL_CODE and (paths.PROVINCE_TARGETS_DIR / f"{code}.yaml").exists():
            own = load_targets(code).set_index("target_id").loc[target.target_id]
            out.append((float(own["threshold"]), str(own["deadline_period"]), own["deadline"]))
        else:
            out.append((float(target.threshold), target.deadline_period, target.deadline))
    return out


def _row(
    panel,
    pred,
    i,
    key,
    target,
    threshold,
    deadline_period,
    deadline,
    origin,
    as_of,
    upper,
    pace_i,
    model,
    scenario,
    deadline_col,
    fitted,
):
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
    one = _slice(pred, i)
    quant = _quantiles(one, shift, median_name="forecast")
    p_hit = float(one.prob_at_least(effective, shift)[0])
    months_left = deadline_col - last_col
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


#: Central intervals reported everywhere: name -> quantile.
QUANTILES = {"lo80": 0.1, "hi80": 0.9, "lo95": 0.025, "hi95": 0.975}


def _quantiles(pred: Predictive, shift: float, median_name: str) -> dict[str, float]:
    """Median and interval bounds of a one-series predictive, in percent."""
    out = {median_name: float(pred.quantile(0.5, shift)[0])}
    out.update({name: float(pred.quantile(q, shift)[0]) for name, q in QUANTILES.items()})
    return out


def _slice(pred: Predictive, i: int) -> Predictive:
    return Predictive(
        scale=pred.scale,
        location=pred.location[i : i + 1],
        sd=pred.sd[i : i + 1],
        df=pred.df[i : i + 1],
        last_value=pred.last_value[i : i + 1],
        last_col=pred.last_col[i : i + 1],
        n_obs=pred.n_obs[i : i + 1],
        upper=pred.upper,
    )


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


def load_bundled_table() -> pd.DataFrame:
    """The bundled (synthetic) panel, harmonised onto the 34 provinces."""
    from . import paths
    from .harmonise import harmonise_files

    return harmonise_files([paths.PANEL_CSV]).table


def load_table(data=None) -> pd.DataFrame:
    """Harmonised table from a file, a folder, a list of files, or the bundled panel (None)."""
    from .harmonise import harmonise_files
    from .observations import expand_data_argument

    if isinstance(data, pd.DataFrame):
        return data
    files = [f for d in (data if isinstance(data, (list, tuple)) else [data]) for f in expand_data_argument(d)]
    return harmonise_files(files).table


def path_to(table: pd.DataFrame, province_code: str, indicator: str) -> pd.DataFrame:
    """History of one series (for plots): period, value, complete."""
    if province_code == NATIONAL_CODE:
        national = ratio_of_sums(table[table["indicator"] == indicator], ["period"])
        return national[["period", "value"]].sort_values("period", ignore_index=True)
    sub = table[(table["province_code"] == province_code) & (table["indicator"] == indicator) & table["complete"]]
    return sub[["period", "value"]].sort_values("period", ignore_index=True)


def fan(
    table: pd.DataFrame,
    province_code: str,
    indicator: str,
    until: str,
    as_of: str | None = None,
    model: str = DEFAULT_MODEL,
    scenario: str | Scenario | None = None,
) -> pd.DataFrame:
    """Monthly predictive quantiles from the month after ``as_of`` to ``until`` (for fan charts)."""
    scenario = parse_scenario(scenario)
    panel = build_panel(table, as_of=as_of)
    origin = len(panel.periods) - 1
    match = np.flatnonzero(
        ((panel.keys["province_code"] == province_code) & (panel.keys["indicator"] == indicator)).to_numpy()
    )
    if not len(match):
        return pd.DataFrame(columns=["period", "median", "lo80", "hi80", "lo95", "hi95"])
    i = match[0]
    rows = []
    fitted = fit(panel, model, origin)
    for step in range(1, months_between(panel.periods[-1], until) + 1):
        col = origin + step
        pred = _slice(fitted.at(col), i)
        shift = (
            scenario.shift(indicator, province_code, panel.col(scenario.start), int(pred.last_col[0]), col)
            if scenario
            else 0.0
        )
        rows.append({"period": add_months(panel.periods[-1], step), **_quantiles(pred, shift, median_name="median")})
    return pd.DataFrame(rows)


__all__ = [
    "forecast",
    "predict",
    "fit",
    "Fit",
    "build_panel",
    "decide_status",
    "parse_scenario",
    "Scenario",
    "MODELS",
    "DEFAULT_MODEL",
    "FORECAST_COLUMNS",
    "fan",
    "path_to",
    "load_table",
    "ratio_of_sums",
]
