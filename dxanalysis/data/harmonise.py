"""Carry observations reported under the 63 old provinces onto the 34 new ones.

Rules (README, "Harmonisation"):

* The province list (scheme) is decided per file and per side of the merger (before and from
  2025-07): a legacy-only code or name (06, "Bắc Kạn") means *legacy*, otherwise *current*.
  ``scheme=`` overrides. Current codes are also old codes of a constituent, so reading a
  current label in the wrong list would silently drop constituents: hence the per-side rule.
* Ratios are recombined from summed numerators and denominators. Rows with only a percentage
  are combined with a documented volume (a ``weight`` column or a weights table); never a plain
  average. A merged province with value-only rows and no weight is an error.
* A new province that lacks some constituents in a month gets a warning naming them; that month
  is kept but marked ``complete = False`` and the forecasts leave it out.
* The same province-month reported both as a whole new province and through old constituents
  (or twice) is an overlap: an error, never a double count.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import provinces
from ..core.errors import DxError, InputProblems, Problem
from ..core.provinces import MERGER_PERIOD, Scheme
from .coverage import configured_fraction, flag_low_coverage
from .observations import load_many, load_weights
from .readers import UNDECLARED, NumberFormat

HARMONISED_COLUMNS = [
    "province_code",
    "province_name",
    "period",
    "indicator",
    "numerator",
    "denominator",
    "value",
    "complete",
    "incomplete_reason",
    "constituents",
    "method",
    "source",
]


class IncompleteProvinceWarning(UserWarning):
    """A new province lacked some of its old constituents in some months."""


@dataclass
class Harmonised:
    """Result of :func:`harmonise`: the table and what was decided on the way."""

    table: pd.DataFrame
    schemes: list[str] = field(default_factory=list)  # one line per file: which list was used
    warnings: list[str] = field(default_factory=list)


def _schemes_for(frame: pd.DataFrame, override: Scheme | None) -> dict[str, Scheme]:
    before = frame["period"] < MERGER_PERIOD
    out: dict[str, Scheme] = {}
    for side, mask in (("before", before), ("after", ~before)):
        if mask.any():
            out[side] = override or provinces.detect_scheme(frame.loc[mask, "province"].unique())
    return out


def _resolve_units(frame: pd.DataFrame, schemes: dict[str, Scheme]) -> pd.DataFrame:
    """Add unit_scheme, unit_code and province_code (current) to each row."""
    frame = frame.copy()
    side = np.where(frame["period"] < MERGER_PERIOD, "before", "after")
    frame["unit_scheme"] = [schemes[s] for s in side]
    problems = []
    codes = {
        (label, sch): provinces.try_resolve(label, sch) for label, sch in set(zip(frame["province"], frame["unit_scheme"]))
    }
    unit_codes = [codes[(label, sch)] for label, sch in zip(frame["province"], frame["unit_scheme"])]
    unresolved = [i for i, code in enumerate(unit_codes) if code is None]
    for row in frame.iloc[unresolved].itertuples(index=False):
        other = "current" if row.unit_scheme == "legacy" else "legacy"
        hint = ""
        if provinces.try_resolve(row.province, other):
            hint = (
                f" (it is a {other}-list province: this file was read with the {row.unit_scheme} list; "
                f"pass --scheme {other} or keep one list per side of {MERGER_PERIOD})"
            )
        problems.append(
            Problem(
                row.source_file,
                row.source_row,
                "province",
                f"{row.province!r} is not in the {row.unit_scheme} list of provinces{hint}",
            )
        )
    if problems:
        raise InputProblems(problems)
    frame["unit_code"] = unit_codes
    to_current = provinces.legacy_to_current()
    frame["province_code"] = [
        to_current[c] if s == "legacy" else c for c, s in zip(frame["unit_code"], frame["unit_scheme"])
    ]
    # An unchanged province is one territory under both lists: call it current either way.
    single = {new for new, olds in provinces.constituents().items() if len(olds) == 1}
    unchanged = frame["province_code"].isin(single)
    frame.loc[unchanged, "unit_scheme"] = "current"
    frame.loc[unchanged, "unit_code"] = frame.loc[unchanged, "province_code"]
    return frame


def _check_overlaps(rows: pd.DataFrame) -> None:
    key = ["province_code", "period", "indicator"]
    stats = (
        rows.assign(whole=rows["unit_scheme"] == "current")
        .groupby(key, sort=True)
        .agg(n=("unit_code", "size"), whole=("whole", "any"))
    )
    repeated = rows[rows.duplicated(["unit_scheme", "unit_code", "period", "indicator"], keep=False)]
    bad = set(stats.index[(stats["whole"] & (stats["n"] > 1))]) | set(map(tuple, repeated[key].to_numpy().tolist()))
    if not bad:
        return
    problems = []
    flagged = rows[[tuple(k) in bad for k in rows[key].to_numpy().tolist()]]
    for (code, period, indicator), group in flagged.groupby(key, sort=True):
        where = "; ".join(f"{r.source_file}:{r.source_row} ({r.province})" for r in group.itertuples())
        problems.append(
            Problem(
                group["source_file"].iloc[-1],
                int(group["source_row"].iloc[-1]),
                "province",
                f"overlap: {provinces.province_name(code)} ({code}) {period} {indicator} is reported more "
                f"than once, as a whole and/or through its old provinces: {where}; expected each "
                "province-month once",
            )
        )
    raise InputProblems(problems)


def _weights_lookup(weights: pd.DataFrame | None) -> dict[tuple, float]:
    """(legacy code, period or '', indicator or '') -> weight."""
    if weights is None:
        return {}
    out = {}
    for row in weights.itertuples(index=False):
        code = provinces.resolve(row.province, "legacy")
        out[(code, getattr(row, "period", "") or "", getattr(row, "indicator", "") or "")] = float(row.weight)
    return out


def _weight_for(row, lookup: dict[tuple, float]) -> float:
    if not np.isnan(row.weight):
        return float(row.weight)
    for key in (
        (row.unit_code, row.period, row.indicator),
        (row.unit_code, row.period, ""),
        (row.unit_code, "", row.indicator),
        (row.unit_code, "", ""),
    ):
        if key in lookup:
            return lookup[key]
    return np.nan


def _add_constituents_and_sources(agg: pd.DataFrame, parts: pd.DataFrame, key: list[str], members: dict) -> None:
    """The old provinces combined ("+"-joined codes) and their distinct sources ("; "-joined).

    Done in Python only for the few groups that need it (an incomplete group, several
    sources); a large file has hundreds of thousands of groups.
    """
    full = agg["n"] == agg["expected"]
    agg["constituents"] = agg["province_code"].map(lambda c: "+".join(sorted(members[c])))
    if (~full).any():
        short = parts.merge(agg.loc[~full, key], on=key)
        joined = short.groupby(key)["unit_code"].agg(lambda c: "+".join(sorted(c)))
        agg.loc[~full, "constituents"] = (
            agg.loc[~full, key].merge(joined.reset_index(), on=key, how="left")["unit_code"].to_numpy()
        )
    sources = parts.loc[parts["source"] != "", [*key, "source"]].drop_duplicates()
    distinct = sources.groupby(key)["source"].transform("size")
    single = sources[distinct == 1]
    several = sources[distinct > 1].sort_values("source").groupby(key)["source"].agg("; ".join).reset_index()
    by_key = pd.concat([single, several], ignore_index=True)
    agg["source"] = agg[key].merge(by_key, on=key, how="left")["source"].fillna("").to_numpy()


def _combine(
    rows: pd.DataFrame, weights: pd.DataFrame | None, weight_basis: str, require_weights: bool = True
) -> tuple[pd.DataFrame, list[str]]:
    """Combine each (new province, period, indicator) group into one row (vectorised)."""
    key = ["province_code", "period", "indicator"]
    members = provinces.constituents()
    lookup = _weights_lookup(weights)
    rows = rows.copy()
    if lookup:
        rows["weight"] = [_weight_for(r, lookup) for r in rows.itertuples(index=False)]
    whole = (rows["unit_scheme"] == "current").to_numpy()

    # Rows that already describe a whole current province pass through.
    passed = rows.loc[whole, key + ["numerator", "denominator", "value", "complete", "source"]].copy()
    passed["constituents"] = passed["province_code"]
    passed["method"] = "as reported"

    parts = rows.loc[~whole].copy()
    problems: list[Problem] = []
    messages: list[str] = []
    combined = pd.DataFrame(columns=HARMONISED_COLUMNS)
    if len(parts):
        parts["has_ratio"] = parts["numerator"].notna() & parts["denominator"].notna()
        parts["has_weight"] = parts["weight"].notna()
        parts["w_value"] = parts["weight"] * parts["value"]
        grouped = parts.groupby(key, sort=False)
        agg = grouped.agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            w_value=("w_value", "sum"),
            weight=("weight", "sum"),
            all_ratio=("has_ratio", "all"),
            all_weight=("has_weight", "all"),
            all_complete=("complete", "all"),
            n=("unit_code", "size"),
        ).reset_index()
        agg["expected"] = agg["province_code"].map(lambda c: len(members[c]))
        _add_constituents_and_sources(agg, parts, key, members)
        weighted = ~agg["all_ratio"] & agg["all_weight"] & (agg["weight"] > 0)
        unweighted = ~agg["all_ratio"] & ~weighted
        if unweighted.any() and not require_weights:
            agg.loc[unweighted, "all_complete"] = False
        elif unweighted.any():
            bad = parts.merge(agg.loc[unweighted, key], on=key)
            for r in bad[~bad["has_ratio"] & ~bad["has_weight"]].itertuples(index=False):
                problems.append(
                    Problem(
                        r.source_file,
                        r.source_row,
                        "value",
                        f"{r.province!r} has only a percentage and must be combined into "
                        f"{provinces.province_name(r.province_code)} ({r.province_code}) for {r.period} "
                        f"{r.indicator}; expected numerator and denominator, a 'weight' column, or "
                        "--weights FILE (columns province, weight[, period, indicator])",
                    )
                )
            raise InputProblems(problems)
        agg["value"] = np.where(
            agg["all_ratio"],
            agg["numerator"] / agg["denominator"] * 100,
            agg["w_value"] / agg["weight"].where(agg["weight"] > 0),
        )
        agg.loc[~agg["all_ratio"], ["numerator", "denominator"]] = np.nan
        agg["method"] = np.where(agg["all_ratio"], "sum of numerators / sum of denominators", f"weighted by {weight_basis}")
        agg.loc[unweighted, "method"] = "not combined: percentages without weights"
        agg.loc[unweighted, "value"] = np.nan
        agg["complete"] = agg["all_complete"] & (agg["n"] == agg["expected"])
        combined = agg[key + ["numerator", "denominator", "value", "complete", "constituents", "method", "source"]]
        gaps: dict[tuple, list[str]] = {}
        for r in agg[agg["n"] < agg["expected"]].itertuples(index=False):
            missing = tuple(c for c in members[r.province_code] if c not in r.constituents.split("+"))
            gaps.setdefault((r.province_code, r.indicator, missing), []).append(r.period)
        for (code, indicator, missing), periods_ in sorted(gaps.items()):
            periods_ = sorted(periods_)
            names = ", ".join(f"{provinces.province_name(c, 'legacy')} ({c})" for c in missing)
            shown = ", ".join(periods_[:6]) + (f" and {len(periods_) - 6} more" if len(periods_) > 6 else "")
            messages.append(
                f"{provinces.province_name(code)} ({code}) {indicator}: no data from {names} in {shown}; "
                "those months are marked incomplete"
            )
    passed["incomplete_reason"] = np.where(passed["complete"].astype(bool), "", "marked incomplete in the input")
    if len(combined):
        combined = combined.assign(
            incomplete_reason=np.where(
                combined["complete"].astype(bool),
                "",
                "merger month: constituents missing (reported: " + combined["constituents"] + ")",
            )
        )
    table = pd.concat([passed, combined], ignore_index=True) if len(combined) else passed
    names = {code: provinces.province_name(code) for code in table["province_code"].unique()}
    table["province_name"] = table["province_code"].map(names)
    table["complete"] = table["complete"].astype(bool)
    return table[HARMONISED_COLUMNS], messages


def harmonise(
    frames: list[pd.DataFrame],
    scheme: Scheme | None = None,
    weights: pd.DataFrame | None = None,
    weight_basis: str = "the supplied weight",
    require_weights: bool = True,
    low_coverage_fraction: float | None = None,
) -> Harmonised:
    """Express observations on the 34 current provinces.

    Parameters
    ----------
    frames : list of DataFrame
        Validated observation frames (one per file) from :func:`~dxanalysis.data.observations.load_observations`.
    scheme : {"legacy", "current"}, optional
        Force one province list for every file and period; by default decided per file and side
        of the merger.
    weights : DataFrame, optional
        Columns ``province`` (old province), ``weight`` and optionally ``period`` and ``indicator``:
        volumes used to combine rows that carry only a percentage.
    weight_basis : str
        What the weights measure (e.g. "adult population"), recorded in the ``method`` column.
    require_weights : bool
        When False (``dx validate``), merged groups with percentages but no weights are kept with
        an empty value, ``complete = False`` and method "not combined: percentages without
        weights" instead of raising.
    low_coverage_fraction : float, optional
        A month whose denominator is under this share of its series' usual volume is marked
        ``complete = False`` with the reason (:mod:`dxanalysis.data.coverage`); default from
        ``params/run.yaml``.

    Returns
    -------
    Harmonised
        ``table`` in the harmonised contract (``province_code, province_name, period, indicator,
        numerator, denominator, value, complete, incomplete_reason, constituents, method, source``), the scheme
        used per file, and warnings about incomplete months (also issued as
        :class:`IncompleteProvinceWarning`).
    """
    if scheme not in (None, "legacy", "current"):
        raise DxError(f"scheme must be 'legacy' or 'current', not {scheme!r}")
    resolved, scheme_notes = [], []
    for frame in frames:
        schemes = _schemes_for(frame, scheme)
        file = frame["source_file"].iloc[0] if len(frame) else "input"
        how = "forced" if scheme else "detected"
        scheme_notes.append(
            f"{file}: " + ", ".join(f"{side} {MERGER_PERIOD}: {sch} list ({how})" for side, sch in schemes.items())
        )
        resolved.append(_resolve_units(frame, schemes))
    rows = pd.concat(resolved, ignore_index=True)
    _check_overlaps(rows)
    table, messages = _combine(rows, weights, weight_basis, require_weights)
    if low_coverage_fraction is None:
        low_coverage_fraction = configured_fraction()
    table = flag_low_coverage(table, low_coverage_fraction)[HARMONISED_COLUMNS]
    for message in messages:
        warnings.warn(message, IncompleteProvinceWarning, stacklevel=2)
    table = table.sort_values(["province_code", "indicator", "period"], ignore_index=True)
    return Harmonised(table=table, schemes=scheme_notes, warnings=messages)


def harmonise_files(
    paths_: list[str | Path],
    scheme: Scheme | None = None,
    weights: str | Path | None = None,
    number_format: NumberFormat = UNDECLARED,
) -> Harmonised:
    """Load and harmonise files in one call (see :func:`harmonise`); ``number_format`` is the
    files' declared separators (:class:`~dxanalysis.data.readers.NumberFormat`)."""
    frames = load_many(list(paths_), number_format)
    weight_frame = load_weights(weights) if weights else None
    basis = f"weights from {weights}" if weights else "the supplied weight"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteProvinceWarning)
        return harmonise(frames, scheme=scheme, weights=weight_frame, weight_basis=basis)


def load_bundled_table() -> pd.DataFrame:
    """The bundled (synthetic) panel, harmonised onto the 34 provinces."""
    from ..core import paths

    return harmonise_files([paths.PANEL_CSV]).table


def harmonise_data(data=None) -> pd.DataFrame:
    """Harmonised table from a file, a folder, a list of files, or the bundled panel (None)."""
    from .observations import expand_data_argument

    if isinstance(data, pd.DataFrame):
        return data
    files = [f for d in (data if isinstance(data, (list, tuple)) else [data]) for f in expand_data_argument(d)]
    return harmonise_files(files).table


__all__ = [
    "harmonise_data",
    "load_bundled_table",
    "harmonise",
    "harmonise_files",
    "load_weights",
    "Harmonised",
    "IncompleteProvinceWarning",
    "HARMONISED_COLUMNS",
]
