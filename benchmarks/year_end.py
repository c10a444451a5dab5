"""Calendar benchmark: December P(hit) on a year-end-push panel and a smooth one, and half-synced months.

Seeded and self-contained: generates three synthetic panels in the harmonised observation
contract, runs ONE swappable forecast function from several as-of origins, and scores the
December 2025 forecasts of the ``online_records`` target (>= 80% at 2025-12-31).

    .venv/bin/python benchmarks/year_end.py            # production `pooled`
    ... benchmarks/year_end.py --fn pooled_raw      # same model, calibration by horizon switched off
    ... benchmarks/year_end.py --seeds ''            # one seed only (--seed, default 17): ~8 s instead of ~30 s
    ... benchmarks/year_end.py --seeds 1,2,3,4,5     # other draws of panels A and B (scores pooled over seeds)
    ... benchmarks/year_end.py --dump /tmp/panels    # also write the three panels as CSV

To evaluate a changed model, edit :func:`forecast_fn` (or register another entry in ``FORECAST_FNS``):
it takes a harmonised frame and an as-of month and returns the engine's forecast table (one row per
province x target, columns ``province_code, target_id, forecast, lo80, hi80, p_hit, ...``).

Panels (seeded; 34 current provinces, indicator ``online_records``):

A  year-end push  2023-01..2025-12. logit p = level + drift*t + AR(1) + push: each province has
                  a push size a_i ~ U(0.35, 0.65) (per year a_i * U(0.85, 1.15)); November +a/2,
                  December +a, of which KEEP=50% stays from January on (a permanent step).
                  Volumes 2,000-60,000 records/month, binomial numerators. Dec-2025 latent centred
                  on logit(0.80) (spread: N(0, 0.6) quantiles) so that about half hit;
                  AR(1) phi 0.5, sd 0.07; drift U(0.005, 0.035) logit/month.
B  smooth S-curve 2023-01..2025-12. logit p = level + drift*t + AR(1); no season. Provinces at
                  different stages (Dec-2025 latent = logit(0.80) + N(0, 0.6) quantiles, ~60%..92%);
                  AR(1) phi 0.6, sd 0.09; drift U(0.02, 0.07) logit/month.
Every panel-A/B table also prints an ORACLE floor: the scores of the true data-generating process
(this year's push, AR state and binomial noise known), i.e. the best any model can do on average.

C  half-synced    panel B (C-long: full 36 months; C-short: 2025-01..2025-12 only, like a new
                  system's first year) with one province's first four months cut to 5% of volume
                  and shares 0.05-2%; compared with the same panel without those four rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dxanalysis.core import provinces
from dxanalysis.core.periods import add_months

INDICATOR = "online_records"
TARGET_ID = "online_records"  # params/targets.yaml: >= 80, tolerance 0, deadline 2025-12-31
THRESHOLD = 80.0
DEADLINE = "2025-12"
ORIGINS_A = ("2025-06", "2025-09", "2025-10")
ORIGINS_B = ("2025-03", "2025-06", "2025-09")
ORIGINS_C_LONG = ("2025-03", "2025-06", "2025-09")
ORIGINS_C_SHORT = ("2025-07", "2025-08", "2025-09", "2025-10")  # 'without' needs >= 3 obs (MIN_OBSERVATIONS)
CUT_PROVINCE = "25"  # Phú Thọ, the province whose real 2026 series is half-synced (issue 17)
CUT_MONTHS = 4
CUT_VOLUME = 0.05
KEEP = 0.5
#: Panel difficulty: spread (logit sd) of the Dec-2025 positions around logit(0.8), AR(1) phi and sd.
A_SPREAD, A_PHI, A_SD = 0.6, 0.5, 0.07
B_SPREAD, B_PHI, B_SD = 0.6, 0.6, 0.09


# =========================================================================== the forecast under test


def forecast_fn(table: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """THE function under test: harmonised frame + as-of month -> the engine's forecast table.

    Today: the production path, ``dxanalysis.forecast.forecast`` (= ``forecast.table.forecast``,
    the one ``forecast.compute.compute`` and ``dx batch`` call) with the default model ``pooled`` and the
    default targets; it calibrates its intervals by horizon from a backtest of ``table`` up to
    ``as_of`` (``forecast/calibration.py::calibrate``).
    """
    from dxanalysis.forecast import forecast

    return forecast(table, as_of=as_of, model="pooled")


def forecast_fn_raw(table: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """``pooled`` without the calibration by horizon (widening factors all 1)."""
    from dxanalysis.forecast import calibration, forecast

    return forecast(table, as_of=as_of, model="pooled", calibration=calibration.UNCALIBRATED)


def forecast_fn_no_season(table: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """The same model without its year-end effect (``pooled_no_season``), calibrated the same way."""
    from dxanalysis.forecast import forecast

    return forecast(table, as_of=as_of, model="pooled_no_season")


FORECAST_FNS = {"pooled": forecast_fn, "pooled_raw": forecast_fn_raw, "pooled_no_season": forecast_fn_no_season}


# =========================================================================== panels

PERIODS = [add_months("2023-01", i) for i in range(36)]  # 2023-01 .. 2025-12
LOGIT80 = float(np.log(0.8 / 0.2))


def _codes() -> pd.DataFrame:
    cur = provinces.current_provinces()[["code", "region"]].copy()
    cur["name"] = cur["code"].map(provinces.province_name)
    return cur.reset_index(drop=True)


def _ar1(rng, n_series: int, n_months: int, phi: float, sd: float) -> np.ndarray:
    e = rng.normal(0, sd, (n_series, n_months))
    out = np.zeros_like(e)
    out[:, 0] = e[:, 0] / np.sqrt(1 - phi**2)
    for t in range(1, n_months):
        out[:, t] = phi * out[:, t - 1] + e[:, t]
    return out


def _to_contract(latent: np.ndarray, volume: np.ndarray, rng, periods: list[str], label: str, seed: int) -> pd.DataFrame:
    """Binomial numerators from logit-scale latent shares; tidy harmonised rows."""
    prov = _codes()
    p = 1 / (1 + np.exp(-latent))
    denominator = np.maximum(np.round(volume), 1).astype(np.int64)
    numerator = rng.binomial(denominator, p)
    n_p, n_t = latent.shape
    frame = pd.DataFrame(
        {
            "province_code": np.repeat(prov["code"].to_numpy(), n_t).astype(str),
            "province_name": np.repeat(prov["name"].to_numpy(), n_t).astype(str),
            "period": np.tile(np.asarray(periods, dtype=object), n_p).astype(str),
            "indicator": INDICATOR,
            "numerator": numerator.ravel().astype(float),
            "denominator": denominator.ravel().astype(float),
        }
    )
    frame["value"] = frame["numerator"] / frame["denominator"] * 100
    frame["complete"] = True
    frame["constituents"] = frame["province_code"]
    frame["method"] = "as reported"
    frame["source"] = f"SYNTHETIC: benchmarks/year_end.py panel {label} (seed {seed}); not official data"
    return frame


def _stratified(rng, n: int, sd: float) -> np.ndarray:
    """n evenly spaced normal quantiles (mean 0, sd), shuffled: the Dec-2025 positions around the
    threshold do not depend on the luck of the draw (about half above)."""
    from scipy.stats import norm

    return sd * rng.permutation(norm.ppf((np.arange(n) + 0.5) / n))


def _volume(rng, n_p: int, n_t: int) -> np.ndarray:
    base = np.exp(rng.uniform(np.log(2_000), np.log(60_000), n_p))
    return base[:, None] * rng.lognormal(0, 0.10, (n_p, n_t))


def panel_a(seed: int) -> tuple[pd.DataFrame, dict]:
    """Year-end push panel (see module docstring)."""
    rng = np.random.default_rng([seed, 1])
    n_p, n_t = 34, len(PERIODS)
    months = np.array([int(p[5:]) for p in PERIODS])
    years = np.array([int(p[:4]) for p in PERIODS])
    a = rng.uniform(0.35, 0.65, n_p)  # province's push size (logit)
    a_year = {y: a * rng.uniform(0.85, 1.15, n_p) for y in (2023, 2024, 2025)}
    push = np.zeros((n_p, n_t))
    for t in range(n_t):
        y, m = years[t], months[t]
        kept = sum(KEEP * a_year[yy] for yy in (2023, 2024) if yy < y)
        now = a_year[y] * (0.5 if m == 11 else 1.0 if m == 12 else 0.0)
        push[:, t] = kept + now
    drift = rng.uniform(0.005, 0.035, n_p)  # logit per month, slow
    noise = _ar1(rng, n_p, n_t, phi=A_PHI, sd=A_SD)
    dec_target = LOGIT80 + _stratified(rng, n_p, A_SPREAD)  # deterministic Dec-2025 latent
    t_idx = np.arange(n_t)
    level = dec_target - drift * t_idx[-1] - push[:, -1]
    latent = level[:, None] + drift[:, None] * t_idx[None, :] + push + noise
    frame = _to_contract(latent, _volume(rng, n_p, n_t), rng, PERIODS, "A year-end push", seed)
    return frame, {"push_a": a, "drift": drift, "mean": latent - noise, "noise": noise, "phi": A_PHI, "sd": A_SD}


def panel_b(seed: int, periods: list[str] = PERIODS, label: str = "B smooth S-curve") -> tuple[pd.DataFrame, dict]:
    """Smooth logit-linear (S-curve on the percent scale) panel, no season."""
    rng = np.random.default_rng([seed, 2])
    n_p, n_t = 34, len(PERIODS)
    drift = rng.uniform(0.02, 0.07, n_p)
    noise = _ar1(rng, n_p, n_t, phi=B_PHI, sd=B_SD)
    dec_target = LOGIT80 + _stratified(rng, n_p, B_SPREAD)
    t_idx = np.arange(n_t)
    level = dec_target - drift * t_idx[-1]
    latent = level[:, None] + drift[:, None] * t_idx[None, :] + noise
    frame = _to_contract(latent, _volume(rng, n_p, n_t), rng, PERIODS, label, seed)
    truth = {"drift": drift, "mean": latent - noise, "noise": noise, "phi": B_PHI, "sd": B_SD}
    if periods != PERIODS:
        frame = frame[frame["period"].isin(periods)].reset_index(drop=True)
    return frame, truth


def half_synced(
    frame: pd.DataFrame, seed: int, code: str = CUT_PROVINCE, months: int = CUT_MONTHS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(with, without): ``code``'s first ``months`` months cut to CUT_VOLUME of volume with shares 0.05-2%;
    'without' drops those rows."""
    rng = np.random.default_rng([seed, 3])
    first = sorted(frame["period"].unique())[:months]
    bad = (frame["province_code"] == code) & frame["period"].isin(first)
    cut = frame.copy()
    den = np.maximum(np.round(cut.loc[bad, "denominator"] * CUT_VOLUME), 1)
    share = rng.uniform(0.0005, 0.02, bad.sum())
    cut.loc[bad, "denominator"] = den
    cut.loc[bad, "numerator"] = np.round(den * share)
    cut.loc[bad, "value"] = cut.loc[bad, "numerator"] / cut.loc[bad, "denominator"] * 100
    return cut, frame[~bad].reset_index(drop=True)


