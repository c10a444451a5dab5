"""A local stand-in for the portal's 2026 reporting API, for tests and benchmarks only.

It answers ``POST /api/v1/reporting/evaluation/<endpoint>`` in the documented shape (HTTP 201,
envelope ``{"code": "OK", "data": ..., "message": ...}``) with **SYNTHETIC** numbers drawn from a
seeded generator, for the 34 provinces and their real portal ids (``data/portal``). The shapes were
written by this project from the public contract; no captured answer is copied.

Faults can be switched on per instance (see :class:`FakePortal`): a 5xx before success, a slow
answer (timeouts), a bad envelope, ``null`` numbers, a missing province, a web-firewall refusal,
unpublished months, and pagination of the per-province lists. Hostile tests subclass it and
answer anything at all with :class:`Raw` (any bytes, trickled, with or without a length).
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd

from ..core import paths
from ..data.index766 import COMPONENTS
from .fake_units import roster, split

PREFIX = "/api/v1/reporting/evaluation/"
MESSAGE = "SYNTHETIC answer from dxanalysis.portal.fake (a test server, not the portal)"


def _rng(*parts) -> float:
    """A deterministic number in [0, 1) from the parts (seeded, no global state)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass
class FakePortal:
    """Behaviour switches (all off by default: every answer good).

    fail_first : dict endpoint -> number of 503 answers before a good one
    slow : dict endpoint -> seconds to sleep before answering
    bad_envelope : set of (endpoint, period) answered with code "ERROR"
    null_fields : set of (endpoint, province code) whose counts are null
    missing_provinces : set of codes left out of service-results
    refuse : answer every request with HTTP 403 and an HTML page
    published_before : months from this one on answer "NO_DATA" (not yet published)
    children_per_page : split per-province lists into pages of this size (0: the request's
        pageSize for the evaluation lists, which always carry ``pagination`` as the real ones do;
        the trees unpaginated, as the real ones are)
    children : how many units to list under each province (None: every one of its real communes,
        plus its departments; see :mod:`.fake_units`)
    keep_log : keep every request in ``requests`` (tests); off for memory benchmarks
    """

    fail_first: dict = field(default_factory=dict)
    slow: dict = field(default_factory=dict)
    bad_envelope: set = field(default_factory=set)
    null_fields: set = field(default_factory=set)
    missing_provinces: set = field(default_factory=set)
    refuse: bool = False
    published_before: str | None = None
    children_per_page: int = 0
    children: int | None = None
    keep_log: bool = True
    requests: list = field(default_factory=list)

    def __post_init__(self):
        table = pd.read_csv(paths.PORTAL_DEPARTMENTS_CSV, dtype=str)
        self.units = table.to_dict("records")
        self.by_id = {u["department_id"]: u for u in self.units}
        self._lock = threading.Lock()
        self._arrival = threading.local()  # each handler thread's request number
        self.counts: dict[str, int] = {}

    # ------------------------------------------------------------------ answers

    def arrival(self) -> int:
        """The number of the request this thread is answering (1 = the first one logged): counting
        ``requests`` instead races with the requests other threads are answering meanwhile."""
        return self._arrival.number

    def answer(self, endpoint: str, body: dict) -> tuple[int, dict | str]:
        with self._lock:
            if self.keep_log:
                self.requests.append((endpoint, body))
            self._arrival.number = len(self.requests)
            count = self.counts[endpoint] = self.counts.get(endpoint, 0) + 1
        if self.refuse:
            return 403, "<html><body>Request Rejected</body></html>"
        if count <= self.fail_first.get(endpoint, 0):
            return 503, {"code": "ERROR", "message": "service unavailable"}
        if endpoint in self.slow:
            time.sleep(self.slow[endpoint])
        period = self._period(body)
        if period is None:
            return 400, {"code": "BAD_REQUEST", "message": "no period"}
        if (endpoint, period) in self.bad_envelope:
            return 201, {"code": "ERROR", "data": None, "message": "internal error"}
        if self.published_before and period >= self.published_before:
            return 201, {"code": "NO_DATA", "data": None, "message": "period not yet available"}
        if endpoint == "service-results":
            return 201, self._envelope(self._service_results(period))
        unit = self.by_id.get(str(body.get("rootDepartmentId")))
        if unit is None:
            return 201, {"code": "NOT_FOUND", "data": None, "message": "unknown department"}
        builder = {
            "provide-online-tree": self._tree_online,
            "formality-online-payment-tree": self._tree_payment,
            "dossier-digitized": self._digitised,
            "handling-satisfaction": self._satisfaction,
        }.get(endpoint)
        if builder is None:
            return 404, {"code": "NOT_FOUND", "message": f"no endpoint {endpoint}"}
        data = builder(unit, period)
        return 201, self._envelope(self._paginate(data, body))

    @staticmethod
    def _envelope(data) -> dict:
        return {"code": "OK", "data": data, "message": MESSAGE}

    @staticmethod
    def _period(body: dict) -> str | None:
        if "year" in body and "month" in body:
            return f"{int(body['year']):04d}-{int(body['month']):02d}"
        if "fromDate" in body:
            return str(body["fromDate"])[:7]
        return None

    def _paginate(self, data: dict, body: dict) -> dict:
        key = "children" if "children" in data else "evaluation"
        items = data.get(key, [])
        paged = bool(self.children_per_page) or key == "evaluation"
        size = self.children_per_page or (int(body.get("pageSize") or 0) if paged else 0) or max(len(items), 1)
        pages = max(1, -(-len(items) // size))
        page = int(body.get("currentPage", 1))
        data = {**data, key: items[(page - 1) * size : page * size]}
        if paged:
            data["pagination"] = {"total": len(items), "currentPage": page, "pageSize": size, "totalPages": pages}
        return data

    def _count(self, unit, period, what, low, high) -> int:
        # A province's own volume, moving +-15% from month to month as real monthly volumes do
        # (a month at a tenth of the usual is a reporting gap, which the coverage check reports).
        usual = low + (high - low) * _rng(unit["province_code"], what)
        return int(usual * (0.85 + 0.3 * _rng(unit["province_code"], period, what)))

    def _maybe_null(self, endpoint, unit, value):
        return None if (endpoint, unit["province_code"]) in self.null_fields else value

    def _service_results(self, period: str) -> dict:
        evaluation = []
        for unit in self.units:
            if unit["province_code"] in self.missing_provinces:
                continue
            groups = {
                c: round(m * (0.4 + 0.5 * _rng(unit["province_code"], period, c)), 2) for c, (_, m) in COMPONENTS.items()
            }
            evaluation.append(
                {
                    "departmentId": unit["department_id"],
                    "departmentName": unit["department_name"],
                    "departmentCode": unit["department_code"],
                    "totalScore": round(sum(groups.values()), 2),
                    "scoreDelta": None,
                    "groupScores": groups,
                }
            )
        return {"evaluation": evaluation}

    def _roster(self, unit) -> tuple[dict, ...]:
        args = (unit["province_code"], unit["department_id"], unit["department_code"], unit["department_name"])
        units = roster(*args)
        return units if self.children is None else units[: self.children]

    def _children(self, unit, fields, counts=None) -> list[dict]:
        """The tree answers' ``children``: every unit with ``fields``, and its own ``counts``
        (name -> one value per unit) when the endpoint gives them."""
        units = self._roster(unit)
        return [
            {
                "departmentId": u["departmentId"],
                "departmentName": u["departmentName"],
                "departmentCode": u["departmentCode"],
                "level": u["level"],
                **fields,
                **{name: values[i] for name, values in (counts or {}).items()},
                "scoreDelta": None,
            }
            for i, u in enumerate(units)
        ]

    def _evaluation(self, unit, metrics, code=True) -> list[dict]:
        """The evaluation lists: every unit with its ``metrics`` (a list per unit); handling-
        satisfaction's entries carry no departmentCode (``code=False``), as the real ones."""
        units = self._roster(unit)
        out = []
        for i, u in enumerate(units):
            entry = {"stt": i + 1, "departmentId": u["departmentId"], "departmentName": u["departmentName"]}
            if code:
                entry["departmentCode"] = u["departmentCode"]
            entry.update({"departmentType": u["departmentType"], "departmentLevel": u["level"], "agencyLevel": "level_2"})
            out.append({**entry, "metrics": metrics[i], "scoreDelta": None})
        return out

    def _tree_online(self, unit, period) -> dict:
        total = self._count(unit, period, "records", 20_000, 200_000)
        online = int(total * (0.1 + 0.5 * _rng(unit["province_code"], period, "online")))
        parent = {
            "departmentId": unit["department_id"],
            "departmentName": unit["department_name"],
            "departmentCode": unit["department_code"],
            "fullCount": self._count(unit, period, "full", 10, 60),
            "partialCount": self._count(unit, period, "partial", 10, 60),
            "authorityCount": 80,
            "channelOnlineSum": self._maybe_null("provide-online-tree", unit, online),
            "channelDirectSum": total - online,
            "channelPostalSum": 0,
            "channelTotalSum": self._maybe_null("provide-online-tree", unit, total),
        }
        return {"parent": parent, "children": self._children(unit, {"totalScore": 6.0, "totalMaxScore": 12})}

    def _tree_payment(self, unit, period) -> dict:
        due = self._count(unit, period, "due", 5_000, 80_000)
        paid = int(due * (0.3 + 0.6 * _rng(unit["province_code"], period, "paid")))
        parent = {
            "departmentId": unit["department_id"],
            "departmentName": unit["department_name"],
            "totalDossierOnlinePaymentSuccess": self._maybe_null("formality-online-payment-tree", unit, paid),
            "totalDossierFinancialObligation": self._maybe_null("formality-online-payment-tree", unit, due),
        }
        shares = split(self._roster(unit), period, "paid", paid, due)
        counts = {
            "totalDossierOnlinePaymentSuccess": [n for n, _ in shares],
            "totalDossierFinancialObligation": [d for _, d in shares],
        }
        return {"parent": parent, "children": self._children(unit, {"totalScore": 5.0, "totalMaxScore": 10}, counts)}

    @staticmethod
    def _metric_entry(code, numerator, denominator) -> dict:
        ratio = round(numerator / denominator * 100, 2) if numerator is not None and denominator else None
        return {"code": code, "name": code, "numerator": numerator, "denominator": denominator} | {
            "ratio": ratio,
            "score": None,
            "maxScore": 2,
        }

    def _metrics(self, unit, period, codes, endpoint) -> tuple[list[dict], list[list[dict]]]:
        """The province's metrics (``overview``) and each unit's, adding up to at most the province's."""
        records = self._count(unit, period, "settled", 20_000, 200_000)
        units = self._roster(unit)
        overview, per_unit = [], [[] for _ in units]
        for code in codes:
            numerator = int(records * (0.2 + 0.75 * _rng(unit["province_code"], period, code)))
            null = lambda v: self._maybe_null(endpoint, unit, v)  # noqa: E731
            overview.append(
                {**self._metric_entry(code, null(numerator), null(records)), "ratio": round(numerator / records * 100, 2)}
            )
            for i, (num, den) in enumerate(split(units, period, code, numerator, records)):
                per_unit[i].append(self._metric_entry(code, num, den))
        return overview, per_unit

    def _digitised(self, unit, period) -> dict:
        codes = ("ORIGINAL_RESULT_AVAILABLE", "SO_HOA_GIAY_TO_GIAI_QUYET", "CITIZEN_DATA_CONNECTED_DOSSIER")
        metrics, per_unit = self._metrics(unit, period, codes, "dossier-digitized")
        overview = {"departmentId": unit["department_id"], "departmentName": unit["department_name"], "metrics": metrics}
        return {"overview": overview, "evaluation": self._evaluation(unit, per_unit), "source": "fake"}

    def _satisfaction(self, unit, period) -> dict:
        metrics, per_unit = self._metrics(unit, period, ("DOSSIER_RECEIVING_SATISFACTION",), "handling-satisfaction")
        overview = {"departmentId": unit["department_id"], "departmentName": unit["department_name"], "metrics": metrics}
        return {"overview": overview, "evaluation": self._evaluation(unit, per_unit, code=False), "source": "fake"}


@dataclass
class Raw:
    """An answer sent as it is, for hostile tests: ``chunks`` (bytes, or an iterable of bytes sent
    ``pause`` seconds apart: a trickle), with or without a ``Content-Length`` (without: the
    connection is closed after the last chunk)."""

    status: int
    chunks: object
    content_type: str = "application/json"
    pause: float = 0.0
    length: int | None = None

    def send(self, handler) -> None:
        chunks = [self.chunks] if isinstance(self.chunks, bytes | bytearray) else self.chunks
        if isinstance(chunks, list) and self.length is None:
            self.length = sum(map(len, chunks))
        handler.send_response(self.status)
        handler.send_header("Content-Type", self.content_type)
        if self.length is not None:
            handler.send_header("Content-Length", str(self.length))
        else:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        try:
            for chunk in chunks:
                handler.wfile.write(chunk)
                handler.wfile.flush()
                if self.pause:
                    time.sleep(self.pause)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client gave up (a deadline or a size cap)


def _handler(portal: FakePortal):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and delayed
            # ACKs add ~40 ms to every keep-alive answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                body = {}
            if not self.path.startswith(PREFIX):
                status, payload = 404, {"code": "NOT_FOUND", "message": self.path}
            else:
                status, payload = portal.answer(self.path[len(PREFIX) :], body)
            if isinstance(payload, Raw):
                return payload.send(self)
            html = isinstance(payload, str)
            data = payload.encode() if html else json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if html else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, *args):  # quiet
            pass

    return Handler


class FakePortalServer:
    """Serve a :class:`FakePortal` on 127.0.0.1 in a thread: ``with FakePortalServer() as server:``."""

    def __init__(self, portal: FakePortal | None = None):
        self.portal = portal or FakePortal()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.portal))
        self.httpd.daemon_threads = True
        # serve_forever looks for shutdown every poll_interval (0.5 s by default): every test that
        # stopped a server waited for it; 0.02 s costs nothing while requests are served.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakePortalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


__all__ = ["FakePortal", "FakePortalServer", "Raw", "MESSAGE"]
