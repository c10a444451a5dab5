"""The calendar: the year-end push learnt from earlier years, zero where there is none, and
half-reported months left out (issue 17). Seeded panels built here, in the harmonised contract."""

import numpy as np
import pandas as pd
import pytest

from dxanalysis import forecast as fc
from dxanalysis.core import provinces
from dxanalysis.core.errors import DxError
from dxanalysis.core.periods import period_range
from dxanalysis.data import coverage
from dxanalysis.forecast import build_panel
from dxanalysis.forecast.models import fit
from dxanalysis.run.settings import run_settings

MONTHS = period_range("2023-01", "2025-10")


def _panel(seed: int, push: float, months=MONTHS, volume: float = 20_000.0) -> pd.DataFrame:
    """34 provinces, online_records on the logit scale: level + drift + AR(1) noise, and a push of
    about ``push`` each November-December (each province its own size), half kept from January."""
    rng = np.random.default_rng(seed)
    codes = provinces.current_provinces()["code"].tolist()
    t = np.arange(len(months))
    level = rng.normal(0.3, 0.5, len(codes))
    drift = rng.uniform(0.01, 0.04, len(codes))
    noise = np.zeros((len(codes), len(months)))
    for j in range(1, len(months)):
        noise[:, j] = 0.5 * noise[:, j - 1] + rng.normal(0, 0.05, len(codes))
    own = push * rng.uniform(0.7, 1.3, len(codes))
    shape, kept = np.zeros(len(months)), 0.0
    for j, month in enumerate(months):
        kept += 0.5 if month.endswith("-01") and j else 0.0
        shape[j] = kept + {"11": 0.6, "12": 1.0}.get(month[5:], 0.0)
    latent = level[:, None] + drift[:, None] * t + noise + own[:, None] * shape
    share = 1 / (1 + np.exp(-latent))
    numerator = rng.binomial(int(volume), share)
    rows = [
        (
            code,
            provinces.province_name(code),
            month,
            "online_records",
            numerator[i, j],
            volume,
            100 * numerator[i, j] / volume,
        )
        for i, code in enumerate(codes)
        for j, month in enumerate(months)
    ]
    frame = pd.DataFrame(
        rows, columns=["province_code", "province_name", "period", "indicator", "numerator", "denominator", "value"]
    )
    return frame.assign(
        complete=True, incomplete_reason="", constituents=frame["province_code"], method="as reported", source="test"
    )


def _season(table: pd.DataFrame):
    panel = build_panel(table)
    origin = len(panel.periods) - 1
    return panel, fit(panel, "pooled", origin).season


def test_no_season_where_past_years_show_none():
    """On a smooth panel the effect is exactly zero, so the forecast is the model without it."""
    table = _panel(1, push=0.0)
    _, season = _season(table)
    assert not season.active and np.all(season.effect == 0)
    with_season = fc.forecast(table, model="pooled").set_index(["province_code", "target_id"])
    without = fc.forecast(table, model="pooled_no_season").set_index(["province_code", "target_id"])
    for column in ("forecast", "lo80", "hi80", "p_hit"):
        assert np.allclose(with_season[column], without[column], equal_nan=True), column


def test_the_push_is_learnt_pooled_and_moves_the_december_forecast():
    table = _panel(2, push=0.5)
    panel, season = _season(table)
    provinces_only = (panel.keys["province_code"] != "00").to_numpy()
    november, december, january = (np.median(season.effect[provinces_only, m]) for m in (10, 11, 0))
    # Generated: +0.3 in November, +0.2 more in December, -0.25 in January (half kept).
    assert november == pytest.approx(0.3, abs=0.08)
    assert december == pytest.approx(0.2, abs=0.08)
    assert january == pytest.approx(-0.25, abs=0.08)
    assert season.years[provinces_only].min() == 2  # the year-ends of 2023 and 2024
    with_season = fc.forecast(table, as_of="2025-10", model="pooled")
    without = fc.forecast(table, as_of="2025-10", model="pooled_no_season")
    due = (with_season["target_id"] == "online_records") & (with_season["province_code"] != "00")
    gained = with_season.loc[due, "forecast"].to_numpy() - without.loc[due, "forecast"].to_numpy()
    assert np.median(gained) > 5  # points: the push the drift alone does not see


def test_a_province_with_one_past_year_end_borrows_its_regions_push():
    table = _panel(3, push=0.5)
    late = table[~((table["province_code"] == "01") & (table["period"] < "2024-06"))]
    panel, season = _season(late)
    row = int(np.flatnonzero((panel.keys["province_code"] == "01").to_numpy())[0])
    assert season.years[row] == 1
    region = panel.keys["region"].to_numpy() == panel.keys["region"].iloc[row]
    assert season.effect[row, 11 - 1] == pytest.approx(np.median(season.effect[region, 10]), abs=0.15)


def test_a_series_too_short_for_a_season_takes_the_pooled_one():
    """No year-end of its own at all: its region's effect, and the report can say so (years == 0)."""
    table = _panel(4, push=0.5)
    short = table[~((table["province_code"] == "79") & (table["period"] < "2025-02"))]
    panel, season = _season(short)
    row = int(np.flatnonzero((panel.keys["province_code"] == "79").to_numpy())[0])
    assert season.years[row] == 0 and season.effect[row, 10] > 0.15


