import math

import numpy as np
import pandas as pd
import pytest

from dxanalysis import forecast as fc
from dxanalysis.core.periods import period_range
from dxanalysis.core.registry import load_targets
from dxanalysis.forecast.backtest import backtest, calibrate, comparison_table


def make_table(series: dict[tuple[str, str], list[float]], start: str = "2025-01", denominator: float = 1000.0):
    """Harmonised table from {(province, indicator): [values...]} (NaN = missing month)."""
    rows = []
    for (code, indicator), values in series.items():
        for period, value in zip(period_range(start, "2030-12"), values):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            rows.append(
                {
                    "province_code": code,
                    "province_name": code,
                    "period": period,
                    "indicator": indicator,
                    "numerator": value / 100 * denominator,
                    "denominator": denominator,
                    "value": value,
                    "complete": True,
                    "constituents": code,
                    "method": "as reported",
                    "source": "test",
                }
            )
    return pd.DataFrame(rows)


def one(result, code, target):
    return result[(result.province_code == code) & (result.target_id == target)].iloc[0]


def test_required_pace_by_hand():
    # online_records: 60% in Oct 2025, target 80% by Dec 2025 -> (80 - 60) / 2 months = 10 points a month.
    table = make_table({("01", "online_records"): [50, 52, 54, 55, 56, 57, 58, 59, 59.5, 60]})
    row = one(fc.forecast(table, model="linear"), "01", "online_records")
    assert row.last_period == "2025-10" and row.last_value == 60
    assert row.required_pace == pytest.approx(10.0)
    assert row.horizon_months == 2


def test_recent_pace_is_points_per_month_over_six_months():
    table = make_table({("01", "online_records"): [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]})
    row = one(fc.forecast(table), "01", "online_records")
    assert row.recent_pace == pytest.approx(1.0)


@pytest.mark.parametrize(
    "last,required,recent,p_hit,at_limit,expected",
    [
        (50, 2.0, 2.0, 0.7, False, "on_track"),  # ratio 1.0
        (50, 2.0, 1.5, 0.3, False, "needs_acceleration"),  # ratio 0.75
        (50, 2.0, 0.5, 0.01, False, "off_track"),  # ratio 0.25
        (50, 2.0, 2.0, 0.3, False, "needs_acceleration"),  # on track by pace, but p_hit < 0.5
        (50, 2.0, 0.5, 0.6, False, "needs_acceleration"),  # off track by pace, but p_hit >= 0.5
        (50, 2.0, 1.5, 0.01, False, "off_track"),  # needs acceleration, but p_hit < 0.05
        (97, 1.0, 0.5, 0.6, True, "on_track"),  # near 100%: thresholds x (1 - 0.97^4.44) = x 0.126
        (97, 1.0, 0.5, 0.6, False, "needs_acceleration"),  # same, no limit: off track by pace, p_hit >= 0.5
        (80, 1.0, 0.0, 0.0, False, "achieved"),  # already at the target
    ],
)
def test_growth_ratio_status(last, required, recent, p_hit, at_limit, expected):
    threshold = 80 if expected == "achieved" else 99.5
    status, _ = fc.decide_status(last, threshold, required, recent, p_hit, at_limit=at_limit)
    assert status == expected


def test_limit_coefficient():
    assert fc.limit_coefficient(0) == 1.0
    assert fc.limit_coefficient(100) == 0.0
    assert fc.limit_coefficient(97) == pytest.approx(1 - 0.97**4.44)


@pytest.mark.parametrize("model", fc.MODELS)
def test_intervals_stay_inside_bounds(model):
    table = make_table(
        {
            ("01", "online_procedures_full"): [90, 93, 95, 96.5, 97.5, 98.2, 98.8, 99.1, 99.4, 99.6],
            ("79", "online_procedures_full"): [9, 7, 5, 4, 3, 2.2, 1.6, 1.2, 0.8, 0.5],
        }
    )
    result = fc.forecast(table, model=model)
    for code in ("01", "79"):
        row = one(result, code, "online_procedures_full")
        values = [row.lo95, row.lo80, row.forecast, row.hi80, row.hi95]
        assert all(0 <= v <= 100 for v in values), values
        assert values == sorted(values)
        assert 0 <= row.p_hit <= 1


