"""Sub-commands built on the forecast engine and the notebooks: forecast, backtest, batch."""

from __future__ import annotations

import argparse
import sys

from ..core.provenance import is_synthetic


def add_separator_options(parser: argparse.ArgumentParser) -> None:
    """``--decimal`` and ``--thousands``: the separators the data files are written with."""
    parser.add_argument("--decimal", choices=[".", ","], help="decimal mark of the data files (e.g. , for 12,5)")
    parser.add_argument("--thousands", choices=[".", ",", " ", "'"], help="thousands separator of the data files")


def number_format_of(args: argparse.Namespace):
    from ..data.readers import NumberFormat

    return NumberFormat.from_args(getattr(args, "decimal", None), getattr(args, "thousands", None))


def _cmd_batch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..run.batch import BatchOptions, run_batch

    codes = [c.strip() for c in args.provinces.split(",") if c.strip()] if args.provinces else None  # checked by run_batch
    out = Path(args.out) if args.out else None
    from ..run.settings import run_settings

    settings = run_settings()
    options = BatchOptions(
        jobs=args.jobs or settings.jobs,
        as_of=args.as_of or settings.as_of,
        data=args.data or "",
        scenario=args.scenario or settings.scenario,
        model=args.model or settings.model,
        out_dir=out,
        resume=args.resume,
        scheduler=args.scheduler,
        extras=not args.no_extras,
        progress=not args.quiet,
        fresh_kernels=args.fresh_kernels,
        number_format=number_format_of(args),
        lang=args.lang or settings.lang,
        pdf=args.pdf or settings.pdf,
    )
    result = run_batch(codes, options)
    from ..core import paths

    where = out or paths.REPORTS_DIR
    print(
        f"{len(result.succeeded)} province report(s) written, {len(result.skipped)} unchanged (resume), "
        f"{len(result.failed)} failure(s); open {where}/index.html (kernel messages: {where}/batch.log)"
    )
    if result.logged:
        print(
            f"note: {result.logged} warning(s) or other stderr output from the notebooks were kept out of the "
            f"reports and logged in {where}/batch.log",
            file=sys.stderr,
        )
    if result.pdfs:
        print(f"{len(result.pdfs)} PDF(s) written in {where}/pdf")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.failed:
        print("failures:", file=sys.stderr)
        for name, error in sorted(result.failed.items()):
            print(f"  {name}: {error}", file=sys.stderr)
        return 1
    return 0


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from ..core import paths
    from ..run.batch import execute_notebook

    for notebook in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")):
        execute_notebook(notebook, notebook, {})
        print(f"executed {notebook.name} in place")
    return 0


def _cmd_forecast(args: argparse.Namespace) -> int:
    from ..core.files import atomic_write_csv, check_output
    from ..forecast import forecast, harmonise_data

    if args.level == "unit":
        return _cmd_forecast_units(args)
    out = check_output(args.out, [args.data] if args.data else [])
    table = harmonise_data(args.data)
    result = forecast(table, as_of=args.as_of, model=args.model, scenario=args.scenario)
    atomic_write_csv(result, out)
    what = f"{result['province_code'].nunique()} units incl. national, {result['target_id'].nunique()} targets"
    return _report_written(args, result, what, "the bundled panel")


