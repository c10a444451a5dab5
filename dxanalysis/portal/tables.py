"""The tables `dx fetch` writes, month by month, renamed into place at the end.

The tables ``dx fetch`` writes (month by month, renamed into place at the end) and the
bundled fallback table of the portal's department ids."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd

from ..core import paths, provinces
from ..core.files import umask
from ..data.index766 import INDEX766_SCHEMA
from ..data.row_checks import FILE_COLUMNS
from .unit_rows import UNIT_COLUMNS

#: The observation contract's file columns (:data:`~dxanalysis.data.row_checks.FILE_COLUMNS`), the province by its code.
OBSERVATION_COLUMNS = ["province_code" if c == "province" else c for c in FILE_COLUMNS]
# unit_code: "" for a province's own figures; the portal's departmentCode for one unit's (units.csv)
MISSING_COLUMNS = ["period", "province_code", "endpoint", "indicator", "reason", "unit_code"]


def department_table(path: Path = paths.INDEX766_2026_JSON) -> pd.DataFrame:
    """The portal's department ids of the 34 provinces, from the bundled 2026 766 table.

    Only a fallback: ``dx fetch`` discovers ids from each month's ``service-results`` answer and
    resolves names with the project's matcher; this table serves when a name does not match.
    """
    import json

    units = json.loads(Path(path).read_bytes())["provinces"]
    rows = [
        {
            "province_code": provinces.resolve(u["departmentName"], "current"),
            "department_id": u["departmentId"],
            "department_code": u["departmentCode"],
            "department_name": u["departmentName"],
        }
        for u in units
    ]
    return pd.DataFrame(rows).sort_values("province_code", ignore_index=True)


@functools.lru_cache(maxsize=1)
def fallback_ids() -> dict[str, str]:
    try:
        table = pd.read_csv(paths.PORTAL_DEPARTMENTS_CSV, dtype=str)
    except OSError:
        return {}
    out = dict(zip(table["department_id"], table["province_code"]))
    out.update(zip(table["department_code"], table["province_code"]))
    return out


class TableWriters:
    """observations.csv, index766.csv, units.csv and missing.csv written month by month to
    temporary files, renamed into place only when the whole run has succeeded."""

    SCORE_COLUMNS = list(INDEX766_SCHEMA.columns)

    def __init__(self, out: Path):
        out.mkdir(parents=True, exist_ok=True)
        self.targets = {name: out / name for name in ("observations.csv", "index766.csv", "units.csv", "missing.csv")}
        self.temps = {name: path.with_name(f".{name}.partial") for name, path in self.targets.items()}
        self.first = {name: True for name in self.targets}

    def _write(self, name: str, frame: pd.DataFrame) -> None:
        frame.to_csv(
            self.temps[name],
            mode="w" if self.first[name] else "a",
            header=self.first[name],
            index=False,
            lineterminator="\n",
        )
        self.first[name] = False

    def add(self, month) -> None:
        observations = pd.DataFrame(month.observations, columns=OBSERVATION_COLUMNS)
        observations = observations.sort_values(["period", "province_code", "indicator"], ignore_index=True)
        # No cast here: the counts arrive as exact ints, checked (portal/checks.py); a cast would
        # truncate a decimal or wrap a huge number instead of refusing it.
        self._write("observations.csv", observations)
        scores = pd.DataFrame(
            month.scores,
            columns=[
                "province_code",
                "period",
                "scope",
                "component",
                "points",
                "max_points",
                "unit_name",
                "dashboard_code",
                "source",
            ],
        )
        scores.insert(1, "province_name", scores["province_code"].map(provinces.province_name))
        scores.insert(len(scores.columns) - 1, "scale", "766-2026")
        self._write("index766.csv", scores[self.SCORE_COLUMNS].sort_values(["province_code", "component"]))
        units = pd.DataFrame(month.units, columns=UNIT_COLUMNS)  # exact ints, as above
        self._write("units.csv", units.sort_values(["province_code", "unit_code", "indicator"], ignore_index=True))
        missing = pd.DataFrame(month.missing, columns=MISSING_COLUMNS)
        # stable: a province's own losses first, then its units' in the order they were read
        missing = missing.sort_values(["province_code", "endpoint", "unit_code"], ignore_index=True, kind="stable")
        self._write("missing.csv", missing)

    def commit(self) -> list[Path]:
        for name, temp in self.temps.items():
            if self.first[name]:  # no month at all: headers only
                columns = {
                    "observations.csv": OBSERVATION_COLUMNS,
                    "index766.csv": self.SCORE_COLUMNS,
                    "units.csv": UNIT_COLUMNS,
                }.get(name, MISSING_COLUMNS)
                self._write(name, pd.DataFrame(columns=columns))
            os.chmod(temp, 0o666 & ~umask())
            os.replace(temp, self.targets[name])
        return list(self.targets.values())

    def discard(self) -> None:
        for temp in self.temps.values():
            temp.unlink(missing_ok=True)


def list_reporting_gaps(out: Path) -> list[tuple[str, bool]]:
    """Months whose denominator is under a fraction of the series' usual volume (a system still
    filling up, a province that stopped syncing) are listed in ``missing.csv`` too: they stay in
    ``observations.csv`` as served, and ``dx harmonise`` marks them incomplete so no forecast
    learns from them (:mod:`dxanalysis.data.coverage`)."""
    from ..core.files import atomic_write_csv
    from ..data.coverage import configured_fraction, low_coverage

    observations = pd.read_csv(out / "observations.csv", dtype={"province_code": str, "period": str})
    reasons = low_coverage(observations, configured_fraction())
    gaps = observations[reasons != ""]
    if gaps.empty:
        return []
    rows = pd.DataFrame(
        {
            "period": gaps["period"],
            "province_code": gaps["province_code"],
            "endpoint": "coverage check",
            "indicator": gaps["indicator"],
            "reason": reasons[reasons != ""] + "; kept in observations.csv, left out of forecasts",
            "unit_code": "",
        }
    )
    missing = pd.read_csv(out / "missing.csv", dtype=str, keep_default_na=False)
    atomic_write_csv(pd.concat([missing, rows], ignore_index=True)[MISSING_COLUMNS], out / "missing.csv")
    return [
        (f"{r.period} {provinces.province_name(r.province_code)} ({r.province_code}) {r.indicator}: {r.reason}", True)
        for r in rows.itertuples(index=False)
    ]


__all__ = ["TableWriters", "department_table", "fallback_ids", "list_reporting_gaps"]
