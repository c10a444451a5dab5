"""Work that needs no province report, run beside the province reports instead of after them.

The backtest (the forecast-skill notebook's tables, the slowest build step) is built in a thread
of the batch's own process while the workers run the province reports: no report reads it, so the
first report no longer waits for it. The merger explorer, which reads no report either, and the
forecast skill, once its backtest is built, are handed to the same warm workers as soon as the
province jobs are queued. Publishing (:func:`~dxanalysis.run.publish.publish`) then takes their
outcomes; one that could not run on a worker (none was left, or its worker died) runs there.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

from .notebook_runs import failure_message
from .pipeline import BACKTEST_NOTE, Pipeline
from .publish import EXTRA_NOTEBOOKS, extra_params
from .workers import notebook_job

#: The build steps no province report reads: built beside the reports (only the skill notebook reads them).
LATER_STEPS = ("backtest",)


class SideJobs:
    """The later build steps (in a thread) and the publishing notebooks that need no report (on the
    workers); ``futures`` maps a notebook to its run, ``failure`` says why the later steps failed."""

    def __init__(self, build: Pipeline, out: Path, data: str, lang: str, extras: bool, warm: bool) -> None:
        self.build, self.out, self.data, self.lang, self.extras, self.warm = build, out, data, lang, extras, warm
        self.futures: dict[str, Future] = {}
        self.failure: str | None = None
        self._pool = None
        self._built = threading.Event()
        self._lock = threading.Lock()
        later = LATER_STEPS if extras else ()
        self._thread = threading.Thread(target=self._build_later, args=(later,), daemon=True)

    def start(self) -> SideJobs:
        """Start building the later steps (before the province jobs, so the thread has a head start)."""
        self._thread.start()
        return self

    def on_pool(self, pool) -> None:
        """The province jobs are queued on ``pool``: queue the notebooks that can run now behind them."""
        with self._lock:
            self._pool = pool
            self._submit(EXTRA_NOTEBOOKS[0])
            if self._built.is_set():
                self._submit_skill()

    def wait(self) -> None:
        """Until the later steps are built (or failed)."""
        self._thread.join()

    def skill_ready(self) -> bool:
        """Whether the forecast skill can run: its backtest built, with no note saying why not."""
        return self.failure is None and not (self.build.dir / BACKTEST_NOTE).exists()

    def _build_later(self, steps: tuple[str, ...]) -> None:
        try:
            if steps:
                self.build.run(steps)
        except BaseException as exc:  # reported with the batch's failures: the reports stand
            self.failure = failure_message(exc)
        self._built.set()
        with self._lock:
            self._submit_skill()

    def _submit_skill(self) -> None:
        if self.skill_ready():
            self._submit(EXTRA_NOTEBOOKS[1])

    def _submit(self, name: str) -> None:
        if not self.extras or self._pool is None or name in self.futures:
            return
        params = extra_params(name, self.data, self.build.dir, self.lang)
        try:
            self.futures[name] = self._pool.submit(notebook_job, name, params, str(self.out), self.warm)
        except RuntimeError:  # the pool is shutting down or broken: publishing runs it instead
            self._pool = None


__all__ = ["LATER_STEPS", "SideJobs"]
