"""Provenance sidecars: every data file ``X`` has ``X.meta.yml`` with source, date, licence, checksum."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from . import paths

REQUIRED_FIELDS = ("title", "source", "date_accessed", "licence", "sha256", "how_made", "synthetic")


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def sidecar_of(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".meta.yml")


def data_files(root: Path = paths.DATA_DIR) -> list[Path]:
    """Every data file under ``data/`` (not sidecars, not READMEs)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".meta.yml")
                  and p.name != "README.md" and not p.name.startswith("."))


def read_sidecar(path: Path) -> dict:
    with open(sidecar_of(path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


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
