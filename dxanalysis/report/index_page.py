"""reports/index.html: the page people open first (a Jinja2 template, autoescaped)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core import provinces
from ..core.provenance import is_synthetic
from .print_css import PRINT_CSS


def index_html(
    forecasts: pd.DataFrame,
    published: list[str],
    extra_reports: list[str],
    failed: dict[str, str],
    notes: list[str] = (),
    scores: pd.DataFrame | None = None,
    national_png: str = "",
    lang: str = "en",
    workbook: str = "",
    units: dict | None = None,
    maps: str | None = None,
) -> str:
    """reports/index.html from ``templates/index.html.j2`` (Jinja2, autoescaped) in ``lang``:
    links to every report; the maps and the national trajectory; the targets still ahead first,
    then the past ones as history; ``workbook`` names the Excel workbook beside it, if any."""
    import jinja2

    from . import i18n
    from .colours import STATUS_COLOURS

    i18n.set_language(lang)
    names = {c: provinces.province_name(c) for c in published}
    passed = forecasts["deadline_passed"].astype(bool)
    sections = []
    for title, note, part in (
        (i18n.t("index.ahead"), i18n.t("index.ahead_note"), forecasts[~passed]),
        (i18n.t("index.past"), i18n.t("index.past_note"), forecasts[passed]),
    ):
        order = part.drop_duplicates("target_id").sort_values(["deadline", "target_id"])
        targets = [
            {
                "id": row.target_id,
                "label": i18n.indicator(row.indicator),
                "detail": i18n.t(
                    "index.detail",
                    comparator=i18n.comparator(row.comparator),
                    value=i18n.target_number(row.target_value),
                    deadline=i18n.day(row.deadline),
                ),
            }
            for row in order.itertuples()
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
                label = i18n.status(row["status"])
                is_past = row["deadline_passed"] in (True, "True", "true")
                if is_past:
                    label = i18n.verdict(row["status"])
                p = row["p_hit"]
                cells.append(
                    {
                        "status": row["status"],
                        "label": label,
                        "p": i18n.num(p, 2) if isinstance(p, float) and p == p and not is_past else None,
                    }
                )
            off = None
            if units is not None and not part["deadline_passed"].astype(bool).any() and code in units["total"]:
                off = f"{units['off'].get(code, 0)} / {units['total'][code]}"
            rows.append(
                {
                    "communes_off": off,
                    "code": code,
                    "name": i18n.t("chart.the_nation").capitalize() if code == "00" else names[code],
                    "href": "02_national_overview.html" if code == "00" else f"provinces/{code}.html",
                    "cells": cells,
                }
            )
        if targets:
            ahead = units is not None and not part["deadline_passed"].astype(bool).any()
            sections.append(
                {
                    "title": title,
                    "note": note,
                    "targets": targets,
                    "rows": rows,
                    "units": i18n.t("index.communes_off", target=units["label"]) if ahead else None,
                }
            )
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, keep_trailing_newline=True
    )
    environment.globals["t"] = i18n.t
    from .plots.style import CSS_FONT_STACK

    return environment.get_template("index.html.j2").render(
        lang=lang,
        font_stack=CSS_FONT_STACK,  # a constant of the code, not data: safe to leave unescaped
        as_of=i18n.month(str(forecasts["as_of"].iloc[0])),
        model=str(forecasts["model"].iloc[0]),
        data_note=i18n.data_note(str(forecasts["data_note"].iloc[0])),
        synthetic=is_synthetic(forecasts["data_note"].unique()),
        extra_reports=[(stem, i18n.t(f"index.report.{stem}")) for stem in extra_reports],
        sections=sections,
        colours=STATUS_COLOURS,
        synthetic_title=i18n.t("banner.synthetic_title"),
        synthetic_text=i18n.t("banner.synthetic_text"),
        failures=sorted(failed.items()),
        notes=list(notes),
        maps=maps if maps is not None else maps_png(forecasts, scores, lang),
        national=national_png,
        workbook=workbook,
        print_css=PRINT_CSS,
    )


def maps_png(forecasts: pd.DataFrame, scores: pd.DataFrame | None, lang: str = "en") -> str:
    """The overview's maps as a base64 PNG, embedded in the page (it works offline and from file://)."""
    import matplotlib

    matplotlib.use("Agg")

    from . import i18n, plots

    i18n.set_language(lang)

    plots.apply_style()
    return figure_png(plots.overview_maps(forecasts, scores, source=str(forecasts["data_note"].iloc[0])))


def national_png(table: pd.DataFrame, forecasts: pd.DataFrame, fans: pd.DataFrame, lang: str = "en") -> str:
    """The national trajectory with the real national figures, as base64 PNG for the index."""
    import matplotlib

    matplotlib.use("Agg")
    from ..core import paths
    from . import i18n, plots

    i18n.set_language(lang)
    plots.apply_style()
    figures = pd.read_csv(paths.NATIONAL_FIGURES_CSV, dtype={"period": str})
    source = str(forecasts["data_note"].iloc[0])
    return figure_png(plots.national_trajectory(table, forecasts, fans, figures, source=source))


def figure_png(fig, dpi: int = 72) -> str:
    """A figure as base64 PNG for embedding in a page (closed afterwards)."""
    import base64

    from .plots.style import png_bytes

    return base64.b64encode(png_bytes(fig, dpi=dpi)).decode("ascii")


__all__ = ["index_html", "maps_png", "national_png", "figure_png"]
