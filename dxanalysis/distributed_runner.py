"""Run batch jobs on a Dask distributed cluster (``dx batch --scheduler ADDRESS``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from .errors import DxError


def run_on_cluster(address: str, function: Callable, jobs: Iterable[tuple]) -> Iterator:
    """Submit ``function(*job)`` for every job to the scheduler at ``address``; yield results as they finish.

    Each worker runs papermill in its own process, as with the local pool. Workers must see the
    same project directory (a shared file system) and have the project's kernel installed.
    """
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise DxError("--scheduler needs the 'distributed' package (pip install distributed)") from exc
    try:
        client = Client(address, timeout="10s")
    except OSError as exc:
        raise DxError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from exc
    try:
        futures = [client.submit(function, *job, pure=False) for job in jobs]
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.close()
