"""A polite, replayable HTTP client for the National Public Service Portal's reporting API.

One ``requests`` session per thread; every try has a **deadline** (connect to last byte, the
answer streamed and timed), and a **size cap** (a larger answer is refused, never read whole).
Retries with exponential backoff on 5xx, timeouts and connection errors; never on 403/429 or an
HTML page with a non-5xx status (the portal's web firewall saying stop), nor on an answer
trickling in past its deadline. One **stop** event per run: the first refusal, a request that
failed after its retries, or Ctrl-C sets it, and no further request leaves (the ones in flight
end at their next read).

Every answer is checked (``check(answer) -> Reading``, see :mod:`.checks`) before it is stored:
it is stored byte for byte with a sidecar (:mod:`.store`) that says whether it passed, and only
one that passed is replayed instead of asking again. ``offline`` mode sends nothing at all.

A token, if the portal ever needs one, comes from an environment variable and goes only into the
``Authorization`` header: never into a sidecar, a message or a log.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time

from ..core.errors import DxError
from .checks import Reading
from .store import RawAnswer, RawStore, canonical

OFFICIAL_BASE_URL = "https://dichvucong.gov.vn"
_LARGE = 2**20  # answers from this size on are parsed one at a time (a real one is far smaller)


class PortalUnreachable(DxError):
    """The portal (or mirror) could not be used: no answer, or 5xx, after every try."""

    requests_sent: int | None = None


class PortalRefused(DxError):
    """The portal's web firewall refused us (HTTP 403/429 or an HTML page): stop, do not retry."""

    requests_sent: int | None = None


class Cancelled(DxError):
    """The run was stopped (an earlier failure, a refusal or Ctrl-C) before this request left."""


class _TooLarge(Exception):
    pass


class _Deadline(Exception):
    pass


def _cause(exc: BaseException) -> str:
    """What a ``requests`` connection error was, in words: refused, timed out, reset..."""
    seen = set()
    stack = [exc]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ConnectionRefusedError):
            return "connection refused"
        if isinstance(item, TimeoutError):
            return "timed out"
        if isinstance(item, ConnectionResetError):
            return "connection reset"
        stack.extend([item.__cause__, item.__context__, getattr(item, "reason", None)])
        stack.extend(a for a in getattr(item, "args", ()) if isinstance(a, BaseException))
    text = str(exc)
    if "Name or service not known" in text or "getaddrinfo" in text or "NameResolution" in text:
        return "the host name does not resolve"
    return f"connection failed ({type(exc).__name__})"


def _tries(count: int) -> str:
    return f"{count} {'try' if count == 1 else 'tries'}"


