"""Sub-commands built on the forecast engine and the notebooks: forecast, backtest, batch."""

from __future__ import annotations

import argparse
import sys


def _cmd_batch(args: argparse.Namespace) -> int:
    from . import paths
    from .harmonise import harmonise_files
    from .index766 import load_index766
    from .io import atomic_write_csv

    out = paths.REPORTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    result = harmonise_files([paths.PANEL_CSV])
    atomic_write_csv(result.table, out / "harmonised_panel_synthetic.csv")
    scores, _ = load_index766(paths.INDEX766_XLSX)
    atomic_write_csv(scores, out / "index766_2025-10.csv")
    print(f"wrote {out}/harmonised_panel_synthetic.csv (SYNTHETIC panel on the 34 provinces) and "
          f"{out}/index766_2025-10.csv (real 766 scores)", file=sys.stdout)
    return 0


def _cmd_forecast(args: argparse.Namespace) -> int:
    from .forecast import forecast, load_table
    from .io import atomic_write_csv
    from pathlib import Path

    table = load_table(args.data)
    result = forecast(table, as_of=args.as_of, model=args.model, scenario=args.scenario)
    atomic_write_csv(result, Path(args.out))
    counts = result["status"].value_counts().to_dict()
    print(f"wrote {args.out}: {len(result)} rows ({result['province_code'].nunique()} units incl. national, "
          f"{result['target_id'].nunique()} targets), model {args.model}, as of {result['as_of'].iloc[0]}; "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if result["data_note"].str.contains("SYNTHETIC").any():
        print("note: forecasts from SYNTHETIC data (the bundled panel); not official figures", file=sys.stderr)
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from .backtest import backtest, comparison_table
    from .forecast import MODELS, load_table

    models = tuple(m.strip() for m in args.models.split(",")) if args.models else MODELS
    table = load_table(args.data)
    result = backtest(table, models=models)
    written = result.write(args.out, include_scores=args.scores)
    comparison = comparison_table(result)
    print(comparison.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print("wrote " + ", ".join(str(p) for p in written))
    if table["source"].astype(str).str.contains("SYNTHETIC").any():
        print("note: backtest on SYNTHETIC data: it shows the machinery works, not real-world skill", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add forecast-related sub-commands to the ``dx`` parser."""
    from .forecast import DEFAULT_MODEL, MODELS

    p = sub.add_parser("forecast", help="forecast every province x target at the deadlines")
    p.add_argument("data", nargs="?", help="file or folder in the observation contract (default: the bundled panel)")
    p.add_argument("--as-of", dest="as_of", help="use data up to this month (YYYY-MM); default: the last month")
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--model", default=DEFAULT_MODEL, choices=MODELS)
    p.add_argument("--scenario", help="what-if, e.g. pace=+1.5,from=2025-11[,indicator=online_records][,province=01]")
    p.set_defaults(func=_cmd_forecast)

    p = sub.add_parser("backtest", help="rolling-origin evaluation of every model; writes CSVs to --out")
    p.add_argument("data", nargs="?", help="file or folder in the observation contract (default: the bundled panel)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--models", help=f"comma-separated subset of {','.join(MODELS)}")
    p.add_argument("--scores", action="store_true", help="also write every scored forecast (backtest_scores.csv, large)")
    p.set_defaults(func=_cmd_backtest)
    p = sub.add_parser("batch", help="produce the reports for every province from the bundled data")
    p.add_argument("--jobs", default="auto")
    p.set_defaults(func=_cmd_batch)
