"""papermill's door to the warm-kernel engine (entry point ``dxwarm``, see ``pyproject.toml``).

papermill loads its engines' entry points while ``papermill.engines`` is itself being imported.
The engine (:class:`dxanalysis.run.warm.WarmKernelEngine`) subclasses papermill's, so if it were the
entry point, a program that imported :mod:`dxanalysis.run.warm` first would have papermill ask for the
half-imported module's class and fail. This door imports nothing from papermill: the engine is
looked up when a notebook runs.
"""

from __future__ import annotations


class _Forwarding(type):
    def __getattr__(cls, name: str):
        from .warm import WarmKernelEngine

        return getattr(WarmKernelEngine, name)


class WarmKernelEntry(metaclass=_Forwarding):
    """Stands for :class:`dxanalysis.run.warm.WarmKernelEngine`: every attribute papermill asks for
    (``execute_notebook``, ``nb_kernel_name``, ...) is the engine's own, bound to it."""


__all__ = ["WarmKernelEntry"]