# =========================================================================== scoring


def december_outcome(frame: pd.DataFrame) -> pd.Series:
    dec = frame[(frame["period"] == DEADLINE) & (frame["indicator"] == INDICATOR)]
    return dec.set_index("province_code")["value"]


def target_rows(out: pd.DataFrame) -> pd.DataFrame:
    rows = out[(out["target_id"] == TARGET_ID) & (out["province_code"] != "00")]
    return rows.set_index("province_code")


def run_origins(fn, frame: pd.DataFrame, origins) -> tuple[pd.DataFrame, list[float], list[str]]:
    outcome = december_outcome(frame)
    parts, times, calib = [], [], []
    for as_of in origins:
        start = time.perf_counter()
        out = fn(frame, as_of)
        times.append(time.perf_counter() - start)
        calib.append(f"{as_of}: {out.attrs.get('calibration', '-')}")
        rows = target_rows(out)[["forecast", "lo80", "hi80", "p_hit", "status"]].copy()
        rows["origin"] = as_of
        rows["actual"] = outcome.reindex(rows.index)
        parts.append(rows.reset_index())
    res = pd.concat(parts, ignore_index=True)
    res["hit"] = (res["actual"] >= THRESHOLD).astype(float)
    res["in80"] = (res["actual"] >= res["lo80"]) & (res["actual"] <= res["hi80"])
    res["err"] = res["forecast"] - res["actual"]
    res["sq"] = (res["p_hit"] - res["hit"]) ** 2
    return res, times, calib


