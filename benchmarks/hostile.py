"""``dx fetch`` against a hostile local portal (issue 21): memory, deadlines, stopping, names.

* peak traced memory of a run whose answer is just under the size cap (the realistic shape of a
  province's answer, about 50,000 units of Vietnamese names), as a multiple of the cap (aim <= 4 x);
  the same with 4 such answers at once (``--jobs 4``); and an answer of 4 x the cap (refused);
* the time a run takes against an answer trickling in (timeout 1 s; aim < 2 s);
* the requests received after the first refusal, ``--jobs 4`` (aim <= 4);
* ``normalise_name`` of a 1 MB label (was 42 s).

Run by ``benchmarks/run.py`` (``--skip-hostile`` to leave it out) or alone:
``python benchmarks/hostile.py [--cap-mb M]``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dxanalysis.core.provinces import normalise_name  # noqa: E402
from dxanalysis.portal.client import PortalRefused, PortalUnreachable  # noqa: E402
from dxanalysis.portal.fake import FakePortal, FakePortalServer, Raw  # noqa: E402
from dxanalysis.portal.fetch import fetch  # noqa: E402

TODAY = dt.date(2026, 11, 26)
UNIT = {
    "departmentId": "019d2be3-6a86-70a8-a0af-76e9868%05d",
    "departmentName": "UBND xã Lâm Thao - Tỉnh Phú Thọ %05d",
    "departmentCode": "H44.100.%05d",
    "level": "COMMUNE",
    "totalScore": 6.5,
    "totalMaxScore": 12,
}


def answer_chunks(size: int):
    """A valid provide-online-tree answer of about ``size`` bytes, made as it is sent (the test
    server holds none of it, so the traced peak is the client's)."""
    template = json.dumps(UNIT, ensure_ascii=False)
    head = b'{"code":"OK","message":"m","data":{"parent":{"channelOnlineSum":150956,"channelTotalSum":152595},"children":['
    yield head
    sent, number, batch = len(head), 0, []
    while sent < size - 200:
        item = template.replace("%05d", f"{number % 100000:05d}").encode() + b","
        batch.append(item)
        sent += len(item)
        number += 1
        if len(batch) == 500:
            yield b"".join(batch)
            batch = []
    yield b"".join(batch) + b'{"level":"COMMUNE"}]}}'


class _Portal(FakePortal):
    def __init__(self, answer=None, **kwargs):
        super().__init__(keep_log=False, **kwargs)
        self.make = answer
        self.count = 0
        self.at_refusal = None

    def answer(self, endpoint, body):
        status, payload = super().answer(endpoint, body)
        with self._lock:
            self.count += 1
        replaced = self.make(endpoint, self) if self.make else None
        return replaced if replaced is not None else (status, payload)


def _peak(cap_mb: float, size: int, provinces: list[str], jobs: int) -> float:
    portal = _Portal(lambda e, p: (201, Raw(201, answer_chunks(size))) if e == "provide-online-tree" else None)
    with FakePortalServer(portal) as server, tempfile.TemporaryDirectory() as tmp:
        tracemalloc.start()
        fetch(tmp, "2026-08", "2026-08", base_url=server.url, today=TODAY, progress=False, province_codes=provinces,
              max_answer_mb=cap_mb, jobs=jobs)  # fmt: skip
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / (cap_mb * 2**20)


def hostile_benchmark(results: dict, cap_mb: float = 10.0) -> None:
    """Fill ``results`` with the figures above and print them."""
    cap = int(cap_mb * 2**20)
    results["hostile_peak_x_cap_one"] = _peak(cap_mb, int(cap * 0.95), ["25"], 1)
    results["hostile_peak_x_cap_four"] = _peak(cap_mb, int(cap * 0.95), ["01", "25", "46", "79"], 4)
    results["hostile_peak_x_cap_refused"] = _peak(cap_mb, cap * 4, ["25"], 1)

    trickle = _Portal(lambda e, p: (201, Raw(201, (b" " for _ in range(600)), pause=0.1, length=600)))
    with FakePortalServer(trickle) as server, tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        try:
            fetch(tmp, "2026-08", "2026-08", base_url=server.url, today=TODAY, progress=False, timeout=1.0)
        except PortalUnreachable:
            pass
        results["hostile_trickle_s_timeout_1"] = time.perf_counter() - start

    def refuse(endpoint, portal):
        if endpoint == "service-results" or portal.count < 40:
            return None
        with portal._lock:
            portal.at_refusal = portal.at_refusal or portal.count
        return 403, Raw(403, b"<html>Request Rejected</html>", "text/html")

    refusing = _Portal(refuse)
    with FakePortalServer(refusing) as server, tempfile.TemporaryDirectory() as tmp:
        try:
            fetch(tmp, "2026-08", "2026-08", base_url=server.url, today=TODAY, progress=False, jobs=4)
        except PortalRefused:
            pass
    results["hostile_requests_after_refusal_jobs_4"] = refusing.count - refusing.at_refusal

    label = "tỉnh " * 200_000 + "Hà Nội"
    start = time.perf_counter()
    normalise_name(label)
    results["normalise_name_1mb_s"] = time.perf_counter() - start

    print(
        f"fetch, hostile portal: peak traced memory, one answer at the {cap_mb:g} MB cap "
        f"{results['hostile_peak_x_cap_one']:.2f} x the cap, four at once (--jobs 4) "
        f"{results['hostile_peak_x_cap_four']:.2f} x, 4 x the cap (refused) {results['hostile_peak_x_cap_refused']:.2f} x "
        "(aim <= 4 x)"
    )
    print(
        f"  trickling answer, timeout 1 s: {results['hostile_trickle_s_timeout_1']:.2f} s (aim < 2 s); requests after the "
        f"first refusal, --jobs 4: {results['hostile_requests_after_refusal_jobs_4']} (aim <= 4); normalise_name of "
        f"1 MB: {results['normalise_name_1mb_s']:.2f} s (was 42 s)"
    )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap-mb", type=float, default=10.0, help="size cap for the memory figures (default 10 MB)")
    hostile_benchmark({}, parser.parse_args().cap_mb)
