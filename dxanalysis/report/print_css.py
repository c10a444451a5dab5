"""The print stylesheet every page a batch writes carries, for Chromium's PDFs and the browser's print.

The print stylesheet every page a batch writes carries (``@media print``), for Chromium's PDFs
(:mod:`dxanalysis.report.pdf`) and for a reader who prints a page from the browser.

Why each rule:

* nbconvert keeps every output whole (``break-inside: avoid-page`` on ``.jp-OutputArea-child``):
  a long table then jumps to the next page and leaves half a page blank, and one taller than a
  page is cut anyway. Outputs may break; a table *row*, a chart and a heading with what follows
  may not.
* Tables repeat their header row on each page (``thead`` as a header group).
* A chart is never taller than a page (it could not be kept whole otherwise).
* On screen, wide tables scroll sideways; paper cannot scroll, so nothing is clipped in print:
  the tables are set smaller and wrap instead.
* The filter box and sorting hint do nothing on paper.
"""

from __future__ import annotations

PRINT_CSS = """
@media print {
  @page { size: A4; }
  html, body { font-size: 10pt; background: #fff; }
  body { margin: 0 !important; max-width: none !important; }
  .jp-OutputArea-child { break-inside: auto !important; overflow: visible !important; }
  .jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-OutputArea, .scroll { overflow: visible !important; }
  .jp-Cell { padding-left: 0 !important; padding-right: 0 !important; }
  table { font-size: 7pt !important; table-layout: auto !important; width: 100% !important; }
  td, th { padding: 2px 4px !important; }
  thead { display: table-header-group; }
  tfoot { display: table-footer-group; }
  tr, td, th, img, svg, figure, .jp-RenderedImage, .warn, blockquote { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  img { max-width: 100% !important; max-height: 23cm; width: auto; height: auto !important; }
  .warn { box-sizing: border-box; }
  a { color: inherit; text-decoration: none; }
  input, .no-print { display: none !important; }
}
"""

_MARK = "/* dx print stylesheet */"


def with_print_css(page: str) -> str:
    """``page`` (a whole HTML document) with :data:`PRINT_CSS` added at the end of its head.

    Added after the page's own styles, so that it wins over nbconvert's; added once, however
    often the page passes through here.
    """
    if _MARK in page:
        return page
    style = f"<style>{_MARK}{PRINT_CSS}</style>\n"
    at = page.find("</head>")
    return page[:at] + style + page[at:] if at >= 0 else style + page


__all__ = ["PRINT_CSS", "with_print_css"]