def test_past_deadline_reports_the_realised_value():
    # records_with_personal_id: deadline 30 Jun 2025 (tolerance 0.5 points).
    table = make_table(
        {
            ("01", "records_with_personal_id"): [90, 92, 95, 97, 99, 99.6, 99.8, 99.9, 100, 100],
            ("79", "records_with_personal_id"): [80, 82, 84, 86, 88, 90, 99, 99, 99, 99],
        }
    )
    result = fc.forecast(table, as_of="2025-10")
    hit, miss = one(result, "01", "records_with_personal_id"), one(result, "79", "records_with_personal_id")
    assert hit.deadline_passed and hit.status == "achieved" and hit.p_hit == 1.0
    assert hit.last_period == "2025-06" and hit.forecast == pytest.approx(99.6)
    assert miss.status == "off_track" and miss.p_hit == 0.0 and miss.forecast == pytest.approx(90)


def test_p_hit_is_monotone_in_the_threshold():
    table = make_table({("01", "online_records"): [30, 32, 33, 35, 37, 38, 40, 41, 43, 44]})
    panel = fc.build_panel(table)
    pred = fc.predict(panel, "pooled", len(panel.periods) - 1, len(panel.periods) + 1)
    thresholds = np.linspace(1, 99, 50)
    row = np.flatnonzero((panel.keys.province_code == "01").to_numpy())[0]
    probs = np.array([pred.prob_at_least(t)[row] for t in thresholds])
    assert np.all(np.diff(probs) <= 1e-12) and probs[0] > 0.99 and probs[-1] < 0.01


def test_short_series_borrows_strength_from_its_region():
    # Three Red River Delta provinces rise ~2 points a month over 10 months; Hưng Yên (33) has
    # only its last 3 months, flat. Pooled, its drift is pulled toward the region's.
    long = {
        code: [20 + 2 * i + (0.3 if i % 2 else -0.3) * (k + 1) for i in range(10)]
        for k, code in enumerate(["01", "22", "24", "31"])
    }
    table = make_table(
        {**{(c, "online_records"): v for c, v in long.items()}, ("33", "online_records"): [None] * 7 + [30, 30.2, 30.1]}
    )
    pooled = fc.forecast(table, model="pooled")
    unpooled = fc.forecast(table, model="compound")
    short = one(pooled, "33", "online_records")
    assert short.pooling_weight < min(one(pooled, c, "online_records").pooling_weight for c in long)
    assert short.forecast > one(unpooled, "33", "online_records").forecast + 1.0


def test_indicator_absent_gives_no_data_rows():
    table = make_table({("01", "online_records"): [30, 31, 32]})
    result = fc.forecast(table)
    assert set(result.target_id) == set(load_targets().target_id)
    assert one(result, "79", "online_records").status == "no_data"
    assert one(result, "01", "adult_online_users").status == "no_data"
    assert len(result) == 35 * len(load_targets())


def test_national_row_is_the_ratio_of_sums():
    table = make_table({("01", "online_records"): [10] * 10}, denominator=100)
    table = pd.concat([table, make_table({("79", "online_records"): [40] * 10}, denominator=300)])
    panel = fc.build_panel(table)
    national = panel.values[np.flatnonzero((panel.keys.province_code == "00").to_numpy())[0]]
    assert national[-1] == pytest.approx((10 + 120) / 400 * 100)


def test_scenario_raises_the_forecast_and_p_hit():
    table = make_table({("01", "online_records"): [50, 52, 54, 55, 56, 57, 58, 59, 60, 61]})
    base = one(fc.forecast(table), "01", "online_records")
    boosted = one(fc.forecast(table, scenario="pace=+5,from=2025-11,indicator=online_records"), "01", "online_records")
    assert boosted.forecast == pytest.approx(min(base.forecast + 10, 100), abs=1e-6)
    assert boosted.p_hit > base.p_hit
    assert "+5 pts/month" in boosted.scenario


