"""The bundled list of 3,321 communes, and matching published unit names to it."""

import pytest

from dxanalysis.core import provenance
from dxanalysis.data import communes


def test_the_bundled_list_is_the_packages_and_holds_every_commune():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from make_commune_table import read_package

    bundled = communes.load_communes()
    assert len(bundled) == 3321 and bundled["ward_code"].is_unique
    assert bundled["province_code"].nunique() == 34 and bundled["ward_code"].str.len().eq(5).all()
    assert set(bundled["type"]) == {"ward", "commune", "special_zone"}
    assert bundled[bundled["type"] == "special_zone"].shape[0] == 13
    package = read_package()
    assert package["ward_code"].tolist() == bundled["ward_code"].tolist()
    assert package["name"].tolist() == bundled["name"].tolist()
    assert provenance.check_all() == []


@pytest.mark.parametrize(
    "published",
    ["UBND Phường Việt Trì", "UBND phường Việt Trì - Tỉnh Phú Thọ", "Phuong Viet Tri", "ỦY BAN NHÂN DÂN Phường Việt Trì"],
)
def test_a_published_name_finds_its_ward_within_its_province(published):
    code, reason = communes.match_ward("25", published)
    assert reason == "" and communes.load_communes().set_index("ward_code").at[code, "name"] == "Phường Việt Trì"


def test_no_match_and_several_matches_are_kept_with_the_reason():
    code, reason = communes.match_ward("25", "UBND xã Không Có Thật")
    assert code == "" and "no commune" in reason
    code, reason = communes.match_ward("01", "Phường Việt Trì")  # a ward of Phú Thọ, not of Hà Nội
    assert code == "" and "province 01" in reason
    frame = communes.load_communes()
    shared = frame.groupby(["province_code", "short_key"]).filter(lambda g: len(g) > 1)
    if len(shared):  # two communes of one province with the same name but another type: the bare name is ambiguous
        row = shared.iloc[0]
        code, reason = communes.match_ward(row.province_code, row.short_name)
        assert code == "" and "share that name" in reason


def test_names_that_differ_only_by_a_diacritic_are_told_apart():
    frame = communes.load_communes()
    hcm = frame[(frame["province_code"] == "79") & frame["short_name"].isin(["Thanh An", "Thạnh An"])]
    for row in hcm.itertuples():
        code, reason = communes.match_ward("79", f"UBND {row.name}")
        assert (code, reason) == (row.ward_code, ""), row.name
