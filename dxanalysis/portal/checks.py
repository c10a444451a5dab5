"""Checks on what comes over the wire, before a single value is used (house style, rule 21).

An answer is read in three steps, each of which can only say no:

1. **the envelope**: a 2xx status, JSON (not nested deeper than the parser can follow), an
   object whose ``code`` is ``"OK"`` and whose ``data`` is an object;
2. **the shape**: a small schema per endpoint (:class:`Obj`, :class:`ListOf`, :class:`Scalar`),
   built from the field paths of ``params/portal.yaml`` so it asks for what the mapping reads and
   nothing more: objects where objects are expected, lists of objects, whole-number pagination;
3. **the values**: every count the mapping reads is a finite, non-negative whole number below
   :data:`MAX_COUNT` (or ``null``/absent: missing, never 0), and a metric code is listed once.

A failure in 1 or 2 makes the whole answer unusable (one line in ``missing.csv``); a failure in
3 makes that one value unusable. Either way the answer is not good, so it is not stored as good
and the next run asks again.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from .mapping import _STEP, PAGED_LISTS, FieldMapping, is_ambiguous, is_missing, pick
from .store import RawAnswer

#: Larger than any count the portal can mean (Việt Nam has about 10**8 people): a count at or
#: above this is a broken answer, and a float there has lost its last digits anyway.
MAX_COUNT = 10**12
_ABSENT = object()


def short(value: object, limit: int = 60) -> str:
    """A value as a message shows it: ``repr`` cut to ``limit`` characters; a list or object by
    its size (never rendered whole: it may be huge or nested thousands deep)."""
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' * (len(value) != 1)}"
    if isinstance(value, dict):
        return f"an object with {len(value)} key{'s' * (len(value) != 1)}"
    if value is None:
        return "null"
    text = repr(value[: limit + 1] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def count_problem(value: object) -> str | None:
    """Why ``value`` (not ``None``) is not a count, or ``None`` when it is one.

    A count is an ``int`` (``1234.0`` is accepted: JSON does not distinguish it) in
    ``0..MAX_COUNT``; a bool, a string, a decimal, NaN or an infinity is not.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    if isinstance(value, float) and not value.is_integer():
        return "not a whole number"
    if value < 0:
        return "negative"
    if value >= MAX_COUNT:
        return f"not below {MAX_COUNT:.0e}"
    return None


def as_count(value: int | float) -> int:
    """A value that passed :func:`count_problem`, as an exact ``int``."""
    return int(value)


# ---------------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Scalar:
    """A leaf: ``check`` returns why a (non-null) value does not fit, or ``None``."""

    check: object
    label: str
    nullable: bool = True
    explain: bool = False  # add the check's reason to the message (e.g. "not a finite number")


@dataclass(frozen=True)
class ListOf:
    """A JSON list whose every item has the shape ``item`` (items are never ``null``)."""

    item: object
    nullable: bool = True


@dataclass(frozen=True)
class Obj:
    """A JSON object; ``fields`` maps the keys read to their shapes (other keys are ignored)."""

    fields: dict = field(default_factory=dict)
    nullable: bool = True


def _label(shape) -> str:
    if isinstance(shape, Obj):
        return "an object"
    if isinstance(shape, ListOf):
        return "a list of objects" if isinstance(shape.item, Obj) else "a list"
    return shape.label


def shape_problem(value: object, shape, path: str) -> str | None:
    """The first place where ``value`` does not have ``shape``, said as ``path is X, expected Y``."""
    if shape is None:
        return None
    if value is None or value is _ABSENT:
        if shape.nullable:
            return None
        return f"{path} is {'absent' if value is _ABSENT else 'null'}, expected {_label(shape)}"
    if isinstance(shape, Obj):
        if not isinstance(value, dict):
            return f"{path} is {short(value)}, expected {_label(shape)}"
        for key, sub in shape.fields.items():
            problem = shape_problem(value.get(key, _ABSENT), sub, f"{path}.{key}")
            if problem:
                return problem
        return None
    if isinstance(shape, ListOf):
        if not isinstance(value, list):
            return f"{path} is {short(value)}, expected {_label(shape)}"
        for position, element in enumerate(value):
            where = f"{path}[{position}]"
            if element is None and shape.item is not None:  # a hole in a list is never fine
                return f"{where} is null, expected {_label(shape.item)}"
            problem = shape_problem(element, shape.item, where)
            if problem:
                return problem
        return None
    why = shape.check(value)
    if not why:
        return None
    return f"{path} is {short(value)}, expected {shape.label}" + (f" ({why})" if shape.explain else "")


def _is_text(value: object) -> str | None:
    return None if isinstance(value, str) else "not text"


def _is_ident(value: object) -> str | None:
    return None if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)) else "not an id"


WHOLE = Scalar(count_problem, "a whole number", explain=True)
TEXT = Scalar(_is_text, "text")
IDENT = Scalar(_is_ident, "an id (text)")
PAGINATION = Obj({"total": WHOLE, "currentPage": WHOLE, "pageSize": WHOLE, "totalPages": WHOLE})

SERVICE_RESULTS_SHAPE = Obj(
    {
        "evaluation": ListOf(
            Obj(
                {
                    "departmentName": TEXT,
                    "departmentId": IDENT,
                    "departmentCode": IDENT,
                    "groupScores": Obj(),
                    "scores": Obj(),
                }
            ),
            nullable=False,
        ),
        "pagination": PAGINATION,
    },
    nullable=False,
)


