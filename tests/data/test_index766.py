import json
import shutil
import warnings

import pandas as pd
import pytest

from dxanalysis.core import paths
from dxanalysis.core.errors import InputProblems
from dxanalysis.data.index766 import COMPONENTS, SCALES, TOTAL, TOTAL_TOLERANCE, load_index766, looks_like_766


@pytest.fixture(scope="module")
def table():
    return load_index766(paths.INDEX766_XLSX)


def test_34_provinces_in_each_scope(table):
    scores, _ = table
    assert scores.groupby("scope")["province_code"].nunique().to_dict() == {"month": 34, "year_to_date": 34}
    assert scores["period"].unique().tolist() == ["2025-10"]


def test_totals_equal_sum_of_components(table):
    scores, _ = table
    wide = scores.pivot_table(index=["scope", "province_code"], columns="component", values="points")
    assert (wide[list(COMPONENTS)].sum(axis=1) - wide[TOTAL[0]]).abs().max() < 0.05
    assert sum(m for _, m in COMPONENTS.values()) == 100


def test_known_scores(table):
    scores, _ = table
    month = scores[(scores.scope == "month") & (scores.component == "TONG_SCORE")].set_index("province_code")
    assert month.loc["24", "points"] == pytest.approx(91.52)  # UBND tỉnh Bắc Ninh, H05
    assert month.loc["46", "points"] == pytest.approx(78.89)  # UBND Thành phố Huế, H57
    assert month.loc["24", "dashboard_code"] == "H05"


def test_departments_and_communes_kept_apart(table):
    scores, others = table
    assert set(others["sheet"]) == {"Sở Ban", "Xã Phường"}
    assert not scores["unit_name"].str.contains(" - ").any()


def test_period_from_name_or_argument(tmp_path):
    copy = tmp_path / "export.xlsx"
    shutil.copy(paths.INDEX766_XLSX, copy)
    assert looks_like_766(copy)
    with pytest.raises(InputProblems, match="cannot tell the month"):
        load_index766(copy)
    scores, _ = load_index766(copy, period="2025-10")
    assert len(scores) == 2 * 34 * 7
    renamed = tmp_path / "bao_cao_T9_2025.xlsx"
    shutil.copy(paths.INDEX766_XLSX, renamed)
    assert load_index766(renamed)[0]["period"].iloc[0] == "2025-09"


def test_sheet_names_and_order_may_differ(tmp_path):
    import pandas as pd

    sheets = pd.read_excel(paths.INDEX766_XLSX, sheet_name=None)
    path = tmp_path / "renamed_T10_2025.xlsx"
    with pd.ExcelWriter(path) as writer:
        sheets["Điểm tháng"].to_excel(writer, sheet_name="Monthly scores", index=False)
        sheets["Sở Ban"].to_excel(writer, sheet_name="Departments", index=False)
        sheets["Điểm năm"].iloc[::-1].to_excel(writer, sheet_name="Year to date", index=False)
    scores, others = load_index766(path)
    assert scores.groupby("scope")["province_code"].nunique().to_dict() == {"month": 34, "year_to_date": 34}
    assert len(others) == 15


def test_unknown_scope_and_bad_total_are_clear_errors(tmp_path):
    import pandas as pd

    month = pd.read_excel(paths.INDEX766_XLSX, sheet_name="Điểm tháng")
    path = tmp_path / "x_T10_2025.xlsx"
    month.to_excel(path, sheet_name="Sheet1", index=False)
    with pytest.raises(InputProblems, match="cannot tell whether this sheet"):
        load_index766(path)
    month.loc[0, "TONG_SCORE"] = 99.0
    month.to_excel(path, sheet_name="Điểm tháng", index=False)
    with pytest.raises(InputProblems, match=r"\[Điểm tháng\]:2: TONG_SCORE: 99 does not equal the sum"):
        load_index766(path)


