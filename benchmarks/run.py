"""Benchmarks (``make bench``): each result printed in seconds and as a ratio within one run.

Machines are noisy, so every figure is compared with a reference measured in the same run:

* ``kernel``    starting one empty Jupyter kernel (the project's) and shutting it down;
* ``forecast``  every province x target in one pass (data already harmonised), and with loading;
* ``backtest``  the full rolling-origin backtest of the four models on the bundled panel;
* ``figure``    the province figure (build + PNG) for every province, against the 0.3 s aim;
* ``batch``     the province reports for N provinces against the floor: N papermill runs of an
                empty notebook with the same kernel and the same --jobs, alternated ``--rounds``
                times; the workers' head start during the pipeline is counted with the reports;
* ``fetch``     ``dx fetch`` of 34 provinces x 10 months from the local test server (aim < 30 s),
                and its peak traced memory for 5 and for 20 months (aim: flat, ratio near 1);
* ``hostile``   ``dx fetch`` against a hostile local portal: peak memory as a multiple of the size
                cap, a trickling answer, requests after a refusal (``benchmarks/hostile.py``);
* ``pdf``       the same batch without and with ``--pdf`` (N provinces, the overview, the index),
                alternated ``--rounds`` times: what the PDFs add to its wall time (aim <= 1.25 x);
* ``units``     unit forecasts for every department and commune of the bundled synthetic unit
                panel, in a process of its own: wall time against the province forecast's, peak
                resident memory (aims <= 15 s, <= 1.5 GB), every commune forecast within the
                contract (``benchmarks/units.py``);
* ``first report`` whole ``dx batch`` commands for 1, 6 and 34 provinces into a fresh ``--out``, warm
                and cold build cache, against ``papermill`` command-line runs (``benchmarks/first_report.py``);
* ``validate``  ``dx validate`` of a generated 200 MB tidy CSV (valid, 63 old provinces x 11
                indicators x four centuries of months): wall time and the process's peak
                resident memory as a multiple of the file size (aim <= 4 x).

Usage: ``python benchmarks/run.py [--provinces N] [--jobs J] [--rounds R] [--validate-mb M] [--skip-batch]
[--skip-fetch] [--skip-validate] [--skip-hostile] [--skip-units] [--skip-pdf] [--only-pdf] [--skip-first-report]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dxanalysis.core import paths, provinces  # noqa: E402
from dxanalysis.forecast import forecast, load_bundled_table  # noqa: E402
from dxanalysis.forecast.backtest import backtest  # noqa: E402
from dxanalysis.run import batch  # noqa: E402


def timed(function, repeat: int = 3) -> float:
    """Median wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def kernel_start() -> None:
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name=paths.KERNEL_NAME)
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def _empty_run(args: tuple[str, str]) -> None:
    source, out = args
    batch.execute_notebook(Path(source), Path(out), {"province": "01"})


