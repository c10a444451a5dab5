"""Reports as HTML for readers: code hidden, no external scripts, the page's language, chart texts."""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=1)
def exporter():
    from nbconvert import HTMLExporter

    # Building the exporter loads its templates (~0.4 s): once per worker process.
    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


#: nbconvert's template loads require.js and MathJax from a CDN. The reports use neither (no
#: widgets, no formulas), and a page that reaches out to the network fails offline and tells a
#: third party who reads it: the script tags are removed.
_EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*', re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _page_style() -> str:
    from ..report.plots.style import CSS_FONT_STACK

    # The charts' typeface for the text too, with faces that keep every Vietnamese letter after it.
    return f"<style>body, .jp-Notebook, .jp-RenderedHTMLCommon {{ font-family: {CSS_FONT_STACK}; }}</style>\n"


_NO_ALT = 'alt="No description has been provided for this image"'


def _image_alts(nb) -> list[str | None]:
    """The text alternative of every image output, in order (``plots.show`` puts it in the metadata)."""
    return [
        output.get("metadata", {}).get("image/png", {}).get("alt")
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]


def render_html(nb, lang: str = "en") -> str:
    """HTML for readers: code hidden, outputs and prose kept, no external scripts, ``<html lang>``
    set, and each chart's text alternative instead of nbconvert's "No description"."""
    import html

    from ..report.i18n import t

    body, _ = exporter().from_notebook_node(nb)
    body = _EXTERNAL_SCRIPT.sub("", body)
    pieces = body.split(_NO_ALT)
    alts = _image_alts(nb)
    if len(pieces) - 1 == len(alts):  # images in notebook order: give each its own text
        described = [f'alt="{html.escape(alt or t("chart.alt", lang), quote=True)}"' for alt in alts]
        body = pieces[0] + "".join(a + piece for a, piece in zip(described, pieces[1:]))
    body = body.replace("</head>", _page_style() + "</head>", 1)
    return re.sub(r"<html lang=\"[^\"]*\">", f'<html lang="{lang}">', body, count=1)


__all__ = ["exporter", "render_html"]
