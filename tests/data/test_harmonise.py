import warnings

import pandas as pd
import pytest

from dxanalysis.core.errors import InputProblems
from dxanalysis.data.harmonise import IncompleteProvinceWarning, harmonise, harmonise_files
from dxanalysis.data.observations import load_observations

HEADER = "province,period,indicator,numerator,denominator,value,source\n"


def run(write, text, name="obs.csv", **kwargs):
    frame = load_observations(write(name, HEADER + text))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteProvinceWarning)
        return harmonise([frame], **kwargs)


def test_ratio_recombined_from_sums(write):
    # Bắc Kạn 30/100 and Thái Nguyên 90/300 -> new Thái Nguyên 120/400 = 30%, not the mean 30%...
    # and with unequal shares: 10/100 and 90/300 -> 100/400 = 25% (a plain mean would give 20%).
    result = run(write, "06,2025-03,online_records,10,100,,s\n19,2025-03,online_records,90,300,,s\n")
    row = result.table.iloc[0]
    assert (row.province_code, row.numerator, row.denominator) == ("19", 100, 400)
    assert row.value == pytest.approx(25.0)
    assert row.complete and row.constituents == "06+19"
    assert "legacy" in result.schemes[0]


def test_three_way_merger(write):
    text = (
        "Trà Vinh,2025-05,online_records,10,50,,s\nBến Tre,2025-05,online_records,20,100,,s\n"
        "Vĩnh Long,2025-05,online_records,30,50,,s\n"
    )
    row = run(write, text).table.iloc[0]
    assert row.province_code == "86" and row.value == pytest.approx(60 / 200 * 100)


def test_percent_only_needs_a_weight(write):
    with pytest.raises(InputProblems, match="has only a percentage"):
        run(write, "06,2025-03,online_records,,,10,s\n19,2025-03,online_records,,,30,s\n")


def test_percent_only_weighted_by_weight_column(write):
    path = write(
        "w.csv",
        "province,period,indicator,value,weight\n06,2025-03,adult_online_users,10,100\n"
        "19,2025-03,adult_online_users,30,300\n",
    )
    frame = load_observations(path)
    row = harmonise([frame]).table.iloc[0]
    assert row.value == pytest.approx(25.0) and "weighted" in row.method


def test_percent_only_weighted_by_weights_file(write):
    write("obs.csv", HEADER + "06,2025-03,adult_online_users,,,10,s\n19,2025-03,adult_online_users,,,30,s\n")
    weights = write("weights.csv", "province,weight\nBắc Kạn,1\nThái Nguyên,3\n")
    result = harmonise_files([weights.parent / "obs.csv"], weights=weights)
    assert result.table.iloc[0].value == pytest.approx(25.0)


def test_unchanged_province_passes_through(write):
    row = run(write, "01,2025-03,online_records,,,12.5,s\n").table.iloc[0]
    assert (row.province_code, row.value, row.complete) == ("01", 12.5, True)


def test_missing_constituent_warns_and_marks_month_incomplete(write):
    frame = load_observations(write("obs.csv", HEADER + "06,2025-03,online_records,10,100,,s\n"))
    with pytest.warns(IncompleteProvinceWarning, match=r"Thái Nguyên \(19\).*Thái Nguyên \(19\) in 2025-03"):
        result = harmonise([frame])
    assert not result.table.iloc[0].complete


def test_old_names_after_the_merger_are_accepted(write):
    result = run(write, "Bắc Kạn,2025-08,online_records,10,100,,s\nThái Nguyên,2025-08,online_records,30,100,,s\n")
    row = result.table.iloc[0]
    assert row.province_code == "19" and row.value == pytest.approx(20.0) and row.complete


def test_history_already_on_the_34_is_accepted_as_is(write):
    # 24 here is the new Bắc Ninh (Bắc Giang + Bắc Ninh), already harmonised by someone.
    result = run(write, "24,2025-03,online_records,40,100,,s\n44,2025-03,online_records,30,100,,s\n")
    table = result.table.set_index("province_code")
    assert table.loc["24", "value"] == 40 and table.loc["24", "complete"]
    assert "current" in result.schemes[0]


def test_scheme_override(write):
    result = run(write, "24,2025-03,online_records,40,100,,s\n", scheme="legacy")
    assert not result.table.iloc[0].complete  # read as Bắc Giang alone: Bắc Ninh (27) missing


def test_overlap_between_whole_and_constituent_is_an_error(write):
    a = load_observations(write("new.csv", HEADER + "19,2025-08,online_records,40,100,,s\n"))
    b = load_observations(write("old.csv", HEADER + "Bắc Kạn,2025-08,online_records,10,100,,s\n"))
    with pytest.raises(InputProblems, match="overlap"):
        harmonise([a, b])


def test_mixed_file_decides_scheme_per_side_of_the_merger(write):
    text = "06,2025-06,online_records,10,100,,s\n19,2025-06,online_records,30,100,,s\n19,2025-07,online_records,45,200,,s\n"
    table = run(write, text).table.set_index("period")
    assert table.loc["2025-06", "value"] == pytest.approx(20.0)
    assert table.loc["2025-07", "value"] == pytest.approx(22.5) and table.loc["2025-07", "complete"]


def test_bundled_panel_harmonises_to_34():
    from dxanalysis.core import paths

    result = harmonise_files([paths.PANEL_CSV])
    table = result.table
    assert table["province_code"].nunique() == 34
    assert set(table["period"]) == set(pd.period_range("2024-01", "2026-10", freq="M").astype(str))
    assert table["value"].between(0, 100).all()
    assert not table.duplicated(["province_code", "period", "indicator"]).any()


def test_harmonised_output_round_trips_through_the_loader(tmp_path):
    """dx harmonise output is itself valid input, read on the current list, and forecasts the same."""
    from dxanalysis.core import paths
    from dxanalysis.core.files import atomic_write_csv
    from dxanalysis.forecast import forecast

    table = harmonise_files([paths.PANEL_CSV]).table
    out = tmp_path / "harmonised.csv"
    atomic_write_csv(table, out)
    again = harmonise_files([out])
    assert "current list" in again.schemes[0] and "legacy" not in again.schemes[0]
    merged = table.merge(again.table, on=["province_code", "period", "indicator"], suffixes=("", "_again"))
    assert len(merged) == len(table)
    assert (merged["value"] - merged["value_again"]).abs().max() < 1e-9
    assert (merged["complete"] == merged["complete_again"]).all()
    first, second = forecast(table), forecast(again.table)
    pd.testing.assert_series_equal(first["p_hit"], second["p_hit"])