def summarise(res: pd.DataFrame) -> pd.DataFrame:
    def one(g):
        return pd.Series(
            {
                "n": len(g),
                "brier": g["sq"].mean(),
                "cover80": g["in80"].mean(),
                "bias_pts": g["err"].mean(),
                "mae_pts": g["err"].abs().mean(),
                "width80": (g["hi80"] - g["lo80"]).mean(),
                "mean_p": g["p_hit"].mean(),
                "hit_rate": g["hit"].mean(),
                "n_unsure": ((g["p_hit"] > 0.05) & (g["p_hit"] < 0.95)).sum(),
                "nan_p": g["p_hit"].isna().sum(),
            }
        )

    per = res.groupby("origin").apply(one, include_groups=False)
    per.loc["ALL"] = one(res)
    return per


def compare_half_synced(
    fn, with_cut: pd.DataFrame, without: pd.DataFrame, origins, code: str = CUT_PROVINCE
) -> pd.DataFrame:
    rows = []
    for as_of in origins:
        a, b = target_rows(fn(with_cut, as_of)), target_rows(fn(without, as_of))
        d = pd.DataFrame(
            {
                "d_forecast": a["forecast"] - b["forecast"],
                "d_width80": (a["hi80"] - a["lo80"]) - (b["hi80"] - b["lo80"]),
                "d_p_hit": a["p_hit"] - b["p_hit"],
            }
        )
        others = d.drop(index=code)
        rows.append(
            {
                "origin": as_of,
                "fc_without": b.loc[code, "forecast"],
                "fc_with": a.loc[code, "forecast"],
                "w80_without": b.loc[code, "hi80"] - b.loc[code, "lo80"],
                "w80_with": a.loc[code, "hi80"] - a.loc[code, "lo80"],
                "p_without": b.loc[code, "p_hit"],
                "p_with": a.loc[code, "p_hit"],
                "d_fc": d.loc[code, "d_forecast"],
                "d_w80": d.loc[code, "d_width80"],
                "d_p": d.loc[code, "d_p_hit"],
                "others_max|d_w80|": others["d_width80"].abs().max(),
                "others_max|d_p|": others["d_p_hit"].abs().max(),
                "PASS": bool(
                    abs(d.loc[code, "d_forecast"]) <= 0.5
                    and abs(d.loc[code, "d_width80"]) <= 0.5
                    and abs(d.loc[code, "d_p_hit"]) <= 0.05
                ),
            }
        )
    return pd.DataFrame(rows).set_index("origin")