def _report_written(args: argparse.Namespace, result, what: str, bundled: str) -> int:
    """The one line a forecast command prints (rows, what they cover, statuses), and the synthetic note."""
    counts = result["status"].value_counts().to_dict()
    as_of = result["as_of"].iloc[0] if len(result) else args.as_of
    print(
        f"wrote {args.out}: {len(result)} rows ({what}), model {args.model}, as of {as_of}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    if is_synthetic(result["data_note"]):
        print(f"note: forecasts from SYNTHETIC data ({bundled}); not official figures", file=sys.stderr)
    return 0


def _cmd_forecast_units(args: argparse.Namespace) -> int:
    """``dx forecast --level unit``: every department and commune, every target ahead."""
    from ..core.errors import DxError
    from ..core.files import atomic_write_csv, check_output
    from ..data.units import load_units, units_file
    from ..forecast import harmonise_data
    from ..forecast.units import forecast_units

    if args.scenario:
        raise DxError("--scenario is for province forecasts; unit forecasts have none yet")
    found = args.units or units_file(args.data)
    if found is None:
        raise DxError(f"no units.csv beside {args.data}: name the unit table with --units")
    out = check_output(args.out, [p for p in (args.data, found) if p])
    units, table = load_units(found), harmonise_data(args.data)
    result = forecast_units(units, as_of=args.as_of, model=args.model, province_table=table, scheduler=args.scheduler)
    atomic_write_csv(result, out)
    what = (
        f"{result['unit_code'].nunique()} units of {result['province_code'].nunique()} provinces, "
        f"{result['target_id'].nunique()} targets ahead"
    )
    return _report_written(args, result, what, "the bundled unit panel")


def _cmd_backtest(args: argparse.Namespace) -> int:
    from ..forecast import MODELS, harmonise_data
    from ..forecast.backtest import backtest, comparison_table

    models = tuple(m.strip() for m in args.models.split(",")) if args.models else MODELS
    table = harmonise_data(args.data)
    result = backtest(table, models=models)
    written = result.write(args.out, include_scores=args.scores)
    comparison = comparison_table(result)
    print(comparison.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if result.december is not None and len(result.december):
        print("\nDecember deadlines, by origin month (P(hit) Brier at the target's threshold, calibrated):")
        wide = result.december.pivot_table(index="origin_month", columns="model", values="brier_target_cal")
        print(wide.to_string(float_format=lambda v: f"{v:.4f}"))
    print("wrote " + ", ".join(str(p) for p in written))
    if is_synthetic(table["source"].unique()):
        print("note: backtest on SYNTHETIC data: it shows the machinery works, not real-world skill", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add forecast-related sub-commands to the ``dx`` parser."""
    from ..forecast import DEFAULT_MODEL, MODELS

    p = sub.add_parser("forecast", help="forecast every province x target at the deadlines")
    p.add_argument("data", nargs="?", help="file or folder in the observation contract (default: the bundled panel)")
    p.add_argument("--as-of", dest="as_of", help="use data up to this month (YYYY-MM); default: the last month")
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--model", default=DEFAULT_MODEL, choices=MODELS)
    p.add_argument("--scenario", help="what-if, e.g. pace=+1.5,from=2025-11[,indicator=online_records][,province=01]")
    p.add_argument(
        "--level",
        choices=["province", "unit"],
        default="province",
        help="province (default) or unit: every department and commune, every target ahead",
    )
    p.add_argument(
        "--units",
        help="with --level unit: the unit table (default: units.csv beside DATA; without DATA, the bundled "
        "SYNTHETIC unit panel)",
    )
    p.add_argument(
        "--scheduler", help="with --level unit: Dask scheduler address; the rows are made per province on the cluster"
    )
    p.set_defaults(func=_cmd_forecast)

    p = sub.add_parser("batch", help="produce the reports for every province (what `make report` runs)")
    p.add_argument("--provinces", help="comma-separated codes or names (default: all 34)")
    p.add_argument("--jobs", help="parallel processes (default: params/run.yaml, auto = number of cores)")
    p.add_argument("--as-of", dest="as_of", help="YYYY-MM (default: params/run.yaml; there, the data's last month)")
    p.add_argument("--data", help="observation file or folder (default: the bundled SYNTHETIC panel)")
    add_separator_options(p)
    p.add_argument("--lang", choices=["en", "vi"], help="language of the reports and index (default: params/run.yaml)")
    p.add_argument("--scenario", help="what-if for every report, e.g. pace=+1.5,from=2025-11")
    p.add_argument("--model", choices=MODELS, help="forecast model (default: params/run.yaml)")
    p.add_argument("--out", help="output folder (default: reports/)")
    p.add_argument("--resume", action="store_true", help="skip reports whose inputs and code are unchanged")
    p.add_argument("--scheduler", help="Dask scheduler address (e.g. tcp://host:8786) to run the jobs on a cluster")
    p.add_argument("--no-extras", action="store_true", help="skip the merger-explorer and forecast-skill notebooks")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also an A4 PDF of every report, the overview and the index in OUT/pdf/ (headless Chromium; "
        "DX_CHROMIUM names the browser; default: params/run.yaml)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="a fresh kernel per notebook (default: one warm kernel per worker, reset between notebooks)",
    )
    p.set_defaults(func=_cmd_batch)

    p = sub.add_parser("notebooks", help="re-execute the committed notebooks in place (fresh nbval references)")
    p.set_defaults(func=_cmd_notebooks)

    p = sub.add_parser("backtest", help="rolling-origin evaluation of every model; writes CSVs to --out")
    p.add_argument("data", nargs="?", help="file or folder in the observation contract (default: the bundled panel)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--models", help=f"comma-separated subset of {','.join(MODELS)}")
    p.add_argument("--scores", action="store_true", help="also write every scored forecast (backtest_scores.csv, large)")
    p.set_defaults(func=_cmd_backtest)
