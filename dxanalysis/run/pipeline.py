"""The pipeline: every table the reports need, computed once, each step rerun only when its inputs change.

Steps (in the style of owid/etl), each writing one or more tables to a build folder beside a
``<step>.fingerprint`` of everything it read::

    harmonise   data files (observation contract) -> harmonised.csv     (load, validate, 63 -> 34)
    forecast    harmonised.csv + targets          -> forecasts.csv, fans.csv
    scores      the bundled 766 tables            -> index766.csv       (both scales, kept apart)
    backtest    harmonised.csv                    -> backtest_summary.csv, backtest_overall.csv,
                                                     backtest_reliability.csv
    units       units.csv (or the bundled synthetic   -> unit_forecasts.csv  (every department and
                unit panel) + harmonised.csv            commune, every target ahead)

``dx batch`` runs it once, then every notebook reads its rows from the build folder (parameter
``build_dir``). A notebook opened alone computes the same tables in memory through
:func:`compute`, the same code path.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.files import atomic_write_csv, atomic_write_text
from ..forecast.backtest import Calibrations
from ..forecast.compute import compute_units, forecast_and_fans
from ..forecast.outputs import read_harmonised

STEPS = ("harmonise", "forecast", "units", "scores", "backtest")
#: Written instead of the backtest tables when the data are too short to evaluate.
BACKTEST_NOTE = "backtest_unavailable.txt"
#: Written instead of the unit forecasts when the data come without a unit table.
UNITS_NOTE = "units_unavailable.txt"


def digest(parts: list) -> str:
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            digest.update(_label(part).encode())
            digest.update(part.read_bytes())
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _label(path: Path) -> str:
    """A file's name in a fingerprint: its path inside the project where it is one (two modules
    may share a name: ``table.py``), else its name."""
    try:
        return path.resolve().relative_to(paths.PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return path.name


def code_files() -> list[Path]:
    """Every file of the library's code and words (``.py``, the message catalog, templates).

    A build step's fingerprint covers all of it: a hand-kept list of the modules each step
    imports goes stale (it had: ``periods.py``, ``registry.py``, ``provenance.py`` were missing),
    and a table built by old code would then be served as fresh. Any edit reruns every step."""
    root = paths.PROJECT_ROOT / "dxanalysis"
    kinds = (".py", ".yaml", ".j2")
    return sorted(p for p in root.rglob("*") if p.suffix in kinds and "__pycache__" not in p.parts and p.is_file())


def param_files() -> list[Path]:
    return sorted(paths.PARAMS_DIR.rglob("*.yaml")) + sorted(paths.PROVINCES_DIR.glob("*.csv"))


class Pipeline:
    """The steps over one build folder; each reruns only when its fingerprint changed.

    Parameters
    ----------
    build_dir : path
    data : str, optional
        Observation file or folder ('' for the bundled panel).
    as_of, model, scenario : str
        Forecast settings (see :func:`~dxanalysis.forecast.forecast`).
    """

    def __init__(self, build_dir: str | Path, data: str = "", as_of: str = "", model: str = "pooled", scenario: str = ""):
        from ..data.observations import expand_data_argument

        self.dir = Path(build_dir)
        self.data = data
        self.as_of = as_of or None
        self.model = model
        self.scenario = scenario or None
        self.data_files = expand_data_argument(data or None)
        self.ran: list[str] = []
        self.skipped: list[str] = []
        self.cached: list[str] = []  # copied from the build cache (another output folder built them)
        self._fingerprints: dict[str, str] = {}
        #: Interval factors computed by the forecast step, reused by the units step in this run.
        self.calibrations = Calibrations()

    # ------------------------------------------------------------------ fingerprints

    def fingerprint(self, step: str) -> str:
        """Hash of everything ``step`` reads: its input tables' fingerprints, data, params, code."""
        if step not in self._fingerprints:
            inputs = {
                "harmonise": lambda: [*self.data_files, *param_files(), *code_files()],
                "forecast": lambda: [
                    self.fingerprint("harmonise"),
                    {"as_of": self.as_of, "model": self.model, "scenario": self.scenario},
                    *param_files(),
                    *code_files(),
                ],
                "scores": lambda: [paths.INDEX766_XLSX, paths.INDEX766_2026_JSON, *code_files()],
                "backtest": lambda: [self.fingerprint("harmonise"), *param_files(), *code_files()],
                "units": lambda: [
                    self.fingerprint("harmonise"),
                    *self._units_input(),
                    {"as_of": self.as_of, "model": self.model},
                    *param_files(),
                    *code_files(),
                ],
            }[step]()
            self._fingerprints[step] = digest(inputs)
        return self._fingerprints[step]

    def _fresh(self, step: str) -> bool:
        stamp = self.dir / f"{step}.fingerprint"
        return (
            stamp.exists()
            and stamp.read_text() == self.fingerprint(step)
            and any(all((self.dir / name).exists() for name in names) for names in self._output_sets(step))
        )

    def _done(self, step: str) -> None:
        atomic_write_text(self.fingerprint(step), self.dir / f"{step}.fingerprint")
        self.ran.append(step)

    # ------------------------------------------------------------------ steps

    OUTPUTS = {
        "harmonise": ["harmonised.csv"],
        "forecast": ["forecasts.csv", "fans.csv"],
        "scores": ["index766.csv"],
        "backtest": [
            "backtest_summary.csv",
            "backtest_overall.csv",
            "backtest_reliability.csv",
            "backtest_bands.csv",
            "backtest_december.csv",
        ],
        "units": ["unit_forecasts.csv"],
    }

    def run(self, steps=STEPS) -> Pipeline:
        """Run the steps whose inputs changed; return self."""
        self.dir.mkdir(parents=True, exist_ok=True)
        from . import build_cache

        for step in steps:
            if self._fresh(step):
                self.skipped.append(step)
                continue
            fingerprint = self.fingerprint(step)
            for names in self._output_sets(step):  # built before, in any output folder
                if build_cache.restore(fingerprint, names, self.dir):
                    atomic_write_text(fingerprint, self.dir / f"{step}.fingerprint")
                    self.cached.append(step)
                    break
            else:
                getattr(self, f"_{step}")()
                self._done(step)
                for names in self._output_sets(step):
                    build_cache.store(fingerprint, names, self.dir)
        return self

    #: A note a step writes instead of its outputs when the data do not allow them.
    NOTES = {"backtest": BACKTEST_NOTE, "units": UNITS_NOTE}

    def _output_sets(self, step: str) -> list[list[str]]:
        """What a finished step leaves: its outputs, or its note instead (the note stands in for
        that step's outputs only)."""
        return [self.OUTPUTS[step], [self.NOTES[step]]] if step in self.NOTES else [self.OUTPUTS[step]]

    def _harmonise(self) -> None:
        from ..data.harmonise import harmonise_files

        atomic_write_csv(harmonise_files(self.data_files).table, self.dir / "harmonised.csv")

    def _forecast(self) -> None:
        table = self.harmonised()
        forecasts, fans = forecast_and_fans(table, self.as_of, self.model, self.scenario, None, self.calibrations)
        atomic_write_csv(forecasts, self.dir / "forecasts.csv")
        atomic_write_csv(fans, self.dir / "fans.csv")

    def _scores(self) -> None:
        from ..data.index766 import load_bundled_scores

        atomic_write_csv(load_bundled_scores(), self.dir / "index766.csv")

    def _backtest(self) -> None:
        from ..core.errors import DxError
        from ..forecast.backtest import backtest

        note = self.dir / BACKTEST_NOTE
        note.unlink(missing_ok=True)
        try:
            backtest(self.harmonised()).write(self.dir)
        except DxError as exc:  # data too short to evaluate: said in the reports, not a failed batch
            for name in self.OUTPUTS["backtest"]:
                (self.dir / name).unlink(missing_ok=True)
            atomic_write_text(str(exc), note)

    def _units_input(self) -> list:
        """What the unit step reads besides the province table: the bundled panel's cache key
        (seed and code; no need to generate it to know it), a fetched ``units.csv``, or nothing."""
        from ..data.unit_synthetic import cache_key

        if not self.data:
            return [{"units": cache_key()}]
        from ..data.units import units_file

        found = units_file(self.data)
        return [found] if found is not None else [{"units": None}]

    def _units(self) -> None:
        from ..data.units import units_file

        note = self.dir / UNITS_NOTE
        note.unlink(missing_ok=True)
        if units_file(self.data or None) is None:  # said before the province table is read
            (self.dir / "unit_forecasts.csv").unlink(missing_ok=True)
            atomic_write_text(f"no units.csv beside {self.data}: no unit forecasts", note)
            return
        result = compute_units(
            self.data, self.harmonised(), as_of=self.as_of, model=self.model, calibrations=self.calibrations
        )
        atomic_write_csv(result, self.dir / "unit_forecasts.csv")

    # ------------------------------------------------------------------ reading

    def harmonised(self) -> pd.DataFrame:
        return read_harmonised(self.dir)


__all__ = ["Pipeline", "STEPS", "BACKTEST_NOTE", "UNITS_NOTE", "code_files"]
