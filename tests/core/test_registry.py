import datetime as dt

import pytest

from dxanalysis.core import registry
from dxanalysis.core.errors import DxError

PUBLIC_IDS = [
    "online_procedures_full",
    "online_records",
    "adult_online_users",
    "records_with_personal_id",
    "digitised_records",
    "online_payment",
]


def test_public_indicator_ids_are_present():
    indicators = registry.load_indicators()
    assert set(PUBLIC_IDS) <= set(indicators)
    for ind in indicators.values():
        assert ind.title_en and ind.title_vi and ind.unit == "%" and (ind.lower, ind.upper) == (0, 100)


def test_national_targets_from_the_resolutions():
    targets = registry.load_targets().set_index("target_id")
    assert targets.loc["online_procedures_full", "threshold"] == 100
    assert targets.loc["online_records", "threshold"] == 80
    assert targets.loc["adult_online_users", "threshold"] == 40
    assert targets.loc["records_with_personal_id", "threshold"] == 100
    assert targets.loc["online_records", "deadline"] == dt.date(2025, 12, 31)
    assert targets.loc["records_with_personal_id", "deadline_period"] == "2025-06"
    assert targets["source"].str.len().gt(10).all()
    assert set(targets["indicator"]) <= set(registry.load_indicators())


def test_province_override_applies_and_is_checked(tmp_path):
    (tmp_path / "01.yaml").write_text(
        'province: "01"\ntargets:\n  - id: online_records\n    threshold: 90\n    source: "Decision X"\n', encoding="utf-8"
    )
    targets = registry.load_targets("01", overrides_dir=tmp_path).set_index("target_id")
    assert targets.loc["online_records", "threshold"] == 90
    assert targets.loc["online_records", "scope"] == "province 01"
    assert (
        registry.load_targets("79", overrides_dir=tmp_path).set_index("target_id").loc["online_records", "threshold"] == 80
    )
    (tmp_path / "79.yaml").write_text(
        'province: "79"\ntargets:\n  - id: online_records\n    threshold: 70\n    source: "Decision Y"\n', encoding="utf-8"
    )
    with pytest.raises(DxError, match="laxer"):
        registry.load_targets("79", overrides_dir=tmp_path)
    (tmp_path / "48.yaml").write_text(
        'province: "48"\ntargets:\n  - id: online_records\n    threshold: 85\n', encoding="utf-8"
    )
    with pytest.raises(DxError, match="source"):
        registry.load_targets("48", overrides_dir=tmp_path)


def test_targets_still_ahead_carry_their_documents_and_confidence():
    from dxanalysis.core.registry import load_targets

    targets = load_targets().set_index("target_id")
    ahead = targets[targets["deadline"].astype(str) > "2026-10-31"]
    assert {"online_procedures_full_2026", "online_procedures_full_2027", "satisfaction_2026"} <= set(ahead.index)
    assert targets.at["online_procedures_full_2026", "threshold"] == 80
    assert "Decision 11/QĐ-BCĐCP" in targets.at["online_procedures_full_2026", "source"]
    assert targets.at["online_procedures_full_2026", "to_confirm"]  # medium confidence
    assert not targets.at["satisfaction_2026", "to_confirm"]  # high confidence
    assert targets.at["satisfaction_2026", "indicator"] == "online_service_satisfaction"
    assert "Decision 282/QĐ-TTg" in targets.at["online_procedures_full_2027", "source"]
    assert all(u.startswith("https://") for u in ahead["url"])
    assert not targets["source"].str.contains("shared|FACTS").any()


def test_low_confidence_target_without_to_confirm_is_refused(tmp_path):
    import pytest

    from dxanalysis.core.errors import DxError
    from dxanalysis.core.registry import load_targets

    path = tmp_path / "t.yaml"
    path.write_text(
        "targets:\n  - id: x\n    indicator: online_records\n    threshold: 50\n    comparator: '>='\n"
        "    deadline: 2026-12-31\n    source: a press report\n    confidence: medium\n",
        encoding="utf-8",
    )
    with pytest.raises(DxError, match="must say status: 'to confirm'"):
        load_targets(path=path)
