"""``ets``: exponential smoothing with a damped additive trend on the logit scale (ETS(A,Ad,N)).

Each series' smoothing parameters (level ``alpha``, trend ``beta``, damping ``phi``) are
estimated by statsmodels' ``ETSModel`` (maximum likelihood; initial states by its heuristic, as
the 3-parameter fit is twice as fast as the 5-parameter one) on its last
:data:`ETS_WINDOW` observed months (gaps closed up), on the logit scale so forecasts stay inside
0-100%. Forecast and spread follow the model's state-space form (Hyndman et al., *Forecasting
with Exponential Smoothing*, 2008, table 6.1, class 1)::

    level_T + (phi + ... + phi^h) * trend_T,   variance  sigma^2 * (1 + sum_{j<h} (alpha + beta * (phi + ... + phi^j))^2)

with a Student t of ``n - 5`` degrees of freedom (three estimated parameters, two initial states). A series with fewer
than :data:`ETS_MIN_OBS` months gets the ``pooled`` model's forecast instead (said in the README).
In the backtest the parameters are re-estimated every :data:`REFIT_EVERY` origins and the states
updated every month with them (no origin sees data after it).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .panel import Panel, to_scale

#: Months of history the ETS parameters are estimated on.
ETS_WINDOW = 24
#: Fewer observed months than this: the pooled model's forecast is used for the series
#: (statsmodels' heuristic initial states need ten).
ETS_MIN_OBS = 10
#: Backtest: re-estimate the parameters every this many origins (states update every month).
REFIT_EVERY = 12
_PARAMETERS = 5


@dataclass
class EtsParameters:
    """Per series: alpha, beta, phi, sigma2, the initial level and trend, and the column they
    start at (NaN where the series has too few months)."""

    alpha: np.ndarray
    beta: np.ndarray
    phi: np.ndarray
    sigma2: np.ndarray
    level0: np.ndarray
    trend0: np.ndarray
    start_col: np.ndarray


def _observed(values: np.ndarray, origin: int, start_col: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Observed (column, value) up to ``origin``: the last ETS_WINDOW, or all from ``start_col``."""
    seen = values[: origin + 1]
    cols = np.flatnonzero(~np.isnan(seen))
    cols = cols[-ETS_WINDOW:] if start_col is None else cols[cols >= start_col]
    return cols, seen[cols]


def estimate(windows: list[tuple[np.ndarray, np.ndarray]]) -> EtsParameters:
    """statsmodels ETSModel(error="add", trend="add", damped_trend=True) per series (logit scale)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    n = len(windows)
    alpha, beta, phi, sigma2, level0, trend0, start = (np.full(n, np.nan) for _ in range(7))
    for i, (cols, y) in enumerate(windows):
        if len(y) < ETS_MIN_OBS or np.ptp(y) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter on short, smooth series
            try:
                model = ETSModel(y, error="add", trend="add", damped_trend=True, initialization_method="heuristic")
                result = model.fit(disp=False)
            except (ValueError, np.linalg.LinAlgError):
                continue
        params = dict(zip(result.model.param_names, result.params))
        alpha[i], beta[i], phi[i] = params["smoothing_level"], params["smoothing_trend"], params["damping_trend"]
        level0[i], trend0[i], start[i] = result.initial_level, result.initial_trend, cols[0]
        sigma2[i] = float(np.sum(np.asarray(result.resid) ** 2) / max(len(y) - _PARAMETERS, 1))
    return EtsParameters(alpha, beta, phi, sigma2, level0, trend0, start)


def _states(y: np.ndarray, alpha: float, beta: float, phi: float, level: float, trend: float) -> tuple[float, float]:
    """Level and trend after the last value, from the initial states before the first."""
    for value in y:
        error = value - (level + phi * trend)
        level = level + phi * trend + alpha * error
        trend = phi * trend + beta * error
    return level, trend


@dataclass
class EtsFit:
    """ETS fitted at an origin, with the pooled fit for series too short for it (same ``at``)."""

    scale: str
    level: np.ndarray
    trend: np.ndarray
    params: EtsParameters
    last_col: np.ndarray
    n_obs: np.ndarray
    fallback: object  # the pooled Fit
    origin: int = -1
    widen: tuple[float, ...] | None = None

    def at(self, target_col):
        from .calibration import band_of

        pred = self.fallback.at(target_col)  # unwidened; the widening is applied once, below
        target = np.broadcast_to(np.asarray(target_col), self.last_col.shape).astype(float)
        use = np.isfinite(self.level)
        last_col = np.where(use, self.last_col, pred.last_col)
        h = np.maximum(target - last_col, 1.0)
        phi = np.where(use, self.params.phi, 1.0)
        max_h = int(np.nanmax(h)) if h.size else 1
        powers = phi[:, None] ** np.arange(1, max_h + 1)[None, :]
        cumulative = np.cumsum(powers, axis=1)  # phi + ... + phi^j, j = 1..max_h
        index = (h - 1).astype(int)
        phi_h = np.take_along_axis(cumulative, index[:, None], axis=1)[:, 0]
        c = self.params.alpha[:, None] + self.params.beta[:, None] * cumulative  # c_j, j = 1..max_h
        c2 = np.concatenate([np.zeros((len(h), 1)), np.cumsum(c**2, axis=1)], axis=1)
        spread = np.take_along_axis(c2, index[:, None], axis=1)[:, 0]  # sum over j < h
        location = self.level + phi_h * self.trend
        sd = np.sqrt(np.maximum(self.params.sigma2 * (1 + spread), 1e-12))
        pred.location = np.where(use, location, pred.location)
        pred.sd = np.where(use, sd, pred.sd)
        pred.df = np.where(use, np.maximum(self.n_obs - _PARAMETERS, 1), pred.df).astype(float)
        pred.n_obs = np.where(use, np.maximum(self.n_obs, pred.n_obs), pred.n_obs)
        pred.pooling_weight = np.where(use, 1.0, pred.pooling_weight)
        if self.widen is not None:
            pred.sd = pred.sd * np.asarray(self.widen)[band_of(np.maximum(target - self.origin, 1))]
        return pred


def fit_ets(panel: Panel, origin: int, fallback, params: EtsParameters | None = None) -> tuple[EtsFit, EtsParameters]:
    """Fit at ``origin`` (estimating the parameters unless ``params`` are given) and return them."""
    z = to_scale(panel.values, "logit")
    if params is None:
        params = estimate([_observed(row, origin, None) for row in z])
    level, trend = np.full(len(z), np.nan), np.full(len(z), np.nan)
    last_col, n_obs = np.full(len(z), -1), np.zeros(len(z), dtype=int)
    for i, row in enumerate(z):
        if not np.isfinite(params.alpha[i]):
            continue
        cols, y = _observed(row, origin, int(params.start_col[i]))
        if len(cols):
            level[i], trend[i] = _states(
                y, params.alpha[i], params.beta[i], params.phi[i], params.level0[i], params.trend0[i]
            )
            last_col[i], n_obs[i] = cols[-1], len(cols)
    return EtsFit("logit", level, trend, params, last_col, n_obs, fallback), params


__all__ = ["ETS_WINDOW", "ETS_MIN_OBS", "REFIT_EVERY", "EtsParameters", "EtsFit", "estimate", "fit_ets"]