def shape_from_paths(paths: list[str]) -> Obj:
    """The shape an answer's ``data`` needs for the field paths of the mapping: every step an
    object (or absent/null: the field is then missing), a ``[code=X]`` step a list of objects."""
    tree: dict = {}
    for path in paths:
        node = tree
        steps = path.split(".")
        for step in steps[:-1]:
            match = _STEP.match(step)
            is_list, children = node.setdefault(match["key"], (bool(match["code"]), {}))
            node = children
        node.setdefault(_STEP.match(steps[-1])["key"], None)

    def build(children: dict) -> Obj:
        fields = {}
        for key, spec in children.items():
            if spec is None:
                fields[key] = None  # a leaf: its value is checked as a count, field by field
            else:
                is_list, grandchildren = spec
                fields[key] = ListOf(build(grandchildren)) if is_list else build(grandchildren)
        return Obj(fields)

    data = build(tree)
    for key in PAGED_LISTS:
        data.fields.setdefault(key, ListOf(Obj()))
    data.fields["pagination"] = PAGINATION
    return Obj(data.fields, nullable=False)


# ---------------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Reading:
    """An answer after the checks: ``data`` (``None`` when unusable), why it is unusable
    (``problem``), the values in it that cannot be used (``flaws``), and a ``note`` for the
    terminal (a damaged raw answer fetched again)."""

    answer: RawAnswer | None
    data: dict | None
    problem: str | None = None
    flaws: tuple[str, ...] = ()
    note: str | None = None

    @property
    def good(self) -> bool:
        """Worth keeping as good: usable, and every value read passed its check."""
        return self.data is not None and not self.flaws

    def why(self) -> str:
        return self.problem or "; ".join(self.flaws) or "ok"


def read_envelope(answer: RawAnswer) -> tuple[dict | None, str | None]:
    """(data, None) for a 2xx JSON envelope with code OK and an object as data, else (None, why)."""
    if not 200 <= answer.status < 300:
        return None, f"HTTP {answer.status}"
    try:
        payload = json.loads(answer.body)
    except RecursionError:
        return None, "the answer is JSON nested too deeply to read"
    except ValueError as exc:
        return None, f"the answer is not JSON ({short(str(exc), 80)[1:-1]})"
    if not isinstance(payload, dict):
        return None, f"the answer is {short(payload)}, expected an object (the envelope)"
    if payload.get("code") != "OK":
        message = payload.get("message")
        message = f" ({short(message, 120)})" if message is not None else ""
        return None, f"envelope code {short(payload.get('code'))}, not 'OK'{message}"
    data = payload.get("data")
    if not isinstance(data, dict):
        return None, f"the envelope's data is {short(data)}, expected an object"
    return data, None


def value_flaws(data: dict, mappings: list[FieldMapping]) -> list[str]:
    """Why each count the mappings read cannot be used (``null`` and absent are missing, not flaws)."""
    flaws = []
    for path in dict.fromkeys(p for m in mappings for p in (m.numerator, m.denominator)):
        value = pick(data, path)
        if is_ambiguous(value):
            flaws.append(f"data.{path}: the metric is listed more than once (ambiguous)")
        elif not is_missing(value) and value is not None and (why := count_problem(value)):
            flaws.append(f"data.{path} is {short(value)}: {why}, not a count")
    return flaws


def unit_value_flaws(data: dict, mappings: list[FieldMapping], limit: int = 5) -> list[str]:
    """Why each unit count the mappings read cannot be used (``null`` and absent are missing, not
    flaws); at most ``limit`` said, then how many more (a sidecar stays short)."""
    flaws = []
    for key in dict.fromkeys(m.unit_list for m in mappings if m.unit_list):
        items = data.get(key)
        paths = dict.fromkeys(p for m in mappings if m.unit_list == key for p in (m.unit_numerator, m.unit_denominator))
        for position, item in enumerate(items if isinstance(items, list) else ()):
            for path in paths if isinstance(item, dict) else ():
                value = pick(item, path)
                if is_ambiguous(value):
                    flaws.append(f"data.{key}[{position}].{path}: the metric is listed more than once (ambiguous)")
                elif not is_missing(value) and value is not None and (why := count_problem(value)):
                    flaws.append(f"data.{key}[{position}].{path} is {short(value)}: {why}, not a count")
    if len(flaws) > limit:
        flaws[limit:] = [f"and {len(flaws) - limit} more unit value(s) like these"]
    return flaws


def reader(shape: Obj, extra=None):
    """A check for one endpoint: ``check(answer) -> Reading`` (envelope, ``shape``, then
    ``extra(data) -> list of flaws``)."""

    def check(answer: RawAnswer) -> Reading:
        data, problem = read_envelope(answer)
        if data is None:
            return Reading(answer, None, problem)
        problem = shape_problem(data, shape, "data")
        if problem:
            return Reading(answer, None, f"bad shape: {problem}")
        return Reading(answer, data, None, tuple(extra(data) if extra else ()))

    return check


def endpoint_reader(mappings: list[FieldMapping]):
    """The check for a per-province endpoint: the shape its mappings need, then their counts, the
    province's and every unit's."""
    paths = [p for m in mappings for p in (m.numerator, m.denominator)]
    return reader(shape_from_paths(paths), lambda data: value_flaws(data, mappings) + unit_value_flaws(data, mappings))


__all__ = [
    "MAX_COUNT",
    "Reading",
    "Obj",
    "ListOf",
    "Scalar",
    "count_problem",
    "as_count",
    "short",
    "shape_problem",
    "shape_from_paths",
    "read_envelope",
    "value_flaws",
    "unit_value_flaws",
    "reader",
    "endpoint_reader",
    "SERVICE_RESULTS_SHAPE",
    "PAGINATION",
    "PAGED_LISTS",
]
