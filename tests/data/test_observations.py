import pandas as pd
import pytest

from dxanalysis.core.errors import InputProblems
from dxanalysis.data.observations import load_observations

HEADER = "province,period,indicator,numerator,denominator,value,source\n"


def problems_of(path):
    with pytest.raises(InputProblems) as info:
        load_observations(path)
    return [str(p) for p in info.value.problems]


def test_tidy_csv_with_bom_and_semicolons(write):
    path = write("obs.csv", ("\ufeff" + HEADER + "01,2025-07,online_records,20,100,,s\n").replace(",", ";"))
    frame = load_observations(path)
    assert frame.loc[0, "province"] == "01" and frame.loc[0, "value"] == 20.0
    assert frame["province"].map(type).eq(str).all()


def test_codes_keep_their_leading_zero(write):
    frame = load_observations(write("obs.csv", HEADER + "01,2025-07,online_records,,,12.5,s\n"))
    assert frame.loc[0, "province"] == "01"


def test_other_encoding_is_a_clear_error(write):
    path = write("latin.csv", (HEADER + "Hà Nội,2025-07,online_records,,,12,s\n").encode("utf-16"))
    (message,) = problems_of(path)
    assert "not UTF-8" in message and str(path) in message


def test_empty_file(write):
    (message,) = problems_of(write("empty.csv", ""))
    assert "empty" in message


@pytest.mark.parametrize(
    "row,column,words",
    [
        ("01,2025-13,online_records,,,12,s", "period", "expected YYYY-MM"),
        ("01,July 2025,online_records,,,12,s", "period", "expected YYYY-MM"),
        ("01,2025-07,online_recs,,,12,s", "indicator", "unknown indicator 'online_recs'"),
        ("01,2025-07,online_records,120,100,,s", "numerator", "greater than the denominator"),
        ("01,2025-07,online_records,,,120,s", "value", "outside the indicator's bounds"),
        ("01,2025-07,online_records,,,-3,s", "value", "negative"),
        ("01,2025-07,online_records,,,abc,s", "value", "not a number"),
        ("01,2025-07,online_records,,,,s", "value", "expected a value"),
        ("01,2025-07,online_records,20,,,s", "denominator", "expected both numerator and denominator"),
        ("01,2025-07,online_records,20,100,35,s", "value", "does not match numerator/denominator"),
        ("Atlantis,2025-07,online_records,,,12,s", "province", "unknown province 'Atlantis'"),
        (",2025-07,online_records,,,12,s", "province", "empty"),
    ],
)
def test_each_bad_input_names_file_row_column(write, row, column, words):
    path = write("bad.csv", HEADER + "79,2025-07,online_records,,,15,s\n" + row + "\n")
    (message,) = problems_of(path)
    assert message.startswith(f"{path}:3: {column}:"), message
    assert words in message


def test_duplicate_keys_even_when_spelled_differently(write):
    path = write("dup.csv", HEADER + "01,2025-07,online_records,,,12,s\nHà Nội,2025-07,online_records,,,13,s\n")
    (message,) = problems_of(path)
    assert f"{path}:3: province: duplicate key" in message and "row 2" in message


def test_all_problems_reported_at_once(write):
    path = write("many.csv", HEADER + "01,2025-7,online_records,,,12,s\n02,2025-07,nope,,,12,s\n")
    assert len(problems_of(path)) == 2


def test_unrecognised_header(write):
    (message,) = problems_of(write("x.csv", "a,b,c\n1,2,3\n"))
    assert "header not recognised" in message


def test_wide_csv_one_indicator_per_file(write):
    path = write("online_records.csv", "Tỉnh,T1/2025,02/2025,2025-03\nHà Nội,10,11,\nTỉnh Bắc Kạn,5,6,7\n")
    frame = load_observations(path)
    assert len(frame) == 5 and set(frame["indicator"]) == {"online_records"}
    assert frame.loc[frame["province"] == "Tỉnh Bắc Kạn", "period"].tolist() == ["2025-01", "2025-02", "2025-03"]


def test_wide_excel_one_sheet_per_indicator(tmp_path):
    path = tmp_path / "report.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"Tỉnh": ["Hà Nội", "Huế"], "2025-07": [20, 30], "2025-08": [21, 31]}).to_excel(
            writer, sheet_name="online_records", index=False
        )
        pd.DataFrame({"Tỉnh": ["Hà Nội"], "2025-07": [50]}).to_excel(writer, sheet_name="adult_online_users", index=False)
    frame = load_observations(path)
    assert len(frame) == 5 and set(frame["indicator"]) == {"online_records", "adult_online_users"}


def test_wide_bad_cell_names_the_month_column(write):
    path = write("online_records.csv", "province,2025-07,2025-08\nHà Nội,10,x\n")
    (message,) = problems_of(path)
    assert message.startswith(f"{path}:2: 2025-08:")


def test_bundled_panel_is_valid():
    from dxanalysis.core import paths

    frame = load_observations(paths.PANEL_CSV)
    assert len(frame) > 10_000
    assert frame["source"].str.startswith("SYNTHETIC").all()


@pytest.mark.parametrize(
    "text,column",
    [
        # Vietnamese/European thousands separators in a semicolon file: 1.800 is 1800, never 1.8
        ("province;period;indicator;numerator;denominator\n01;2025-07;online_records;1.800;2.000\n", "numerator"),
        ("province,period,indicator,numerator,denominator\n01,2025-07,online_records,12,40.5\n", "denominator"),
    ],
)
def test_fractional_counts_are_refused_not_misread(write, text, column):
    path = write("counts.csv", text)
    messages = problems_of(path)
    assert any(m.startswith(f"{path}:2: {column}:") and "not a whole number" in m for m in messages), messages
