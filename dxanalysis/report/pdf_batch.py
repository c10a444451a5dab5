"""``dx batch --pdf``: the batch's side of the PDFs (:mod:`dxanalysis.report.pdf` prints them).

The browser starts with the batch's workers; each province report is queued for printing as
soon as its HTML is written, the national overview and the index once they are; the batch
waits for the last PDF at the end. Every PDF goes to ``OUT/pdf/``, laid out as the HTML is
(``pdf/provinces/01.pdf``, ``pdf/02_national_overview.pdf``, ``pdf/index.pdf``).

What cannot be printed is a failure of the batch (exit 1), named in one line, and never costs
the HTML: no Chromium (the line names ``apt-get install chromium``), a ``pdf/`` folder that
cannot be written, or a page whose renderer crashed (the other pages are written).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from ..core import provinces
from ..core.provenance import is_synthetic
from . import i18n
from .pdf import NoChromium, Printer, find_chromium

#: Pages printed at once (one browser each); the reports run meanwhile.
BROWSERS = 2
OVERVIEW = "02_national_overview"


def pdf_path(out: Path, page: str) -> Path:
    """Where the PDF of ``page`` (a province code, ``02_national_overview`` or ``index``) goes."""
    return out / "pdf" / ("provinces" if page.isdigit() else "") / f"{page}.pdf"


def _html_path(out: Path, page: str) -> Path:
    return out / ("provinces" if page.isdigit() else "") / f"{page}.html"


def _unwritable(folder: Path) -> str | None:
    """Why no PDF can be written into ``folder`` (tried with a temporary file), or None."""
    try:
        (folder / "provinces").mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder / "provinces", prefix=".probe.")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


@contextlib.contextmanager
def printing(out: Path, enabled: bool, failed: dict[str, str]):
    """A started :class:`~dxanalysis.report.pdf.Printer` for the batch writing into ``out`` (None when
    PDFs are not asked for or cannot be made: then ``failed["pdf"]`` says why, in one line).
    Left early (an error, Ctrl-C), the browser is closed at once."""
    printer = None
    if enabled:
        try:
            binary = find_chromium()
        except NoChromium as exc:
            failed["pdf"] = f"{exc}; the HTML reports are written"
        else:
            problem = _unwritable(out / "pdf")
            if problem:
                failed["pdf"] = f"cannot write PDFs into {out / 'pdf'}: {problem}; the HTML reports are kept"
            else:
                printer = Printer(binary, browsers=BROWSERS, log=out / "batch.log").start()
    try:
        yield printer
    except BaseException:
        if printer is not None:
            printer.abort()
        raise


def set_page_text(printer: Printer | None, build_dir: Path, lang: str) -> None:
    """The as-of month and model, and the synthetic-data warning when it applies, for the top and
    bottom of every page (read from the pipeline's forecasts, once)."""
    if printer is None:
        return
    first = pd.read_csv(Path(build_dir) / "forecasts.csv", usecols=["as_of", "model", "data_note"], dtype=str)
    as_of = i18n.t("pdf.as_of", lang, as_of=i18n.month(first["as_of"].iloc[0], lang), model=first["model"].iloc[0])
    warning = i18n.t("banner.synthetic_title", lang) if is_synthetic(first["data_note"].unique()) else ""
    printer.set_page_text(as_of, warning)


def submit(printer: Printer | None, out: Path, page: str, lang: str, resume: bool = False) -> None:
    """Queue one page; with ``resume``, only when its PDF is missing or older than its HTML."""
    if printer is None:
        return
    html, pdf = _html_path(out, page), pdf_path(out, page)
    if resume and pdf.exists() and pdf.stat().st_mtime >= html.stat().st_mtime:
        return
    if page.isdigit():
        title = i18n.t("pdf.title_province", lang, name=provinces.province_name(page), code=page)
    elif page == OVERVIEW:
        title = i18n.t("pdf.title_overview", lang)
    else:
        title = i18n.t("index.heading", lang)
    printer.submit(f"{pdf.relative_to(out)}", html, pdf, title)


def finish(printer: Printer | None, out: Path, result, lang: str) -> None:
    """Queue the overview (if it was written) and the index, wait for every PDF; failures and
    timings into ``result``."""
    if printer is None:
        return
    if OVERVIEW not in result.failed and _html_path(out, OVERVIEW).exists():
        submit(printer, out, OVERVIEW, lang)
    if _html_path(out, "index").exists():
        submit(printer, out, "index", lang)
    started = time.perf_counter()
    for name, error in printer.finish().items():
        result.failed[name] = error
    result.seconds["pdf_tail"] = time.perf_counter() - started
    result.pdfs = sorted(str(path.relative_to(out)) for path in printer.written)


__all__ = ["printing", "set_page_text", "submit", "finish", "pdf_path"]
