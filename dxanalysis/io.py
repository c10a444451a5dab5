"""Atomic writes: a crash never leaves a half-written output behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd


def atomic_write_bytes(data: bytes, target: Path) -> None:
    """Write ``data`` to a temporary file beside ``target`` and rename it into place."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(text: str, target: Path) -> None:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(text.encode("utf-8"), target)


def atomic_write_csv(frame: pd.DataFrame, target: Path) -> None:
    """Write a DataFrame as UTF-8 CSV (LF line ends) atomically."""
    atomic_write_text(frame.to_csv(index=False, lineterminator="\n"), target)
