"""Time to the first report: whole ``dx batch`` commands against ``papermill`` command-line runs.

Issue 18's aims, measured in one run and printed as ratios (machines are noisy; rounds alternate):

* one province into a fresh ``--out``: at most 8 s (the default notebooks, extras included);
* six provinces: at most 1.5 x their floor, six ``papermill`` command-line runs of an empty
  notebook, two at a time (the batch's ``--jobs`` on this 2-core machine);
* all 34 provinces: no slower than before (0.73 x the 34 empty runs' floor).

Each batch runs twice: **warm**, with the build cache already holding this data, code and
settings (a researcher's second run; the cache is ``~/.cache/dxanalysis/build``, keyed by
content), and **cold**, with an empty build cache (the first run on a machine, or after any code
edit). The bundled synthetic unit panel's own cache is kept: it is made once per machine.

Usage: ``python benchmarks/first_report.py [--rounds R] [--skip-34] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PAPERMILL = str(Path(PYTHON).with_name("papermill"))
SIX = ["01", "04", "08", "11", "15", "19"]
JOBS = 2
EMPTY = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {"tags": ["parameters"]},
            "source": "x: int = 0",
            "outputs": [],
            "execution_count": None,
        },
        {"cell_type": "code", "metadata": {}, "source": "x + 1", "outputs": [], "execution_count": None},
    ],
    "metadata": {"kernelspec": {"name": "dxanalysis", "display_name": "Python (dxanalysis)", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def floor(work: Path, runs: int) -> float:
    """``runs`` papermill command-line runs of an empty notebook, ``JOBS`` at a time: wall seconds."""
    notebook = work / "empty.ipynb"
    notebook.write_text(json.dumps(EMPTY), encoding="utf-8")

    def one(i: int) -> None:
        out = work / f"empty_{i}.ipynb"
        subprocess.run(
            [PAPERMILL, "-p", "x", str(i), "--log-level", "ERROR", str(notebook), str(out)], check=True, capture_output=True
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(JOBS) as threads:
        list(threads.map(one, range(runs)))
    return time.perf_counter() - start


def batch(work: Path, codes: list[str] | None, cache: Path, tag: str) -> float:
    """One ``dx batch`` into a fresh ``--out`` with the build cache ``cache``: wall seconds."""
    out = Path(tempfile.mkdtemp(prefix=f"out_{tag}_", dir=work))
    command = [PYTHON, "-m", "dxanalysis", "batch", "--out", str(out), "--jobs", str(JOBS), "--quiet"]
    if codes:
        command += ["--provinces", ",".join(codes)]
    env = {**os.environ, "DX_BUILD_CACHE": str(cache)}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"dx batch {tag} failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="alternated rounds; the least time of each is kept")
    parser.add_argument("--skip-34", action="store_true", help="leave out the 34-province batch and its floor")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="dx_first_report_") as tmp:
        work = Path(tmp)
        warm_cache = work / "cache_warm"
        batch(work, ["01"], warm_cache, "prime")  # fills the warm cache (all provinces' build)
        cases = [("1", ["01"]), ("6", SIX)] + ([] if args.skip_34 else [("34", None)])
        for round_number in range(args.rounds):
            for name, codes in cases:
                runs = len(codes) if codes else 34
                results.setdefault(f"floor_{name}", []).append(floor(work, runs))
                results.setdefault(f"warm_{name}", []).append(batch(work, codes, warm_cache, f"warm{name}"))
                cold_cache = work / f"cache_cold_{name}_{round_number}"
                results.setdefault(f"cold_{name}", []).append(batch(work, codes, cold_cache, f"cold{name}"))
    best = {key: min(values) for key, values in results.items()}
    load = os.getloadavg()[0]
    print(f"\ntime to the first report (least of {args.rounds} alternated rounds; --jobs {JOBS}; load now {load:.1f})")
    print(f"{'provinces':>10} {'floor s':>8} {'warm s':>8} {'warm/floor':>11} {'cold s':>8} {'cold/floor':>11}")
    for name in ("1", "6", "34"):
        if f"floor_{name}" not in best:
            continue
        f, w, c = best[f"floor_{name}"], best[f"warm_{name}"], best[f"cold_{name}"]
        print(f"{name:>10} {f:8.1f} {w:8.1f} {w / f:11.2f} {c:8.1f} {c / f:11.2f}")
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731

    def aim(label: str, key: str, limit: float, ratio: bool) -> None:
        values = {kind: best[f"{kind}_{key}"] / (best[f"floor_{key}"] if ratio else 1) for kind in ("warm", "cold")}
        unit = " x" if ratio else " s"
        shown = "; ".join(f"{kind} {value:.2f}{unit} {verdict(value <= limit)}" for kind, value in values.items())
        print(f"  {label}: {shown}")

    print("\naims (issue 18):")
    aim("one province, fresh --out <= 8 s", "1", 8.0, ratio=False)
    aim("six provinces <= 1.5 x their floor", "6", 1.5, ratio=True)
    if "floor_34" in best:
        aim("34 provinces no slower than before (0.73 x their floor)", "34", 0.73, ratio=True)
    summary = {"best_s": best, "rounds": results, "jobs": JOBS, "load": load}
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


if __name__ == "__main__":
    main()
