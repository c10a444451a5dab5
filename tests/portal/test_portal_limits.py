"""`dx fetch` against a hostile local portal, continued: stopping (refusals, failures after
retries, Ctrl-C), deadlines, pagination, the size cap and the messages (issue 21)."""

import time

import pytest
from test_portal_hostile import HA_NOI, HCMC, TODAY, Hostile, only, run, sent, setting

from dxanalysis.cli.main import main
from dxanalysis.portal.client import PortalRefused, PortalUnreachable
from dxanalysis.portal.fake import FakePortalServer, Raw
from dxanalysis.portal.fetch import fetch

# ------------------------------------------------------------------------- stopping: refusals, failures, Ctrl-C

REFUSALS = {
    "403": lambda: (403, Raw(403, b"<html><body>Request Rejected</body></html>", "text/html")),
    "429": lambda: (429, Raw(429, b'{"code": "TOO_MANY"}')),
    "html-200": lambda: (200, Raw(200, b"<html><title>Access Denied</title></html>", "text/html; charset=utf-8")),
}


@pytest.mark.parametrize("jobs", [1, 4])
@pytest.mark.parametrize("kind", list(REFUSALS))
def test_after_the_first_refusal_at_most_jobs_further_requests(tmp_path, kind, jobs):
    # the refusal comes in the middle of the per-province requests, with others in flight
    def fault(endpoint, code, body, status, payload):
        return REFUSALS[kind]() if endpoint != "service-results" and code >= "20" else None

    portal = Hostile(fault)
    with pytest.raises(PortalRefused, match="web firewall") as caught:
        run(tmp_path, portal, jobs=jobs, retries=4)
    further = len(portal.requests) - portal.received_at_first_refusal
    assert portal.received_at_first_refusal is not None and further <= jobs, further
    assert caught.value.requests_sent == len(portal.requests)  # every request counted, none invented
    assert len(portal.requests) < 1 + 34 * 4  # queued work was cancelled, not sent


def test_a_request_failing_after_its_retries_stops_the_run_without_draining_the_queue(tmp_path):
    def fault(endpoint, code, body, status, payload):
        return (503, {"code": "ERROR"}) if endpoint == "dossier-digitized" and code == HA_NOI else None

    portal = Hostile(fault)
    with pytest.raises(PortalUnreachable, match=r"HTTP 503 on 3 tries; the portal is failing") as caught:
        run(tmp_path, portal, jobs=2, retries=2)
    assert sent(portal, "dossier-digitized", HA_NOI) == 3  # the real number of tries
    assert len(portal.requests) <= 1 + 4 + 3 + 2 * 2, len(portal.requests)  # not the 136 queued
    assert caught.value.requests_sent == len(portal.requests)
    assert not (tmp_path / "out" / "observations.csv").exists()


def test_ctrl_c_cancels_queued_requests_at_once(tmp_path):
    import os
    import signal

    # Python's own Ctrl-C, whatever an earlier test in this process left installed (in one whole-suite
    # run this test saw no KeyboardInterrupt, and it passes alone)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    portal = Hostile()
    received = []

    def fault(endpoint, code, body, status, payload):
        received.append(endpoint)
        if len(received) == 10:  # the user presses Ctrl-C while requests are queued and in flight
            portal.interrupted_at = len(portal.requests)
            os.kill(os.getpid(), signal.SIGINT)  # as the terminal sends it
        return None

    portal.fault = fault
    try:
        with pytest.raises(KeyboardInterrupt):
            run(tmp_path, portal, jobs=3)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(portal.requests) - portal.interrupted_at <= 3
    assert not (tmp_path / "out" / "observations.csv").exists()


def test_an_answer_trickling_in_ends_within_twice_the_timeout(tmp_path):
    # one byte every 0.1 s for 60 s: each read is quick, so only an overall deadline ends it
    trickle = Raw(201, (b" " for _ in range(600)), pause=0.1, length=600)

    def fault(endpoint, code, body, status, payload):
        return (201, trickle) if endpoint == "service-results" else None

    portal = Hostile(fault)
    started = time.monotonic()
    with pytest.raises(PortalUnreachable, match="still arriving after the 1 s deadline"):
        run(tmp_path, portal, timeout=1.0, retries=4)
    assert time.monotonic() - started < 2 * 1.0 + 0.5  # the one timed assertion: generous
    assert len(portal.requests) == 1  # a deadline is not retried


# ------------------------------------------------------------------------- pagination


def _pages(stated_pages, total=None, repeat=False):
    def change(status, payload, body):
        page = body["currentPage"]
        children = [{"departmentId": f"u{1 if repeat else page}", "level": "COMMUNE"}]
        pagination = {"currentPage": page, "pageSize": 1, "totalPages": stated_pages}
        if total is not None:
            pagination["total"] = total
        return status, setting(setting(payload, ["data", "children"], children), ["data", "pagination"], pagination)

    return change


