"""The four models: series statistics, predictive distributions, fits evaluated at any month."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

from ..core.errors import DxError
from .calibration import band_of
from .changes import diff_stats
from .panel import Panel, from_scale, to_scale
from .pooling import drift_instability, partial_pool
from .season import Season
from .season import estimate as estimate_season
from .settings import MERGER_SHIFT_SD, MODELS, POOLED_WINDOW, PRIOR_DF, QUANTILES, WINDOW

# --------------------------------------------------------------------------- series statistics


def _pool_noise(sigma2: np.ndarray, dof: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shrink each series' noise variance toward its indicator's mean (PRIOR_DF pseudo-observations).

    A half-synced series would inflate that mean for every province: such months are reporting
    gaps, left out before any model sees them (:mod:`dxanalysis.data.coverage`)."""
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
        return np.clip(from_scale(z, self.scale) + shift, 0.0, self.upper)

    def prob_at_least(self, threshold: np.ndarray | float, shift: np.ndarray | float = 0.0) -> np.ndarray:
        """P(value >= threshold), with the value shifted by ``shift`` points."""
        thr = np.broadcast_to(np.asarray(threshold, float) - shift, self.location.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = to_scale(np.clip(thr, 1e-9, None), self.scale)
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
    origin: int = -1  # the last column the fit could see
    widen: tuple[float, ...] | None = None  # interval factor per horizon band (forecast.calibration)
    season: Season | None = None  # month-of-year effects (the pooled model's year-end push)

    def at(self, target_col: np.ndarray | int) -> Predictive:
        pred = self._at(target_col)
        if self.widen is not None:
            target = np.broadcast_to(np.asarray(target_col), self.last_col.shape)
            pred.sd = pred.sd * np.asarray(self.widen)[band_of(np.maximum(target - self.origin, 1))]
        return pred

    def _at(self, target_col: np.ndarray | int) -> Predictive:
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
        if self.model in WALKS and WALKS[self.model].pooled:
            # The reporting level shift when the horizon crosses the merger.
            crosses = (self.last_col < self.merger_col) & (target >= self.merger_col)
            extra = np.where(crosses, MERGER_SHIFT_SD**2, 0.0)
        location = self.last_value + self.slope * h
        variance = h * self.sigma2 + h**2 * np.where(np.isfinite(self.slope_var), self.slope_var, 0.0) + extra
        if self.season is not None and self.season.active:
            pushed, push_variance = self.season.offset(np.maximum(self.last_col, 0), target.astype(int))
            location, variance = location + pushed, variance + push_variance
        sd = np.sqrt(np.maximum(variance, 1e-12))
        location = np.where(self.last_col >= 0, location, np.nan)
        return Predictive(
            scale=self.scale,
            location=location,
            sd=sd,
            df=self.df,
            last_value=from_scale(self.last_value, self.scale),
            last_col=self.last_col,
            n_obs=self.n_obs,
            pooling_weight=self.weight,
        )


@dataclass(frozen=True)
class Walk:
    """A random walk on a scale: the shape of ``naive``, ``compound``, ``pooled`` and its twin.

    Each differs only in these switches: the scale the walk is on, whether it has a drift, whether
    the drift is pooled toward the region (with its instability added), whether the year-end
    effect is learnt first, and how many months the drift is measured over."""

    scale: str
    drift: bool = True
    pooled: bool = False
    season: bool = False
    window: int = WINDOW


#: The random-walk models, by name (README, "Forecast models").
WALKS = {
    "naive": Walk("identity", drift=False),
    "compound": Walk("log"),
    "pooled": Walk("logit", pooled=True, season=True, window=POOLED_WINDOW),
    "pooled_no_season": Walk("logit", pooled=True, window=POOLED_WINDOW),
}


def _fit_ets(panel: Panel, origin: int, window: int | None) -> Fit:
    from .ets import fit_ets

    fitted, _ = fit_ets(panel, origin, _fit_walk(panel, "pooled", origin, window))
    return fitted


def _fit_linear_model(panel: Panel, origin: int, window: int | None) -> Fit:
    values = panel.values[:, : origin + 1]
    return _fit_linear(values, origin, window or WINDOW, panel.keys["indicator"].to_numpy(), panel.merger_col)


#: Every model: its name and the function that fits it, ``(panel, origin, window) -> Fit``. The
#: walks share one fitter; the two others are their own (settings.MODELS lists the same names).
FITTERS = {
    **{name: (lambda panel, origin, window, name=name: _fit_walk(panel, name, origin, window)) for name in WALKS},
    "linear": _fit_linear_model,
    "ets": _fit_ets,
}


def fit(panel: Panel, model: str, origin: int, window: int | None = None, widen: tuple[float, ...] | None = None) -> Fit:
    """Fit ``model`` to every series of ``panel`` with data up to column ``origin`` (see :func:`predict`).

    ``widen``: interval factors per horizon band (:mod:`~dxanalysis.forecast.calibration`).
    """
    if model not in FITTERS:
        raise DxError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    fitted = FITTERS[model](panel, origin, window)
    fitted.origin, fitted.widen = origin, widen
    return fitted


def fit_ets_reusing(panel: Panel, origin: int, params=None, fallback: Fit | None = None):
    """The ``ets`` fit at ``origin`` with parameters estimated earlier (``None``: estimate now);
    returns ``(fit, parameters)`` so a rolling backtest can re-estimate only now and then."""
    from .ets import fit_ets

    return fit_ets(panel, origin, fallback or _fit_walk(panel, "pooled", origin), params)


def _fit_walk(panel: Panel, model: str, origin: int, window: int | None = None) -> Fit:
    walk = WALKS[model]
    window = window or walk.window
    values = panel.values[:, : origin + 1]
    groups = panel.keys["indicator"].to_numpy()
    z = to_scale(values, walk.scale)
    season, cumulative = None, None
    if walk.season:
        # The calendar first: drift and noise are then measured on changes with the year-end push
        # taken out, and the push is added back month by month ahead (forecast.season).
        first_month = int(panel.periods[0][5:7]) - 1
        season = estimate_season(z, origin, panel.merger_col, first_month, panel.keys)
        if season.active:
            cumulative = season.cumulative(z.shape[1])
            z = z - cumulative
    st = diff_stats(z, origin, window, panel.merger_col, drift=walk.drift)
    sigma2, df = _pool_noise(st.sigma2, st.pairs - (1 if walk.drift else 0), groups)
    slope_var = np.where(st.sum_k > 0, sigma2 / np.where(st.sum_k > 0, st.sum_k, 1), np.inf)
    weight = np.ones_like(st.slope)
    slope = np.nan_to_num(st.slope)
    if walk.pooled:
        slope, slope_var, weight = partial_pool(st.slope, slope_var, panel.keys)
        # Drifts change (campaigns start, provinces plateau): add the observed instability of the drift.
        slope_var = slope_var + drift_instability(z, origin, panel.merger_col, groups)
    if not walk.drift:
        slope, slope_var = np.zeros_like(slope), np.zeros_like(slope)
    last_value = st.last_value
    if cumulative is not None:  # back to the series as observed
        last_value = last_value + np.take_along_axis(cumulative, np.maximum(st.last_col, 0)[:, None], 1)[:, 0]
    return Fit(
        model=model,
        scale=walk.scale,
        last_value=last_value,
        last_col=st.last_col,
        n_obs=st.n_obs,
        slope=slope,
        slope_var=slope_var,
        sigma2=sigma2,
        df=df,
        weight=weight,
        merger_col=panel.merger_col,
        season=season,
    )


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


def quantiles_of(pred: Predictive, shift: float, median_name: str) -> dict[str, float]:
    """Median and interval bounds of a one-series predictive, in percent."""
    out = {median_name: float(pred.quantile(0.5, shift)[0])}
    out.update({name: float(pred.quantile(q, shift)[0]) for name, q in QUANTILES.items()})
    return out


def slice_of(pred: Predictive, i: int) -> Predictive:
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
