"""`dx fetch` writes units.csv: every department and commune the answers list (issue 19).

Against the project's local test portal (localhost only), a hostile variant of it, and answers in
the real shape with synthetic numbers (tests/fixtures/portal_units, see its README).
"""

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
from test_portal_hostile import TODAY, Hostile, run, setting

from dxanalysis.data.communes import load_communes
from dxanalysis.portal.client import PortalRefused
from dxanalysis.portal.fake import FakePortal, FakePortalServer, Raw
from dxanalysis.portal.fake_units import roster
from dxanalysis.portal.fetch import fetch

PHU_THO = "25"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "portal_units"
UNIT_COLUMNS = (
    "province_code,unit_code,unit_name,level,ward_code,ward_match,period,indicator,numerator,denominator,value,source"
)
TABLES = ("observations.csv", "index766.csv", "units.csv", "missing.csv")


def raw(out, period, endpoint, code):
    return json.loads((out / f"raw/{period}/{endpoint}/{endpoint}.{code}.json").read_bytes())["data"]


def ward_code(name, province=PHU_THO):
    communes = load_communes()
    return communes.loc[(communes.province_code == province) & (communes.name == name), "ward_code"].item()


def test_unit_rows_equal_the_served_numbers_with_wards_and_levels(tmp_path):
    result = run(tmp_path, Hostile(), province_codes=[PHU_THO, "79"])
    units, out = result.units, tmp_path / "out"
    assert open(out / "units.csv", encoding="utf-8").readline().strip() == UNIT_COLUMNS
    assert result.missing.empty
    for code in (PHU_THO, "79"):
        mine = units[units.province_code == code]
        served = raw(out, "2026-08", "formality-online-payment-tree", code)["children"]
        assert len(served) == len(roster(*_department(code))) == mine.unit_code.nunique()
        # every number carried exactly: the payment tree, by departmentCode
        pay = mine[mine.indicator == "online_payment"].set_index("unit_code")
        for child in served:
            row = pay.loc[child["departmentCode"]]
            assert (row.numerator, row.denominator) == (
                child["totalDossierOnlinePaymentSuccess"],
                child["totalDossierFinancialObligation"],
            )
            assert row.unit_name == child["departmentName"]
            assert row.level == {"PROVINCE": "department", "COMMUNE": "commune"}[child["level"]]
        # handling-satisfaction names no departmentCode: its rows are keyed through departmentId
        codes = {c["departmentId"]: c["departmentCode"] for c in served}
        sat = mine[mine.indicator == "online_service_satisfaction"].set_index("unit_code")
        for entry in raw(out, "2026-08", "handling-satisfaction", code)["evaluation"]:
            assert "departmentCode" not in entry
            metric = entry["metrics"][0]
            assert sat.loc[codes[entry["departmentId"]], "numerator"] == metric["numerator"]
        # the units add up to at most the province's own figures, and the province rows are the province's
        obs = result.observations.set_index(["province_code", "indicator"])
        for indicator, rows in mine.groupby("indicator"):
            assert rows.denominator.sum() <= obs.loc[(code, indicator), "denominator"]
            assert rows.numerator.sum() <= obs.loc[(code, indicator), "numerator"]
    assert set(units.indicator) == {
        "online_payment",
        "digitised_records",
        "records_with_electronic_result",
        "online_service_satisfaction",
    }
    assert not units.duplicated(["province_code", "unit_code", "period", "indicator"]).any()
    assert (units.value - units.numerator / units.denominator * 100).abs().max() < 1e-3
    # communes get their GSO code (Hồ Chí Minh City's "Thanh An" and "Thạnh An" too: the name with
    # its diacritics is tried first); departments none; no unmatched name, so no summary line
    communes = units[units.level == "commune"]
    assert (units.loc[units.level == "department", ["ward_code", "ward_match"]] == "").all().all()
    assert (communes.ward_code != "").all() and (communes.ward_match == "").all()
    assert communes.ward_code.isin(set(load_communes().ward_code)).all()
    assert {"25807", "27676"} <= set(communes.ward_code)  # Xã Thanh An and Xã Thạnh An
    assert not [m for m in result.messages if m.startswith("units: ")]


def _department(code):
    portal = FakePortal()
    unit = next(u for u in portal.units if u["province_code"] == code)
    return unit["province_code"], unit["department_id"], unit["department_code"], unit["department_name"]


def _serve_fixtures(endpoint, code, body, status, payload):
    if code == PHU_THO and (FIXTURES / f"{endpoint}.json").exists():
        return 201, json.loads((FIXTURES / f"{endpoint}.json").read_bytes())
    return None


