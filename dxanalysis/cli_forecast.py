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


def register(sub) -> None:
    """Add forecast-related sub-commands to the ``dx`` parser."""
    p = sub.add_parser("batch", help="produce the reports for every province from the bundled data")
    p.add_argument("--jobs", default="auto")
    p.set_defaults(func=_cmd_batch)