@pytest.mark.parametrize(
    "bad", ["pace=1", "pace=x,from=2025-11", "pace=1,from=2025-13", "pace=1,from=2025-11,indicator=nope"]
)
def test_bad_scenarios_are_clear_errors(bad):
    from dxanalysis.core.errors import DxError

    with pytest.raises(DxError):
        fc.parse_scenario(bad)


def test_bundled_forecast_covers_every_province_and_target():
    result = fc.forecast()
    assert result.province_code.nunique() == 35
    assert set(result.status) <= set(fc.STATUSES)
    live = result[~result.deadline_passed & (result.status != "no_data")]
    assert (live.lo95 <= live.forecast).all() and (live.forecast <= live.hi95).all()
    assert result.data_note.str.contains("SYNTHETIC").all()


@pytest.fixture(scope="module")
def bundled_backtest():
    return backtest(fc.load_bundled_table())


@pytest.mark.slow
def test_backtest_on_bundled_panel_supports_the_default_model(bundled_backtest):
    """The README's claims: pooled has the lowest MAE of every model (ets included); its year-end
    effect beats the same model without it on MAE and the calibrated Brier scores; its Brier is within 5% of the best
    model's (ets, narrowly, on this panel); its calibrated 80% intervals hold 70-87% of outcomes
    in every horizon band."""
    result = bundled_backtest
    table = comparison_table(result).set_index("model")
    assert set(table.index) == set(fc.MODELS)
    for baseline in set(fc.MODELS) - {"pooled"}:
        assert table.loc["pooled", "mae"] < table.loc[baseline, "mae"], baseline
    for column in ("mae", "mase", "brier_target_cal", "brier_all", "brier_all_cal"):
        assert table.loc["pooled", column] < table.loc["pooled_no_season", column], column
    assert table.loc["pooled", "brier_target_cal"] <= 1.05 * table["brier_target_cal"].min()
    bands = result.bands[result.bands["model"] == "pooled"].set_index("band")
    assert list(bands.index) == ["1-3", "4-6", "7-12"]
    assert bands["coverage80_cal"].between(0.70, 0.87).all(), bands["coverage80_cal"]
    reliability = result.reliability
    counts = reliability.groupby(["model", "calibrated"])["n"].sum().unstack()
    assert (counts[False] == result.events.groupby("model").size()).all() and (counts[True] == counts[False]).all()


@pytest.mark.slow
def test_calibration_never_peeks(bundled_backtest):
    """Each origin's factors come only from forecasts whose month was known at that origin:
    the first origins, with nothing known yet, keep factor 1; changing outcomes after an origin
    cannot change its factor."""
    scores = bundled_backtest.scores
    first = scores["origin"].min()
    assert (scores.loc[scores["origin"] == first, "factor"] == 1.0).all()
    from dxanalysis.forecast import calibration

    pooled = scores[scores["model"] == "pooled"]
    origin = sorted(pooled["origin"].unique())[12]
    known = pooled[pooled["period"] <= origin]
    expected, _ = calibration.factors(known["std_error"].to_numpy(), known["df"].to_numpy(), known["horizon"].to_numpy())
    at_origin = pooled[pooled["origin"] == origin]
    assert np.allclose(at_origin["factor"], expected[calibration.band_of(at_origin["horizon"].to_numpy())])


def test_live_forecast_intervals_use_the_backtest_factors():
    table = fc.load_bundled_table()
    out = fc.forecast(table)
    assert out.attrs["calibration"].startswith("intervals calibrated by horizon on the backtest")
    found = calibrate(table, "pooled")
    panel = fc.build_panel(table)
    origin = len(panel.periods) - 1
    raw, widened = fc.fit(panel, "pooled", origin), fc.fit(panel, "pooled", origin, widen=found.factors)
    for months_ahead, band in ((2, 0), (5, 1), (9, 2)):
        ratio = widened.at(origin + months_ahead).sd / raw.at(origin + months_ahead).sd
        assert np.allclose(ratio[np.isfinite(ratio)], found.factors[band])