def test_the_fixture_in_the_real_shape_parses(tmp_path):
    result = run(tmp_path, Hostile(_serve_fixtures), province_codes=[PHU_THO], start="2026-07", end="2026-08")
    units, missing = result.units, result.missing
    august = units[units.period == "2026-08"]
    got = {(r.unit_code, r.indicator): (r.numerator, r.denominator) for r in august.itertuples()}
    assert got == {
        ("H44.05", "online_payment"): (30, 40),
        ("H44.05", "digitised_records"): (12, 60),
        ("H44.05", "records_with_electronic_result"): (45, 60),
        ("H44.05", "online_service_satisfaction"): (50, 60),
        ("H44.100", "online_payment"): (700, 900),
        ("H44.100", "digitised_records"): (250, 1500),
        ("H44.100", "records_with_electronic_result"): (1200, 1500),
        ("H44.100", "online_service_satisfaction"): (1250, 1500),
        ("H44.101", "digitised_records"): (90, 800),
        ("H44.101", "records_with_electronic_result"): (640, 800),
        ("H44.101", "online_service_satisfaction"): (600, 800),
        ("H44.106", "online_payment"): (410, 480),
        ("H44.106", "records_with_electronic_result"): (700, 1000),
        ("H44.106", "online_service_satisfaction"): (780, 1000),
        ("H44.190", "online_payment"): (120, 150),
        ("H44.190", "digitised_records"): (40, 300),
        ("H44.190", "records_with_electronic_result"): (210, 300),
        ("H44.190", "online_service_satisfaction"): (260, 300),
    }
    by_code = august.drop_duplicates("unit_code").set_index("unit_code")
    assert by_code.loc["H44.05", "level"] == "department" and by_code.loc["H44.05", "ward_code"] == ""
    assert by_code.loc["H44.100", "ward_code"] == ward_code("Phường Việt Trì")
    assert by_code.loc["H44.106", "ward_code"] == ward_code("Xã Lâm Thao")  # " - Tỉnh Phú Thọ" dropped
    assert by_code.loc["H44.106", "unit_name"] == "UBND xã Lâm Thao - Tỉnh Phú Thọ"  # as published
    assert by_code.loc["H44.190", "ward_code"] == "" and "no commune" in by_code.loc["H44.190", "ward_match"]
    # null, numerator above denominator and no records: missing with the unit's code, never zero
    lost = missing[missing.period == "2026-08"].set_index(["unit_code", "indicator"]).reason
    assert "totalDossierOnlinePaymentSuccess is null" in lost[("H44.101", "online_payment")]
    assert "= 1100 is more than" in lost[("H44.106", "digitised_records")]
    assert all("is 0 (no records)" in lost[("H44.13", i)] for i in set(august.indicator))
    assert len(lost) == 2 + 4
    assert not ((units.unit_code == "H44.101") & (units.indicator == "online_payment")).any()
    # the name that matches no commune is listed once for the run, not once a month or a row
    summary = [m for m in result.messages if m.startswith("units: ")]
    assert len(summary) == 1 and "'UBND xã Hoa Sen' (Phú Thọ, H44.190)" in summary[0] and summary[0].startswith("units: 1 ")


def _pages_of_units(change):
    """A fault changing dossier-digitized's answer for Phú Thọ (``change(payload, body)``)."""

    def fault(endpoint, code, body, status, payload):
        return (
            (status, change(copy.deepcopy(payload), body)) if endpoint == "dossier-digitized" and code == PHU_THO else None
        )

    return fault


def _empty(payload, body):
    return setting(payload, ["data", "evaluation"], [])


def _page_two_missing(payload, body):
    return {"code": "NO_DATA", "data": None, "message": "x"} if body["currentPage"] == 2 else payload


def _total_above_list(payload, body):
    return setting(payload, ["data", "pagination", "total"], payload["data"]["pagination"]["total"] + 7)


@pytest.mark.parametrize(
    "change, kwargs, words",
    [
        (_empty, {}, "data.evaluation lists no unit"),
        (_page_two_missing, {"portal": {"children_per_page": 60}}, "page 2 of"),
        (None, {"portal": {"children_per_page": 60}, "max_pages": 2}, "only 2 of the 3 pages were read"),
        (_total_above_list, {}, "units but lists"),
    ],
    ids=["empty-list", "page-missing", "pages-capped", "total-above-list"],
)
def test_an_empty_or_short_unit_list_is_a_row_of_missing_csv(tmp_path, change, kwargs, words):
    portal = Hostile(_pages_of_units(change) if change else None, **kwargs.pop("portal", {}))
    result = run(tmp_path, portal, province_codes=[PHU_THO], **kwargs)
    rows = result.missing[(result.missing.endpoint == "dossier-digitized") & result.missing.reason.str.contains(words)]
    assert len(rows) == 1, result.missing.to_dict("records")
    assert "digitised_records" in rows.indicator.iloc[0] and rows.province_code.iloc[0] == PHU_THO
    # the other endpoints' units are all there (unless their pages were capped too)
    assert "max_pages" in kwargs or result.units[result.units.indicator == "online_payment"].unit_code.nunique() == len(
        roster(*_department(PHU_THO))
    )