def test_half_reported_months_never_move_a_forecast():
    """Issue 17's aim: a province's first four months at 5% of their volume, with shares far from
    the truth (a half-synced system), change its forecast and 80% width by under 0.5 points and
    its P(hit) by under 0.05, against the same panel without those months."""
    table = _panel(5, push=0.0, months=period_range("2025-01", "2025-10"))
    first = (table["province_code"] == "25") & (table["period"] <= "2025-04")
    half_synced = table.copy()
    half_synced.loc[first, "denominator"] = 1_000.0
    half_synced["numerator"] = half_synced["numerator"].astype(float)
    half_synced.loc[first, "numerator"] = [1.0, 2.0, 5.0, 20.0]
    half_synced.loc[first, "value"] = half_synced.loc[first, "numerator"] / 10
    flagged = coverage.flag_low_coverage(half_synced)
    assert (~flagged.loc[first, "complete"]).all() and flagged.loc[first, "incomplete_reason"].str.startswith(
        "low coverage"
    ).all()
    assert flagged.loc[~first, "complete"].all()
    for as_of in ("2025-07", "2025-08", "2025-10"):
        without = (
            fc.forecast(table[~first], as_of=as_of).set_index(["province_code", "target_id"]).loc[("25", "online_records")]
        )
        for candidate in (half_synced, flagged):  # flagged by harmonise, or caught by the panel itself
            got = fc.forecast(candidate, as_of=as_of).set_index(["province_code", "target_id"]).loc[("25", "online_records")]
            assert abs(got.forecast - without.forecast) < 0.5
            assert abs((got.hi80 - got.lo80) - (without.hi80 - without.lo80)) < 0.5
            assert abs(got.p_hit - without.p_hit) < 0.05


@pytest.mark.parametrize("bad", ["x", 0, 1, -0.2, 1.5, None])
def test_an_invalid_low_coverage_setting_is_a_clear_error(tmp_path, bad):
    settings = tmp_path / "run.yaml"
    settings.write_text(f"model: pooled\nlow_coverage_fraction: {'null' if bad is None else bad}\n", encoding="utf-8")
    with pytest.raises(DxError, match="low_coverage_fraction"):
        run_settings(settings)


def test_the_report_says_the_push_made_before_and_the_push_needed_now():
    from dxanalysis import report

    table = _panel(6, push=0.5)
    result = fc.forecast(table, as_of="2025-10")
    due = result[(result.target_id == "online_records") & (result.status != "achieved") & (result.province_code != "00")]
    code = due.province_code.iloc[0]
    row = due.iloc[0]
    series = table[table.province_code == code].set_index("period")["value"]
    gains = {year: series[f"{year}-12"] - series[f"{year}-10"] for year in (2023, 2024)}
    need = row.target_value - row.last_value
    lines = report.calendar_lines(table, result, code)
    assert len(lines) == 1, lines
    line = lines[0]
    assert "from October to December" in line and "2023" in line and "2024" in line
    assert f"{gains[2023]:+.1f} points in 2023" in line and f"{need:+.1f} points" in line
    assert ("in any earlier year" in line) == (need > max(gains.values()))
    assert ("no more than it has gained" in line) == (need <= max(gains.values()))


def test_a_month_left_out_everywhere_is_said_once_and_a_provinces_own_gap_is_its_own():
    from dxanalysis import report

    table = _panel(7, push=0.0)
    everywhere = table["period"] == "2024-01"
    table.loc[everywhere, "denominator"] = table.loc[everywhere, "denominator"] * 0.05
    own = (table["province_code"] == "46") & (table["period"] == "2024-06")
    table.loc[own, "denominator"] = table.loc[own, "denominator"] * 0.05
    flagged = coverage.flag_low_coverage(table)
    common, mine = report.left_out_lines(flagged, "46")
    assert len(common) == 1 and "Jan 2024" in common[0] and "every province" in common[0]
    assert len(mine) == 1 and "1 month(s)" in mine[0] and "Jun 2024" in mine[0]
    common, elsewhere = report.left_out_lines(flagged, "01")
    assert len(common) == 1 and elsewhere == []


def test_judging_a_table_twice_flags_the_same_months():
    """harmonise flags the gaps, and the forecast's panel judges the flagged table again: the
    usual volume must not move between the two (a flagged month still counts toward it)."""
    table = _panel(8, push=0.0, months=period_range("2025-01", "2025-10"))
    first = (table["province_code"] == "46") & (table["period"] <= "2025-03")
    table.loc[first, "denominator"] = table.loc[first, "denominator"] * 0.1
    near = (table["province_code"] == "46") & (table["period"] == "2025-04")
    table.loc[near, "denominator"] = table.loc[near, "denominator"] * 0.21  # just above a fifth
    flagged = coverage.flag_low_coverage(table)
    again = coverage.low_coverage(flagged)
    assert (again != "").sum() == (~flagged["complete"]).sum() == 3
    assert flagged.loc[near, "complete"].all()
