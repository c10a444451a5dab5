"""Indicator registry and targets, read from ``params/`` (metadata as data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from . import paths
from .errors import DxError
from .files import load_yaml

#: Every national target is a floor ("at least"); the forecast engine scores P(value >= threshold).
#: A ceiling target would need its own pace and status rules, so it is refused rather than misread.
COMPARATORS = (">=",)
#: How sure we are that the cited document sets exactly this target. Anything below "high"
#: must carry ``status: to confirm`` so that reports can say so.
CONFIDENCE_LEVELS = ("high", "medium", "medium-low", "low")
TO_CONFIRM = "to confirm"


@dataclass(frozen=True)
class Indicator:
    """One indicator of the registry (see ``params/indicators.yaml``)."""

    id: str
    title_en: str
    title_vi: str
    unit: str
    definition: str
    numerator: str
    denominator: str
    volume: str
    lower: float
    upper: float
    direction: str

    def label(self) -> str:
        """Title with unit, for axes and table headers."""
        return f"{self.title_en} ({self.unit})"


def read_yaml(path: Path) -> dict:
    """A YAML file of ``params/`` as a dict; a missing, unreadable or invalid file is a clear error."""
    try:
        with open(path, encoding="utf-8") as handle:
            return load_yaml(handle) or {}
    except OSError as exc:
        raise DxError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise DxError(f"{path}: not valid YAML: {exc}") from exc


@lru_cache(maxsize=4)
def load_indicators(path: Path = paths.INDICATORS_YAML) -> dict[str, Indicator]:
    """Read the indicator registry.

    Returns
    -------
    dict[str, Indicator]
        Keyed by indicator id, in file order.
    """
    raw = read_yaml(path).get("indicators", {})
    out: dict[str, Indicator] = {}
    for ident, spec in raw.items():
        try:
            indicator = Indicator(id=ident, **{k: spec[k] for k in Indicator.__dataclass_fields__ if k != "id"})
        except KeyError as exc:
            raise DxError(f"{path}: indicator {ident!r} lacks field {exc.args[0]!r}") from exc
        if not indicator.lower < indicator.upper:
            raise DxError(f"{path}: indicator {ident!r}: lower must be below upper")
        out[ident] = indicator
    return out


def _period_of(date: dt.date) -> str:
    return f"{date.year:04d}-{date.month:02d}"


def _as_date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise DxError(f"{where}: deadline {value!r} is not a date (expected YYYY-MM-DD)") from exc


def load_targets(
    province: str | None = None,
    path: Path = paths.TARGETS_YAML,
    overrides_dir: Path = paths.PROVINCE_TARGETS_DIR,
) -> pd.DataFrame:
    """Read the national targets, with a province's own stricter targets applied.

    Parameters
    ----------
    province : str, optional
        Current two-digit code. When given and ``overrides_dir/<code>.yaml`` exists, its
        targets replace the national threshold (and deadline, if given).
    path, overrides_dir : Path
        Where to read from (defaults: ``params/targets.yaml`` and ``params/provinces/``).

    Returns
    -------
    pandas.DataFrame
        One row per target: ``target_id, indicator, threshold, comparator, tolerance, deadline``
        (date), ``deadline_period`` (YYYY-MM), ``level, source, quote, scope`` (national or the
        province whose override applies), ``url`` (the article quoting the document),
        ``confidence`` and ``to_confirm`` (True for targets below high confidence).
    """
    indicators = load_indicators()
    rows = []
    for spec in read_yaml(path).get("targets", []):
        where = f"{path}: target {spec.get('id')!r}"
        for field in ("id", "indicator", "threshold", "comparator", "deadline", "source"):
            if field not in spec:
                raise DxError(f"{where}: missing field {field!r}")
        if spec["indicator"] not in indicators:
            raise DxError(f"{where}: unknown indicator {spec['indicator']!r}; known: {', '.join(indicators)}")
        if spec["comparator"] not in COMPARATORS:
            raise DxError(
                f"{where}: comparator {spec['comparator']!r} is not supported; expected '>=' "
                "(every target is a floor: at least the threshold by the deadline)"
            )
        ind = indicators[spec["indicator"]]
        if not ind.lower <= float(spec["threshold"]) <= ind.upper:
            raise DxError(f"{where}: threshold {spec['threshold']} outside [{ind.lower}, {ind.upper}]")
        deadline = _as_date(spec["deadline"], where)
        confidence = str(spec.get("confidence", "high"))
        if confidence not in CONFIDENCE_LEVELS:
            raise DxError(f"{where}: confidence {confidence!r} is not one of {', '.join(CONFIDENCE_LEVELS)}")
        status = str(spec.get("status", "") or "")
        if confidence != "high" and status != TO_CONFIRM:
            raise DxError(f"{where}: a {confidence}-confidence target must say status: {TO_CONFIRM!r}")
        rows.append(
            {
                "target_id": spec["id"],
                "indicator": spec["indicator"],
                "threshold": float(spec["threshold"]),
                "comparator": spec["comparator"],
                "tolerance": float(spec.get("tolerance", 0.0)),
                "deadline": deadline,
                "deadline_period": _period_of(deadline),
                "level": spec.get("level", "province"),
                "source": " ".join(str(spec["source"]).split()),
                "quote": " ".join(str(spec.get("quote", "")).split()),
                "scope": "national",
                "url": str(spec.get("url", "") or ""),
                "confidence": confidence,
                "to_confirm": status == TO_CONFIRM,
            }
        )
    targets = pd.DataFrame(rows)
    if targets.empty or not targets["target_id"].is_unique:
        raise DxError(f"{path}: targets must be a non-empty list with unique ids")
    if province is not None:
        override_file = overrides_dir / f"{province}.yaml"
        if override_file.exists():
            targets = _apply_overrides(targets, override_file, province, indicators)
    return targets


def _apply_overrides(targets: pd.DataFrame, file: Path, province: str, indicators: dict[str, Indicator]) -> pd.DataFrame:
    spec = read_yaml(file)
    if str(spec.get("province", "")).zfill(2) != province:
        raise DxError(f"{file}: 'province' must be {province!r} (the file name)")
    targets = targets.copy()
    for item in spec.get("targets", []):
        where = f"{file}: target {item.get('id')!r}"
        if item.get("id") not in set(targets["target_id"]):
            raise DxError(f"{where}: not a national target id; known: {', '.join(targets['target_id'])}")
        if not item.get("source"):
            raise DxError(f"{where}: a provincial target needs its source document")
        index = targets.index[targets["target_id"] == item["id"]][0]
        national = targets.loc[index]
        threshold = float(item.get("threshold", national["threshold"]))
        ind = indicators[national["indicator"]]
        if not ind.lower <= threshold <= ind.upper:
            raise DxError(f"{where}: threshold {threshold} outside [{ind.lower}, {ind.upper}]")
        laxer = threshold < national["threshold"] if national["comparator"] == ">=" else threshold > national["threshold"]
        if laxer:
            raise DxError(f"{where}: threshold {threshold} is laxer than the national {national['threshold']}")
        deadline = _as_date(item.get("deadline", national["deadline"]), where)
        if deadline > national["deadline"]:
            raise DxError(f"{where}: deadline {deadline} is later than the national {national['deadline']}")
        targets.loc[index, ["threshold", "source", "scope"]] = [threshold, str(item["source"]), f"province {province}"]
        targets.at[index, "deadline"] = deadline
        targets.at[index, "deadline_period"] = _period_of(deadline)
    return targets
