"""Run the notebooks for every province in parallel processes and publish the reports.

``dx batch`` (behind ``make report``):

1. runs ``notebooks/01_province_report.ipynb`` once per province in separate **processes**
   (papermill changes the working directory, so never threads), with a progress bar;
2. a province that fails does not stop the others; a kernel that dies at start-up is retried once;
3. each report (executed ``.ipynb`` and HTML with the code hidden) is written atomically;
4. then the national overview (reading the provinces' results, never recomputing them), the merger
   explorer and the forecast-skill notebooks; ``reports/forecasts.csv`` and ``reports/index.html``;
5. failures are summarised at the end and the exit status is non-zero.

``--resume`` skips provinces whose inputs and code fingerprint is unchanged since their last
successful run. ``--scheduler ADDRESS`` sends the same jobs to a Dask distributed cluster.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from ..core import paths, provinces
from ..core.errors import DxError
from ..core.files import atomic_write_text
from ..data.readers import UNDECLARED, NumberFormat
from ..report import pdf_batch
from .guards import batch_lock, cleaned_up, in_flight, kill_workers, report_complete, stopped_on_error
from .html_pages import render_html
from .notebook_runs import count_moved, execute_notebook
from .outcome import BatchResult
from .pipeline import STEPS, Pipeline, code_files, digest, param_files
from .publish import EXTRA_NOTEBOOKS, Publication, earlier_reports, publish, read_with_separators
from .side_jobs import LATER_STEPS, SideJobs
from .workers import province_job, quiet_worker

PROVINCE_NOTEBOOK = "01_province_report.ipynb"


def fingerprint(parameters: dict, data_files: list[Path], notebook: Path | None = None) -> str:
    """Hash of everything a province report depends on: notebook, library, params, data, parameters
    (the pipeline's one hashing function, :func:`dxanalysis.run.pipeline.digest`)."""
    notebook = Path(notebook or paths.NOTEBOOKS_DIR / PROVINCE_NOTEBOOK)
    return digest([notebook, *code_files(), *param_files(), paths.INDEX766_XLSX, *map(Path, data_files), parameters])


#: A province whose worker died this many times is reported failed, not retried again.
WORKER_DEATHS_ALLOWED = 2


def _jobs(value: str | int | None) -> int:
    if value in (None, "", "auto"):
        return max(1, min(os.cpu_count() or 1, 8))
    try:
        jobs = int(value)
    except ValueError as exc:
        raise DxError(f"--jobs {value!r}: expected a whole number or 'auto'") from exc
    if jobs < 1:
        raise DxError("--jobs must be at least 1")
    return jobs


@dataclass(frozen=True)
class BatchOptions:
    """How ``dx batch`` runs: each field is one command-line option (its default, the option's)."""

    jobs: str | int | None = "auto"  # worker processes, or "auto"
    as_of: str = ""  # YYYY-MM, every notebook's as-of month ("" = the data's last)
    data: str = ""  # an observation file or folder ("" = the bundled panel)
    scenario: str = ""  # a what-if pace (README, "What-if scenarios")
    model: str = "pooled"  # one of the forecast models
    out_dir: Path | None = None  # default reports/
    resume: bool = False  # skip provinces whose fingerprint is unchanged
    scheduler: str | None = None  # a Dask scheduler address instead of local processes
    extras: bool = True  # also the merger-explorer and forecast-skill notebooks
    progress: bool = True  # a progress bar on stderr
    notebook: Path | None = None  # the province notebook (default notebooks/01_province_report.ipynb)
    fresh_kernels: bool = False  # a fresh kernel per notebook instead of one warm kernel per worker
    number_format: NumberFormat = UNDECLARED  # the data files' declared separators
    lang: str = "en"  # the language of every report and the index page
    pdf: bool = False  # also an A4 PDF of every page (headless Chromium)


def run_batch(province_codes: list[str] | None = None, options: BatchOptions | None = None, **overrides) -> BatchResult:
    """Produce every province report, the overview, the other notebooks, forecasts.csv and index.html.

    Parameters
    ----------
    province_codes : list of str, optional
        Codes or names as typed (default: all 34), checked before any worker starts.
    options : BatchOptions, optional
        How to run (:class:`BatchOptions`); ``overrides`` replace single fields
        (``run_batch(["01"], jobs=2, extras=False)``).

    The stages: the entrance (every parameter checked once), the pipeline (every table, once, before
    any report; bad data fails here), the province reports (worker processes, warm kernels, a PDF
    of each as it is written with ``pdf``), then publishing (:mod:`dxanalysis.run.publish`).
    """
    options = replace(options or BatchOptions(), **overrides)
    out = Path(options.out_dir or paths.REPORTS_DIR).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with batch_lock(out), cleaned_up(out):
        notebook = Path(options.notebook or paths.NOTEBOOKS_DIR / PROVINCE_NOTEBOOK).resolve()
        codes, data = _entrance(province_codes, options)
        (out / "batch.log").write_text("", encoding="utf-8")  # this run's kernel messages only
        # The workers start now and get their kernels ready while the pipeline runs (not with
        # --resume, where there may be nothing left to run).
        # A worker for each province and each publishing notebook that needs no report, up to --jobs.
        workers = min(_jobs(options.jobs), len(codes) + (len(EXTRA_NOTEBOOKS) if options.extras else 0))
        early = (
            None if options.scheduler or options.resume else _start_pool(workers, out, notebook, not options.fresh_kernels)
        )
        result = BatchResult()
        with stopped_on_error(early), pdf_batch.printing(out, options.pdf, result.failed) as printer:
            data, build = _build(out, data, options, result)
            pdf_batch.set_page_text(printer, build.dir, options.lang)
            side = SideJobs(build, out, data, options.lang, options.extras, not options.fresh_kernels).start()
            pool = _province_reports(codes, out, data, build, notebook, options, workers, early, printer, result, side)
            started = time.perf_counter()
            with stopped_on_error(pool):
                side.wait()
                if side.failure:
                    result.failed["backtest"] = side.failure
                _publish(out, data, build, options, pool, result, side)
                if pool is not None:
                    pool.shutdown(wait=True)
            result.seconds["publish"] = time.perf_counter() - started
            pdf_batch.finish(printer, out, result, options.lang)
            result.logged = count_moved(out / "batch.log")
            return result


def _entrance(province_codes: list[str] | None, options: BatchOptions) -> tuple[list[str], str]:
    """Provinces (codes or names, as typed) and the other parameters, checked once before any
    worker starts: the notebooks receive normalised codes and an absolute data path."""
    from ..report import check_parameters, normalise_province
    from ..report.i18n import check_language

    codes = (
        [normalise_province(c) for c in province_codes] if province_codes else provinces.current_provinces()["code"].tolist()
    )
    data = str(Path(options.data).resolve()) if options.data else ""
    check_parameters(codes[0], options.as_of or None, data, "", options.scenario, options.model)
    check_language(options.lang)
    return codes, data


def _build(out: Path, data: str, options: BatchOptions, result: BatchResult) -> tuple[str, Pipeline]:
    """The pipeline, once, before any report: bad data fails here, with every problem listed. Data
    with declared separators are read once with them first (``build/observations/``)."""
    from ..data.observations import expand_data_argument

    if options.number_format.declared:
        data = str(read_with_separators(expand_data_argument(data or None), options.number_format, out / "build"))
    started = time.perf_counter()
    build = Pipeline(out / "build", data=data, as_of=options.as_of, model=options.model, scenario=options.scenario)
    # The steps no province report reads are built beside the reports (:mod:`.side_jobs`).
    build.run(tuple(s for s in STEPS if s not in LATER_STEPS))
    result.seconds["pipeline"] = time.perf_counter() - started
    return data, build


def _settings_key(build: Pipeline, lang: str) -> str:
    """Reports an earlier run wrote are listed only when made the same way and in the same language."""
    return f"{build.fingerprint('forecast')} lang={lang}"


def _province_reports(codes, out, data, build, notebook, options, workers, early, printer, result, side):
    """Every province report (skipping unchanged ones with ``resume``); the pool, kept for publishing."""
    from tqdm import tqdm

    from ..data.observations import expand_data_argument

    results_dir = out / "results"
    shared = {"as_of": options.as_of, "data": data, "targets": "", "scenario": options.scenario, "model": options.model}
    shared.update(output_dir=str(results_dir), build_dir=str(build.dir), lang=options.lang)
    todo = _plan(codes, shared, out, build, expand_data_argument(data or None), notebook, options.resume, result)
    for code in result.skipped:  # unchanged reports: printed only if their PDF is missing or older
        pdf_batch.submit(printer, out, code, options.lang, resume=True)
    bar = tqdm(total=len(todo), desc="province reports", unit="report", disable=not options.progress, file=sys.stderr)
    started = time.perf_counter()
    settings_key = _settings_key(build, options.lang)

    def on_done(code: str, error: str | None) -> None:
        # The fingerprint is written as each province finishes: a killed batch resumes from here.
        # The settings stamp lets a later run with the same settings list this report too.
        settings_stamp = todo[code]["stamp"].with_suffix(".settings")
        if error is None:
            atomic_write_text(todo[code]["key"], todo[code]["stamp"])
            atomic_write_text(settings_key, settings_stamp)
            pdf_batch.submit(printer, out, code, options.lang)  # printed while the other reports run
        else:
            todo[code]["stamp"].unlink(missing_ok=True)
            settings_stamp.unlink(missing_ok=True)

    warm = not options.fresh_kernels
    outcomes, pool = _run_jobs(todo, workers, out, options.scheduler, bar, str(notebook), warm, on_done, early, side)
    result.seconds["provinces"] = time.perf_counter() - started
    bar.close()
    for code, error in sorted(outcomes.items()):
        if error is None:
            result.succeeded.append(code)
        else:
            result.failed[code] = error
    return pool


def _publish(out: Path, data: str, build: Pipeline, options: BatchOptions, pool, result: BatchResult, side) -> None:
    """Publishing: this run's reports and an earlier run's made the same way, listed together."""
    results_dir = out / "results"
    this_run = set(result.succeeded) | set(result.skipped)
    earlier = earlier_reports(out, results_dir, _settings_key(build, options.lang), this_run | set(result.failed), result)
    published = sorted(this_run | earlier)
    if published:
        job = Publication(
            out, results_dir, published, build.dir, data, options.extras, not options.fresh_kernels, options.lang
        )
        publish(job, result, pool, side.futures, side.skill_ready())


def _plan(
    codes: list[str], shared: dict, out: Path, build: Pipeline, data_files: list[Path], notebook: Path, resume: bool, result
) -> dict[str, dict]:
    """Each province's notebook parameters, fingerprint and stamp file; with ``resume``, the
    provinces whose finished report has the same fingerprint go to ``result.skipped`` instead."""
    todo: dict[str, dict] = {}
    results_dir = Path(shared["output_dir"])
    for code in codes:
        parameters = {"province": code, **shared}
        stamp = out / "provinces" / f"{code}.fingerprint"
        key = fingerprint({**parameters, "build": build.fingerprint("forecast")}, data_files, notebook)
        if resume and stamp.exists() and stamp.read_text() == key and report_complete(out, results_dir, code):
            result.skipped.append(code)
            continue
        todo[code] = {"parameters": parameters, "key": key, "stamp": stamp}
    return todo


def _start_pool(workers: int, out: Path, notebook: Path, warm: bool) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, started now: with ``warm``, each gets its kernel ready
    (:func:`dxanalysis.run.workers.quiet_worker`) while the caller goes on."""
    out.mkdir(parents=True, exist_ok=True)
    # Workers are spawned, not forked: a fork copies the parent's threads' locks (zmq, asyncio,
    # logging) mid-flight, and a warm kernel's client in such a child can hang for ever.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        initializer=quiet_worker,
        initargs=(str(out / "batch.log"), str(notebook.parent) if warm else None),
        mp_context=multiprocessing.get_context("spawn"),
    )
    for _ in range(workers):  # a process is spawned per task submitted while none is idle
        pool.submit(os.getpid)
    return pool


def _run_jobs(
    todo: dict[str, dict],
    workers: int,
    out: Path,
    scheduler: str | None,
    bar,
    notebook: str,
    warm: bool,
    on_done,
    early: ProcessPoolExecutor | None = None,
    side: SideJobs | None = None,
) -> tuple[dict[str, str | None], ProcessPoolExecutor | None]:
    """Run the province jobs; ``on_done(code, error)`` is called as each one finishes. ``early``
    is a pool already started for them (:func:`_start_pool`), used for the first round; ``side``
    queues its notebooks behind the first round's provinces (and forgets a pool that broke).

    Returns the outcomes and the last pool, still running when none of its workers died (its warm
    workers then run the publishing notebooks; the caller shuts it down)."""
    outcomes: dict[str, str | None] = {}
    if not todo:
        if early is not None:
            early.shutdown(wait=False, cancel_futures=True)
        return outcomes, None
    if scheduler:
        from ..core.cluster import run_on_cluster

        for code, error in run_on_cluster(
            scheduler, province_job, [(c, todo[c]["parameters"], str(out), notebook, False) for c in todo]
        ):
            outcomes[code] = error
            on_done(code, error)
            bar.update(1)
        return outcomes, None
    deaths: dict[str, int] = {}
    pending = list(todo)
    while pending:  # one round per pool; a pool that breaks is rebuilt for the unfinished provinces
        # A province that was in flight when a worker died is rerun alone: a second death is then its own.
        suspects = [code for code in pending if deaths.get(code)]
        round_codes, round_workers = (suspects[:1], 1) if suspects else (pending, workers)
        pool, early = early or _start_pool(round_workers, out, Path(notebook), warm), None
        futures = {
            pool.submit(province_job, code, todo[code]["parameters"], str(out), notebook, warm): code for code in round_codes
        }
        if side is not None:
            side.on_pool(pool)
            side = None  # later rounds (after a worker died) run provinces only
        broken = False
        try:
            for future in as_completed(futures):
                try:
                    code, error = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                outcomes[code] = error
                on_done(code, error)
                bar.update(1)
        except BaseException:  # Ctrl-C or SIGTERM: stop the workers now, never leave them running
            kill_workers(pool)
            raise
        pending = [code for code in pending if code not in outcomes]
        if not (broken or suspects or pending):
            return outcomes, pool  # healthy, and no more rounds: kept for the publishing notebooks
        pool.shutdown(wait=True)
        if broken:
            for code in round_codes:
                if code not in outcomes and in_flight(out, code).exists():
                    in_flight(out, code).unlink()
                    deaths[code] = deaths.get(code, 0) + 1
                    if deaths[code] >= WORKER_DEATHS_ALLOWED:
                        outcomes[code] = (
                            f"worker process died {deaths[code]} times while running this province "
                            "(killed, or out of memory); the other provinces were finished"
                        )
                        on_done(code, outcomes[code])
                        bar.update(1)
        pending = [code for code in pending if code not in outcomes]
    return outcomes, None


__all__ = ["BatchOptions", "BatchResult", "run_batch", "execute_notebook", "render_html", "fingerprint"]
