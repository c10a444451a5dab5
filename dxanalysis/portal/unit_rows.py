"""Every department and commune below a province, from the answers ``dx fetch`` already asks for.

The per-province answers list the province's units (``formality-online-payment-tree``:
``children``; ``dossier-digitized`` and ``handling-satisfaction``: ``evaluation``), each with its
own counts. Which list and which fields are data (``params/portal.yaml``: each indicator's
``units`` and ``unit_entry``). Load: every page of the list (:func:`fetch_with_units`, in the
worker, which keeps a compact record per unit and drops the answer's objects). Compute
(:func:`unit_rows`): one row of ``units.csv`` per unit x indicator, with the same checks as a
province row (``null`` is missing, never 0; a numerator above its denominator or a value that is
not a count is missing, never cast), each loss one row of ``missing.csv`` naming the unit; an
empty list, or a list shorter than the answer says, is a row of ``missing.csv`` too. Communes get
their GSO code by name within the province (:func:`dxanalysis.data.communes.match_ward`); a name that
matches none or several is kept, with the reason. Units whose counts add up to more than the
province's own figures are named in a warning; the province figures stay the province's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ..core import provinces
from ..data.unit_contract import UNIT_COLUMNS
from .checks import as_count, count_problem, short
from .mapping import FieldMapping, UnitEntry, is_ambiguous, is_missing
from .mapping import pick as _pick
from .pages import Pages, all_pages

#: Names of units in the run summary (the rest are counted, and all are in units.csv).
FIRST_FEW = 5


@dataclass
class UnitList:
    """One answer's units, compact: ``records`` are ``(code, id, name, level, values)`` with
    ``values`` the raw (numerator, denominator) of each mapping, in order; ``problems`` say why
    the list as a whole is empty or short."""

    endpoint: str
    key: str
    mappings: list[FieldMapping]
    records: list[tuple] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def read_unit_list(pages: Pages, endpoint: str, mappings: list[FieldMapping], entry: UnitEntry) -> UnitList | None:
    """The units of ``pages`` (every page merged), popped from ``pages.data`` so the answer's
    objects can go; ``None`` when the endpoint gives no unit counts or the answer is unusable."""
    users = [m for m in mappings if m.endpoint == endpoint and m.unit_list]
    if not users or pages.data is None:
        return None
    key = users[0].unit_list
    found = UnitList(endpoint, key, users)
    items = pages.data.pop(key, None)
    if not items:
        found.problems.append(f"data.{key} lists no unit ({short(items) if items is not None else 'absent'})")
        items = []
    if pages.read < pages.stated:
        found.problems.append(f"only {pages.read} of the {pages.stated} pages were read: the unit list is short")
    total = (pages.data.get("pagination") or {}).get("total")
    if items and count_problem(total) is None and total is not None and len(items) < total:
        found.problems.append(f"the answer counts {as_count(total)} units but lists {len(items)}: the unit list is short")
    for item in items:  # objects: the shape was checked before
        level = next((item[k] for k in entry.level if item.get(k) is not None), None)
        values = tuple((_pick(item, m.unit_numerator), _pick(item, m.unit_denominator)) for m in users)
        name = item.get(entry.name)
        found.records.append(
            (_text(item.get(entry.code)), _text(item.get(entry.ident)), name if isinstance(name, str) else "", level, values)
        )
    return found


def fetch_with_units(client, endpoint, body, period, key, check, max_pages, unit_list, mappings, entry):
    """:func:`~.pages.all_pages` merging the unit list of every page, then read into a compact
    :class:`UnitList` in the worker (a month's answers are not all held as objects at once)."""
    pages = all_pages(client, endpoint, body, period, key, check, max_pages, merge=unit_list)
    return pages, read_unit_list(pages, endpoint, mappings, entry)


@functools.lru_cache(maxsize=8192)
def ward(province_code: str, unit_name: str) -> tuple[str, str]:
    """:func:`dxanalysis.data.communes.match_ward`, once per name (the same units come back every month)."""
    from ..data.communes import match_ward

    return match_ward(province_code, unit_name)


@dataclass
class UnitNotes:
    """What a run says about its units once, at the end: names that matched no commune or
    several (keyed by province and unit code), and how many unit rows each month lost."""

    unmatched: dict = field(default_factory=dict)

    def summary(self) -> list[str]:
        if not self.unmatched:
            return []
        first = "; ".join(
            f"{name!r} ({provinces.province_name(p)}, {code}): {reason}"
            for (p, code), (name, reason) in list(sorted(self.unmatched.items()))[:FIRST_FEW]
        )
        more = len(self.unmatched) - FIRST_FEW
        return [
            f"units: {len(self.unmatched)} commune name(s) match no commune, ward or special zone of their province, "
            f"or several: kept in units.csv without a ward_code, the reason in ward_match (first few: {first}"
            + (f"; and {more} more)" if more > 0 else ")")
        ]


def _check(numerator, denominator, mapping: FieldMapping, who: str) -> tuple[int, int] | str:
    """(numerator, denominator) as exact ints, or why the pair cannot be used (naming its path)."""
    paths = (
        f"data.{mapping.unit_list}[].{mapping.unit_numerator}",
        f"data.{mapping.unit_list}[].{mapping.unit_denominator}",
    )
    for value, path in zip((numerator, denominator), paths, strict=True):
        if is_missing(value):
            return f"{who}: {path} is absent"
        if is_ambiguous(value):
            return f"{who}: {path}: the metric is listed more than once (ambiguous); not used"
        if value is None:
            return f"{who}: {path} is null"
        if why := count_problem(value):
            return f"{who}: {path} is {short(value)}: {why}, not a count; not used"
    num, den = as_count(numerator), as_count(denominator)
    if den == 0:
        return f"{who}: {paths[1]} is 0 (no records)"
    if num > den:
        return f"{who}: {paths[0]} = {num} is more than {paths[1]} = {den}"
    return num, den


def _codes_by_id(lists: list[UnitList]) -> dict[str, str | None]:
    """departmentId -> departmentCode from the answers that give both (``None``: two codes)."""
    codes: dict[str, str | None] = {}
    for found in lists:
        for code, ident, *_ in found.records:
            if code and ident:
                codes[ident] = code if codes.get(ident, code) == code else None
    return codes


def unit_rows(month, province: str, lists: list[UnitList], sources: dict, entry: UnitEntry, notes: UnitNotes) -> None:
    """Append ``province``'s unit rows and losses to ``month`` (``month.units``, ``month.lose``).

    Parameters
    ----------
    lists : list of UnitList
        The province's unit lists this month, one per endpoint.
    sources : dict
        endpoint -> the source text of its answer (provenance included).
    """
    levels = dict(entry.levels)
    by_id = _codes_by_id(lists)
    lost = 0
    for found in lists:
        names = ",".join(m.indicator for m in found.mappings)
        for reason in found.problems:
            month.lose(province, found.endpoint, names, reason, say=False)
            lost += 1
        seen: dict[str, int] = {}
        for code, ident, *_ in found.records:
            code = code or by_id.get(ident or "")
            if code:
                seen[code] = seen.get(code, 0) + 1
        source = {m.indicator: f"{sources[found.endpoint]}, {m.unit_source_text()}" for m in found.mappings}
        for code, ident, name, level, values in found.records:
            label = f"unit {short(name, 80)}" if name else "a unit with no name"
            code = code or by_id.get(ident or "")
            reason = None
            if not code:
                why = " (two codes for its id)" if ident in by_id else ""
                reason = f"{label} (departmentId {short(ident)}) has no {entry.code} here or in another answer{why}"
            elif seen[code] > 1:
                reason = f"{label} ({code}) is listed {seen[code]} times in data.{found.key} (ambiguous); not used"
            elif level not in levels:
                reason = f"{label} ({code}): level {short(level)} is none of {', '.join(levels)}; not used"
            if reason:
                for mapping in found.mappings:
                    month.lose(province, found.endpoint, mapping.indicator, reason, say=False, unit=code or "")
                    lost += 1
                continue
            kind = levels[level]
            ward_code, ward_match = ward(province, name) if kind == "commune" else ("", "")
            if ward_match:
                notes.unmatched.setdefault((province, code), (name, ward_match))
            for mapping, (numerator, denominator) in zip(found.mappings, values, strict=True):
                pair = _check(numerator, denominator, mapping, f"{label} ({code})")
                if isinstance(pair, str):
                    month.lose(province, found.endpoint, mapping.indicator, pair, say=False, unit=code)
                    lost += 1
                    continue
                num, den = pair
                month.units.append(
                    (province, code, name, kind, ward_code, ward_match, month.period, mapping.indicator)
                    + (num, den, round(num / den * 100, 4), source[mapping.indicator])
                )
    if lost:
        name = provinces.province_name(province)
        month.messages.append(
            (f"{month.period} {name} ({province}) units: {lost} unit row(s) missing (see missing.csv)", True)
        )


def sums_above_province(month, province: str, start: int) -> None:
    """Warn, naming them, when a province's units (rows ``start:`` of ``month.units``) add up to
    more than the province's own numerator or denominator; the province figures are kept."""
    own = {row[2]: (row[3], row[4]) for row in month.observations if row[0] == province}
    by_indicator: dict[str, list[tuple]] = {}
    for row in month.units[start:]:
        by_indicator.setdefault(row[7], []).append(row)
    for indicator, rows in sorted(by_indicator.items()):
        if indicator not in own:
            continue
        num, den = own[indicator]
        unit_num, unit_den = sum(r[8] for r in rows), sum(r[9] for r in rows)
        if unit_num <= num and unit_den <= den:
            continue
        largest = sorted(rows, key=lambda r: (-r[9], r[1]))
        named = ", ".join(f"{r[1]} {r[2]}" for r in largest[:FIRST_FEW])
        more = f" and {len(rows) - FIRST_FEW} more" if len(rows) > FIRST_FEW else ""
        month.messages.append(
            (
                f"{month.period} {provinces.province_name(province)} ({province}) {indicator}: warning: its units add up "
                f"to more than the province's own figures ({unit_num:,} / {unit_den:,} against {num:,} / {den:,}); "
                f"the province figures are kept as the province's. Units: {named}{more}",
                False,
            )
        )


__all__ = ["UNIT_COLUMNS", "UnitList", "UnitNotes", "fetch_with_units", "read_unit_list", "unit_rows", "ward"]
