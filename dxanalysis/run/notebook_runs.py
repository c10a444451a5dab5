"""Running one notebook: papermill, volatile metadata stripped, stderr to the log, HTML rendered.

Running one notebook: papermill into a temporary file, volatile metadata stripped, written
atomically, optionally also as HTML (code hidden); the kernels' chatter sent to a log."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import time
from pathlib import Path

from ..core import paths
from ..core.files import atomic_write_text

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


@functools.lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    # Building the exporter loads its templates (~0.4 s): once per worker process.
    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


#: nbconvert's template loads require.js and MathJax from a CDN. The reports use neither (no
#: widgets, no formulas), and a page that reaches out to the network fails offline and tells a
#: third party who reads it: the script tags are removed.
_EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*', re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _page_style() -> str:
    from ..report.plots.style import CSS_FONT_STACK

    # The charts' typeface for the text too, with faces that keep every Vietnamese letter after it.
    return f"<style>body, .jp-Notebook, .jp-RenderedHTMLCommon {{ font-family: {CSS_FONT_STACK}; }}</style>\n"


_NO_ALT = 'alt="No description has been provided for this image"'


def _image_alts(nb) -> list[str | None]:
    """The text alternative of every image output, in order (``plots.show`` puts it in the metadata)."""
    return [
        output.get("metadata", {}).get("image/png", {}).get("alt")
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]


def render_html(nb, lang: str = "en") -> str:
    """HTML for readers: code hidden, outputs and prose kept, no external scripts, ``<html lang>``
    set, and each chart's text alternative instead of nbconvert's "No description"."""
    import html

    from ..report.i18n import t

    body, _ = _exporter().from_notebook_node(nb)
    body = _EXTERNAL_SCRIPT.sub("", body)
    pieces = body.split(_NO_ALT)
    alts = _image_alts(nb)
    if len(pieces) - 1 == len(alts):  # images in notebook order: give each its own text
        described = [f'alt="{html.escape(alt or t("chart.alt", lang), quote=True)}"' for alt in alts]
        body = pieces[0] + "".join(a + piece for a, piece in zip(described, pieces[1:]))
    body = body.replace("</head>", _page_style() + "</head>", 1)
    return re.sub(r"<html lang=\"[^\"]*\">", f'<html lang="{lang}">', body, count=1)


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
    Finalize(None, warm._shutdown, exitpriority=10)
    if warm_cwd is not None:
        try:
            import papermill  # noqa: F401

            _exporter()
            warm.prepare(paths.KERNEL_NAME, warm_cwd)
        except Exception as exc:  # noqa: BLE001 - only a head start: the first report starts its kernel itself
            print(f"dx: worker {os.getpid()} could not prepare its kernel ahead: {exc}", file=sys.stderr, flush=True)


def _follow_parent(parent: int, every: float = 0.5) -> None:
    while os.getppid() == parent:
        time.sleep(every)
    from . import warm

    warm._shutdown()
    os._exit(1)


__all__ = ["execute_notebook", "render_html", "is_dead_kernel", "failure_message", "move_stderr_to_log", "count_moved"]