class PortalClient:
    """POST JSON to ``<base_url><path><endpoint>``, check and store each answer, replay good ones.

    Parameters
    ----------
    base_url : str
        The portal, a mirror or a test server.
    store : RawStore
    path : str
        API prefix (``/api/v1/reporting/evaluation/``).
    timeout : float
        Deadline of every try in seconds, connect to last byte (and the longest wait for a read).
    retries, backoff : int, float
        Further tries on 5xx, timeouts and connection errors; backoff factor (``backoff * 2**n`` s).
    max_answer_bytes : int
        Answers larger than this are refused (recorded by the caller), never read whole.
    token_env : str
        Environment variable holding a bearer token, if any.
    offline : bool
        Never touch the network: answers come from the store only.
    stop : threading.Event, optional
        Set to stop the run: no request leaves once it is set (a new one per client by default).
    """

    def __init__(
        self,
        base_url: str,
        store: RawStore,
        path: str = "/api/v1/reporting/evaluation/",
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        token_env: str = "DX_PORTAL_TOKEN",
        offline: bool = False,
        clock=None,
        max_answer_bytes: int = 50 * 2**20,
        stop: threading.Event | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.path = "/" + path.strip("/") + "/"
        self.store = store
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.token_env = token_env
        self.offline = offline
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.max_answer_bytes = max_answer_bytes
        self.stop = stop or threading.Event()
        self._local = threading.local()
        self.requests_sent = 0  # every try that left, retries included
        self._count_lock = threading.Lock()
        self._large_lock = threading.Lock()

    def url(self, endpoint: str) -> str:
        return f"{self.base_url}{self.path}{endpoint}"

    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            import requests
            from requests.adapters import HTTPAdapter

            session = requests.Session()
            # Retries are ours (counted, stoppable, with honest messages): none in urllib3.
            session.mount("http://", HTTPAdapter(max_retries=0))
            session.mount("https://", HTTPAdapter(max_retries=0))
            session.headers.update(
                {
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "User-Agent": "dxanalysis (+https://github.com/; research client)",
                }
            )
            token = os.environ.get(self.token_env)
            if token:
                session.headers["Authorization"] = f"Bearer {token}"
            self._local.session = session
        return session

    def post(self, endpoint: str, body: dict, period: str, key: str, check) -> Reading:
        """The checked answer to ``body`` at ``endpoint``: the stored one when it passed every
        check, else a new one from the network (stored byte for byte, with whether it passed).
        Offline, the stored one whatever it holds (so a replay says what the online run said).

        Raises
        ------
        PortalUnreachable
            No answer, or only 5xx, after every try; or an answer past its deadline (names the URL).
        PortalRefused
            HTTP 403/429 or an HTML page instead of JSON.
        Cancelled
            The run was stopped before this request left.
        """
        stored, damage = self.store.load(period, endpoint, key)
        if stored is not None:
            reading = self._check(check, stored)
            if self.offline or (reading.good and stored.checked_ok):
                return reading
        if self.offline:
            if damage:
                return Reading(None, None, f"the raw answer cannot be used ({damage}); fetch online again")
            return Reading(None, None, "not in the raw store (offline)")
        url = self.url(endpoint)
        data = canonical(body)
        try:
            status, content_type, content = self._send(url, data, f" (for raw/{period}/{endpoint}/{key}.json)")
        except _TooLarge as exc:
            return Reading(None, None, f"the answer is larger than {self._cap()} ({exc}): refused, not read")
        meta = {
            "url": url,
            "method": "POST",
            "body": json.loads(data),
            "status": status,
            "fetched_at": self.clock().isoformat(timespec="seconds"),
            "content_type": content_type,
        }
        reading = self._check(check, RawAnswer(content, {**meta, "sha256": None}))
        answer = self.store.put(period, endpoint, key, content, {**meta, "checked": reading.why()})
        note = f"the raw answer stored before could not be used ({damage}); fetched again" if damage else None
        return Reading(answer, reading.data, reading.problem, reading.flaws, note)

    def _check(self, check, answer: RawAnswer) -> Reading:
        # Parsing JSON takes several times an answer's size (text, then objects): one large
        # answer at a time, so --jobs large answers do not multiply the peak.
        if len(answer.body) < _LARGE:
            return check(answer)
        with self._large_lock:
            return check(answer)

    def _cap(self) -> str:
        return f"{self.max_answer_bytes / 2**20:g} MB (max_answer_mb)"

    def _send(self, url: str, data: bytes, where: str) -> tuple[int, str, bytearray]:
        """One request with its retries: (status, content type, body) of a non-5xx answer."""
        import requests
        from urllib3.exceptions import HTTPError as BrokenAnswer
        from urllib3.exceptions import ReadTimeoutError

        last = ""
        tries = 0
        for attempt in range(self.retries + 1):
            if self.stop.is_set():
                raise Cancelled("stopped")
            tries += 1
            with self._count_lock:
                self.requests_sent += 1
            try:
                status, content_type, content = self._try(url, data)
            except _Deadline:
                self.stop.set()
                raise PortalUnreachable(
                    f"{url}{where}: the answer was still arriving after the {self.timeout:g} s deadline "
                    "(a server sending too slowly); not retried"
                ) from None
            except requests.exceptions.ConnectTimeout:
                last = f"connection timed out (no connection within {self.timeout:g} s)"
            except (requests.exceptions.ReadTimeout, ReadTimeoutError):
                last = f"timed out (nothing arrived for {self.timeout:g} s)"
            except requests.exceptions.ConnectionError as exc:
                last = _cause(exc)
            except (BrokenAnswer, requests.exceptions.RequestException) as exc:  # cut off mid-answer, bad gzip...
                last = f"the answer broke off ({_cause(exc)})"
            else:
                html = "html" in content_type.lower() or bytes(content[:1]) == b"<"
                if status in (403, 429) or (html and status < 500):
                    self.stop.set()
                    page = ", an HTML page" if html else ""
                    raise PortalRefused(
                        f"{url}{where} refused the request (HTTP {status}{page}): the portal's web firewall; "
                        "not retried, and nothing more was sent. Try later, from another network, "
                        "or with --base-url a mirror"
                    )
                if status < 500:
                    return status, content_type, content
                last = f"HTTP {status}" + (" (an HTML error page, e.g. from a proxy)" if html else "")
            if attempt < self.retries and self.stop.wait(self.backoff * 2**attempt):
                raise Cancelled("stopped")
        self.stop.set()
        if last.startswith("HTTP"):
            raise PortalUnreachable(f"{url}{where} answered {last} on {_tries(tries)}; the portal is failing")
        raise PortalUnreachable(f"cannot reach {url}{where}: {last}, on {_tries(tries)}")

    def _try(self, url: str, data: bytes) -> tuple[int, str, bytearray]:
        """One try, the body streamed against the deadline and the size cap."""
        deadline = time.monotonic() + self.timeout
        response = self._session().post(url, data=data, timeout=(self.timeout, self.timeout), stream=True)
        try:
            content_type = response.headers.get("Content-Type", "")
            if response.status_code in (403, 429):
                return response.status_code, content_type, bytearray()  # not read: we stop anyway
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > self.max_answer_bytes:
                raise _TooLarge(f"{int(length):,} bytes announced")
            content = bytearray()
            while True:
                if time.monotonic() > deadline:
                    raise _Deadline
                if self.stop.is_set():
                    raise Cancelled("stopped")
                # read1 returns what has arrived (at most one wait of `timeout`), so the clock is
                # looked at while a trickling answer comes in, not only once it is complete.
                chunk = response.raw.read1(256 * 1024, decode_content=True)
                if not chunk:
                    return response.status_code, content_type, content
                content += chunk
                if len(content) > self.max_answer_bytes:
                    raise _TooLarge("more than that arrived")
        finally:
            response.close()


__all__ = [
    "PortalClient",
    "RawStore",
    "RawAnswer",
    "PortalUnreachable",
    "PortalRefused",
    "Cancelled",
    "OFFICIAL_BASE_URL",
]