def oracle(frame: pd.DataFrame, truth: dict, origins) -> pd.DataFrame:
    """Floor for the scores: P(hit) and the 80% interval from the TRUE process (mean path incl. this
    year's push, AR(1) state at the origin), binomial noise ignored. No model can beat it on average."""
    from scipy.stats import norm

    codes = _codes()["code"].tolist()
    dec = PERIODS.index(DEADLINE)
    outcome = december_outcome(frame).reindex(codes)
    dec_rows = frame[frame["period"] == DEADLINE].set_index("province_code")
    den = dec_rows["denominator"].reindex(codes)
    parts = []
    for as_of in origins:
        o = PERIODS.index(as_of)
        h = dec - o
        phi, sd = truth["phi"], truth["sd"]
        loc = truth["mean"][:, dec] + phi**h * truth["noise"][:, o]
        p_dec = 1 / (1 + np.exp(-truth["mean"][:, dec]))
        binomial = 1 / (den.to_numpy() * p_dec * (1 - p_dec))  # logit variance of the observed share
        s = np.sqrt(sd**2 * (1 - phi ** (2 * h)) / (1 - phi**2) + binomial)
        pct = lambda z: 100 / (1 + np.exp(-z))
        parts.append(
            pd.DataFrame(
                {
                    "province_code": codes,
                    "origin": as_of,
                    "forecast": pct(loc),
                    "lo80": pct(loc - 1.2816 * s),
                    "hi80": pct(loc + 1.2816 * s),
                    "p_hit": 1 - norm.cdf((LOGIT80 - loc) / s),
                    "actual": outcome.to_numpy(),
                }
            )
        )
    res = pd.concat(parts, ignore_index=True)
    res["hit"] = (res["actual"] >= THRESHOLD).astype(float)
    res["in80"] = (res["actual"] >= res["lo80"]) & (res["actual"] <= res["hi80"])
    res["err"] = res["forecast"] - res["actual"]
    res["sq"] = (res["p_hit"] - res["hit"]) ** 2
    return res