def test_2026_table_reads_with_its_own_scale_and_ranks():
    import json

    from dxanalysis.data.index766 import ranks

    scores, others = load_index766(paths.INDEX766_2026_JSON)
    assert others.empty and set(scores["scale"]) == {"766-2026"} and set(scores["scope"]) == {"year_to_date"}
    assert scores["province_code"].nunique() == 34 and scores["period"].unique().tolist() == ["2026-10"]
    total = scores[scores.component == "TONG_SCORE"].set_index("province_code")["points"]
    assert total["01"] == pytest.approx(
        next(
            p["totalScore"]
            for p in json.loads(paths.INDEX766_2026_JSON.read_bytes())["provinces"]
            if p["departmentName"] == "UBND Thành phố Hà Nội"
        )
    )
    # our ranks agree with the ones the saving repository added
    ranked = ranks(scores, "year_to_date")
    ours = ranked[ranked.component == "TONG_SCORE"].set_index("dashboard_code")["rank"]
    theirs = {p["departmentCode"]: p["rank"] for p in json.loads(paths.INDEX766_2026_JSON.read_bytes())["provinces"]}
    assert ours.to_dict() == theirs


def test_two_scales_are_never_joined_silently():
    from dxanalysis.core.errors import DxError
    from dxanalysis.data.index766 import combine_scores, wide_scores

    old, _ = load_index766(paths.INDEX766_XLSX)
    new, _ = load_index766(paths.INDEX766_2026_JSON)
    with pytest.raises(DxError, match="different scales"):
        combine_scores(old, new)
    with pytest.warns(UserWarning, match="never read them as one series"):
        both = combine_scores(old, new, allow_mixed_scales=True)
    with pytest.raises(DxError, match="mixes 766 scales"):
        wide_scores(both.assign(scope="month"), scope="month")
    with pytest.raises(DxError, match="different scales"):  # quiet is not allowed
        combine_scores(old, new, warn=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = combine_scores(old, new, allow_mixed_scales=True, warn=False)
    pd.testing.assert_frame_equal(quiet, both)


def test_the_places_that_stack_both_scales_go_through_combine_scores(tmp_path, monkeypatch):
    """The pipeline's scores step and the reports' 766 table stack the two generations on
    purpose, through combine_scores (they used a plain concat): told to, quietly; else refused."""
    from dxanalysis.core.errors import DxError
    from dxanalysis.data import index766
    from dxanalysis.report.tables import index766_table
    from dxanalysis.run.pipeline import Pipeline

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would print in every notebook opened alone
        both = index766_table()
        Pipeline(tmp_path / "build")._scores()
    assert sorted(both["scale"].unique()) == list(SCALES)
    written = pd.read_csv(tmp_path / "build" / "index766.csv", dtype={"province_code": str, "period": str})
    assert written.groupby("scale").size().to_dict() == both.groupby("scale").size().to_dict()

    stack = index766.combine_scores
    monkeypatch.setattr(index766, "combine_scores", lambda *tables, **_: stack(*tables))  # not told to mix
    with pytest.raises(DxError, match="different scales"):
        index766_table()
    with pytest.raises(DxError, match="different scales"):
        Pipeline(tmp_path / "refused")._scores()


def _off_total_2025(tmp_path, delta):
    month = pd.read_excel(paths.INDEX766_XLSX, sheet_name="Điểm tháng")
    month.loc[0, TOTAL[0]] = round(month.loc[0, list(COMPONENTS)].sum() + delta, 2)
    path = tmp_path / "off_T10_2025.xlsx"
    month.to_excel(path, sheet_name="Điểm tháng", index=False)
    return path


def _off_total_2026(tmp_path, delta):
    payload = json.loads(paths.INDEX766_2026_JSON.read_bytes())
    unit = payload["provinces"][0]
    unit["totalScore"] = round(sum(unit["scores"][c] for c in COMPONENTS) + delta, 2)
    path = tmp_path / "off.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


@pytest.mark.parametrize("generation", [_off_total_2025, _off_total_2026], ids=["2025", "2026"])
@pytest.mark.parametrize("sign", [1, -1], ids=["above", "below"])
def test_one_total_tolerance_in_both_loaders(tmp_path, generation, sign):
    """A stated total just inside TOTAL_TOLERANCE of its six groups is read, just outside is
    refused, the same in both generations (the 2026 loader once allowed 0.30)."""
    assert TOTAL_TOLERANCE == 0.05
    scores, _ = load_index766(generation(tmp_path, sign * (TOTAL_TOLERANCE - 0.01)))
    assert scores["province_code"].nunique() == 34
    with pytest.raises(InputProblems, match=r"does not equal the sum of the six \w+ \(.*tolerance 0.05\)"):
        load_index766(generation(tmp_path, sign * (TOTAL_TOLERANCE + 0.01)))


def test_scope_option_for_sheets_that_do_not_say(tmp_path):
    import pandas as pd

    from dxanalysis.cli.main import main

    month = pd.read_excel(paths.INDEX766_XLSX, sheet_name="Điểm tháng")
    path = tmp_path / "x_T10_2025.xlsx"
    month.to_excel(path, sheet_name="Sheet1", index=False)
    scores, _ = load_index766(path, scope="month")
    assert set(scores["scope"]) == {"month"} and scores["province_code"].nunique() == 34
    assert main(["index766", str(path), "--scope", "month", "--out", str(tmp_path / "o.csv")]) == 0
    assert main(["index766", str(path), "--out", str(tmp_path / "o2.csv")]) == 1  # refused without --scope
    # the CSV written reads back in the 766 contract
    again, _ = load_index766(tmp_path / "o.csv")
    pd.testing.assert_frame_equal(again, scores)


def test_raw_api_answer_needs_period_and_scope(tmp_path):
    import json

    units = json.loads(paths.INDEX766_2026_JSON.read_bytes())["provinces"]
    answer = {"code": "OK", "data": {"evaluation": [{**u, "groupScores": u["scores"]} for u in units]}, "message": "OK"}
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    with pytest.raises(InputProblems, match="--period YYYY-MM and --scope"):
        load_index766(path)
    scores, _ = load_index766(path, period="2026-09", scope="month")
    assert scores["province_code"].nunique() == 34 and set(scores["period"]) == {"2026-09"}
    answer["data"]["evaluation"][0]["groupScores"]["CKMB"] = None
    path.write_text(json.dumps(answer), encoding="utf-8")
    with pytest.raises(InputProblems, match="CKMB: .*None is not a number"):
        load_index766(path, period="2026-09", scope="month")


def test_na_cells_and_blank_rows_name_sheet_row_and_column(tmp_path):
    import pandas as pd

    month = pd.read_excel(paths.INDEX766_XLSX, sheet_name="Điểm tháng")
    component = next(iter(COMPONENTS))
    month[component] = month[component].astype(object)
    month.loc[3, component] = "n/a"
    month.loc[5, component] = None
    # a blank spreadsheet row after the second data row: later rows keep their sheet numbers
    blank = pd.DataFrame([[None] * len(month.columns)], columns=month.columns)
    shifted = pd.concat([month.iloc[:2], blank, month.iloc[2:]], ignore_index=True)
    path = tmp_path / "na_T10_2025.xlsx"
    shifted.to_excel(path, sheet_name="Điểm tháng", index=False)
    with pytest.raises(InputProblems) as info:
        load_index766(path)
    messages = [str(p) for p in info.value.problems]
    # data row 4 of the frame is sheet row 6 (header row 1, blank row 4)
    assert (
        f"{path}[Điểm tháng]:6: {component}: 'n/a' is not a number; expected points 0..{COMPONENTS[component][1]:g}"
        in messages
    )
    assert any(m.startswith(f"{path}[Điểm tháng]:8: {component}: empty; expected a number of points") for m in messages)
    assert not any("fails the check" in m or "Column" in m for m in messages)


def test_renamed_columns_say_which_sheet_lacks_what(tmp_path):
    import pandas as pd

    month = pd.read_excel(paths.INDEX766_XLSX, sheet_name="Điểm tháng").rename(columns={"TEN": "Tên đơn vị"})
    path = tmp_path / "renamed_T10_2025.xlsx"
    month.to_excel(path, sheet_name="Điểm tháng", index=False)
    with pytest.raises(InputProblems, match=r"found: sheet 'Điểm tháng' lacks TEN"):
        load_index766(path)
