import shutil

import pytest

from dxanalysis import paths
from dxanalysis.errors import InputProblems
from dxanalysis.index766 import COMPONENTS, TOTAL, load_index766, looks_like_766


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
