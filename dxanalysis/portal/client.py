"""A polite, replayable HTTP client for the National Public Service Portal's reporting API.

One ``requests`` session per thread, a timeout on every request, retries with exponential backoff
on 5xx and connection errors (never on 403/429 or an HTML page: those are the portal's web
firewall saying stop), and a store of every raw answer, byte for byte, with a sidecar giving the
URL, the request body, the HTTP status, the time fetched and the SHA-256. A request whose answer
is already stored (and was a good one) is not sent again; ``offline`` mode sends nothing at all.

A token, if the portal ever needs one, comes from an environment variable and goes only into the
``Authorization`` header: never into a sidecar, a message or a log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import DxError
from ..io import atomic_write_bytes

OFFICIAL_BASE_URL = "https://dichvucong.gov.vn"


class PortalUnreachable(DxError):
    """The portal (or mirror) could not be reached after every retry."""


class PortalRefused(DxError):
    """The portal's web firewall refused us (HTTP 403/429 or an HTML page): stop, do not retry."""


@dataclass(frozen=True)
class RawAnswer:
    """One stored answer: its bytes and its sidecar."""

    body: bytes
    meta: dict

    @property
    def status(self) -> int:
        return int(self.meta.get("status", 0))

    @property
    def fetched_on(self) -> str:
        return str(self.meta.get("fetched_at", ""))[:10]

    def json(self):
        return json.loads(self.body)


def _canonical(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class RawStore:
    """Raw answers under ``DIR/raw/<YYYY-MM>/<endpoint>/<key>.json`` with ``<key>.json.meta.json``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, period: str, endpoint: str, key: str) -> Path:
        return self.root / period / endpoint / f"{key}.json"

    def get(self, period: str, endpoint: str, key: str) -> RawAnswer | None:
        path = self.path(period, endpoint, key)
        meta_path = path.with_name(path.name + ".meta.json")
        if not path.is_file() or not meta_path.is_file():
            return None
        body = path.read_bytes()
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("sha256") != hashlib.sha256(body).hexdigest():
            return None  # a truncated or edited answer is fetched again
        return RawAnswer(body, meta)

    def put(self, period: str, endpoint: str, key: str, body: bytes, meta: dict) -> RawAnswer:
        path = self.path(period, endpoint, key)
        meta = {**meta, "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
        atomic_write_bytes(body, path)
        atomic_write_bytes(
            json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n",
            path.with_name(path.name + ".meta.json"),
        )
        return RawAnswer(body, meta)


def is_good(answer: RawAnswer) -> bool:
    """A 2xx JSON envelope whose code is OK: worth keeping instead of asking again."""
    if not 200 <= answer.status < 300:
        return False
    try:
        payload = answer.json()
    except ValueError:
        return False
    return isinstance(payload, dict) and payload.get("code") == "OK"


class PortalClient:
    """POST JSON to ``<base_url><path><endpoint>``, store each answer, replay stored ones.

    Parameters
    ----------
    base_url : str
        The portal, a mirror or a test server.
    store : RawStore
    path : str
        API prefix (``/api/v1/reporting/evaluation/``).
    timeout, retries, backoff : float, int, float
        Per-request timeout (seconds); retries on 5xx and connection errors; backoff factor.
    token_env : str
        Environment variable holding a bearer token, if any.
    offline : bool
        Never touch the network: answers come from the store only.
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
        self._local = threading.local()
        self.requests_sent = 0
        self._count_lock = threading.Lock()

    def url(self, endpoint: str) -> str:
        return f"{self.base_url}{self.path}{endpoint}"

    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            import requests
            from requests.adapters import HTTPAdapter
            from urllib3.util.retry import Retry

            retry = Retry(
                total=self.retries,
                connect=self.retries,
                read=self.retries,
                status=self.retries,
                backoff_factor=self.backoff,
                status_forcelist=(500, 502, 503, 504),
                allowed_methods=None,
                raise_on_status=False,
                respect_retry_after_header=False,
            )
            session = requests.Session()
            session.mount("http://", HTTPAdapter(max_retries=retry))
            session.mount("https://", HTTPAdapter(max_retries=retry))
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

    def post(self, endpoint: str, body: dict, period: str, key: str) -> RawAnswer | None:
        """The answer to ``body`` at ``endpoint``: from the store when a good one is there, else
        from the network (stored byte for byte). ``None`` offline when nothing is stored.

        Raises
        ------
        PortalUnreachable
            Connection errors or timeouts after every retry (names the URL).
        PortalRefused
            HTTP 403/429 or an HTML page instead of JSON.
        """
        stored = self.store.get(period, endpoint, key)
        if stored is not None and (self.offline or is_good(stored)):
            return stored
        if self.offline:
            return None
        import requests

        url = self.url(endpoint)
        data = _canonical(body)
        try:
            response = self._session().post(url, data=data, timeout=self.timeout)
        except requests.exceptions.RequestException as exc:
            reason = type(exc).__name__
            if isinstance(exc, requests.exceptions.RetryError):
                reason = "server errors on every retry"
            raise PortalUnreachable(f"cannot reach {url} ({reason}, after {self.retries} retries)") from None
        with self._count_lock:
            self.requests_sent += 1
        content_type = response.headers.get("Content-Type", "")
        if response.status_code in (403, 429) or "html" in content_type.lower() or response.content.lstrip()[:1] == b"<":
            raise PortalRefused(
                f"{url} refused the request (HTTP {response.status_code}"
                f"{', an HTML page' if 'html' in content_type.lower() else ''}): the portal's web "
                "firewall; not retried. Try later, from another network, or with --base-url a mirror"
            )
        meta = {
            "url": url,
            "method": "POST",
            "body": json.loads(data),
            "status": response.status_code,
            "fetched_at": self.clock().isoformat(timespec="seconds"),
            "content_type": content_type,
        }
        return self.store.put(period, endpoint, key, response.content, meta)


__all__ = ["PortalClient", "RawStore", "RawAnswer", "PortalUnreachable", "PortalRefused", "is_good", "OFFICIAL_BASE_URL"]
