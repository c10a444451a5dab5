"""Every page of one answer, followed no further than it should be.

Pages after the first are asked for only while all three agree there are more: the
``totalPages`` the answer states, the pages its ``total`` and ``pageSize`` make, and the
``max_pages`` setting (``params/portal.yaml``). A page whose list repeats an earlier page's ends
the walk (a server answering the same page whatever is asked), with a note.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .checks import PAGED_LISTS, count_problem
from .client import OFFICIAL_BASE_URL, PortalClient
from .store import RawAnswer


@dataclass
class Pages:
    """The first page's ``data`` (with the ``merge`` list of every page), or why there is none;
    ``flaws`` (values that failed a check), ``notes`` for the terminal, where it came from, and
    how many pages the answer announced and how many were read (fewer: its lists are short)."""

    data: dict | None
    problem: str | None = None
    flaws: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    provenance: str = ""
    stated: int = 1
    read: int = 1


def provenance(answer: RawAnswer) -> str:
    """Where and when an answer was fetched, from its sidecar (so an offline replay says the same)."""
    url = str(answer.meta.get("url", ""))
    base = url.split("/api/", 1)[0]
    via = "" if base == OFFICIAL_BASE_URL else f" via {base}"
    return f"{via}, fetched {answer.fetched_on}"


def _whole(value: object) -> int | None:
    return int(value) if value is not None and count_problem(value) is None else None


def pages_stated(data: dict, page_size: int) -> int:
    """How many pages the answer says there are: ``totalPages`` (1 when absent), no more than
    ``total / pageSize`` rounded up when it states those too (shape-checked: whole numbers)."""
    pagination = data.get("pagination") or {}
    stated = _whole(pagination.get("totalPages"))
    stated = 1 if stated is None else stated
    total, size = _whole(pagination.get("total")), _whole(pagination.get("pageSize")) or page_size
    if total is not None and size:
        stated = min(stated, -(-total // size))
    return max(stated, 1)


def _items_digest(data: dict, body: bytes | bytearray) -> str:
    """A fingerprint of a page's listed items (what a repeated page repeats; ``currentPage`` may differ)."""
    try:
        items = [data.get(key) for key in PAGED_LISTS]
        return hashlib.sha256(json.dumps(items, sort_keys=True, allow_nan=True).encode("utf-8")).hexdigest()
    except (RecursionError, ValueError, TypeError):
        return hashlib.sha256(body).hexdigest()


def all_pages(
    client: PortalClient,
    endpoint: str,
    body: dict,
    period: str,
    key: str,
    check,
    max_pages: int,
    merge: str | None = None,
) -> Pages:
    """Ask for ``body`` at ``endpoint`` and its further pages (stored as ``key``, ``key.p2``...).

    Parameters
    ----------
    check : callable
        ``check(answer) -> Reading`` for each page (see :mod:`.checks`).
    max_pages : int
        Pages followed at most, whatever the answer says.
    merge : str, optional
        A list key (``evaluation``) whose items of every page are gathered in the result; the
        other paged lists are dropped from it (nothing reads them; the raw store keeps them).
    """
    first = client.post(endpoint, body, period, key, check)
    notes = [f"{endpoint}: {first.note}"] if first.note else []
    if first.data is None:
        return Pages(None, first.problem, notes=notes)
    data = first.data
    flaws = list(first.flaws)
    stated = pages_stated(data, int(body.get("pageSize") or 0))
    if stated > max_pages:
        notes.append(f"{endpoint} {key}: {stated} pages announced; only the first {max_pages} read (max_pages)")
    # Only a walk of several pages can repeat one (a digest costs a JSON dump of the lists).
    seen = {_items_digest(data, first.answer.body): 1} if min(stated, max_pages) > 1 else {}
    merged = list(data.get(merge) or []) if merge else []
    read = 1
    for page in range(2, min(stated, max_pages) + 1):
        reading = client.post(endpoint, {**body, "currentPage": page}, period, f"{key}.p{page}", check)
        if reading.note:
            notes.append(f"{endpoint} page {page}: {reading.note}")
        if reading.data is None:
            return Pages(None, f"page {page} of {stated}: {reading.problem}", notes=notes)
        flaws.extend(f"page {page}: {flaw}" for flaw in reading.flaws)
        digest = _items_digest(reading.data, reading.answer.body)
        if digest in seen:
            notes.append(
                f"{endpoint} {key}: page {page} repeats page {seen[digest]}; the {stated - page} page(s) after it "
                "were not asked for"
            )
            break
        seen[digest] = page
        read = page
        if merge:
            merged.extend(reading.data.get(merge) or [])
    kept = {k: v for k, v in data.items() if k not in PAGED_LISTS}
    if merge:
        kept[merge] = merged
    return Pages(kept, None, flaws, notes, provenance(first.answer), stated, read)


__all__ = ["Pages", "all_pages", "pages_stated", "provenance"]