# =========================================================================== main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fn", default="pooled", choices=sorted(FORECAST_FNS))
    ap.add_argument("--seed", type=int, default=17, help="seed of panel C (and of A, B when --seeds is empty)")
    ap.add_argument(
        "--seeds", default="17,18,19,20,21", help="comma-separated seeds pooled for panels A and B ('' = --seed)"
    )
    ap.add_argument("--dump", default="", help="folder to write the panels as CSV")
    ap.add_argument("--detail", action="store_true", help="print per-province rows of panel A and B")
    args = ap.parse_args(argv)
    fn = FORECAST_FNS[args.fn]
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    fmt = lambda x: f"{x:.3f}"
    t0 = time.perf_counter()

    seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else [args.seed]
    seed = seeds[0]
    a, _ = panel_a(seed)
    b, _ = panel_b(seed)
    b_short, _ = panel_b(seed, periods=[p for p in PERIODS if p >= "2025-01"], label="C-short base")
    c_long_with, c_long_without = half_synced(b, seed)
    c_short_with, c_short_without = half_synced(b_short, seed)
    if args.dump:
        out = Path(args.dump)
        out.mkdir(parents=True, exist_ok=True)
        for name, f in {
            "panel_a": a,
            "panel_b": b,
            "panel_c_long_with": c_long_with,
            "panel_c_short_with": c_short_with,
        }.items():
            f.to_csv(out / f"{name}.csv", index=False)

    print(
        f"benchmarks/year_end.py  fn={args.fn}  seeds={','.join(map(str, seeds))}  "
        f"target={TARGET_ID} >= {THRESHOLD:g}% at {DEADLINE}"
    )
    for label, frame in (("A", a), ("B", b)):
        dec = december_outcome(frame)
        span = f"{frame['period'].min()}..{frame['period'].max()}"
        print(
            f"panel {label} (seed {seed}): {frame['province_code'].nunique()} provinces, {span}, "
            f"Dec-2025 hit rate {np.mean(dec >= THRESHOLD):.2f}, "
            f"Dec values {dec.min():.1f}..{dec.max():.1f} (median {dec.median():.1f})"
        )
    lg = lambda v: np.log(v / (100 - v))
    w = a.pivot(index="province_code", columns="period", values="value")
    for y in ("2023", "2024", "2025"):
        push = lg(w[f"{y}-12"]) - lg(w[f"{y}-10"])
        print(
            f"  panel A {y}: logit(Dec) - logit(Oct) median {push.median():.2f} (range {push.min():.2f}..{push.max():.2f})"
        )

    timings = {"A": []}
    aims = {}
    for label, make, origins in (("A", panel_a, ORIGINS_A), ("B", panel_b, ORIGINS_B)):
        model_parts, oracle_parts, calib_first = [], [], []
        for sd in seeds:
            frame, truth = make(sd)
            res, times, calib = run_origins(fn, frame, origins)
            if label == "A":
                timings["A"] += times
            if sd == seed:
                calib_first = calib
            model_parts.append(res.assign(seed=sd))
            oracle_parts.append(oracle(frame, truth, origins).assign(seed=sd))
        res, orc = pd.concat(model_parts, ignore_index=True), pd.concat(oracle_parts, ignore_index=True)
        scored = summarise(res)
        aims[label] = scored
        name = "year-end push" if label == "A" else "smooth S-curve"
        print(f"\n=== panel {label} ({name}), December 2025, fn={args.fn}, {len(seeds)} seed(s) x 34 provinces pooled")
        print(summarise(res).to_string(float_format=fmt))
        if len(seeds) > 1:
            per_seed = res.groupby("seed").apply(
                lambda g: pd.Series({"brier": g["sq"].mean(), "cover80": g["in80"].mean(), "bias_pts": g["err"].mean()}),
                include_groups=False,
            )
            print(
                "   per seed (all origins): "
                + "  ".join(f"{k}: {r.brier:.3f}/{r.cover80:.2f}/{r.bias_pts:+.1f}" for k, r in per_seed.iterrows())
                + "   (brier/cover80/bias)"
            )
        floor = summarise(orc)
        print(
            "   oracle floor (true process incl. this year's push, AR state, binomial noise):  "
            + "  ".join(f"{k} brier {r.brier:.3f} cover {r.cover80:.2f}" for k, r in floor.iterrows())
        )
        for c in calib_first:
            print(f"   calibration (seed {seed})", c)
        if args.detail:
            print(res.round(3).to_string())

    print(f"\n=== panel C  (province {CUT_PROVINCE}: first {CUT_MONTHS} months at {CUT_VOLUME:.0%} volume, shares 0.05-2%)")
    print("pass: |d_fc| <= 0.5 pt, |d_w80| <= 0.5 pt, |d_p| <= 0.05 (d = with - without)")
    print("C-long  (2023-01..2025-12, cut 2023-01..04):")
    print(compare_half_synced(fn, c_long_with, c_long_without, ORIGINS_C_LONG).to_string(float_format=fmt))
    print("C-short (2025-01..2025-12, cut 2025-01..04, a new system's first year):")
    print(compare_half_synced(fn, c_short_with, c_short_without, ORIGINS_C_SHORT).to_string(float_format=fmt))

    # timing: the forecast call for 34 provinces x every target, with its calibration backtest
    # (computed on every call: no cache) and with the factors handed in (as a build's steps share them).
    from dxanalysis.forecast import forecast
    from dxanalysis.forecast.backtest import calibrate

    start = time.perf_counter()
    fn(a, "2025-10")
    cold = time.perf_counter() - start
    factors = calibrate(a, "pooled", "2025-10")
    start = time.perf_counter()
    forecast(a, as_of="2025-10", model="pooled", calibration=factors)
    warm = time.perf_counter() - start
    print(
        f"\ntiming fn(panel A, 2025-10): {cold:.2f} s with its calibration backtest, {warm:.2f} s with the factors "
        f"handed in; per-origin calls A {', '.join(f'{t:.2f}' for t in timings['A'])} s; aim < 2 s"
    )
    a_all, b_all = aims["A"].loc["ALL"], aims["B"].loc["ALL"]
    b_origins = aims["B"].drop(index="ALL")["cover80"]
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    print("\naims (issue 17):")
    print(
        f"  A year-end push: Brier {a_all.brier:.3f} (<= 0.06: {verdict(a_all.brier <= 0.06)}), "
        f"80% coverage {a_all.cover80:.0%} (72-88%: {verdict(0.72 <= a_all.cover80 <= 0.88)})"
    )
    print(
        f"  B smooth: Brier {b_all.brier:.3f} (<= 0.05: {verdict(b_all.brier <= 0.05)}), 80% coverage {b_all.cover80:.0%} "
        f"(72-88%: {verdict(0.72 <= b_all.cover80 <= 0.88)}; each origin 65-95%: "
        f"{verdict(b_origins.between(0.65, 0.95).all())}, {', '.join(f'{c:.0%}' for c in b_origins)})"
    )
    print(f"  forecast engine, 34 provinces x every target: {cold:.2f} s cold (< 2 s: {verdict(cold < 2)})")
    print(f"total harness wall time {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
