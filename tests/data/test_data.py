import pandas as pd

from dxanalysis.core import paths, provenance
from dxanalysis.data.synthetic import generate_panel


def test_every_data_file_has_a_current_sidecar():
    assert provenance.data_files(), "no data files found"
    assert provenance.check_all() == []


def test_synthetic_panel_is_reproducible_from_code():
    bundled = pd.read_csv(paths.PANEL_CSV, dtype={"province": str})
    regenerated = generate_panel()
    pd.testing.assert_frame_equal(bundled, regenerated, check_dtype=False)


def test_synthetic_is_labelled_in_data_and_sidecar():
    panel = pd.read_csv(paths.PANEL_CSV, dtype=str)
    assert panel["source"].str.contains("SYNTHETIC").all()
    meta = provenance.read_sidecar(paths.PANEL_CSV)
    assert meta["synthetic"] is True and "SYNTHETIC" in meta["how_made"]


def test_panel_covers_63_then_34_provinces():
    panel = pd.read_csv(paths.PANEL_CSV, dtype={"province": str})
    before = panel[panel["period"] < "2025-07"]
    after = panel[panel["period"] >= "2025-07"]
    assert before["province"].nunique() == 63 and after["province"].nunique() == 34
    assert panel["period"].min() == "2024-01" and panel["period"].max() == "2026-10"


def test_national_figures_cite_sources():
    figures = pd.read_csv(paths.NATIONAL_FIGURES_CSV)
    assert figures["source"].notna().all()
    real = figures.set_index("figure_id")
    assert real.loc["online_records_national_2025-10", "value"] == 39.98
    assert real.loc["online_records_provinces_2025-10", "value"] == 16.94
