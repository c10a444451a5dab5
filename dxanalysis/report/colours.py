"""Colours every report shares, defined once.

The words (status words, verdicts for past
deadlines, the synthetic-data banner) are in the message catalog, in every report language
(:mod:`dxanalysis.report.i18n`)."""

from __future__ import annotations

#: One colour per status, in every chart and on the index page.
STATUS_COLOURS = {  # ColorBrewer RdBu: readable with the common colour-vision deficiencies
    "achieved": "#2166ac",
    "on_track": "#92c5de",
    "needs_acceleration": "#f4a582",
    "off_track": "#b2182b",
    "insufficient_data": "#e0e0e0",
    "no_data": "#bdbdbd",
}

__all__ = ["STATUS_COLOURS"]
