"""The ``dx`` command (also ``python -m dxanalysis``).

User mistakes (bad files, bad parameters) print a clear message and exit 2 (1 for a file
that fails validation); only bugs show a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys

from ..core.errors import DxError, InputProblems
from ..core.files import OutputRefused, check_output
from ..portal.client import PortalRefused, PortalUnreachable


def _cmd_validate(args: argparse.Namespace) -> int:
    from ..data.index766 import load_index766, looks_like_766
    from ..data.validate import validate_observations
    from .commands import number_format_of

    number_format = number_format_of(args)
    failed = 0
    for file in args.files:
        try:
            if looks_like_766(file):
                table, others = load_index766(file, period=args.period, scope=args.scope)
                print(
                    f"{file}: ok - 766 table ({', '.join(table['scale'].unique())} scale), "
                    f"{table['province_code'].nunique()} provinces, {_periods(table)}, "
                    f"scopes {', '.join(sorted(table['scope'].unique()))}, {len(others)} non-province rows kept apart"
                )
                continue
            summary = validate_observations(file, number_format, args.scheme)
            periods = summary.periods
            note = (
                (
                    f"; {summary.unweighted} merged province-months have only percentages: harmonise them with "
                    "--weights or numerators/denominators"
                )
                if summary.unweighted
                else ""
            )
            print(
                f"{file}: ok - {summary.rows} rows, {summary.province_labels} province labels "
                f"({summary.scheme_note}), {len(periods)} periods ({periods[0]}..{periods[-1]}), "
                f"{summary.indicators} indicators; {summary.incomplete_months} incomplete province-months{note}"
            )
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
    from ..data.harmonise import harmonise_files
    from .commands import number_format_of

    result = harmonise_files(args.files, scheme=args.scheme, weights=args.weights, number_format=number_format_of(args))
    for line in result.schemes:
        print(f"scheme: {line}", file=sys.stderr)
    for line in result.warnings:
        print(f"warning: {line}", file=sys.stderr)
    _write_csv(result.table, args.out, [*args.files, args.weights])
    table = result.table
    print(
        f"wrote {args.out}: {len(table)} rows, {table['province_code'].nunique()} provinces, "
        f"{(~table['complete']).sum()} incomplete province-months"
    )
    return 0


def _cmd_index766(args: argparse.Namespace) -> int:
    from ..data.index766 import load_index766

    check_output(args.out, [args.file])
    if args.others:
        check_output(args.others, [args.file, args.out])
    table, others = load_index766(args.file, period=args.period, scope=args.scope)
    _write_csv(table, args.out, [args.file])
    if args.others:
        _write_csv(others, args.others, [args.file])
    print(
        f"wrote {args.out}: {table['province_code'].nunique()} provinces, {_periods(table)}, "
        f"{', '.join(table['scale'].unique())} scale; "
        f"{len(others)} department/commune rows kept apart" + (f" in {args.others}" if args.others else "")
    )
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from ..portal.fetch import default_range, fetch
    from ..report import normalise_province

    start, end = default_range()
    codes = [normalise_province(c.strip()) for c in args.provinces.split(",") if c.strip()] if args.provinces else None
    result = fetch(
        args.out,
        args.start or start,
        args.end or end,
        base_url=args.base_url,
        offline=args.offline,
        province_codes=codes,
        jobs=args.jobs,
        include_low_confidence=args.include_low_confidence,
        progress=not args.quiet,
    )
    for line in result.messages[:200]:
        print(f"note: {line}", file=sys.stderr)
    rest = result.recorded[200:]
    if rest:
        where = " (all of them rows of missing.csv)" if all(rest) else f" ({sum(rest)} of them rows of missing.csv)"
        print(f"note: ... and {len(rest)} more{where if any(rest) else ''}", file=sys.stderr)
    obs, missing = result.observations, len(result.missing)
    print(
        f"{'replayed' if args.offline else 'fetched'} {obs['period'].nunique()} month(s), "
        f"{obs['province_code'].nunique()} provinces, {obs['indicator'].nunique()} indicators: {len(obs)} observations, "
        f"{len(result.scores)} 766 rows, {len(result.units)} unit rows, {missing} missing"
        f"{' (see missing.csv)' if missing else ''}; "
        f"{result.requests_sent} request(s) sent, retries included; wrote {', '.join(str(p) for p in result.written)}"
    )
    if obs.empty:
        print("no observation could be read: nothing to forecast from", file=sys.stderr)
        return 1
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from ..data.synthetic import SEED, write_panel

    out = write_panel(args.out, seed=args.seed if args.seed is not None else SEED)
    print(f"wrote synthetic panel {out}")
    return 0


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"{seed} is negative; a seed is a whole number from 0")
    return seed


def _periods(table) -> str:
    periods = sorted(table["period"].unique())
    return f"period {periods[0]}" if len(periods) == 1 else f"periods {periods[0]}..{periods[-1]}"


def _write_csv(frame, out: str, inputs=()) -> None:
    from ..core.files import atomic_write_csv

    atomic_write_csv(frame, check_output(out, inputs))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dx", description="Vietnam digital-government targets: data, forecasts, reports.")
    sub = parser.add_subparsers(dest="command", required=True)
    from . import commands as cli_forecast  # forecast, backtest and batch sub-commands; shared options

    p = sub.add_parser("validate", help="check observation files or 766 exports; one line per file, or every problem")
    p.add_argument("files", nargs="+")
    p.add_argument("--scheme", choices=["legacy", "current"], help="force the province list (default: detect per file)")
    p.add_argument("--period", help="YYYY-MM for a 766 export whose file name does not say")
    p.add_argument("--scope", choices=["year_to_date", "month"], help="for a 766 export whose sheet names do not say")
    cli_forecast.add_separator_options(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("harmonise", help="carry observations onto the 34 current provinces")
    p.add_argument("files", nargs="+")
    p.add_argument("--out", required=True, help="output CSV")
    p.add_argument("--scheme", choices=["legacy", "current"], help="force the province list (default: detect per file)")
    p.add_argument("--weights", help="CSV: province, weight[, period, indicator] for rows with only a percentage")
    cli_forecast.add_separator_options(p)
    p.set_defaults(func=_cmd_harmonise)

    p = sub.add_parser(
        "index766",
        help="tidy a 766 table: the 2025 Excel export, a 2026 JSON table or answer, "
        "or fetch's index766.csv (real scores, in points)",
    )
    p.add_argument("file")
    p.add_argument("--period", help="YYYY-MM (default: from the file name, e.g. T10_2025)")
    p.add_argument("--out", required=True)
    p.add_argument(
        "--scope",
        choices=["year_to_date", "month"],
        help="scope of the province sheets when their names do not say (year to date or month)",
    )
    p.add_argument("--others", help="also write the department and commune rows here")
    p.set_defaults(func=_cmd_index766)

    p = sub.add_parser("fetch", help="pull every province's monthly figures from the national portal's 2026 API")
    p.add_argument("--from", dest="start", help="first month YYYY-MM (default: January of this year)")
    p.add_argument("--to", dest="end", help="last month YYYY-MM (default: the last month that has ended)")
    p.add_argument("--out", required=True, help="folder for observations.csv, index766.csv, units.csv, missing.csv and raw/")
    p.add_argument("--base-url", help="the portal (default https://dichvucong.gov.vn), a mirror or a test server")
    p.add_argument("--offline", action="store_true", help="rebuild the tables from OUT/raw without the network")
    p.add_argument("--provinces", help="comma-separated codes or names (default: all 34)")
    p.add_argument("--jobs", type=int, help="requests in flight at once (default 4)")
    p.add_argument(
        "--include-low-confidence",
        action="store_true",
        help="also write indicators whose field mapping is a guess (flagged in source)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_fetch)

    p = sub.add_parser("synth", help="regenerate the synthetic province panel")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=_seed, help="a whole number from 0 (default: the bundled panel's seed)")
    p.set_defaults(func=_cmd_synth)

    cli_forecast.register(sub)
    return parser


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``dx``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # SIGTERM cleans up like Ctrl-C (workers stopped, temp files removed)
    try:
        return int(args.func(args) or 0)
    except InputProblems as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except (PortalUnreachable, PortalRefused, OutputRefused) as exc:
        sent = getattr(exc, "requests_sent", None)
        sent = (
            f" ({sent} request(s) sent, retries included; the tables were not written, the raw answers so far are kept)"
            if sent
            else ""
        )
        print(f"dx {args.command}: {exc}{sent}", file=sys.stderr)
        return 1
    except OSError as exc:  # unreadable file, folder given as a file...: one line, no traceback
        where = exc.filename or ""
        print(f"dx {args.command}: {where}{': ' if where else ''}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except DxError as exc:
        print(f"dx {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
