"""Sentences for the reports: provenance banners, the plain-words narrative, footers, escaping.

Sentences for the reports: provenance banners, the plain-words narrative, escaping of data text
in Markdown, and the environment footer."""

from __future__ import annotations

import math
import re

import pandas as pd

from ..core.provenance import is_synthetic
from .i18n import day, indicator, month, num, pct, t, target_number
from .i18n import verdict as verdict_word
from .tables import target_rows


def provenance_banner(table: pd.DataFrame) -> str:
    """Markdown banner saying plainly where the numbers come from."""
    sources = sorted({s for s in table["source"].astype(str).unique() if s})
    if is_synthetic(sources):
        return f"> **{t('banner.synthetic_title')}** {t('banner.synthetic_text')} {t('banner.real_scores')}"
    return "> " + t("banner.data", sources="; ".join(markdown_escape(s) for s in sources[:5]))


def is_synthetic_table(table: pd.DataFrame) -> bool:
    """True when the table's sources say the numbers are synthetic."""
    return is_synthetic(sorted({s for s in table["source"].astype(str).unique() if s}))


def markdown_escape(text: object) -> str:
    """Text from a data file made safe inside Markdown: HTML escaped (no ``<script>`` or
    ``<img onerror>`` survives), and Markdown's punctuation backslash-escaped (no injected links)."""
    import html

    return re.sub(r"([\\`*_{}\[\]()#+!|>~-])", r"\\\1", html.escape(str(text), quote=True))


def narrative(result: pd.DataFrame, code: str, ahead: bool = True) -> list[str]:
    """Plain-words sentences, one per target still ahead (``ahead=False``: one per past target),
    in the report language (:mod:`dxanalysis.report.i18n`)."""
    lines = []
    rows = target_rows(result, code, ahead)
    for row in rows.itertuples(index=False):
        title = indicator(row.indicator)
        lowered = title[0].lower() + title[1:]
        name = row.province_name
        deadline = day(row.deadline)
        target = f"{target_number(row.target_value)}%"
        if row.status == "no_data":
            lines.append(t("narr.no_data", title=lowered, name=name))
            continue
        last = {"value": pct(row.last_value), "month": month(row.last_period, long=True)}
        if row.status == "insufficient_data":
            lines.append(t("narr.insufficient", title=title, name=name, n=f"{row.n_obs:.0f}", **last))
            continue
        if row.deadline_passed:
            lines.append(
                t("narr.passed", title=title, target=target, deadline=deadline, verdict=verdict_word(row.status), **last)
            )
            continue
        if row.status == "achieved":
            lines.append(t("narr.achieved", title=title, name=name, target=target, **last))
            continue
        pace = row.recent_pace
        text = t(
            "narr.forecast",
            name=name,
            forecast=pct(row.forecast, 0),
            title=lowered,
            deadline=deadline,
            lo=num(row.lo80, 0),
            hi=pct(row.hi80, 0),
            p=pct(row.p_hit * 100, 0),
        )
        need = t("narr.need", target=target, pace=num(row.required_pace, 1, sign=True))
        if isinstance(pace, float) and math.isfinite(pace) and pace > 0.05:
            text += t("narr.need_multiple", need=need, times=_times(row.required_pace / pace), pace=num(pace, 1, sign=True))
        elif isinstance(pace, float) and math.isfinite(pace):
            text += t("narr.need_not_closing", need=need, pace=num(pace, 2, sign=True))
        else:
            text += t("narr.need_only", need=need)
        lines.append(text)
    return lines


def _times(multiple: float) -> str:
    rounded = round(multiple)
    if multiple >= 1 and abs(multiple - rounded) < 0.15 and rounded in (2, 3, 4, 5):
        return t(f"times.{rounded}")
    return t("times.n", n=num(multiple, 1))


def environment_footer() -> str:
    """Versions that produced a report (no timestamps: reports are reproducible)."""
    import importlib.metadata as md
    import platform

    names = ["dxanalysis", "pandas", "numpy", "scipy", "matplotlib", "seaborn", "papermill"]
    versions = ", ".join(f"{n} {md.version(n)}" for n in names)
    return f"Python {platform.python_version()}; {versions}"


def footer() -> str:
    """The environment watermark as a sentence in the report language."""
    return t("footer.produced", versions=environment_footer())
