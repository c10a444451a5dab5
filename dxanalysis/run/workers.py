"""The batch's worker processes and their jobs: stderr to the batch log, following the parent, a kernel ready ahead.

The jobs live here, not in :mod:`.batch` or :mod:`.publish`: a worker imports the module of every job it
unpickles, and those two import the whole forecast stack, which a worker never uses (its kernel does)."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

from ..core import paths
from .guards import in_flight
from .html_pages import exporter
from .notebook_runs import execute_notebook, failure_message


@contextlib.contextmanager
def stderr_to(log: Path):
    """Send this process's stderr (fd 2, inherited by the kernels it starts) to ``log``.

    Kernels print start-up chatter (ipykernel's transport warning) on stderr; the batch keeps it
    in ``reports/batch.log`` so the terminal shows the progress bar and the summary.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "ab") as handle:
        os.dup2(handle.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def quiet_worker(log: str, warm_cwd: str | None = None) -> None:
    """Pool initializer: the worker's (and its kernels') stderr goes to the batch log, and the
    worker follows its parent: when the batch dies (SIGKILL, OOM), the worker stops its kernel and
    exits instead of running on.

    With ``warm_cwd`` (a folder of notebooks) the worker also gets ready for its first report
    while the batch's pipeline runs: papermill and the HTML exporter loaded, its warm kernel started
    with the notebooks' libraries imported (about 3 s a worker that no report then waits for)."""
    handle = open(log, "ab")  # kept open for the worker's life  # noqa: SIM115
    os.dup2(handle.fileno(), 2)
    import threading

    threading.Thread(target=_follow_parent, args=(os.getppid(),), daemon=True, name="dx-follow-parent").start()
    from multiprocessing.util import Finalize

    from . import warm

    # A worker ends with os._exit (atexit handlers do not run): stop its kernel on the way out.
    Finalize(None, warm.shutdown, exitpriority=10)
    if warm_cwd is not None:
        try:
            import papermill  # noqa: F401

            exporter()
            warm.prepare(paths.KERNEL_NAME, warm_cwd)
        except Exception as exc:  # noqa: BLE001 - only a head start: the first report starts its kernel itself
            print(f"dx: worker {os.getpid()} could not prepare its kernel ahead: {exc}", file=sys.stderr, flush=True)


def _follow_parent(parent: int, every: float = 0.5) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    from . import warm

    warm.shutdown()
    os._exit(1)


def province_job(code: str, parameters: dict, out_dir: str, notebook: str, warm: bool = True) -> tuple[str, str | None]:
    """Run one province (in a worker process). Returns (code, error message or None).

    A marker file says the province is in flight, so that when a worker dies (killed, out of
    memory) the parent knows which province it was running.
    """
    out = Path(out_dir)
    marker = in_flight(out, code)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()))
    try:
        execute_notebook(
            Path(notebook),
            out / "provinces" / f"{code}.ipynb",
            parameters,
            html_output=out / "provinces" / f"{code}.html",
            warm=warm,
        )
        return code, None
    except BaseException as exc:  # reported in the summary, never lost
        return code, failure_message(exc)
    finally:
        marker.unlink(missing_ok=True)


def notebook_job(name: str, params: dict, out_dir: str, warm: bool) -> str | None:
    """Run one of the publishing notebooks into ``out_dir`` (here or in a worker process); the
    error message, or None."""
    stem = Path(name).stem
    out = Path(out_dir)
    try:
        execute_notebook(
            paths.NOTEBOOKS_DIR / name, out / f"{stem}.ipynb", params, html_output=out / f"{stem}.html", warm=warm
        )
        return None
    except BaseException as exc:  # reported in the summary, never lost
        return failure_message(exc)


__all__ = ["notebook_job", "province_job", "quiet_worker", "stderr_to"]