def floor(n: int, jobs: int, workdir: Path) -> float:
    """N papermill runs of an empty (parameters-only) notebook with the project's kernel."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('province: str = "01"')])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": paths.KERNEL_NAME, "display_name": "Python (dxanalysis)", "language": "python"}
    source = workdir / "empty.ipynb"
    nbformat.write(nb, source)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_empty_run, [(str(source), str(workdir / f"empty_{i}.ipynb")) for i in range(n)]))
    return time.perf_counter() - start


def fetch_benchmark(results: dict) -> None:
    """34 provinces x 10 months from the local test server, units included (every commune and a
    set of departments per province); peak memory at 5 and 20 months."""
    import datetime as dt
    import tracemalloc

    from dxanalysis.portal.fake import FakePortal, FakePortalServer
    from dxanalysis.portal.fetch import fetch

    today = dt.date(2027, 12, 15)  # every month asked for is over
    with FakePortalServer(FakePortal(keep_log=False)) as server, tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = fetch(Path(tmp) / "ten", "2026-01", "2026-10", base_url=server.url, today=today, progress=False)
        results["fetch_10_months_s"] = time.perf_counter() - start
        results["fetch_requests"] = result.requests_sent
        units = result.units
        results["fetch_unit_rows"] = len(units)
        results["fetch_units"] = int(units.groupby("province_code")["unit_code"].nunique().sum())
        start = time.perf_counter()
        fetch(Path(tmp) / "ten", "2026-01", "2026-10", offline=True, today=today, progress=False)
        results["fetch_offline_10_months_s"] = time.perf_counter() - start
        for months, end in ((5, "2026-05"), (20, "2027-08")):
            tracemalloc.start()
            fetch(Path(tmp) / f"m{months}", "2026-01", end, base_url=server.url, today=today, progress=False)
            results[f"fetch_peak_mb_{months}_months"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
    ratio = results["fetch_peak_mb_20_months"] / results["fetch_peak_mb_5_months"]
    print(
        f"fetch, 34 provinces x 10 months, units included, local test server, --jobs 4  "
        f"{results['fetch_10_months_s']:6.2f} s ({results['fetch_requests']} requests, "
        f"{results['fetch_units']} units, {results['fetch_unit_rows']} unit rows; aim < 30 s); "
        f"offline replay {results['fetch_offline_10_months_s']:.2f} s"
    )
    print(
        f"  peak traced memory: 5 months {results['fetch_peak_mb_5_months']:.1f} MB, 20 months "
        f"{results['fetch_peak_mb_20_months']:.1f} MB = {ratio:.2f} x (aim: flat)"
    )


def write_big_csv(path: Path, megabytes: int) -> int:
    """A valid tidy observation CSV of about ``megabytes`` MB; returns its row count."""
    import numpy as np

    from dxanalysis.core.registry import load_indicators

    codes = provinces.legacy_provinces()["code"].tolist()
    indicators = list(load_indicators())
    target = megabytes * 2**20
    rng = np.random.default_rng(20261126)
    written = rows = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("province,period,indicator,numerator,denominator,value,source\n")
        month = 0
        while written < target:
            period = f"{1700 + month // 12:04d}-{month % 12 + 1:02d}"
            denominators = rng.integers(1_000, 900_000, size=len(codes) * len(indicators))
            numerators = (denominators * rng.uniform(0, 1, size=denominators.size)).astype(int)
            lines = [
                f"{code},{period},{indicator},{n},{d},,SYNTHETIC benchmark row\n"
                for (code, indicator), n, d in zip(
                    ((c, i) for c in codes for i in indicators), numerators.tolist(), denominators.tolist()
                )
            ]
            chunk = "".join(lines)
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
            rows += len(lines)
            month += 1
    return rows


def validate_benchmark(results: dict, megabytes: int) -> None:
    """``dx validate`` on a large CSV in a child process: wall time and peak resident memory."""
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.csv"
        rows = write_big_csv(big, megabytes)
        size_mb = big.stat().st_size / 2**20
        probe = (
            "import resource, sys; from dxanalysis.cli.main import main; code = main(['validate', sys.argv[1]]); "
            "print('peak_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(code)"
        )
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", probe, str(big)], capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print("validate benchmark failed:", proc.stderr[-2000:])
        return
    peak_mb = int(proc.stdout.split("peak_kb")[-1].strip()) / 1024
    results.update(validate_file_mb=size_mb, validate_rows=rows, validate_s=seconds, validate_peak_mb=peak_mb)
    print(
        f"dx validate, {size_mb:.0f} MB CSV ({rows:,} rows)  {seconds:7.2f} s, peak memory {peak_mb:.0f} MB "
        f"= {peak_mb / size_mb:.2f} x file size (aim <= 4 x)"
    )


def units_benchmark(results: dict) -> int:
    """``benchmarks/units.py`` in a child process (its peak memory is its own); 1 when a check fails."""
    import subprocess

    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "units.py")], capture_output=True, text=True, cwd=ROOT)
    if not proc.stdout.strip():
        print("units benchmark failed:", proc.stderr[-2000:])
        return 1
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    results.update(found)
    print(
        f"unit forecasts, {found['units_units']:,} units ({found['units_communes']:,} communes) x targets ahead, "
        f"{found['units_rows']:,} rows  {found['units_forecast_s']:7.2f} s = {found['units_ratio_to_province']:.2f} x "
        f"the province forecast ({found['units_province_forecast_s']:.2f} s; aim <= 15 s), peak memory "
        f"{found['units_peak_mb']:.0f} MB (aim <= 1.5 GB); loading {found['units_load_s']:.2f} s"
    )
    failed = [k for k, ok in found.items() if k.startswith("units_check_") and not ok]
    if failed or proc.returncode:
        print("unit forecast checks failed:", ", ".join(failed) or proc.stderr[-2000:])
        return 1
    return 0


def figure_benchmark(results: dict) -> None:
    """The province figure as a report draws it (from the pipeline's fans) and encodes it as PNG,
    for every province, twice: median wall time and the least CPU time of one figure."""
    import matplotlib

    matplotlib.use("Agg")
    from dxanalysis.forecast.compute import compute
    from dxanalysis.report import plots

    plots.apply_style()
    tables = compute()
    source = tables.forecasts["data_note"].iloc[0]
    codes = provinces.current_provinces()["code"].tolist()
    walls, cpus = [], []
    for _ in range(2):
        for code in codes:
            wall, cpu = time.perf_counter(), time.process_time()
            fig = plots.province_small_multiples(
                tables.harmonised, tables.forecasts, code, as_of="2026-10", fans=tables.fans, source=source
            )
            plots.png_bytes(fig)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    results["figure_s"] = statistics.median(walls)
    results["figure_cpu_min_s"] = min(cpus)
    print(
        f"province figure, build + PNG, median of {len(walls)}   {results['figure_s']:7.2f} s "
        f"= {results['figure_s'] / 0.3:4.2f} x the aim of 0.3 s (least CPU time of one: {results['figure_cpu_min_s']:.2f} s)"
    )


def batch_benchmark(results: dict, count: int, jobs: int, rounds: int) -> int:
    """The province reports against the floor, ``rounds`` times each, alternating (the machines
    drift): the ratio of the least times, and each round's.

    The workers start while the batch's pipeline runs. The time that costs the pipeline (its time in
    the batch minus its time alone) is counted with the reports, so the head start is not free."""
    from dxanalysis.run.pipeline import STEPS, Pipeline

    codes = provinces.current_provinces()["code"].tolist()[:count]
    steps = tuple(s for s in STEPS if s != "backtest")
    floors, reports, stages, publishing = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        Pipeline(Path(tmp) / "alone", as_of="").run(steps)
        pipeline_alone = time.perf_counter() - start
        for round_number in range(rounds):
            work = Path(tmp) / f"round{round_number}"
            work.mkdir()
            floors.append(floor(len(codes), jobs, work))
            outcome = batch.run_batch(codes, jobs=jobs, out_dir=work / "reports", extras=False, progress=False)
            if outcome.failed:
                print("batch failures (no ratio printed):", outcome.failed)
                return 1
            head_start = max(0.0, outcome.seconds["pipeline"] - pipeline_alone)
            stages.append(outcome.seconds["provinces"])
            reports.append(outcome.seconds["provinces"] + head_start)
            publishing.append(outcome.seconds["publish"])
            print(
                f"  round {round_number + 1}: floor {floors[-1]:6.2f} s, reports {reports[-1]:6.2f} s "
                f"(province stage {stages[-1]:.2f} s + {head_start:.2f} s of head start) = {reports[-1] / floors[-1]:.2f} x"
            )
    results.update(
        batch_floor_s=min(floors),
        batch_s=min(reports),
        batch_stage_s=min(stages),
        batch_publish_s=min(publishing),
        batch_pipeline_alone_s=pipeline_alone,
        batch_ratio=min(reports) / min(floors),
        batch_ratio_rounds=[r / f for r, f in zip(reports, floors)],
    )
    print(f"batch floor: {len(codes)} empty papermill runs, --jobs {jobs}  {min(floors):7.2f} s (least of {rounds})")
    print(
        f"batch: {len(codes)} province reports, --jobs {jobs}        {min(reports):7.2f} s  = "
        f"{results['batch_ratio']:5.2f} x floor (aim <= 1.3)"
    )
    print(f"  then overview, forecasts.csv, index   {min(publishing):7.2f} s")
    return 0


def pdf_benchmark(results: dict, count: int, jobs: int, rounds: int) -> int:
    """What ``--pdf`` adds to a batch's wall time: the same batch (N provinces, the overview and the
    index, no extras) without and with PDFs, alternated ``rounds`` times; the ratio of the least
    times (aim: at most 1.25)."""
    from dxanalysis.report import pdf

    try:
        pdf.find_chromium()
    except pdf.NoChromium as exc:
        print(f"pdf benchmark skipped: {exc}")
        return 0
    codes = provinces.current_provinces()["code"].tolist()[:count]
    plain, printed, tails = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(rounds):
            for with_pdf, times in ((False, plain), (True, printed)):
                start = time.perf_counter()
                outcome = batch.run_batch(
                    codes,
                    jobs=jobs,
                    out_dir=Path(tmp) / f"r{round_number}-{with_pdf}",
                    extras=False,
                    progress=False,
                    pdf=with_pdf,
                )
                times.append(time.perf_counter() - start)
                if outcome.failed:
                    print("pdf benchmark failures (no ratio printed):", outcome.failed)
                    return 1
                if with_pdf:
                    tails.append(outcome.seconds["pdf_tail"])
            ratio = printed[-1] / plain[-1]
            print(f"  round {round_number + 1}: batch {plain[-1]:6.2f} s, with PDFs {printed[-1]:6.2f} s = {ratio:.2f} x")
    results.update(
        pdf_batch_s=min(plain),
        pdf_batch_with_pdf_s=min(printed),
        pdf_tail_s=min(tails),
        pdf_ratio=min(printed) / min(plain),
        pdf_ratio_rounds=[b / a for a, b in zip(plain, printed)],
    )
    print(
        f"batch with --pdf: {len(codes)} provinces + overview + index, --jobs {jobs}  {min(printed):7.2f} s vs "
        f"{min(plain):.2f} s = {results['pdf_ratio']:5.2f} x (aim <= 1.25); waiting for the last PDFs {min(tails):.2f} s"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", type=int, default=34, help="provinces in the batch benchmark (default 34)")
    parser.add_argument("--jobs", type=int, default=batch._jobs("auto"))
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--rounds", type=int, default=2, help="batch and floor measured this many times each (default 2)")
    parser.add_argument("--skip-fetch", action="store_true")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--only-pdf", action="store_true", help="only the --pdf overhead benchmark")
    parser.add_argument("--skip-validate", action="store_true")
    parser.add_argument("--skip-calendar", action="store_true", help="skip benchmarks/year_end.py (issue 17's aims, ~40 s)")
    parser.add_argument("--skip-hostile", action="store_true")
    parser.add_argument("--skip-units", action="store_true", help="skip the unit forecasts (benchmarks/units.py)")
    parser.add_argument(
        "--skip-first-report", action="store_true", help="skip benchmarks/first_report.py (issue 18's aims, ~5 min a round)"
    )
    parser.add_argument("--validate-mb", type=int, default=200, help="size of the dx validate benchmark's CSV (MB)")
    args = parser.parse_args()
    results: dict[str, float] = {}
    if args.only_pdf:
        return pdf_benchmark(results, args.provinces, args.jobs, args.rounds)

    results["kernel_start_s"] = timed(kernel_start, 3)
    table = load_bundled_table()
    from dxanalysis.forecast.backtest import calibrate

    # Every forecast call runs its calibration (a one-model backtest) unless handed the factors.
    results["forecast_all_s"] = timed(lambda: forecast(table), 3)
    results["calibration_s"] = timed(lambda: calibrate(table, "pooled"), 3)
    results["forecast_with_loading_s"] = timed(lambda: forecast(), 3)
    results["backtest_s"] = timed(lambda: backtest(table), 1)
    kernel = results["kernel_start_s"]
    print(f"kernel start-up (reference)          {kernel:7.2f} s")
    for label, key, aim in (
        ("forecast, 34 provinces x all targets", "forecast_all_s", " (calibration included)"),
        ("  ... of which the calibration      ", "calibration_s", " (a one-model backtest)"),
        ("  ... including loading + harmonising", "forecast_with_loading_s", ""),
        ("backtest, 5 models, every origin    ", "backtest_s", " (aim < 60 s)"),
    ):
        print(f"{label} {results[key]:7.2f} s  = {results[key] / kernel:5.2f} x kernel start-up{aim}")

    if not args.skip_calendar:
        import subprocess

        print("\n--- the calendar (benchmarks/year_end.py): year-end push, smooth panel, half-synced months")
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "year_end.py")], check=True)
    if not args.skip_fetch:
        fetch_benchmark(results)
    if not args.skip_validate:
        validate_benchmark(results, args.validate_mb)
    if not args.skip_hostile:
        from hostile import hostile_benchmark

        hostile_benchmark(results)
    if not args.skip_units and units_benchmark(results):
        return 1
    figure_benchmark(results)
    if not args.skip_batch and batch_benchmark(results, args.provinces, args.jobs, args.rounds):
        return 1
    if not args.skip_pdf and pdf_benchmark(results, args.provinces, args.jobs, args.rounds):
        return 1
    if not args.skip_first_report:
        from first_report import main as first_report

        results["first_report"] = first_report(["--rounds", str(args.rounds)])["best_s"]
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
