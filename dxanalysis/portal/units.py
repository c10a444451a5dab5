"""Which ``service-results`` entry is which province, with ambiguity treated as an error.

Each entry is resolved by its name with the project's matcher, else by its portal id or
department code through the bundled table. A province is left out of the month, and every reason
is recorded, when it is **listed more than once**, when its entry **carries another province's
id or code**, when **one id serves two provinces**, or when it has no id to ask with. Nothing is
chosen silently: the numbers of a province must come from that province's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core import provinces
from ..core.errors import Problem
from ..data.index766_2026 import rows_from_evaluation
from .checks import short
from .tables import fallback_ids

SERVICE_RESULTS = "service-results"


@dataclass
class Units:
    """The provinces of one ``service-results`` list.

    departments : code -> portal id, for the provinces kept
    scores : code -> 766 rows (without their source)
    listed : every code some entry resolved to (kept or not)
    losses : (code or ``"*"``, indicator, reason) for ``missing.csv``
    """

    departments: dict[str, str] = field(default_factory=dict)
    scores: dict[str, list[tuple]] = field(default_factory=dict)
    listed: set[str] = field(default_factory=set)
    losses: list[tuple[str, str, str]] = field(default_factory=list)


def _name(code: str) -> str:
    return f"{provinces.province_name(code)} ({code})"


def read_units(evaluation: list[dict], period: str) -> Units:
    """Resolve the entries of ``data.evaluation`` (already shape-checked: a list of objects).

    Parameters
    ----------
    evaluation : list of dict
        The entries, in the order the portal listed them (positions in messages count from 1).
    period : str
        ``YYYY-MM``, for the 766 rows.

    Returns
    -------
    Units
    """
    units = Units()
    fallback = fallback_ids()
    entries: dict[str, list[int]] = {}
    by_id: dict[str, set[str]] = {}
    bad: set[str] = set()
    for position, unit in enumerate(evaluation, start=1):
        name, ident, dcode = unit.get("departmentName"), unit.get("departmentId"), unit.get("departmentCode")
        label = f"entry #{position} ({short(name)}, {short(dcode)})"
        by_name = provinces.try_resolve(name, "current") if isinstance(name, str) else None
        by_ident = fallback.get(str(ident)) if ident is not None else None
        by_dcode = fallback.get(str(dcode)) if dcode is not None else None
        code = by_name or by_ident or by_dcode
        if code is None:
            units.losses.append(("*", "*", f"{label} matches none of the 34 provinces; left out"))
            continue
        units.listed.add(code)
        entries.setdefault(code, []).append(position)
        others = sorted({c for c in (by_ident, by_dcode) if c and c != code})
        if others:
            units.losses.append(
                (code, "*", f"{label} names {_name(code)} but carries the id or code of {', '.join(map(_name, others))}")
            )
            bad.add(code)
        elif ident in (None, ""):
            units.losses.append((code, "*", f"{label} has no departmentId to ask for its figures"))
            bad.add(code)
        else:
            by_id.setdefault(str(ident), set()).add(code)
    for code, positions in entries.items():
        if len(positions) > 1:
            where = ", ".join(f"#{p}" for p in positions)
            units.losses.append((code, "*", f"{_name(code)} is listed {len(positions)} times (entries {where})"))
            bad.add(code)
    for ident, codes in by_id.items():
        if len(codes) > 1:
            for code in sorted(codes):
                others = ", ".join(_name(c) for c in sorted(codes - {code}))
                units.losses.append((code, "*", f"its portal id {short(ident)} is also given for {others}"))
                bad.add(code)
    for code, positions in sorted(entries.items()):
        if code in bad:
            units.losses.append((code, "*", "ambiguous in service-results (see the other notes): left out this month"))
            continue
        position = positions[0]
        unit = evaluation[position - 1]
        units.departments[code] = str(unit["departmentId"])
        problems: list[Problem] = []
        rows = rows_from_evaluation([unit], period, "month", SERVICE_RESULTS, problems, positions=[position])
        if problems:
            units.losses.append((code, "index766", "; ".join(p.message for p in problems)))
        else:
            units.scores[code] = rows
    return units


__all__ = ["Units", "read_units", "SERVICE_RESULTS"]
