"""Inside a province: units off track ranked by their share of its gap, counts by status, the map."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from dxanalysis import report  # noqa: E402
from dxanalysis.report import i18n, plots  # noqa: E402
from dxanalysis.report.unit_tables import shortfall  # noqa: E402


def _units() -> pd.DataFrame:
    from dxanalysis.data.units import commune_centroids

    wards = commune_centroids("25")["ward_code"].tolist()[:3] + ["99999"]  # the last is in no list
    base = {
        "province_code": "25",
        "target_id": "satisfaction_2026",
        "indicator": "online_service_satisfaction",
        "deadline": "2026-12-31",
        "deadline_passed": False,
        "target_value": 95.0,
        "last_value": 80.0,
        "p_hit": 0.1,
        "required_pace": 7.5,
        "lo80": 70.0,
        "hi80": 90.0,
    }
    rows = [
        # name, level, ward, volume, forecast, status
        ("UBND Phường Việt Trì", "commune", wards[0], 2000, 85.0, "off_track"),  # 10 pts x 2000 = 200 short
        ("UBND Xã Lâm Thao", "commune", wards[1], 500, 75.0, "off_track"),  # 20 pts x 500 = 100 short
        ("UBND Xã Hy Cương", "commune", wards[2], 5000, 94.0, "needs_acceleration"),  # 1 pt x 5000 = 50 short
        ("UBND Xã Đủ", "commune", wards[3], 3000, 96.0, "on_track"),  # on track: no shortfall
        ("Sở Tư pháp Phú Thọ", "department", "", 800, 90.0, "off_track"),  # 5 pts x 800 = 40 short
    ]
    frame = pd.DataFrame(
        [
            {
                **base,
                "unit_name": n,
                "level": level,
                "ward_code": w,
                "unit_code": f"H44.{k}",
                "volume": v,
                "forecast": f,
                "status": s,
            }
            for k, (n, level, w, v, f, s) in enumerate(rows)
        ]
    )
    return frame


def test_units_are_ranked_by_the_records_their_gap_holds():
    i18n.set_language("en")
    rows = _units()
    assert shortfall(rows).tolist() == [200.0, 100.0, 50.0, 0.0, 40.0]
    communes = report.unit_ranking(rows, "satisfaction_2026", "commune")
    assert communes["unit"].tolist() == ["UBND Phường Việt Trì", "UBND Xã Lâm Thao", "UBND Xã Hy Cương"]
    assert communes["share of the province's gap"].tolist() == ["51%", "26%", "13%"]  # of 390 records
    assert communes["code"].tolist() == rows["ward_code"].tolist()[:3]  # GSO codes for communes
    departments = report.unit_ranking(rows, "satisfaction_2026", "department")
    assert departments["unit"].tolist() == ["Sở Tư pháp Phú Thọ"] and departments["code"].tolist() == ["H44.4"]


def test_counts_by_status_keep_communes_and_departments_apart():
    i18n.set_language("en")
    counts = report.unit_status_counts(_units())
    assert counts.loc[(slice(None), "communes and wards"), "off track"].iloc[0] == 2
    assert counts.loc[(slice(None), "departments"), "off track"].iloc[0] == 1
    assert "satisfaction_2026" not in str(counts.index.tolist())  # targets by name
    line = report.unit_summary_lines(_units())[0]
    assert "3 of 4 communes and 1 department(s)" in line


def test_the_commune_map_places_every_commune_of_the_province():
    from dxanalysis.data.units import commune_centroids

    fig = plots.commune_map(_units(), "25", "satisfaction_2026", source="test")
    ax = fig.axes[0]
    hollow, coloured = [c for c in ax.collections if hasattr(c, "get_offsets") and len(c.get_offsets())][-2:]
    assert len(coloured.get_offsets()) == 3  # the three communes of the list that have a forecast
    assert len(hollow.get_offsets()) == len(commune_centroids("25")) - 3  # every other commune, hollow
    assert "Phú Thọ" in ax.get_title(loc="left")
