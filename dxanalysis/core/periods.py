"""Monthly periods as ``YYYY-MM`` strings, and month arithmetic on them."""

from __future__ import annotations

import datetime as dt
import re

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_HEADER_FORMS = (
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$"),
    re.compile(r"^(?:t|thang|th|m|month)?\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<y>\d{4})$"),
)


def is_period(text: object) -> bool:
    """True for a well-formed ``YYYY-MM`` string."""
    return isinstance(text, str) and PERIOD_RE.match(text) is not None


def parse_period_label(label: object) -> str | None:
    """Read a month from a column header or cell as written in provincial reports.

    Accepts ``2025-07``, ``2025/7``, ``07/2025``, ``T7/2025``, ``Tháng 7/2025``, ``T07-2025`` and
    date or datetime objects. Returns ``YYYY-MM`` or ``None`` when the label is not a month.
    """
    if isinstance(label, (dt.date, dt.datetime)):
        return f"{label.year:04d}-{label.month:02d}"
    if hasattr(label, "to_pydatetime"):
        stamp = label.to_pydatetime()
        return f"{stamp.year:04d}-{stamp.month:02d}"
    text = str(label).strip().lower()
    text = text.replace("tháng", "thang")
    for form in _HEADER_FORMS:
        match = form.match(text)
        if match:
            year, month = int(match["y"]), int(match["m"])
            if 1 <= month <= 12 and 1990 <= year <= 2100:
                return f"{year:04d}-{month:02d}"
    return None


def to_index(period: str) -> int:
    """Months since year 0, for arithmetic (``2025-01`` -> 24300)."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def from_index(index: int) -> str:
    """Inverse of :func:`to_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def add_months(period: str, months: int) -> str:
    """``add_months("2025-11", 2) == "2026-01"``."""
    return from_index(to_index(period) + months)


def months_between(start: str, end: str) -> int:
    """Whole months from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    return to_index(end) - to_index(start)


def period_range(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` inclusive."""
    return [from_index(i) for i in range(to_index(start), to_index(end) + 1)]


def period_from_filename(name: str) -> str | None:
    """Find a month in a file name: ``bao_cao_T10_2025.xlsx`` or ``index766_2025-10.xlsx``."""
    lowered = name.lower()
    match = re.search(r"(?:^|[^0-9])t(?:hang)?[_\- ]?(\d{1,2})[_\-. ](\d{4})(?:[^0-9]|$)", lowered)
    if match and 1 <= int(match[1]) <= 12:
        return f"{int(match[2]):04d}-{int(match[1]):02d}"
    match = re.search(r"(\d{4})[_\-](\d{2})(?:[^0-9]|$)", lowered)
    if match and 1 <= int(match[2]) <= 12:
        return f"{int(match[1]):04d}-{int(match[2]):02d}"
    return None
