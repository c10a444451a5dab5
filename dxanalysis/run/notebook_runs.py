"""Running one notebook: papermill into a temporary file, volatile metadata stripped, written atomically.

Optionally also as HTML (:mod:`.html_pages`); what the kernel wrote to stderr is moved out of the
report into the batch's log, and counted."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ..core import paths
from ..core.files import atomic_write_text
from .html_pages import render_html

# Volatile metadata papermill and nbclient add: stripped so the same inputs give the same file.
_VOLATILE_CELL_KEYS = ("start_time", "end_time", "duration")


def _strip_volatile(nb) -> None:
    for key in (*_VOLATILE_CELL_KEYS, "input_path", "output_path"):
        nb.metadata.get("papermill", {}).pop(key, None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id
        meta = cell.metadata.get("papermill", {})
        for key in _VOLATILE_CELL_KEYS:
            meta.pop(key, None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:  # papermill adds empty tags; the jupytext twins have none
            del cell.metadata["tags"]


#: Each stream a kernel wrote to stderr is moved out of the report into the log, under this mark
#: (the batch counts the marks in ``batch.log``).
STDERR_MARK = "dx: moved out of a report:"


def move_stderr_to_log(nb, name: str) -> int:
    """Remove every stderr stream (warnings, library chatter) from an executed notebook and write
    it to this process's stderr instead, naming the notebook and cell; return how many there were.

    A published report holds only the report: a warning carries this machine's paths, and a
    reader cannot act on it. In a batch, the process's stderr is ``batch.log``.
    """
    moved = 0
    for number, cell in enumerate(nb.cells, start=1):
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = "".join(output.get("text", ""))
                print(f"{STDERR_MARK} {name}, cell {number}:\n{text.rstrip()}", file=sys.stderr, flush=True)
                moved += 1
            else:
                kept.append(output)
        if len(kept) != len(cell.get("outputs", [])):
            cell.outputs = kept
    return moved


def count_moved(log: Path) -> int:
    """How many stderr streams :func:`move_stderr_to_log` wrote to ``log``."""
    if not log.exists():
        return 0
    return log.read_text(encoding="utf-8", errors="replace").count(STDERR_MARK)


def failure_message(exc: BaseException) -> str:
    """One line for a batch's failure summary: the exception's type and its last non-empty line."""
    lines = str(exc).strip().splitlines()
    short = next((line for line in reversed(lines) if line.strip()), type(exc).__name__)
    return f"{type(exc).__name__}: {short[:500]}"


def is_dead_kernel(exc: BaseException) -> bool:
    """True for a kernel that died before replying (papermill #511: port races under many processes)."""
    text = f"{type(exc).__name__}: {exc}"
    return any(s in text for s in ("DeadKernelError", "Kernel died", "kernel died", "Kernel didn't respond"))


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict,
    html_output: Path | None = None,
    retries: int = 1,
    timeout: int = 600,
    warm: bool = False,
) -> int:
    """Execute a notebook with papermill into ``output`` (atomically), optionally also as HTML.

    A kernel that dies at start-up is retried ``retries`` times; any other failure raises.
    ``warm`` runs it on this process's warm kernel (:mod:`dxanalysis.run.warm`). What the kernel wrote
    to stderr goes to this process's stderr, not into the report (:func:`move_stderr_to_log`);
    returns how many such streams there were.
    """
    import nbformat
    import papermill as pm

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.stem}.{os.getpid()}.running.ipynb")
    attempt = 0
    while True:
        try:
            nb = pm.execute_notebook(
                str(notebook),
                str(tmp),
                parameters=parameters,
                kernel_name=paths.KERNEL_NAME,
                cwd=str(notebook.parent),
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                engine_name="dxwarm" if warm else None,
            )
            break
        except BaseException as exc:
            if attempt < retries and is_dead_kernel(exc):
                attempt += 1
                time.sleep(1.0)
                continue
            tmp.unlink(missing_ok=True)
            raise
    tmp.unlink(missing_ok=True)
    _strip_volatile(nb)
    moved = move_stderr_to_log(nb, output.name)
    atomic_write_text(nbformat.writes(nb), output)
    if html_output is not None:
        from ..report.print_css import with_print_css  # a page that prints: rows and charts whole, headers repeated

        atomic_write_text(with_print_css(render_html(nb, parameters.get("lang", "en"))), html_output)
    return moved


__all__ = ["execute_notebook", "is_dead_kernel", "failure_message", "move_stderr_to_log", "count_moved"]
