"""`dx fetch` against the project's own local test server (never the network)."""

import datetime as dt
import hashlib
import json
import os

import pandas as pd
import pytest

from dxanalysis.cli.main import main
from dxanalysis.core import paths
from dxanalysis.core.errors import DxError
from dxanalysis.data.index766 import load_index766
from dxanalysis.data.observations import load_observations
from dxanalysis.portal.client import PortalRefused
from dxanalysis.portal.fake import FakePortal, FakePortalServer
from dxanalysis.portal.fetch import department_table, fetch
from dxanalysis.portal.mapping import load_settings, pick

TODAY = dt.date(2026, 11, 26)


def run(tmp_path, portal=None, start="2026-08", end="2026-09", **kwargs):
    with FakePortalServer(portal or FakePortal()) as server:
        result = fetch(tmp_path / "out", start, end, base_url=server.url, today=TODAY, progress=False, backoff=0.0, **kwargs)
    return result, server.portal


def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_writes_the_three_tables_and_every_raw_answer(tmp_path):
    result, portal = run(tmp_path, FakePortal(children_per_page=2, children=3))
    out = tmp_path / "out"
    obs = pd.read_csv(out / "observations.csv", dtype={"province_code": str})
    # 34 provinces x 2 months x the 5 indicators mapped with high or medium confidence
    assert len(obs) == 34 * 2 * 5 and obs["province_code"].nunique() == 34
    assert set(obs["indicator"]) == {
        "online_records",
        "online_payment",
        "digitised_records",
        "records_with_electronic_result",
        "online_service_satisfaction",
    }
    assert (obs["value"] - obs["numerator"] / obs["denominator"] * 100).abs().max() < 1e-3
    assert (
        obs["source"].str.contains("fetched 2026-").all()
        and obs["source"].str.contains("provide-online-tree|dossier-digitized|payment|satisfaction").all()
    )
    assert obs["source"].str.contains("mapping confidence").all()
    # the answers' numbers are carried exactly: Hà Nội, August, records processed online
    raw = json.loads((out / "raw/2026-08/provide-online-tree/provide-online-tree.01.json").read_bytes())
    row = obs[(obs.province_code == "01") & (obs.period == "2026-08") & (obs.indicator == "online_records")].iloc[0]
    assert row.numerator == raw["data"]["parent"]["channelOnlineSum"]
    assert row.denominator == raw["data"]["parent"]["channelTotalSum"]
    # GSO codes, not the dashboard's H-codes
    assert obs["province_code"].str.fullmatch(r"\d{2}").all()
    # 766 rows: 34 provinces x 2 months x 7 components, in the 766 contract, readable by the loader
    scores, _ = load_index766(out / "index766.csv")
    assert len(scores) == 34 * 2 * 7 and set(scores["scale"]) == {"766-2026"} and set(scores["scope"]) == {"month"}
    # raw answers with sidecars: URL, body, status, time, sha256
    answers = sorted((out / "raw").rglob("*.json"))
    answers = [a for a in answers if not a.name.endswith(".meta.json")]
    for answer in answers:
        meta = json.loads(answer.with_name(answer.name + ".meta.json").read_text())
        assert meta["sha256"] == hashlib.sha256(answer.read_bytes()).hexdigest()
        assert meta["status"] == 201 and meta["url"].endswith(answer.parent.name) and meta["fetched_at"]
        assert isinstance(meta["body"], dict)
    # pagination: 3 children per province, 2 a page -> every per-province answer has a page 2
    assert (out / "raw/2026-08/dossier-digitized/dossier-digitized.01.p2.json").exists()
    pages = [b for e, b in portal.requests if e == "dossier-digitized" and b["currentPage"] == 2]
    assert len(pages) == 34 * 2
    assert all(b["pageSize"] == 200 for e, b in portal.requests)


@pytest.mark.slow
def test_fetched_data_validates_and_forecasts(tmp_path):
    run(tmp_path, start="2026-01", end="2026-10")
    out = tmp_path / "out"
    frame = load_observations(out / "observations.csv")
    assert len(frame) == 34 * 10 * 5
    assert main(["validate", str(out / "observations.csv"), str(out / "index766.csv")]) == 0
    assert main(["forecast", str(out / "observations.csv"), "--out", str(tmp_path / "f.csv")]) == 0
    forecasts = pd.read_csv(tmp_path / "f.csv", dtype={"province_code": str})
    sat = forecasts[(forecasts.target_id == "satisfaction_2026") & (forecasts.province_code != "00")]
    assert len(sat) == 34 and sat["status"].ne("no_data").all() and sat["as_of"].eq("2026-10").all()
    assert forecasts.loc[forecasts.indicator == "adult_online_users", "status"].eq("no_data").all()


def test_resume_sends_nothing_for_cached_months_and_offline_is_byte_identical(tmp_path):
    first, portal = run(tmp_path)
    before = tree(tmp_path / "out")
    again, portal2 = run(tmp_path)
    assert again.requests_sent == 0 and portal2.requests == []
    result = fetch(
        tmp_path / "out", "2026-08", "2026-09", offline=True, today=TODAY, progress=False, base_url="http://127.0.0.1:9"
    )  # nothing listens there: offline never connects
    assert result.requests_sent == 0
    assert tree(tmp_path / "out") == before


