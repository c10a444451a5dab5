"""The raw store: every answer from the portal byte for byte, with a sidecar that says what it is.

``DIR/raw/<YYYY-MM>/<endpoint>/<key>.json`` holds the body; ``<key>.json.meta.json`` the URL,
the request body, the HTTP status, the time fetched, the SHA-256 and size of the body, and
``checked``: ``"ok"`` when the answer passed every check, else why it did not. The store heals
itself: a sidecar that does not parse, is not an object, has no HTTP status, or whose checksum
does not match the body makes that answer unusable (:meth:`RawStore.load` says why), so an
online run asks again and an offline run records it as missing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..core.files import atomic_write_bytes


@dataclass(frozen=True)
class RawAnswer:
    """One answer: its bytes and its sidecar (``meta``, already checked by the store)."""

    body: bytes | bytearray
    meta: dict

    @property
    def status(self) -> int:
        return int(self.meta["status"])

    @property
    def fetched_on(self) -> str:
        return str(self.meta.get("fetched_at", ""))[:10]

    @property
    def checked_ok(self) -> bool:
        """Whether the answer passed every check when it was stored (older sidecars: not known, yes)."""
        return self.meta.get("checked", "ok") == "ok"


def canonical(body: dict) -> bytes:
    """A request body as sent: sorted keys, no spaces, UTF-8."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _sidecar_problem(meta: object, body: bytes) -> str | None:
    if not isinstance(meta, dict):
        return f"its sidecar is a JSON {type(meta).__name__}, not an object"
    status = meta.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return f"its sidecar's status {str(status)[:40]!r} is not an HTTP status"
    if meta.get("sha256") != hashlib.sha256(body).hexdigest():
        return "its body does not match the sidecar's sha256 (truncated or edited)"
    return None


class RawStore:
    """Raw answers under ``root/<YYYY-MM>/<endpoint>/<key>.json`` with ``<key>.json.meta.json``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, period: str, endpoint: str, key: str) -> Path:
        return self.root / period / endpoint / f"{key}.json"

    def load(self, period: str, endpoint: str, key: str) -> tuple[RawAnswer | None, str | None]:
        """The stored answer, or ``None`` and why it cannot be used (``None, None``: never stored).

        Returns
        -------
        (RawAnswer, None) or (None, str or None)
        """
        path = self.path(period, endpoint, key)
        meta_path = path.with_name(path.name + ".meta.json")
        if not path.exists() and not meta_path.exists():
            return None, None
        try:
            body = path.read_bytes()
            meta_text = meta_path.read_bytes()
        except OSError as exc:
            return None, f"cannot read it ({exc.strerror or type(exc).__name__})"
        try:
            meta = json.loads(meta_text)
        except (ValueError, RecursionError):
            return None, "its sidecar is not JSON"
        problem = _sidecar_problem(meta, body)
        if problem:
            return None, problem
        return RawAnswer(body, meta), None

    def put(self, period: str, endpoint: str, key: str, body: bytes | bytearray, meta: dict) -> RawAnswer:
        """Store ``body`` and its sidecar (the body first: a crash between the two leaves a
        checksum that does not match, which :meth:`load` treats as not stored)."""
        path = self.path(period, endpoint, key)
        meta = {**meta, "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
        atomic_write_bytes(body, path)  # a bytearray is written as is: no copy of a large answer
        self._write_meta(path, meta)
        return RawAnswer(body, meta)

    @staticmethod
    def _write_meta(path: Path, meta: dict) -> None:
        text = json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True)
        atomic_write_bytes(text.encode("utf-8") + b"\n", path.with_name(path.name + ".meta.json"))

    def mark(self, period: str, endpoint: str, key: str, why: str) -> None:
        """Record in a stored answer's sidecar that it failed a check made after it was stored
        (e.g. a province listed twice), so the next online run asks again."""
        answer, _ = self.load(period, endpoint, key)
        if answer is None or answer.meta.get("checked") == why:
            return
        self._write_meta(self.path(period, endpoint, key), {**answer.meta, "checked": why})


__all__ = ["RawAnswer", "RawStore", "canonical"]
