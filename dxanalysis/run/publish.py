"""After the province reports: the overview and other notebooks, forecasts.csv, the workbook, index.html.

After the province reports: the overview and other notebooks, forecasts.csv and index.html,
listing every report a finished run with the same settings wrote; and the data read once with
declared separators before the batch."""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core import provinces
from ..core.files import atomic_write_csv, atomic_write_text
from ..data.readers import NumberFormat
from ..report.index_page import index_html
from .guards import report_complete
from .outcome import BatchResult
from .pipeline import BACKTEST_NOTE
from .workers import notebook_job, stderr_to

OVERVIEW_NOTEBOOK = "02_national_overview.ipynb"
EXTRA_NOTEBOOKS = ("03_merger_explorer.ipynb", "04_forecast_skill.ipynb")


def earlier_reports(out: Path, results_dir: Path, settings_key: str, exclude: set[str], result: BatchResult) -> set[str]:
    """Provinces an earlier finished run wrote into this folder with the same settings (as-of,
    model, scenario, data, code): listed too, so a run for some provinces never drops the others
    from index.html and forecasts.csv. Reports made with other settings are named in a note."""
    same, other = set(), []
    for stamp in sorted((out / "provinces").glob("*.settings")):
        code = stamp.stem
        if code in exclude or not report_complete(out, results_dir, code):
            continue
        if stamp.read_text(encoding="utf-8") == settings_key:
            same.add(code)
        else:
            other.append(code)
    if other:
        result.notes.append(
            f"{len(other)} earlier province report(s) in {out / 'provinces'} were made with other settings "
            f"(as-of, model, scenario, data, code or language) and are not listed here: {', '.join(other)}"
        )
    return same


#: What a publishing notebook's outcome says when its worker died under it.
WORKER_DIED = "worker process died while running this notebook (killed, or out of memory)"


def _outcome(future) -> str | None:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        return WORKER_DIED


def read_with_separators(files: list[Path], number_format: NumberFormat, build: Path) -> Path:
    """The data read once with the declared separators, rewritten file by file (each keeps its
    own province list) in the plain contract form into ``build/observations/``."""
    from ..data.observations import load_many
    from ..data.row_checks import OBSERVATION_COLUMNS

    folder = build / "observations"
    if folder.exists():
        for old in folder.glob("*.csv"):
            old.unlink()
    columns = [c for c in OBSERVATION_COLUMNS if not c.startswith("source_")]
    for number, (file, frame) in enumerate(zip(files, load_many(files, number_format)), start=1):
        atomic_write_csv(frame[columns], folder / f"{number:02d}_{file.stem}.csv")
    return folder


def _publish_units(out: Path, units: pd.DataFrame | None) -> dict | None:
    """reports/unit_forecasts.csv (every unit of the published provinces) and, for the index, the
    communes off track per province on the first target due; None without units."""
    from ..report.tables import target_label
    from ..report.unit_tables import communes_off_track, map_target

    if units is None or units.empty:
        return None
    atomic_write_csv(units, out / "unit_forecasts.csv", bom=True)  # opened in Excel, as forecasts.csv
    ahead = units[~units["deadline_passed"]]
    target = map_target(ahead) if not ahead.empty else None
    if target is None:
        return None
    communes = ahead[(ahead["target_id"] == target) & (ahead["level"] == "commune")]
    return {
        "label": target_label(target),
        "off": communes_off_track(ahead, target),
        "total": communes.groupby("province_code").size().to_dict(),
    }


@dataclass(frozen=True)
class Publication:
    """What publishing a batch's reports needs to know: where, which provinces, from which build."""

    out: Path  # the output folder
    results_dir: Path  # the province reports' forecast rows (results/)
    published: list[str]  # the provinces listed: this run's and earlier runs' with the same settings
    build_dir: Path  # the pipeline's tables
    data: str  # the data argument every notebook gets ("" for the bundled panel)
    extras: bool = True  # also the merger-explorer and forecast-skill notebooks
    warm: bool = True  # on warm kernels
    lang: str = "en"


def extra_params(name: str, data: str, build_dir: Path, lang: str) -> dict:
    """The parameters of a publishing notebook other than the overview."""
    if name == EXTRA_NOTEBOOKS[0]:
        return {"data": data, "lang": lang}
    return {"data": data, "build_dir": str(build_dir), "lang": lang}


