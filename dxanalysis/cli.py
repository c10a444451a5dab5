"""The ``dx`` command (also ``python -m dxanalysis``).

User mistakes (bad files, bad parameters) print a clear message and exit 2 (1 for a file
that fails validation); only bugs show a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from .errors import DxError, InputProblems


def _cmd_validate(args: argparse.Namespace) -> int:
    from .harmonise import harmonise
    from .index766 import load_index766, looks_like_766
    from .observations import load_observations

    failed = 0
    for file in args.files:
        try:
            if looks_like_766(file):
                table, others = load_index766(file, period=args.period)
                print(f"{file}: ok - 766 index export, {table['province_code'].nunique()} provinces, "
                      f"period {table['period'].iloc[0]}, scopes {', '.join(sorted(table['scope'].unique()))}, "
                      f"{len(others)} non-province rows kept apart")
                continue
            frame = load_observations(file)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = harmonise([frame], scheme=args.scheme, require_weights=False)
            periods = sorted(frame["period"].unique())
            unweighted = int((result.table["method"] == "not combined: percentages without weights").sum())
            note = (f"; {unweighted} merged province-months have only percentages: harmonise them with "
                    "--weights or numerators/denominators") if unweighted else ""
            print(f"{file}: ok - {len(frame)} rows, {frame['province'].nunique()} province labels "
                  f"({result.schemes[0].split(': ', 1)[1]}), {len(periods)} periods ({periods[0]}..{periods[-1]}), "
                  f"{frame['indicator'].nunique()} indicators; {len(result.warnings)} incomplete-province notes{note}")
        except InputProblems as exc:
            failed += 1
            print(exc.render(), file=sys.stderr)
        except DxError as exc:
            failed += 1
            print(f"{file}: {exc}", file=sys.stderr)
    if failed:
        print(f"{failed} of {len(args.files)} file(s) have problems", file=sys.stderr)
    return 1 if failed else 0


def _cmd_harmonise(args: argparse.Namespace) -> int:
    from .harmonise import harmonise_files

    result = harmonise_files(args.files, scheme=args.scheme, weights=args.weights)
    for line in result.schemes:
        print(f"scheme: {line}", file=sys.stderr)
    for line in result.warnings:
        print(f"warning: {line}", file=sys.stderr)
    _write_csv(result.table, args.out)
    table = result.table
    print(f"wrote {args.out}: {len(table)} rows, {table['province_code'].nunique()} provinces, "
          f"{(~table['complete']).sum()} incomplete province-months")
    return 0


def _cmd_index766(args: argparse.Namespace) -> int:
    from .index766 import load_index766

    table, others = load_index766(args.file, period=args.period)
    _write_csv(table, args.out)
    if args.others:
        _write_csv(others, args.others)
    print(f"wrote {args.out}: {table['province_code'].nunique()} provinces, period {table['period'].iloc[0]}; "
          f"{len(others)} department/commune rows kept apart" + (f" in {args.others}" if args.others else ""))
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from .synthetic import SEED, write_panel

    out = write_panel(args.out, seed=args.seed if args.seed is not None else SEED)
    print(f"wrote synthetic panel {out}")
    return 0


def _write_csv(frame, out: str) -> None:
    from .io import atomic_write_csv

    atomic_write_csv(frame, Path(out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dx", description="Vietnam digital-government targets: data, forecasts, reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check observation files or 766 exports; one line per file, or every problem")
    p.add_argument("files", nargs="+")
    p.add_argument("--scheme", choices=["legacy", "current"], help="force the province list (default: detect per file)")
    p.add_argument("--period", help="YYYY-MM for a 766 export whose file name does not say")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("harmonise", help="carry observations onto the 34 current provinces")
    p.add_argument("files", nargs="+")
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--scheme", choices=["legacy", "current"], help="force the province list (default: detect per file)")
    p.add_argument("--weights", help="CSV: province, weight[, period, indicator] for rows with only a percentage")
    p.set_defaults(func=_cmd_harmonise)

    p = sub.add_parser("index766", help="tidy a 766 dashboard export (real scores, in points)")
    p.add_argument("file")
    p.add_argument("--period", help="YYYY-MM (default: from the file name, e.g. T10_2025)")
    p.add_argument("--out", required=True)
    p.add_argument("--others", help="also write the department and commune rows here")
    p.set_defaults(func=_cmd_index766)

    p = sub.add_parser("synth", help="regenerate the synthetic province panel")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int)
    p.set_defaults(func=_cmd_synth)

    from . import cli_forecast  # forecast, backtest and batch sub-commands

    cli_forecast.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``dx``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputProblems as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except DxError as exc:
        print(f"dx {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
