"""Sentences for the reports: provenance banners, the plain-words narrative, escaping of data text
in Markdown, and the environment footer."""

from __future__ import annotations

import math
import re

import pandas as pd

from .labels import SYNTHETIC_TEXT, SYNTHETIC_TITLE
from .provenance import is_synthetic
from .registry import load_indicators
from .report_tables import _rows


def provenance_banner(table: pd.DataFrame) -> str:
    """Markdown banner saying plainly where the numbers come from."""
    sources = sorted({s for s in table["source"].astype(str).unique() if s})
    if is_synthetic(sources):
        return f"> **{SYNTHETIC_TITLE}** {SYNTHETIC_TEXT} The 766 index scores shown below are real."
    return "> Data: " + "; ".join(markdown_escape(s) for s in sources[:5])


def markdown_escape(text: object) -> str:
    """Text from a data file made safe inside Markdown: HTML escaped (no ``<script>`` or
    ``<img onerror>`` survives), and Markdown's punctuation backslash-escaped (no injected links)."""
    import html

    return re.sub(r"([\\`*_{}\[\]()#+!|>~-])", r"\\\1", html.escape(str(text), quote=True))


def _month_name(period: str) -> str:
    return pd.Timestamp(f"{period}-01").strftime("%B %Y")


def narrative(result: pd.DataFrame, code: str, ahead: bool = True) -> list[str]:
    """Plain-words sentences, one per target still ahead (``ahead=False``: one per past target)."""
    indicators = load_indicators()
    lines = []
    rows = _rows(result, code, ahead)
    for row in rows.itertuples(index=False):
        title = indicators[row.indicator].title_en.lower()
        name = row.province_name
        deadline = pd.Timestamp(row.deadline).strftime("%-d %B %Y")
        if row.status == "no_data":
            lines.append(f"No data on {title} for {name}: no forecast.")
            continue
        if row.status == "insufficient_data":
            lines.append(
                f"{title.capitalize()}: {name} has only {row.n_obs:.0f} month(s) of data "
                f"({row.last_value:.1f}% in {_month_name(row.last_period)}): too few to forecast."
            )
            continue
        if row.deadline_passed:
            verdict = "met" if row.status == "achieved" else "missed"
            lines.append(
                f"{title.capitalize()}: the {row.target_value:g}% target for {deadline} was {verdict} "
                f"({row.last_value:.1f}% in {_month_name(row.last_period)})."
            )
            continue
        if row.status == "achieved":
            lines.append(
                f"{title.capitalize()}: {name} already stands at {row.last_value:.1f}% "
                f"({_month_name(row.last_period)}), at or above the {row.target_value:g}% target."
            )
            continue
        pace = row.recent_pace
        text = (
            f"At the current pace, {name} reaches {row.forecast:.0f}% on {title} by {deadline} "
            f"(80% interval {row.lo80:.0f}–{row.hi80:.0f}%; chance of meeting the target {row.p_hit:.0%}). "
        )
        need = f"{row.target_value:g}% needs {row.required_pace:+.1f} points a month"
        if isinstance(pace, float) and math.isfinite(pace) and pace > 0.05:
            multiple = row.required_pace / pace
            text += f"{need}, {_times(multiple)} the recent pace of {pace:+.1f}."
        elif isinstance(pace, float) and math.isfinite(pace):
            text += f"{need}; the recent pace is {pace:+.2f}, so the gap is not closing."
        else:
            text += f"{need}."
        lines.append(text)
    return lines


def _times(multiple: float) -> str:
    words = {2: "twice", 3: "three times", 4: "four times", 5: "five times"}
    rounded = round(multiple)
    if multiple < 1:
        return f"{multiple:.1f} times"
    if abs(multiple - rounded) < 0.15 and rounded in words:
        return words[rounded]
    return f"{multiple:.1f} times"


def environment_footer() -> str:
    """Versions that produced a report (no timestamps: reports are reproducible)."""
    import importlib.metadata as md
    import platform

    names = ["dxanalysis", "pandas", "numpy", "scipy", "matplotlib", "seaborn", "papermill"]
    versions = ", ".join(f"{n} {md.version(n)}" for n in names)
    return f"Python {platform.python_version()}; {versions}"
