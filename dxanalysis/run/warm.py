"""A papermill engine that keeps one warm kernel per worker process (``engine_name="dxwarm"``).

Registered through papermill's ``papermill.engine`` entry point (``pyproject.toml``, by way of
:mod:`dxanalysis.run.warm_entry`). Starting a kernel and importing pandas, matplotlib and the library
cost about a second a notebook; a batch of 34 reports pays it once per worker instead. Between
notebooks the kernel is reset so that a report is the same, byte for byte after the usual
sanitising, as one run on a fresh kernel:

* the user namespace, ``Out`` and ``_`` history are cleared (a new history session, one
  ``InteractiveShell.reset``; a ``%reset -f`` before it cost 0.1 s and did nothing more);
* the execution counter goes back to 1, matplotlib figures are closed and its rcParams restored,
  pandas options are reset;
* what survives the reset is frozen for the garbage collector (``gc.freeze``), which makes the
  next reset 15 times cheaper; every few notebooks everything is collected again;
* the working directory is the one papermill asks for.

After any failure, the warm kernel is shut down and the notebook is run again on a fresh kernel
(so a failure caused by leftover state is never reported; a real failure fails twice). ``dx batch
--fresh-kernels`` does not use this engine at all.
"""

from __future__ import annotations

import atexit
import os

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.utils import merge_kwargs, remove_args

# Run silently before every notebook (nothing it prints reaches the notebook).
_RESET = """\
import os as _dx_os, sys as _dx_sys
_dx_os.chdir({cwd!r})
if 'matplotlib.pyplot' in _dx_sys.modules:
    import matplotlib as _dx_mpl, matplotlib.pyplot as _dx_plt
    _dx_plt.close('all')
    _dx_mpl.rcdefaults()
if 'pandas' in _dx_sys.modules:
    import pandas as _dx_pd
    _dx_pd.reset_option('all')
if 'dxanalysis.report.i18n' in _dx_sys.modules:  # what a report sets for itself: its language
    _dx_sys.modules['dxanalysis.report.i18n'].reset_language()
if {thaw}:
    __import__('gc').unfreeze()
get_ipython().reset(new_session=True)  # clears the namespace, Out and _, new history session, counter back to 1
__import__('gc').freeze()
"""

#: Every this many notebooks the reset's garbage collection looks at everything again (see _reset).
FULL_COLLECTION_EVERY = 8

_kernel = {"km": None, "kc": None, "name": None, "runs": 0}


def shutdown() -> None:
    km, kc = _kernel["km"], _kernel["kc"]
    _kernel.update(km=None, kc=None, name=None, runs=0)
    if kc is not None:
        try:
            kc.stop_channels()
        except Exception:  # noqa: BLE001 - closing sockets of a dead kernel
            pass
    if km is not None:
        try:
            km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - a dead kernel is already what we want
            pass


atexit.register(shutdown)


def _warm_kernel(kernel_name: str, cwd: str | None, startup_timeout: float):
    """This process's kernel for ``kernel_name`` and one connected client, started once (a new
    client per notebook waited 0.2 s each time for the kernel's output channel to go quiet)."""
    from jupyter_client.manager import KernelManager

    km = _kernel["km"]
    if km is not None and (_kernel["name"] != kernel_name or not km.is_alive()):
        shutdown()
        km = None
    if km is None:
        km = KernelManager(kernel_name=kernel_name)
        km.start_kernel(cwd=cwd or os.getcwd())
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=startup_timeout)
        kc.allow_stdin = False
        _kernel.update(km=km, kc=kc, name=kernel_name, runs=0)
    return km, _kernel["kc"]


def _reset(kc, cwd: str | None, timeout: float = 60) -> None:
    # Through the notebooks' own client: its output channel is drained to idle here, so nothing
    # of the reset reaches the next notebook (nbclient also keeps only its own requests' messages).
    # IPython's reset ends in a full garbage collection, which walks every object pandas,
    # matplotlib and statsmodels hold (0.09 s, a tenth of a report). What survives a reset is
    # frozen (gc.freeze), so the next reset walks only what the last notebook made; every
    # FULL_COLLECTION_EVERY notebooks everything is walked again, so that cyclic garbage among
    # frozen objects cannot pile up.
    thaw = _kernel["runs"] % FULL_COLLECTION_EVERY == 0
    _run_silently(kc, _RESET.format(cwd=cwd or os.getcwd(), thaw=thaw), timeout, "reset")


def _run_silently(kc, code: str, timeout: float, what: str) -> None:
    """Run ``code`` in the kernel outside any notebook: no history, no output kept."""
    reply = kc.execute_interactive(code, silent=True, store_history=False, timeout=timeout, output_hook=lambda msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"could not {what} the warm kernel: {reply['content'].get('evalue')}")


#: What the notebooks import, loaded by :func:`prepare` before the first notebook arrives.
WARM_IMPORTS = (
    "pandas",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "dxanalysis.report",
    "dxanalysis.report.plots",
)


def prepare(kernel_name: str, cwd: str, startup_timeout: float = 60) -> None:
    """Start this process's warm kernel and import the notebooks' libraries in it, ahead of the
    first notebook (a batch does this while its pipeline runs). Modules are all a notebook keeps
    from it: the reset before each notebook clears everything else."""
    _km, kc = _warm_kernel(kernel_name, cwd, startup_timeout)
    _run_silently(kc, "\n".join(f"__import__({name!r})" for name in WARM_IMPORTS), startup_timeout, "prepare")


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine, with the kernel kept across notebooks in this process."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        cwd = kwargs.get("cwd")
        failed: object = None
        # papermill saves the whole notebook before and after every cell (30 writes a report, a
        # quarter of a warm report's time); dx writes its own output once, atomically, at the end,
        # and papermill's final save still runs after this method.
        real_save, nb_man.save = nb_man.save, lambda **kwargs: None
        try:
            km, kc = _warm_kernel(kernel_name, cwd, start_timeout)
            _reset(kc, cwd)
            warm_kwargs = remove_args(["input_path", "timeout", "startup_timeout", "km"], **kwargs)
            final = merge_kwargs(
                warm_kwargs,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client = PapermillNotebookClient(nb_man, km=km, **final)
            client.kc = kc  # connected and ready: nbclient keeps it (it does not own the kernel)
            nb = client.execute()
            # papermill records a failing cell in the notebook and raises only later
            failed = nb_man.nb.metadata.get("papermill", {}).get("exception")
        except BaseException as exc:  # noqa: BLE001 - every failure falls back the same way
            if os.environ.get("DX_WARM_DEBUG"):
                raise
            failed = exc
        finally:
            nb_man.save = real_save
        if not failed:
            _kernel["runs"] += 1
            return nb
        shutdown()
        if isinstance(failed, KeyboardInterrupt):
            raise failed
        # Leftover state must never be the reason a report fails: run it again on a fresh kernel.
        nb_man.nb.metadata.setdefault("papermill", {})["exception"] = None
        for cell in nb_man.nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        return NBClientEngine.execute_managed_notebook(
            nb_man,
            kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            start_timeout=start_timeout,
            execution_timeout=execution_timeout,
            **kwargs,
        )


__all__ = ["WarmKernelEngine", "prepare"]
