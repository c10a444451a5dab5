"""Provenance sidecars: every data file ``X`` has ``X.meta.yml`` with source, date, licence, checksum."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import paths
from .files import load_yaml

#: The word every synthetic row's ``source`` carries (see dxanalysis.data.synthetic).
SYNTHETIC_MARK = "SYNTHETIC"
SYNTHETIC_NOTE = "SYNTHETIC data (not official)"

REQUIRED_FIELDS = ("title", "source", "date_accessed", "licence", "sha256", "how_made", "synthetic")


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def sidecar_of(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".meta.yml")


def data_files(root: Path = paths.DATA_DIR) -> list[Path]:
    """Every data file under ``data/`` (not sidecars, READMEs or the licence texts they cite)."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not p.name.endswith(".meta.yml")
        and p.name != "README.md"
        and not p.name.startswith((".", "LICENSE"))
    )


def read_sidecar(path: Path) -> dict:
    with open(sidecar_of(path), encoding="utf-8") as handle:
        return load_yaml(handle)


def check_all(root: Path = paths.DATA_DIR) -> list[str]:
    """Return one message per data file whose sidecar is missing, incomplete or stale."""
    problems = []
    for file in data_files(root):
        car = sidecar_of(file)
        if not car.exists():
            problems.append(f"{file}: no provenance sidecar {car.name}")
            continue
        meta = read_sidecar(file) or {}
        missing = [f for f in REQUIRED_FIELDS if f not in meta]
        if missing:
            problems.append(f"{car}: missing {', '.join(missing)}")
        elif meta["sha256"] != sha256(file):
            problems.append(f"{car}: sha256 does not match {file.name} (data changed without its sidecar)")
    return problems


def is_synthetic(sources) -> bool:
    """True when any of the given source texts marks synthetic data."""
    return any(SYNTHETIC_MARK in str(s) for s in sources)


def source_note(sources) -> str:
    """Short source line for charts and tables: the synthetic warning, or the first sources."""
    distinct = sorted({str(s) for s in sources if isinstance(s, str) and s})
    return SYNTHETIC_NOTE if is_synthetic(distinct) else "; ".join(distinct[:3])
