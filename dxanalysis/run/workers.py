"""The batch's worker processes: their stderr to the batch log, following their parent, a kernel ready ahead."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

from ..core import paths
from .html_pages import exporter


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


__all__ = ["quiet_worker", "stderr_to"]
