"""A papermill engine that keeps one warm kernel per worker process (``engine_name="dxwarm"``).

Registered through papermill's ``papermill.engine`` entry point (``pyproject.toml``). Starting a
kernel and importing pandas, matplotlib and the library cost about a second a notebook; a batch of
34 reports pays it once per worker instead. Between notebooks the kernel is reset so that a report
is the same, byte for byte after the usual sanitising, as one run on a fresh kernel:

* the user namespace, ``Out`` and ``_`` history are cleared (a new history session);
* the execution counter goes back to 1, matplotlib figures are closed and its rcParams restored,
  pandas options are reset;
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

ENGINE_NAME = "dxwarm"

# Run silently before every notebook (nothing it prints reaches the notebook).
_RESET = """\
get_ipython().run_line_magic('reset', '-f')
import os as _dx_os, sys as _dx_sys
_dx_os.chdir({cwd!r})
if 'matplotlib.pyplot' in _dx_sys.modules:
    import matplotlib as _dx_mpl, matplotlib.pyplot as _dx_plt
    _dx_plt.close('all')
    _dx_mpl.rcdefaults()
if 'pandas' in _dx_sys.modules:
    import pandas as _dx_pd
    _dx_pd.reset_option('all')
get_ipython().reset(new_session=True)  # clears the namespace again, new history session, counter back to 1
"""

_kernel = {"km": None, "name": None, "runs": 0}


def _shutdown() -> None:
    km = _kernel["km"]
    _kernel.update(km=None, name=None, runs=0)
    if km is not None:
        try:
            km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - a dead kernel is already what we want
            pass


atexit.register(_shutdown)


def _warm_kernel(kernel_name: str, cwd: str | None, startup_timeout: float):
    """This process's kernel for ``kernel_name``, started once."""
    from jupyter_client.manager import KernelManager

    km = _kernel["km"]
    if km is not None and (_kernel["name"] != kernel_name or not km.is_alive()):
        _shutdown()
        km = None
    if km is None:
        km = KernelManager(kernel_name=kernel_name)
        km.start_kernel(cwd=cwd or os.getcwd())
        client = km.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=startup_timeout)
        finally:
            client.stop_channels()
        _kernel.update(km=km, name=kernel_name, runs=0)
    return km


def _reset(km, cwd: str | None, timeout: float = 60) -> None:
    client = km.client()
    client.start_channels()
    try:
        reply = client.execute_interactive(
            _RESET.format(cwd=cwd or os.getcwd()),
            silent=True,
            store_history=False,
            timeout=timeout,
            output_hook=lambda msg: None,
        )
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"could not reset the warm kernel: {reply['content'].get('evalue')}")
    finally:
        client.stop_channels()


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
        try:
            km = _warm_kernel(kernel_name, cwd, start_timeout)
            _reset(km, cwd)
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
            try:
                nb = client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()
            # papermill records a failing cell in the notebook and raises only later
            failed = nb_man.nb.metadata.get("papermill", {}).get("exception")
        except BaseException as exc:  # noqa: BLE001 - every failure falls back the same way
            if os.environ.get("DX_WARM_DEBUG"):
                raise
            failed = exc
        if not failed:
            _kernel["runs"] += 1
            return nb
        _shutdown()
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


__all__ = ["WarmKernelEngine", "ENGINE_NAME"]
