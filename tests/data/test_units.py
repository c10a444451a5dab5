"""The unit panel (every department and commune), its contract, and the unit forecasts (issue 19).

Most tests run on three provinces (Hà Nội, Phú Thọ and Hồ Chí Minh City's neighbour Tây Ninh) to
stay fast; the benchmark forecasts every unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dxanalysis.core import paths
from dxanalysis.core.errors import InputProblems
from dxanalysis.data import unit_synthetic
from dxanalysis.data.units import check_units, commune_centroids, load_units
from dxanalysis.forecast.units import UNIT_FORECAST_COLUMNS, build_unit_panel, forecast_units

PROVINCES = ["01", "25", "37"]


@pytest.fixture(scope="module")
def province_rows() -> pd.DataFrame:
    raw = pd.read_csv(paths.PANEL_CSV, dtype={"province": str, "period": str})
    return raw[raw["province"].isin(PROVINCES)]


@pytest.fixture(scope="module")
def small(province_rows) -> pd.DataFrame:
    return unit_synthetic.generate_units(province_rows)


@pytest.fixture(scope="module")
def small_units(small) -> pd.DataFrame:
    """The small panel as the loader returns it (written, read back and checked)."""
    return check_units(small.astype(str).replace({"nan": ""}), "small.csv")


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(str).replace({"nan": ""})


# --------------------------------------------------------------------------- the synthetic panel


def test_unit_counts_sum_exactly_to_the_province_panel(small):
    from dxanalysis.data.harmonise import load_bundled_table

    harmonised = load_bundled_table()
    mine = harmonised[
        harmonised["province_code"].isin(PROVINCES)
        & harmonised["indicator"].isin(unit_synthetic.UNIT_INDICATORS)
        & (harmonised["period"] >= unit_synthetic.START)
    ]
    sums = small.groupby(["province_code", "period", "indicator"])[["numerator", "denominator"]].sum()
    both = mine[["province_code", "period", "indicator", "numerator", "denominator"]].merge(
        sums.reset_index(), on=["province_code", "period", "indicator"], how="outer", suffixes=("_province", "")
    )
    assert len(both) == len(mine) and both.notna().all().all()
    assert (both["numerator"] == both["numerator_province"]).all()
    assert (both["denominator"] == both["denominator_province"]).all()
    assert (small["numerator"] <= small["denominator"]).all() and (small["denominator"] >= 1).all()


def test_the_unit_panel_is_seeded_and_labelled_synthetic(province_rows, small):
    again = unit_synthetic.generate_units(province_rows)
    pd.testing.assert_frame_equal(small, again)
    other = unit_synthetic.generate_units(province_rows, seed=unit_synthetic.SEED + 1)
    assert not other["numerator"].equals(small["numerator"])
    assert small["source"].str.startswith("SYNTHETIC").all()
    assert list(small.columns) == unit_synthetic.UNIT_COLUMNS


def test_every_commune_is_a_unit_and_every_province_has_12_to_25_departments(small):
    from dxanalysis.data.communes import load_communes

    listed = unit_synthetic.unit_list()
    communes = load_communes()
    assert len(communes) == 3321
    assert set(listed.loc[listed["level"] == "commune", "ward_code"]) == set(communes["ward_code"])
    per_province = listed[listed["level"] == "department"].groupby("province_code").size()
    assert len(per_province) == 34 and per_province.between(12, 25).all()
    assert not listed["unit_code"].duplicated().any()
    mine = communes[communes["province_code"].isin(PROVINCES)]
    assert set(small.loc[small["level"] == "commune", "ward_code"]) == set(mine["ward_code"])


def test_the_cache_is_generated_once_and_read_through_the_loader(tmp_path, monkeypatch, small):
    monkeypatch.setenv("DX_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(unit_synthetic, "generate_units", lambda seed: small)
    path = unit_synthetic.cached_units()
    assert path.parent == tmp_path and path.name.endswith(".csv.gz") and str(unit_synthetic.SEED) in path.name
    stamp = path.stat().st_mtime_ns
    assert unit_synthetic.cached_units().stat().st_mtime_ns == stamp  # not written twice
    loaded = load_units()
    assert len(loaded) == len(small) and loaded["ward_code"].str.len().isin([0, 5]).all()


def test_commune_centroids_for_a_map():
    centroids = commune_centroids("25")
    assert list(centroids.columns) == ["ward_code", "name", "type", "province_code", "lat", "lon"]
    assert len(centroids) == 148 and centroids["lat"].between(8, 24).all()


# --------------------------------------------------------------------------- the contract


def _good() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "province_code": ["25", "25"],
            "unit_code": ["H44.101", "H44.09685"],
            "unit_name": ["Sở Tư pháp Phú Thọ", "UBND Phường Việt Trì"],
            "level": ["department", "commune"],
            "ward_code": ["", "09685"],
            "ward_match": ["", ""],
            "period": ["2026-08", "2026-08"],
            "indicator": ["online_payment", "online_payment"],
            "numerator": ["120", "1516"],
            "denominator": ["200", "1707"],
            "value": ["60", ""],
            "source": ["test", "test"],
        }
    )


def test_a_good_unit_table_loads_with_codes_as_text():
    out = check_units(_good(), "units.csv")
    assert out["ward_code"].tolist() == ["", "09685"] and out["province_code"].tolist() == ["25", "25"]
    assert out["value"].round(2).tolist() == [60.0, 88.81]


@pytest.mark.parametrize(
    ("column", "cell", "expected"),
    [
        ("numerator", "250", "units.csv:2: numerator: 250 is more than the denominator"),
        ("numerator", "12.5", "units.csv:2: numerator: 12.5 is not a whole number"),
        ("denominator", "-3", "units.csv:2: denominator: -3 is negative"),
        ("denominator", "1,800", "units.csv:2: denominator: '1,800' is not a number"),
        ("province_code", "1", "units.csv:2: province_code: '1' is not the two-digit code"),
        ("ward_code", "9685", "units.csv:2: ward_code: '9685' is not a five-digit GSO code"),
        ("level", "province", "units.csv:2: level: 'province' is not one of department, commune"),
        ("period", "2026-13", "units.csv:2: period: '2026-13' is not YYYY-MM"),
        ("value", "61", "units.csv:2: value: 61 disagrees with numerator / denominator * 100"),
    ],
)
def test_a_bad_cell_is_named_by_file_row_and_column(column, cell, expected):
    rows = _good()
    rows.loc[0, column] = cell
    with pytest.raises(InputProblems) as caught:
        check_units(rows, "units.csv")
    assert expected in str(caught.value)


def test_null_is_missing_never_zero():
    rows = _good()
    rows.loc[0, "numerator"] = "null"
    rows.loc[1, "denominator"] = ""
    out = check_units(rows, "units.csv")
    assert out["numerator"].isna().tolist() == [True, False] and out["value"].isna().all()


def test_a_commune_without_a_code_says_why_and_a_missing_column_is_named():
    rows = _good()
    rows.loc[1, "ward_code"] = ""
    with pytest.raises(InputProblems, match="units.csv:3: ward_match: a commune without a code must say why"):
        check_units(rows, "units.csv")
    rows.loc[1, "ward_match"] = "2 communes of province 25 share that name"
    assert check_units(rows, "units.csv")["ward_code"].tolist() == ["", ""]
    with pytest.raises(InputProblems, match="units.csv: ward_match: column missing"):
        check_units(rows.drop(columns="ward_match"), "units.csv")


def test_a_repeated_key_is_an_error():
    rows = pd.concat([_good(), _good().iloc[[1]]], ignore_index=True)
    with pytest.raises(InputProblems, match="units.csv:4: unit_code: the same province, unit, month and indicator again"):
        check_units(rows, "units.csv")


# --------------------------------------------------------------------------- forecasts


@pytest.fixture(scope="module")
def small_forecasts(small_units) -> pd.DataFrame:
    return forecast_units(small_units)


def test_unit_forecasts_hold_the_contract(small_units, small_forecasts):
    out = small_forecasts
    assert list(out.columns) == UNIT_FORECAST_COLUMNS
    ahead = {"satisfaction_2026", "digitised_records_2030", "electronic_results_2030"}
    assert set(out["target_id"]) == ahead
    assert len(out) == small_units["unit_code"].nunique() * len(ahead)
    forecast = out[out["status"] != "insufficient_data"]
    assert forecast[["forecast", "lo80", "hi80", "lo95", "hi95", "p_hit"]].notna().all().all()
    assert (forecast["lo95"] <= forecast["lo80"]).all() and (forecast["lo80"] <= forecast["forecast"]).all()
    assert (forecast["forecast"] <= forecast["hi80"]).all() and (forecast["hi80"] <= forecast["hi95"]).all()
    assert forecast["p_hit"].between(0, 1).all() and (forecast["required_pace"] >= 0).all()
    assert out["region"].notna().all() and not out["region"].isin(PROVINCES).any()  # the region, not the pool
    communes = out[out["level"] == "commune"]
    assert communes["ward_code"].str.fullmatch(r"\d{5}").all()
    assert (out.loc[out["level"] == "department", "ward_code"] == "").all()
    assert out["data_note"].str.contains("SYNTHETIC").all()


def test_a_unit_with_too_few_months_is_insufficient_data(small_units):
    unit = small_units.loc[small_units["level"] == "commune", "unit_code"].iloc[0]
    short = small_units[(small_units["unit_code"] != unit) | (small_units["period"] >= "2026-09")]
    out = forecast_units(short)
    mine = out[(out["unit_code"] == unit) & (out["last_value"] < out["target_value"])]
    assert len(mine) and (mine["status"] == "insufficient_data").all()
    assert mine["p_hit"].isna().all() and mine["required_pace"].notna().all()


def test_pooling_pulls_a_short_unit_toward_its_province(small_units):
    """A unit seen for four months, rising 3 points a month, borrows its province's drift: its
    weight on its own drift is below that of units seen for sixteen months, and its drift is
    pulled toward the province's."""
    from dxanalysis.forecast.changes import diff_stats
    from dxanalysis.forecast.models import fit
    from dxanalysis.forecast.panel import to_scale

    units = small_units.copy()
    unit = units.loc[(units["province_code"] == "25") & (units["level"] == "commune"), "unit_code"].iloc[0]
    units = units[(units["unit_code"] != unit) | (units["period"] >= "2026-07")]
    rising = (units["unit_code"] == unit).to_numpy()
    units.loc[rising, "value"] = 40.0 + 3.0 * units[rising].groupby("indicator").cumcount().to_numpy()
    panel = build_unit_panel(units)
    fitted = fit(panel, "pooled", len(panel.periods) - 1)
    keys = panel.keys
    row = np.flatnonzero(((keys["unit_code"] == unit) & (keys["indicator"] == "online_payment")).to_numpy())[0]
    peers = ((keys["province_code"] == "25") & (keys["indicator"] == "online_payment")).to_numpy().copy()
    peers[row] = False
    assert fitted.weight[row] < np.median(fitted.weight[peers])
    z = to_scale(panel.values, "logit")
    z = z - fitted.season.cumulative(z.shape[1]) if fitted.season.active else z
    own = diff_stats(z, len(panel.periods) - 1, 6, panel.merger_col).slope[row]
    province = np.average(fitted.slope[peers])
    assert abs(fitted.slope[row] - province) < abs(own - province)


