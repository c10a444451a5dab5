"""The one look: style, source line, display (shared by every chart and map)."""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

BLUE = "#2166ac"

#: The one typeface of every chart and map. DejaVu Sans covers every Vietnamese letter (ắ, ệ, ơ,
#: ư, ộ, ...) and ships inside matplotlib (Bitstream Vera licence, free to redistribute), so the
#: file is pinned with matplotlib in the lock: the same glyphs on every machine. The seaborn styles
#: name Arial and Liberation Sans first; where those are installed (fonts-liberation comes with
#: Chromium and LibreOffice on Debian), matplotlib took Liberation Sans, which has no glyph for
#: most Vietnamese letters, and drew boxes.
FONT_FAMILY = "DejaVu Sans"
#: The same typeface for the pages' text, then faces that also cover Vietnamese, Arial last (on
#: Linux "Arial" is often Liberation Sans in disguise): a browser then never mixes in boxes.
CSS_FONT_STACK = '"DejaVu Sans", "Noto Sans", "Be Vietnam Pro", "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf")


@functools.lru_cache(maxsize=1)
def font_paths() -> tuple[Path, ...]:
    """Register the bundled font files with matplotlib's font manager (once per process) and
    return their paths."""
    from matplotlib import font_manager

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = tuple(folder / name for name in FONT_FILES)
    known = {Path(entry.fname) for entry in font_manager.fontManager.ttflist}
    for path in files:
        if path not in known:  # matplotlib lists its own fonts first; re-adding would duplicate them
            font_manager.fontManager.addfont(str(path))
    return files


def apply_style() -> None:
    """Set the project's look (call once per notebook)."""
    # seaborn's whitegrid look, via matplotlib's bundled copy of it: importing seaborn itself
    # costs about half a second per notebook, paid 34 times by the batch.
    plt.style.use("seaborn-v0_8-whitegrid")
    font_paths()
    # The bundled font alone, no fallback list: a fallback could only be a font without the letters.
    plt.rcParams.update({"font.family": "sans-serif", "font.sans-serif": [FONT_FAMILY]})
    plt.rcParams.update({"font.size": 9, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8})
    plt.rcParams.update(
        {
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "axes.titleweight": "bold",
            "axes.titlesize": 10,
            "figure.titlesize": 12,
            "svg.hashsalt": "dxanalysis",
            # Titles at a fixed height: matplotlib otherwise measures every axis's tick labels to
            # lift a title clear of ticks drawn on top, which no chart here has.
            "axes.titley": 1.0,
            # Glyphs as designed, not snapped to the pixel grid: the same look at this size, and a
            # tenth of a province figure's time (FreeType's autohinter ran for every glyph).
            "text.hinting": "no_hinting",
        }
    )


def month_start(period: str) -> pd.Timestamp:
    return pd.Timestamp(f"{period}-01")


def source_line(fig: plt.Figure, text: str) -> None:
    """Write the source (and SYNTHETIC warning where it applies) under a figure."""
    from ..i18n import data_note, t

    fig.text(0.01, 0.005, t("chart.source", text=data_note(text)), ha="left", va="bottom", fontsize=7, color="#555555")


def describe(fig: plt.Figure) -> str:
    """A text alternative for a figure: its title and its panels' titles."""
    titles = [fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) is not None else []
    titles += [ax.get_title(loc="left") or ax.get_title() for ax in fig.axes if ax.get_visible()]
    return "; ".join(dict.fromkeys(" ".join(t.split()) for t in titles if t.strip()))


def png_bytes(fig: plt.Figure, tight: bool = False, dpi: float | None = None) -> bytes:
    """A figure as PNG (then closed). ``tight`` crops to the drawn area (a figure not laid out by
    hand); without it there is no second layout pass."""
    import io

    buffer = io.BytesIO()
    # zlib level 3 instead of 6: a PNG about 1% larger, written in two thirds of the time.
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight" if tight else None, pil_kwargs={"compress_level": 3})
    plt.close(fig)
    return buffer.getvalue()


def show(fig: plt.Figure, alt: str | None = None, tight: bool = False) -> None:
    """Display a figure as PNG with a text alternative (``alt``, default :func:`describe`), kept in
    the output's metadata for the HTML report. ``tight`` crops to the drawn area (a figure not laid
    out by hand); without it there is no second layout pass."""
    from IPython.display import Image, display

    text = alt or describe(fig)
    display(Image(data=png_bytes(fig, tight), metadata={"alt": text}))
