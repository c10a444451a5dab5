"""Build results shared across output folders, by content, under the user's cache folder.

Build results shared across output folders, by content: a step whose fingerprint was built
before (in any ``--out``) is copied from the cache instead of recomputed.

The cache is ``$DX_BUILD_CACHE`` or ``~/.cache/dxanalysis/build`` (``$XDG_CACHE_HOME`` respected),
one folder per step fingerprint. A fingerprint covers the step's data, params, settings and the
whole package's code (:func:`dxanalysis.run.pipeline.code_files`), so an entry can never be stale; the
folder is safe to delete at any time. ``DX_BUILD_CACHE=off`` turns it off.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def cache_dir() -> Path | None:
    """The cache folder, or None when turned off."""
    setting = os.environ.get("DX_BUILD_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dxanalysis" / "build"


def restore(fingerprint: str, names: list[str], dest: Path) -> bool:
    """Copy a step's outputs ``names`` for ``fingerprint`` into ``dest``; False when not cached."""
    root = cache_dir()
    entry = root / fingerprint if root else None
    if entry is None or not entry.is_dir() or not all((entry / name).is_file() for name in names):
        return False
    for name in names:
        handle, temporary = tempfile.mkstemp(dir=dest, prefix=f".{name}.", suffix=".cached")
        os.close(handle)
        shutil.copyfile(entry / name, temporary)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, dest / name)
    return True


def store(fingerprint: str, names: list[str], src: Path) -> None:
    """Keep a step's outputs for ``fingerprint``; never fails a build (a cache is only a cache)."""
    root = cache_dir()
    if root is None or not all((src / name).is_file() for name in names):
        return
    try:
        root.mkdir(parents=True, exist_ok=True)
        if (root / fingerprint).is_dir():
            return
        staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{fingerprint[:12]}."))
        for name in names:
            shutil.copyfile(src / name, staging / name)
        os.replace(staging, root / fingerprint)  # whole or not at all; a concurrent twin may win
    except OSError:
        return


__all__ = ["cache_dir", "restore", "store"]