@pytest.mark.parametrize(
    "change, asked, note",
    [
        (_pages(500, repeat=True), 2, "page 2 repeats page 1; the 498 page(s) after it were not asked for"),
        (_pages(500), 5, "500 pages announced; only the first 5 read (max_pages)"),
        (_pages(500, total=3), 3, None),  # total 3 at 1 a page: 3 pages, whatever totalPages says
    ],
    ids=["repeated-page", "max-pages", "total-caps-totalPages"],
)
def test_pagination_is_capped_and_stops_on_a_repeated_page(tmp_path, change, asked, note):
    portal = Hostile(only("provide-online-tree", HA_NOI, change))
    result = run(tmp_path, portal, province_codes=[HA_NOI], max_pages=5)
    assert sent(portal, "provide-online-tree", HA_NOI) == asked
    assert result.missing.empty and len(result.observations) == 5
    assert note is None or any(note in m and "Hà Nội (01)" in m for m in result.messages)
    offline = fetch(
        tmp_path / "out",
        "2026-08",
        "2026-08",
        offline=True,
        today=TODAY,
        progress=False,
        max_pages=5,
        province_codes=[HA_NOI],
    )
    assert offline.messages == result.messages  # the replay says the same


# ------------------------------------------------------------------------- size cap


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "no-length"])
def test_an_answer_over_the_size_cap_is_refused_recorded_and_not_stored(tmp_path, announced):
    big = 2 * 2**20  # 2 MB against a cap of 0.5 MB, in 64 KB chunks that are never all held
    chunks = (b'{"code":"OK","data":{"x":"' if i == 0 else b"x" * 65536 for i in range(big // 65536))
    answer = Raw(201, chunks, length=big if announced else None)
    portal = Hostile(only("handling-satisfaction", HA_NOI, lambda s, p, b: (201, answer)))
    result = run(tmp_path, portal, province_codes=[HA_NOI, HCMC], max_answer_mb=0.5)
    lost = result.missing[result.missing.province_code == HA_NOI]
    assert len(lost) == 1 and lost.reason.str.contains(r"larger than 0.5 MB \(max_answer_mb\)").all()
    assert not (tmp_path / "out/raw/2026-08/handling-satisfaction/handling-satisfaction.01.json").exists()
    assert len(result.observations) == 2 * 5 - 1


# ------------------------------------------------------------------------- messages


def test_messages_say_what_happened(tmp_path, capsys, monkeypatch):
    import dataclasses

    import dxanalysis.portal.fetch as fetch_module

    no_wait = dataclasses.replace(fetch_module.load_settings(), backoff=0.0)  # the CLI cannot set it
    monkeypatch.setattr(fetch_module, "load_settings", lambda: no_wait)

    def cli(url, *extra):
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
                url,
                "--quiet",
                *extra,
            ]
        )
        return code, capsys.readouterr()

    code, out = cli("http://127.0.0.1:9")  # nothing listens: refused, tried 1 + 4 times
    assert code == 1 and "connection refused, on 5 tries" in out.err and "5 request(s) sent, retries included" in out.err

    def html_502(endpoint, code, body, status, payload):
        return (
            (502, Raw(502, b"<html><center>nginx</center></html>", "text/html")) if endpoint == "service-results" else None
        )

    with FakePortalServer(Hostile(html_502)) as server:
        import dxanalysis.portal.mapping as mapping

        settings = mapping.load_settings()
        with pytest.raises(PortalUnreachable) as caught:
            fetch(tmp_path / "p", "2026-08", "2026-08", base_url=server.url, today=TODAY, progress=False, backoff=0.0)
    message = str(caught.value)
    assert f"HTTP 502 (an HTML error page, e.g. from a proxy) on {settings.retries + 1} tries" in message
    assert "firewall" not in message and "not retried" not in message

    def slow(endpoint, code, body, status, payload):
        time.sleep(0.6)

    with FakePortalServer(Hostile(slow)) as server:
        code, out = cli(server.url, "--provinces", "01")
    assert code == 0  # the defaults retry a timeout; here each answer comes in time

    with FakePortalServer(Hostile(slow)) as server, pytest.raises(PortalUnreachable, match=r"timed out .* on 2 tries"):
        fetch(tmp_path / "q", "2026-08", "2026-08", base_url=server.url, today=TODAY, progress=False, timeout=0.3, retries=1)

    with FakePortalServer(Hostile()) as server:
        code, out = cli(server.url, "--provinces", "01")
    assert code == 0 and "0 missing;" in out.out and "see missing.csv" not in out.out