@pytest.mark.parametrize("value", [1234.5, "12", True, float("nan")], ids=repr)
def test_a_unit_value_that_is_not_a_count_is_missing_never_cast(tmp_path, value):
    def change(payload, body):
        return setting(payload, ["data", "evaluation", 20, "metrics", 1, "numerator"], value)

    result = run(tmp_path, Hostile(_pages_of_units(change)), province_codes=[PHU_THO])
    row = result.missing[result.missing.indicator == "digitised_records"]
    assert len(row) == 1 and row.unit_code.iloc[0] != "" and "not a count" in row.reason.iloc[0]
    assert (result.units.numerator == result.units.numerator.round()).all()
    meta = json.loads((tmp_path / "out/raw/2026-08/dossier-digitized/dossier-digitized.25.json.meta.json").read_text())
    assert meta["checked"] != "ok" and "evaluation[20]" in meta["checked"]  # asked again next run


def test_units_adding_up_above_the_province_are_named_and_the_province_kept(tmp_path):
    def fault(endpoint, code, body, status, payload):
        if endpoint != "formality-online-payment-tree" or code != PHU_THO:
            return None
        payload = copy.deepcopy(payload)
        child = payload["data"]["children"][30]
        child["totalDossierFinancialObligation"] = payload["data"]["parent"]["totalDossierFinancialObligation"]
        return status, payload

    result = run(tmp_path, Hostile(fault), province_codes=[PHU_THO])
    parent = raw(tmp_path / "out", "2026-08", "formality-online-payment-tree", PHU_THO)["parent"]
    child = raw(tmp_path / "out", "2026-08", "formality-online-payment-tree", PHU_THO)["children"][30]
    warning = [m for m in result.messages if "add up to more than the province" in m]
    assert len(warning) == 1 and "online_payment" in warning[0]
    assert f"{child['departmentCode']} {child['departmentName']}" in warning[0]  # named, largest first
    row = result.observations.query("indicator == 'online_payment'").iloc[0]
    assert row.denominator == parent["totalDossierFinancialObligation"]  # the province's own, untouched


def test_offline_replays_units_byte_for_byte(tmp_path):
    run(tmp_path, Hostile(_serve_fixtures), province_codes=[PHU_THO, "01"], start="2026-07", end="2026-08")
    out = tmp_path / "out"
    before = {name: (out / name).read_bytes() for name in TABLES}
    assert before["units.csv"].count(b"\n") > 100
    result = fetch(out, "2026-07", "2026-08", offline=True, today=TODAY, progress=False, province_codes=[PHU_THO, "01"])
    assert result.requests_sent == 0
    assert {name: (out / name).read_bytes() for name in TABLES} == before


class RefusingAfter(Hostile):
    """Answers 429 to every request from the ``after``-th on (a firewall's rate limit)."""

    def __init__(self, after, **kwargs):
        super().__init__(**kwargs)
        self.after = after
        self.fault = lambda endpoint, code, body, status, payload: (
            (429, Raw(429, b'{"code": "TOO_MANY"}')) if self.arrival() > self.after else None
        )


@pytest.mark.parametrize("jobs", [1, 4])
def test_after_a_429_at_most_jobs_further_requests_with_unit_pages(tmp_path, jobs):
    # unit lists of 60 a page: about three pages per list, so unit pages are in flight when it comes
    portal = RefusingAfter(300, children_per_page=60)
    with pytest.raises(PortalRefused):
        run(tmp_path, portal, jobs=jobs, retries=4)
    further = len(portal.requests) - portal.received_at_first_refusal
    assert portal.first_refused == 301 and further <= jobs, further
    assert any(b.get("currentPage", 1) > 1 for _, b in portal.requests)
    assert not (tmp_path / "out" / "units.csv").exists()  # nothing written from a stopped run


def test_units_csv_is_written_with_its_header_when_nothing_was_read(tmp_path):
    result = fetch(tmp_path / "empty", "2026-08", "2026-08", offline=True, today=TODAY, progress=False)
    assert result.units.empty and list(result.units.columns) == UNIT_COLUMNS.split(",")
    assert pd.read_csv(tmp_path / "empty" / "missing.csv").columns[-1] == "unit_code"


def test_the_fake_portal_lists_real_communes_in_the_real_shape():
    with FakePortalServer(FakePortal()) as server:
        portal = server.portal
        unit = next(u for u in portal.units if u["province_code"] == PHU_THO)
        body = {"timeType": "month", "year": 2026, "month": 8, "rootDepartmentId": unit["department_id"]}
        _, tree = portal.answer("formality-online-payment-tree", {**body, "currentPage": 1, "pageSize": 200})
        _, digit = portal.answer("dossier-digitized", {**body, "currentPage": 1, "pageSize": 200})
    children = tree["data"]["children"]
    communes = [c for c in children if c["level"] == "COMMUNE"]
    assert len(communes) == (load_communes().province_code == PHU_THO).sum() == 148
    assert {c["level"] for c in children} == {"PROVINCE", "COMMUNE"} and "pagination" not in tree["data"]
    assert digit["data"]["pagination"] == {"total": len(children), "currentPage": 1, "pageSize": 200, "totalPages": 1}
    assert (
        sum(c["totalDossierFinancialObligation"] for c in children)
        <= tree["data"]["parent"]["totalDossierFinancialObligation"]
    )