def test_offline_without_raw_answers_records_them_missing(tmp_path):
    result = fetch(tmp_path / "empty", "2026-08", "2026-08", offline=True, today=TODAY, progress=False)
    assert result.observations.empty
    assert result.missing["reason"].str.contains("not in the raw store").all()


def test_5xx_then_success_is_retried(tmp_path):
    result, portal = run(
        tmp_path, FakePortal(fail_first={"service-results": 2, "provide-online-tree": 1}), start="2026-08", end="2026-08"
    )
    assert len(result.observations) == 34 * 5 and result.missing.empty
    assert [e for e, _ in portal.requests].count("service-results") == 3


def test_timeout_then_success(tmp_path):
    class SlowOnce(FakePortal):
        def answer(self, endpoint, body):
            if endpoint == "service-results" and not any(e == endpoint for e, _ in self.requests):
                self.requests.append((endpoint, body))
                import time

                time.sleep(1.5)
                return 201, {"code": "OK", "data": {"evaluation": []}, "message": "late"}
            return super().answer(endpoint, body)

    result, portal = run(tmp_path, SlowOnce(), start="2026-08", end="2026-08", timeout=0.5)
    assert len(result.observations) == 34 * 5
    assert [e for e, _ in portal.requests].count("service-results") == 2


@pytest.mark.slow
def test_unreachable_portal_exits_1_naming_the_url(tmp_path, capsys):
    code = main(
        [
            "fetch",
            "--from",
            "2026-08",
            "--to",
            "2026-08",
            "--out",
            str(tmp_path / "o"),
            "--base-url",
            "http://127.0.0.1:9",
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "cannot reach http://127.0.0.1:9/api/v1/reporting/evaluation/service-results" in err
    assert "Traceback" not in err


def test_web_firewall_refusal_is_not_retried(tmp_path):
    with pytest.raises(PortalRefused, match="HTTP 403"):
        run(tmp_path, FakePortal(refuse=True), start="2026-08", end="2026-08")


def test_bad_envelope_nulls_and_missing_province_are_recorded_missing_never_zero(tmp_path):
    portal = FakePortal(
        bad_envelope={("dossier-digitized", "2026-08")},
        null_fields={("formality-online-payment-tree", "79")},
        missing_provinces={"12"},
    )
    result, _ = run(tmp_path, portal, start="2026-08", end="2026-09")
    obs, missing = result.observations, result.missing
    assert not ((obs.numerator == 0) & (obs.denominator == 0)).any()
    # bad envelope: August digitisation indicators missing for every province, September kept
    aug = obs[obs.period == "2026-08"]
    assert not aug["indicator"].isin(["digitised_records", "records_with_electronic_result"]).any()
    assert obs[obs.period == "2026-09"]["indicator"].eq("digitised_records").sum() == 33
    assert missing["reason"].str.contains("envelope code 'ERROR'").sum() == 33
    # nulls: Hồ Chí Minh City's payment rows missing, named
    assert not ((obs.province_code == "79") & (obs.indicator == "online_payment")).any()
    nulls = missing[(missing.province_code == "79") & (missing.indicator == "online_payment")]
    assert len(nulls) == 2 and nulls["reason"].str.contains("is null").all()
    # missing province: Lai Châu absent from the list each month, no rows, a message naming it
    assert "12" not in set(obs.province_code) and "12" not in set(result.scores.province_code)
    assert any("Lai Châu (12)" in m and "absent" in m for m in result.messages)


def test_unpublished_months_are_skipped_with_a_message(tmp_path):
    result, portal = run(tmp_path, start="2026-10", end="2026-12")
    assert set(result.observations["period"]) == {"2026-10"}
    skipped = result.missing[result.missing.reason.str.contains("not yet published")]
    assert set(skipped["period"]) == {"2026-11", "2026-12"}
    assert not any(b.get("month") in (11, 12) for _, b in portal.requests)


def test_server_saying_not_published_is_missing_not_zero(tmp_path):
    result, _ = run(tmp_path, FakePortal(published_before="2026-09"), start="2026-08", end="2026-09")
    assert set(result.observations["period"]) == {"2026-08"}
    assert result.missing["reason"].str.contains("NO_DATA").any()


def test_low_confidence_mappings_are_flagged_not_silent(tmp_path):
    result, _ = run(tmp_path, start="2026-08", end="2026-08")
    assert "online_procedures_full" not in set(result.observations["indicator"])
    assert any("online_procedures_full: low-confidence mapping" in m for m in result.messages)
    result, _ = run(tmp_path / "b", start="2026-08", end="2026-08", include_low_confidence=True)
    low = result.observations[result.observations.indicator == "online_procedures_full"]
    assert len(low) == 34 and low["source"].str.contains("mapping confidence low, to confirm").all()


def test_token_comes_from_the_environment_and_is_never_written(tmp_path, monkeypatch):
    monkeypatch.setenv("DX_PORTAL_TOKEN", "secret-token-123")
    seen = []

    class Recording(FakePortal):
        def answer(self, endpoint, body):
            return super().answer(endpoint, body)

    portal = Recording()
    with FakePortalServer(portal) as server:
        import requests

        original = requests.Session.send

        def spy(self, request, **kw):
            seen.append(request.headers.get("Authorization"))
            return original(self, request, **kw)

        monkeypatch.setattr(requests.Session, "send", spy)
        fetch(
            tmp_path / "out", "2026-08", "2026-08", base_url=server.url, today=TODAY, progress=False, province_codes=["01"]
        )
    assert seen and all(h == "Bearer secret-token-123" for h in seen)
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert b"secret-token-123" not in path.read_bytes()


def test_province_selection_and_bad_months(tmp_path):
    result, portal = run(tmp_path, start="2026-08", end="2026-08", province_codes=["01", "79"])
    assert set(result.observations["province_code"]) == {"01", "79"}
    with pytest.raises(DxError, match="not a month"):
        fetch(tmp_path, "2026-8", "2026-09", today=TODAY, progress=False)
    with pytest.raises(DxError, match="after"):
        fetch(tmp_path, "2026-09", "2026-08", today=TODAY, progress=False)


def test_bundled_department_table_is_derived_from_the_2026_table():
    bundled = pd.read_csv(paths.PORTAL_DEPARTMENTS_CSV, dtype=str)
    pd.testing.assert_frame_equal(bundled, department_table().astype(str))
    assert bundled["province_code"].nunique() == 34


def test_mapping_is_data_with_meaning_and_confidence():
    settings = load_settings()
    by_indicator = {m.indicator: m for m in settings.mappings}
    assert by_indicator["online_records"].numerator == "parent.channelOnlineSum"
    assert all(m.meaning and m.confidence in ("high", "medium", "low") for m in settings.mappings)
    data = {"overview": {"metrics": [{"code": "A", "numerator": None}, {"code": "B", "numerator": 3}]}}
    assert pick(data, "overview.metrics[code=B].numerator") == 3
    assert pick(data, "overview.metrics[code=A].numerator") is None


def test_fetch_cli_end_to_end(tmp_path, capsys):
    with FakePortalServer() as server:
        code = main(
            [
                "fetch",
                "--from",
                "2026-09",
                "--to",
                "2026-09",
                "--out",
                str(tmp_path / "o"),
                "--base-url",
                server.url,
                "--quiet",
                "--provinces",
                "01,Huế",
            ]
        )
    out = capsys.readouterr().out
    assert code == 0 and "2 provinces" in out and "observations" in out
    assert os.path.exists(tmp_path / "o" / "raw" / "2026-09" / "service-results" / "all.json")


@pytest.mark.notebook
def test_fetch_then_batch_makes_reports_from_the_fetched_data(tmp_path):
    from dxanalysis.run.batch import run_batch

    run(tmp_path, start="2026-01", end="2026-10")
    data = tmp_path / "out" / "observations.csv"
    result = run_batch(["01"], jobs=1, data=str(data), out_dir=tmp_path / "reports", extras=False, progress=False)
    assert result.succeeded == ["01"] and not result.failed
    html = (tmp_path / "reports" / "provinces" / "01.html").read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" not in html  # fetched rows are not the bundled panel...
    assert "National Public Service Portal 2026 reporting API via" in html and "127.0.0.1" in html  # its source
    forecasts = pd.read_csv(tmp_path / "reports" / "forecasts.csv", dtype={"province_code": str})
    sat = forecasts[(forecasts.province_code == "01") & (forecasts.target_id == "satisfaction_2026")].iloc[0]
    assert sat.status != "no_data" and sat.as_of == "2026-10"


def test_a_half_synced_month_is_listed_in_missing_and_kept_for_harmonise_to_flag(tmp_path):
    """Issue 17: a month whose volume is far below the province's usual (the new system filling
    up) is listed in missing.csv with the reason, and dx harmonise marks it incomplete."""

    class FillingUp(FakePortal):
        def _count(self, unit, period, what, low, high):
            full = super()._count(unit, period, what, low, high)
            return max(1, full // 50) if unit["province_code"] == "01" and period in ("2026-01", "2026-02") else full

    result, _ = run(tmp_path, FillingUp(), start="2026-01", end="2026-06", province_codes=["01", "79"])
    missing = result.missing
    gaps = missing[missing["endpoint"] == "coverage check"]
    assert set(gaps["period"]) == {"2026-01", "2026-02"} and set(gaps["province_code"]) == {"01"}
    assert gaps["reason"].str.contains("low coverage").all()
    assert any("coverage check" not in m and "low coverage" in m for m in result.messages)
    from dxanalysis.data.harmonise import harmonise_files

    table = harmonise_files([tmp_path / "out" / "observations.csv"]).table
    flagged = table[~table["complete"]]
    assert set(flagged["period"]) == {"2026-01", "2026-02"} and set(flagged["province_code"]) == {"01"}
    assert flagged["incomplete_reason"].str.startswith("low coverage").all()
