"""What keeps a batch safe: a lock per output folder, no leftovers, workers that stop with it.

What keeps a batch safe: one batch per output folder (a lock), no leftovers from a killed run,
--resume trusting only whole reports, workers stopped on Ctrl-C or SIGTERM, in-flight markers."""

from __future__ import annotations

import contextlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from ..core.errors import DxError


@contextlib.contextmanager
def batch_lock(out: Path):
    """One batch at a time per output folder: a second one is refused, naming the lock."""
    import fcntl

    path = out / ".dx-batch.lock"
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise DxError(
            f"another batch is writing into {out} (lock {path} held by pid {holder}); wait for it to "
            "finish or give another --out"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        handle.close()  # closing releases the lock; the file stays (removing it would race)


def clean_leftovers(out: Path) -> None:
    """Temporary files a killed batch may have left: never mistaken for reports."""
    for pattern in (".*.running.ipynb", ".*.tmp", ".*.in-flight", ".*.partial"):
        for leftover in out.rglob(pattern):
            leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def cleaned_up(out: Path):
    """Leftovers of a killed run removed before this run, and this run's (a dead worker's
    half-written files) after it, however it ends."""
    clean_leftovers(out)
    try:
        yield
    finally:
        clean_leftovers(out)


def report_complete(out: Path, results_dir: Path, code: str) -> bool:
    """For --resume: the province's notebook, HTML and results exist and are whole, not just present."""
    import nbformat

    try:
        nb = nbformat.read(out / "provinces" / f"{code}.ipynb", as_version=4)
        html = (out / "provinces" / f"{code}.html").read_text(encoding="utf-8")
        rows = pd.read_csv(results_dir / f"forecast_{code}.csv")
        json.loads((results_dir / f"forecast_{code}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, nbformat.reader.NotJSONError, pd.errors.ParserError):
        return False
    return bool(nb.cells) and html.rstrip().endswith("</html>") and len(rows) > 0


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes (their kernels notice their parent is gone and exit)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def in_flight(out: Path, code: str) -> Path:
    return out / "provinces" / f".{code}.in-flight"


@contextlib.contextmanager
def stopped_on_error(pool: ProcessPoolExecutor | None):
    """A pool started ahead of its work is not left running when the work never comes: after an
    error its workers finish getting ready and exit, stopping their kernels (the error is reported
    without waiting for them); on Ctrl-C or SIGTERM they are killed."""
    try:
        yield
    except Exception:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    except BaseException:
        if pool is not None:
            kill_workers(pool)
        raise


__all__ = ["batch_lock", "clean_leftovers", "cleaned_up", "report_complete", "kill_workers", "in_flight", "stopped_on_error"]