@pytest.mark.slow
def test_ets_is_a_damped_trend_on_the_logit_scale():
    """A steady climb is extrapolated with a damped trend and stays inside 0-100%; a series too
    short for ETS gets the pooled forecast."""
    table = fc.load_bundled_table()
    panel = fc.build_panel(table)
    origin = len(panel.periods) - 1
    ets, pooled = fc.fit(panel, "ets", origin), fc.fit(panel, "pooled", origin)
    far, near = ets.at(origin + 12), ets.at(origin + 1)
    assert far.scale == "logit" and np.all(far.quantile(0.975)[np.isfinite(far.location)] <= 100)
    assert (far.sd[np.isfinite(far.sd)] >= near.sd[np.isfinite(near.sd)] - 1e-12).all()
    assert (ets.params.phi[np.isfinite(ets.params.phi)] <= 1).all()
    short = ~np.isfinite(ets.level)
    if short.any():
        assert np.allclose(ets.at(origin + 3).location[short], pooled.at(origin + 3).location[short], equal_nan=True)


def test_a_series_too_short_is_insufficient_data_not_a_nan_verdict(tmp_path):
    rows = ["province,period,indicator,numerator,denominator,source"]
    rows += ["01,2026-10,online_service_satisfaction,30,100,s"]
    rows += [f"79,2026-{m:02d},online_service_satisfaction,{30 + m},100,s" for m in (9, 10)]
    rows += [f"48,2026-{m:02d},online_service_satisfaction,{60 + m},100,s" for m in range(5, 11)]
    path = tmp_path / "short.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = fc.forecast(fc.harmonise_data(path)).set_index(["province_code", "target_id"])
    for code in ("01", "79"):
        row = result.loc[(code, "satisfaction_2026")]
        assert row["status"] == "insufficient_data" and math.isnan(row["forecast"]) and math.isnan(row["p_hit"])
    assert result.loc[("48", "satisfaction_2026"), "status"] in ("on_track", "needs_acceleration", "off_track")


def test_far_extrapolation_is_refused():
    from dxanalysis.core.errors import DxError

    with pytest.raises(DxError, match="months after the data's last month"):
        fc.forecast(as_of="2030-01")


@pytest.mark.parametrize("model", ["pooled", "linear"])
def test_the_calibration_runs_only_its_origins_and_gets_the_whole_backtests_scores(model):
    """The factors rest on the last RECENT_ORIGINS origins: running only those (and no threshold
    events) gives the very scores the whole backtest gives for them."""
    from dxanalysis.forecast.backtest import _recent_scores, generate
    from dxanalysis.forecast.calibration import RECENT_ORIGINS, earliest_origin

    table = fc.load_bundled_table()
    table = table[table["period"] <= "2026-06"]
    whole, _ = generate(table, (model,), with_events=False)
    expected = whole[whole["origin"] >= earliest_origin(whole["origin"].max())].reset_index(drop=True)
    got = _recent_scores(table, model).reset_index(drop=True)
    assert got["origin"].nunique() == RECENT_ORIGINS
    pd.testing.assert_frame_equal(got, expected)


def test_every_model_named_in_the_settings_has_one_fitter():
    """Models are a registry, not strings matched in code: each name has one fitter, and the
    random walks differ only in their declared switches."""
    from dxanalysis.forecast.models import FITTERS, WALKS
    from dxanalysis.forecast.settings import MODELS

    assert set(FITTERS) == set(MODELS)
    assert WALKS["pooled"].season and not WALKS["pooled_no_season"].season
    assert {k: v for k, v in vars(WALKS["pooled"]).items() if k != "season"} == {
        k: v for k, v in vars(WALKS["pooled_no_season"]).items() if k != "season"
    }
    from dxanalysis.core.errors import DxError

    with pytest.raises(DxError, match="unknown model"):
        fc.fit(fc.build_panel(fc.load_bundled_table()), "arima", 10)
