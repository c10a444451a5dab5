"""Open every PDF ``dx batch --pdf`` wrote and check it reads right (``make test-browser``, after
``make report ARGS=--pdf``).

For each ``reports/pdf/**.pdf`` and the HTML page it was printed from:

* **page count**: ``pdfinfo`` gives N pages, at least one; the footer of page n says "n / N";
* **text**: the text is extractable (not an image of text) and carries the province's name with
  its diacritics (``Hà Nội``), the as-of line on every page, and the synthetic-data warning on
  every page when the page has one;
* **no table row split across pages**: every row of every table in the HTML has all its words on
  one page of the PDF. (Words, counted: a row is whole when one page holds each of its words at
  least as often as the row does. Text extraction does not keep a table's reading order, so this
  is the test that survives it; a row of common words only can pass by chance, never fail by it.)

The text comes from ``pdftotext``/``pdfinfo`` (poppler-utils: ``apt-get install poppler-utils``):
no PDF library is in the lock, and poppler is the reference for reading PDFs as text.

Usage: ``python scripts/pdf_check.py [REPORTS_DIR]``; exit 0 all clean, 1 problems (each listed),
2 no PDFs or no poppler.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class _Rows(HTMLParser):
    """The text of every table row of a page (cells joined), skipping scripts and styles."""

    def __init__(self):
        super().__init__()
        self.rows: list[str] = []
        self._row: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "tr":
            self._row = []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag == "tr" and self._row is not None:
            self.rows.append(" ".join(self._row))
            self._row = None

    def handle_data(self, data):
        if self._row is not None and not self._skip:
            self._row.append(data)


def words(text: str) -> Counter:
    """The words of a text, lower case, counted. Hyphens and word joiners are dropped: pdftotext
    joins a word hyphenated at the end of a line (``full-`` / ``process`` gives ``fullprocess``),
    so ``full-process`` must count as one word on both sides."""
    joined = re.sub(r"-\s*\n\s*", "", text)  # a hyphen at a line's end, as poppler may leave it
    return Counter(re.findall(r"\w+", joined.replace("\u2060", "").replace("-", "").lower()))


def pdf_pages(pdf: Path) -> tuple[int, list[str]]:
    """(pages by pdfinfo, text of each page by pdftotext)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return count, text.split("\f")[:count]


def check_pdf(pdf: Path, html: Path, must_say: list[str], every_page: list[str]) -> list[str]:
    """Problems with one PDF printed from ``html``: ``must_say`` somewhere, ``every_page`` on each page."""
    name = pdf.name
    count, pages = pdf_pages(pdf)
    if count < 1 or not "".join(pages).strip():
        return [f"{name}: {count} page(s), no extractable text"]
    problems = []
    for number, page in enumerate(pages, start=1):
        if not re.search(rf"\b{number} ?/ ?{count}\b", page):
            problems.append(f"{name}: page {number} does not say '{number} / {count}' (pdfinfo: {count} pages)")
        problems += [f"{name}: page {number} lacks {text!r}" for text in every_page if text not in page]
    whole = "".join(pages)
    problems += [f"{name}: text lacks {text!r}" for text in must_say if text not in whole]
    parser = _Rows()
    parser.feed(html.read_text(encoding="utf-8"))
    return problems + [f"{name}: {problem}" for problem in rows_not_whole(parser.rows, pages)]


def rows_not_whole(rows: list[str], pages: list[str]) -> list[str]:
    """Each table row (its text) that no single page holds whole: split, or not found at all."""
    problems = []
    on_page = [words(page) for page in pages]
    for row in rows:
        wanted = words(row)
        if wanted and not any(wanted <= page for page in on_page):
            split = any(wanted <= a + b for a, b in zip(on_page, on_page[1:]))
            what = "split across two pages" if split else "not found whole on any page"
            problems.append(f"table row {' '.join(row.split())[:70]!r} {what}")
    return problems


def expectations(reports: Path, pdf: Path) -> tuple[Path, list[str], list[str]]:
    """The HTML a PDF was printed from, what it must say, and what every page must say."""
    import pandas as pd

    from dxanalysis.core import provinces
    from dxanalysis.core.provenance import is_synthetic
    from dxanalysis.report import i18n

    relative = pdf.relative_to(reports / "pdf")
    html = (reports / relative).with_suffix(".html")
    forecasts = pd.read_csv(reports / "forecasts.csv", dtype=str)
    lang = re.search(r'<html lang="(\w+)"', html.read_text(encoding="utf-8")).group(1)
    first = forecasts.iloc[0]
    as_of = i18n.t("pdf.as_of", lang, as_of=i18n.month(first["as_of"], lang), model=first["model"])
    every_page = [as_of] + (
        [i18n.t("banner.synthetic_title", lang)] if is_synthetic(forecasts["data_note"].unique()) else []
    )
    must_say = [provinces.province_name(pdf.stem)] if pdf.stem.isdigit() else []
    return html, must_say, every_page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="?", default="reports", help="folder written by dx batch --pdf (default reports/)")
    args = parser.parse_args(argv)
    if not (shutil.which("pdftotext") and shutil.which("pdfinfo")):
        print(
            "no pdftotext/pdfinfo: install poppler-utils (Debian/Ubuntu: sudo apt-get install poppler-utils)",
            file=sys.stderr,
        )
        return 2
    reports = Path(args.reports).resolve()
    found = sorted((reports / "pdf").rglob("*.pdf"))
    if not found:
        print(f"no PDFs in {reports / 'pdf'}: run `make report ARGS=--pdf` first", file=sys.stderr)
        return 2
    problems, pages = [], 0
    for pdf in found:
        html, must_say, every_page = expectations(reports, pdf)
        problems += check_pdf(pdf, html, must_say, every_page)
        pages += pdf_pages(pdf)[0]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(found)} PDFs ({pages} pages) read with poppler: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