def test_the_unit_step_runs_once_and_reruns_when_the_code_changes(tmp_path, monkeypatch, province_rows, small):
    import shutil

    from dxanalysis.forecast import outputs
    from dxanalysis.run import pipeline

    data = tmp_path / "data"
    data.mkdir()
    province_rows.to_csv(data / "observations.csv", index=False)
    small.to_csv(data / "units.csv", index=False)
    build = pipeline.Pipeline(tmp_path / "build", data=str(data / "observations.csv")).run(("harmonise", "units"))
    assert build.ran == ["harmonise", "units"]
    table = outputs.read_unit_forecasts(tmp_path / "build", province="25")
    assert list(table.columns) == UNIT_FORECAST_COLUMNS and set(table["province_code"]) == {"25"}
    assert (table.loc[table["level"] == "department", "ward_code"] == "").all()
    again = pipeline.Pipeline(tmp_path / "build", data=str(data / "observations.csv")).run(("harmonise", "units"))
    assert again.skipped == ["harmonise", "units"]

    copy = tmp_path / "project"
    shutil.copytree(paths.PROJECT_ROOT / "dxanalysis", copy / "dxanalysis", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(paths, "PROJECT_ROOT", copy)
    before = pipeline.Pipeline(tmp_path / "b2").fingerprint("units")
    edited = copy / "dxanalysis" / "forecast" / "units.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    assert any(path == edited for path in pipeline.code_files())
    assert pipeline.Pipeline(tmp_path / "b2").fingerprint("units") != before


def test_without_a_unit_table_the_step_leaves_a_note(tmp_path, province_rows):
    from dxanalysis.forecast import outputs
    from dxanalysis.run import pipeline

    (tmp_path / "data").mkdir()
    province_rows.to_csv(tmp_path / "data" / "observations.csv", index=False)
    build = pipeline.Pipeline(tmp_path / "build", data=str(tmp_path / "data" / "observations.csv")).run(("units",))
    assert build.ran == ["units"] and (tmp_path / "build" / pipeline.UNITS_NOTE).exists()
    assert outputs.read_unit_forecasts(tmp_path / "build") is None


@pytest.mark.slow
def test_unit_forecasts_on_a_local_dask_cluster_are_the_same_bytes(small_units, small_forecasts):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = forecast_units(small_units, scheduler=cluster.scheduler_address)
    assert remote.to_csv(index=False) == small_forecasts.to_csv(index=False)


def test_dx_forecast_level_unit_writes_the_unit_table(tmp_path, province_rows, small, capsys):
    from dxanalysis.cli.main import main

    province_rows.to_csv(tmp_path / "observations.csv", index=False)
    small.to_csv(tmp_path / "units.csv", index=False)
    out = tmp_path / "unit_forecasts.csv"
    assert main(["forecast", str(tmp_path / "observations.csv"), "--level", "unit", "--out", str(out)]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == UNIT_FORECAST_COLUMNS and set(written["province_code"]) == set(PROVINCES)
    assert "units of 3 provinces" in capsys.readouterr().out
