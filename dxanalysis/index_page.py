"""reports/index.html: the page people open first (a Jinja2 template, autoescaped)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import provinces
from .provenance import is_synthetic


def index_html(
    forecasts: pd.DataFrame,
    published: list[str],
    extra_reports: list[str],
    failed: dict[str, str],
    notes: list[str] = (),
    scores: pd.DataFrame | None = None,
) -> str:
    """reports/index.html from ``templates/index.html.j2`` (Jinja2, autoescaped): links to every
    report; the targets still ahead first, then the past ones as history."""
    import jinja2

    from .labels import STATUS_COLOURS, STATUS_WORDS, SYNTHETIC_TEXT, SYNTHETIC_TITLE, verdict
    from .registry import load_indicators

    indicators = load_indicators()
    names = {c: provinces.province_name(c) for c in published}
    passed = forecasts["deadline_passed"].astype(str).isin(["True", "true"])
    sections = []
    for title, note, part in (
        ("Targets still ahead", "Forecast status at each deadline.", forecasts[~passed]),
        ("History: deadlines passed", "Met or missed at the deadline (the value then, not a forecast).", forecasts[passed]),
    ):
        order = part.drop_duplicates("target_id").sort_values(["deadline", "target_id"])
        targets = [
            {
                "id": t.target_id,
                "label": indicators[t.indicator].title_en,
                "detail": f"{t.comparator} {t.target_value:g}% by {t.deadline}",
            }
            for t in order.itertuples()
        ]
        rows = []
        for code in ["00"] + published:
            sub = part[part["province_code"] == code].set_index("target_id")
            cells = []
            for target in targets:
                if target["id"] not in sub.index:
                    cells.append(None)
                    continue
                row = sub.loc[target["id"]]
                label = STATUS_WORDS[row["status"]]
                if row["deadline_passed"] in (True, "True", "true"):
                    label = verdict(row["status"])
                p = row["p_hit"]
                cells.append(
                    {
                        "status": row["status"],
                        "label": label,
                        "p": float(p) if isinstance(p, float) and p == p and label not in ("met", "missed") else None,
                    }
                )
            rows.append(
                {
                    "code": code,
                    "name": provinces.NATIONAL_NAME if code == "00" else names[code],
                    "href": "02_national_overview.html" if code == "00" else f"provinces/{code}.html",
                    "cells": cells,
                }
            )
        if targets:
            sections.append({"title": title, "note": note, "targets": targets, "rows": rows})
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, keep_trailing_newline=True
    )
    return environment.get_template("index.html.j2").render(
        as_of=str(forecasts["as_of"].iloc[0]),
        model=str(forecasts["model"].iloc[0]),
        data_note=str(forecasts["data_note"].iloc[0]),
        synthetic=is_synthetic(forecasts["data_note"].unique()),
        extra_reports=extra_reports,
        sections=sections,
        colours=STATUS_COLOURS,
        synthetic_title=SYNTHETIC_TITLE,
        synthetic_text=SYNTHETIC_TEXT,
        failures=sorted(failed.items()),
        notes=list(notes),
        maps=_maps_png(forecasts, scores),
    )


def _maps_png(forecasts: pd.DataFrame, scores: pd.DataFrame | None) -> str:
    """The overview's maps as a base64 PNG, embedded in the page (it works offline and from file://)."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plots

    plots.apply_style()
    fig = plots.overview_maps(forecasts, scores, source=str(forecasts["data_note"].iloc[0]))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


__all__ = ["index_html"]
