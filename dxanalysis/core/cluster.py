"""Run batch jobs on a Dask distributed cluster (``dx batch --scheduler ADDRESS``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from .errors import DxError


def _client(address: str):
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise DxError("--scheduler needs the 'distributed' package (pip install distributed)") from exc
    try:
        return Client(address, timeout="10s")
    except OSError as exc:
        raise DxError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from exc


def map_on_cluster(address: str, function: Callable, jobs: list[tuple], shared) -> list:
    """``[function(shared, *job) for job in jobs]`` on the scheduler at ``address``, in job order.

    ``shared`` (what every job reads: a fitted model, say) is sent to the workers once, not once a job.
    """
    client = _client(address)
    try:
        common = client.scatter(shared, broadcast=True)
        futures = [client.submit(function, common, *job, pure=False) for job in jobs]
        return client.gather(futures)
    finally:
        client.close()


def run_on_cluster(address: str, function: Callable, jobs: Iterable[tuple]) -> Iterator:
    """Submit ``function(*job)`` for every job to the scheduler at ``address``; yield results as they finish.

    Each worker runs papermill in its own process, as with the local pool. Workers must see the
    same project directory (a shared file system) and have the project's kernel installed.
    """
    client = _client(address)
    from distributed import as_completed

    try:
        futures = [client.submit(function, *job, pure=False) for job in jobs]
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.close()
