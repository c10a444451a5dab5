"""The field mapping of ``params/portal.yaml``: which answer field feeds which indicator."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..core import paths
from ..core.errors import DxError
from ..core.registry import load_indicators, read_yaml

CONFIDENCE = ("high", "medium", "low")
#: The lists that pages add to: the departments and communes under the province.
PAGED_LISTS = ("evaluation", "children")
_STEP = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)(\[code=(?P<code>[A-Za-z0-9_]+)\])?$")


@dataclass(frozen=True)
class FieldMapping:
    """One indicator's numerator and denominator in one endpoint's answer."""

    indicator: str
    endpoint: str
    numerator: str
    denominator: str
    meaning: str
    confidence: str
    # Where each unit (department, commune) of the province is listed in the same answer, and its
    # numerator and denominator within a unit entry; None when the endpoint gives no unit counts.
    unit_list: str | None = None
    unit_numerator: str | None = None
    unit_denominator: str | None = None

    def source_text(self) -> str:
        sure = "" if self.confidence == "high" else ", to confirm"
        return f"{self.endpoint}: {self.numerator} / {self.denominator} (mapping confidence {self.confidence}{sure})"

    def unit_source_text(self) -> str:
        sure = "" if self.confidence == "high" else ", to confirm"
        where = f"{self.endpoint}: {self.unit_list}[].{self.unit_numerator} / {self.unit_denominator}"
        return f"{where} (mapping confidence {self.confidence}{sure})"


@dataclass(frozen=True)
class UnitEntry:
    """The fields of a unit entry (``departmentCode``...) and what each portal level means."""

    code: str = "departmentCode"
    ident: str = "departmentId"
    name: str = "departmentName"
    level: tuple[str, ...] = ("departmentLevel", "level")
    levels: tuple[tuple[str, str], ...] = (("PROVINCE", "department"), ("COMMUNE", "commune"))


@dataclass(frozen=True)
class PortalSettings:
    base_url: str
    path: str
    token_env: str
    timeout: float
    retries: int
    backoff: float
    jobs: int
    page_size: int
    max_pages: int  # pages followed per answer at most, whatever totalPages says
    max_answer_bytes: int  # an answer larger than this is refused, not read
    endpoints: dict[str, str]  # endpoint -> "fields" | "dates"
    mappings: tuple[FieldMapping, ...]
    unit_entry: UnitEntry = UnitEntry()


@lru_cache(maxsize=4)
def load_settings(path: Path = paths.PORTAL_MAPPING_YAML) -> PortalSettings:
    """Read and check ``params/portal.yaml``."""
    spec = read_yaml(Path(path))
    api = spec.get("api", {})
    endpoints = {name: str((opts or {}).get("period", "fields")) for name, opts in spec.get("endpoints", {}).items()}
    known = load_indicators()
    mappings = []
    for indicator, item in (spec.get("indicators") or {}).items():
        where = f"{path}: indicator {indicator!r}"
        if indicator not in known:
            raise DxError(f"{where}: not in params/indicators.yaml")
        for key in ("endpoint", "numerator", "denominator", "meaning", "confidence"):
            if not item.get(key):
                raise DxError(f"{where}: missing {key!r}")
        if item["endpoint"] not in endpoints:
            raise DxError(f"{where}: endpoint {item['endpoint']!r} is not listed under endpoints")
        if item["confidence"] not in CONFIDENCE:
            raise DxError(f"{where}: confidence {item['confidence']!r}: expected one of {', '.join(CONFIDENCE)}")
        units = item.get("units") or {}
        if units and not all(units.get(k) for k in ("list", "numerator", "denominator")):
            raise DxError(f"{where}: units needs list, numerator and denominator")
        if units and units["list"] not in PAGED_LISTS:
            raise DxError(f"{where}: units list {units['list']!r}: expected one of {', '.join(PAGED_LISTS)}")
        for field in (item["numerator"], item["denominator"], units.get("numerator"), units.get("denominator")):
            if field and not all(_STEP.match(step) for step in field.split(".")):
                raise DxError(f"{where}: field path {field!r} is not key.key[code=X].key")
        mappings.append(
            FieldMapping(
                indicator,
                item["endpoint"],
                item["numerator"],
                item["denominator"],
                " ".join(str(item["meaning"]).split()),
                item["confidence"],
                units.get("list"),
                units.get("numerator"),
                units.get("denominator"),
            )
        )
    lists = {}
    for m in mappings:
        if m.unit_list and lists.setdefault(m.endpoint, m.unit_list) != m.unit_list:
            raise DxError(
                f"{path}: endpoint {m.endpoint!r} lists its units in one list, not {lists[m.endpoint]!r} and {m.unit_list!r}"
            )
    return PortalSettings(
        base_url=str(api.get("base_url", "https://dichvucong.gov.vn")),
        path=str(api.get("path", "/api/v1/reporting/evaluation/")),
        token_env=str(api.get("token_env", "DX_PORTAL_TOKEN")),
        timeout=float(api.get("timeout_seconds", 30)),
        retries=int(api.get("retries", 4)),
        backoff=float(api.get("backoff_seconds", 0.5)),
        jobs=int(api.get("jobs", 4)),
        page_size=int(api.get("page_size", 200)),
        max_pages=int(api.get("max_pages", 20)),
        max_answer_bytes=int(float(api.get("max_answer_mb", 50)) * 2**20),
        endpoints=endpoints,
        mappings=tuple(mappings),
        unit_entry=_unit_entry(spec.get("unit_entry") or {}, path),
    )


def _unit_entry(spec: dict, path: Path) -> UnitEntry:
    default = UnitEntry()
    level = spec.get("level", list(default.level))
    levels = spec.get("levels", dict(default.levels))
    if not isinstance(level, list) or not isinstance(levels, dict) or set(levels.values()) - {"department", "commune"}:
        raise DxError(f"{path}: unit_entry: level is a list of keys; levels maps portal levels to department or commune")
    return UnitEntry(
        code=str(spec.get("code", default.code)),
        ident=str(spec.get("id", default.ident)),
        name=str(spec.get("name", default.name)),
        level=tuple(map(str, level)),
        levels=tuple((str(k), str(v)) for k, v in levels.items()),
    )


_MISSING = object()
_AMBIGUOUS = object()


@lru_cache(maxsize=256)
def _steps(field: str) -> tuple[tuple[str, str | None], ...]:
    # Parsed once per path: pick runs for every unit of every answer (about a million a year).
    return tuple((m["key"], m["code"]) for m in map(_STEP.match, field.split(".")))


def pick(data: object, field: str) -> object:
    """The value at ``field`` (``parent.x`` or ``overview.metrics[code=X].numerator``) in ``data``;
    a sentinel when the path is absent (:func:`is_missing`) or its metric code is listed twice
    (:func:`is_ambiguous`); ``None`` stays ``None``: present but null."""
    node = data
    for key, code in _steps(field):
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
        if code:
            if not isinstance(node, list):
                return _MISSING
            found = [m for m in node if isinstance(m, dict) and m.get("code") == code]
            if len(found) > 1:
                return _AMBIGUOUS  # two metrics with one code: which is meant is not ours to choose
            if not found:
                return _MISSING
            node = found[0]
    return node


def is_missing(value: object) -> bool:
    """Whether :func:`pick` found no field at the path."""
    return value is _MISSING


def is_ambiguous(value: object) -> bool:
    """Whether :func:`pick` found the path's metric code listed more than once."""
    return value is _AMBIGUOUS


__all__ = [
    "FieldMapping",
    "UnitEntry",
    "PortalSettings",
    "PAGED_LISTS",
    "load_settings",
    "pick",
    "is_missing",
    "is_ambiguous",
]