def publish(
    job: Publication,
    result: BatchResult,
    pool: ProcessPoolExecutor | None = None,
    started: dict | None = None,
    skill_ready: bool = True,
) -> None:
    """The overview and the other notebooks, forecasts.csv and index.html, for ``job``; failures
    and notes go into the batch's ``result``.

    With ``pool`` (the province reports' workers, kernels warm) the notebooks run there, side by
    side, while the index page's charts are drawn here; without it, one after the other in this
    process. ``started`` holds the runs of notebooks already handed to the workers beside the
    province reports (:mod:`~dxanalysis.run.side_jobs`); one whose worker died runs again.
    ``skill_ready`` is False when the forecast skill's backtest could not be built.
    """
    from ..forecast.outputs import read_build, read_unit_forecasts
    from ..report import read_results
    from ..report.index_page import maps_png, national_png

    out, results_dir, published, build_dir, lang = job.out, job.results_dir, job.published, job.build_dir, job.lang
    # The nation's rows come from the pipeline (computed once); the provinces' from their reports.
    tables = read_build(build_dir)
    built, scores = tables.forecasts, tables.scores
    national = built[built["province_code"] == provinces.NATIONAL_CODE]
    forecasts = pd.concat([national, read_results(results_dir, published)], ignore_index=True)
    atomic_write_csv(forecasts, out / "forecasts.csv", bom=True)  # opened in Excel: README, "Exports"
    # The units of the published provinces, read once for their CSV, the index and the workbook.
    units = read_unit_forecasts(build_dir)
    units = units[units["province_code"].isin(published)] if units is not None else None
    unit_summary = _publish_units(out, units)
    first = built.iloc[0]
    overview_params = {
        "results_dir": str(results_dir),
        "as_of": str(first["as_of"]),
        "data": job.data,
        "model": str(first["model"]),
        "provinces_run": ",".join(published),
        "build_dir": str(build_dir),
        "lang": lang,
    }
    jobs = [(OVERVIEW_NOTEBOOK, overview_params)]
    if job.extras:
        jobs.append((EXTRA_NOTEBOOKS[0], extra_params(EXTRA_NOTEBOOKS[0], job.data, build_dir, lang)))
        note = build_dir / BACKTEST_NOTE
        if note.exists():
            result.notes.append(f"forecast skill not run: {note.read_text(encoding='utf-8')}")
        elif skill_ready:
            jobs.append((EXTRA_NOTEBOOKS[1], extra_params(EXTRA_NOTEBOOKS[1], job.data, build_dir, lang)))
    started = started or {}
    runs = {name: _run_or_submit(name, params, started, pool, job) for name, params in jobs}
    # While the workers run them: the index page's charts and the workbook.
    national = national_png(tables.harmonised, built, tables.fans, lang)
    maps = maps_png(forecasts, scores, lang)
    workbook = _workbook(forecasts, scores, units, out, lang, result)
    extra_reports = []
    for name, params in jobs:
        error = _outcome(runs[name]) if isinstance(runs[name], Future) else runs[name]
        if error == WORKER_DIED and name in started:  # handed out early and its worker died: once more, here
            with stderr_to(out / "batch.log"):
                error = notebook_job(name, params, str(out), job.warm)
        if error is None:
            extra_reports.append(Path(name).stem)
        else:
            result.failed[Path(name).stem] = error
    page = index_html(
        forecasts,
        published,
        extra_reports,
        result.failed,
        result.notes,
        scores,
        national,
        lang,
        workbook,
        unit_summary,
        maps,
    )
    atomic_write_text(page, out / "index.html")


def _run_or_submit(name: str, params: dict, started: dict, pool, job: Publication):
    """The run of one publishing notebook: already started, handed to ``pool`` now, or (without a
    pool) run here; a Future, or the error message (None when it ran)."""
    if name in started:
        return started[name]
    if pool is not None:
        return pool.submit(notebook_job, name, params, str(job.out), job.warm)
    with stderr_to(job.out / "batch.log"):
        return notebook_job(name, params, str(job.out), job.warm)


def _workbook(
    forecasts: pd.DataFrame,
    scores: pd.DataFrame | None,
    units: pd.DataFrame | None,
    out: Path,
    lang: str,
    result: BatchResult,
) -> str:
    """The Excel workbook of the published tables (:mod:`dxanalysis.report.workbook`); its file name, or
    "" when it could not be written (then a failure of its own: the reports stand)."""
    from ..core.files import OutputRefused
    from ..report.workbook import workbook_name, write_workbook

    name = workbook_name(str(forecasts["as_of"].iloc[0]))
    try:
        write_workbook(forecasts, scores, out / name, lang, units)
    except OutputRefused as exc:
        result.failed["workbook"] = str(exc)
        return ""
    return name


__all__ = ["Publication", "publish", "earlier_reports", "read_with_separators", "OVERVIEW_NOTEBOOK", "EXTRA_NOTEBOOKS"]
