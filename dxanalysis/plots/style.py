"""The one look: style, source line, display (shared by every chart and map)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

BLUE = "#2166ac"


def apply_style() -> None:
    """Set the project's look (call once per notebook)."""
    # seaborn's whitegrid look, via matplotlib's bundled copy of it: importing seaborn itself
    # costs about half a second per notebook, paid 34 times by the batch.
    plt.style.use("seaborn-v0_8-whitegrid")
    plt.rcParams.update({"font.size": 9, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8})
    plt.rcParams.update(
        {
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "axes.titleweight": "bold",
            "axes.titlesize": 10,
            "figure.titlesize": 12,
            "svg.hashsalt": "dxanalysis",
        }
    )


def _month(period: str) -> pd.Timestamp:
    return pd.Timestamp(f"{period}-01")


def source_line(fig: plt.Figure, text: str) -> None:
    """Write the source (and SYNTHETIC warning where it applies) under a figure."""
    from ..i18n import data_note, t

    fig.text(0.01, 0.005, t("chart.source", text=data_note(text)), ha="left", va="bottom", fontsize=7, color="#555555")


def show(fig: plt.Figure) -> None:
    """Display a figure laid out by hand as PNG, without the inline backend's second, 'tight' pass."""
    import io

    from IPython.display import Image, display

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    display(Image(data=buffer.getvalue()))
