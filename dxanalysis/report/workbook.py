"""``reports/dxanalysis_<as_of>.xlsx``: the batch's tables as an Excel workbook people can file.

One sheet says what the workbook is (as-of month, model, data source, the synthetic-data
warning where it applies, how to cite it); then the targets still ahead, the history (targets
whose deadline has passed), the unit forecasts when there are any, and the real 766 scores.
Codes are text (``01`` keeps its zero), shares are Excel percentages (stored 0.927, shown
92.7%), P(hit) too, dates are dates; every header row is frozen and filtered and every column
sized to its content. Sheet names and headers come from the message catalog, in the batch's
language. Written atomically, and byte for byte the same for the same inputs.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..core.files import atomic_write_bytes
from ..core.provenance import is_synthetic
from . import i18n

#: (message key of the header, column of the forecast table, kind). Kinds: text, label (a code
#: shown as words), date, month (``YYYY-MM``), pct (0-100 in the data, an Excel percentage),
#: prob (0-1), pace (points a month), points, int.
AHEAD = (
    ("col.code", "province_code", "text"),
    ("col.province", "province_name", "text"),
    ("xlsx.col.region", "region", "region"),
    ("xlsx.col.target_id", "target_id", "text"),
    ("col.indicator", "indicator", "indicator"),
    ("col.deadline", "deadline", "date"),
    ("xlsx.col.comparator", "comparator", "text"),
    ("col.target_value", "target_value", "pct"),
    ("xlsx.col.last_month", "last_period", "month"),
    ("col.last_value", "last_value", "pct"),
    ("col.forecast_value", "forecast", "pct"),
    ("xlsx.col.lo80", "lo80", "pct"),
    ("xlsx.col.hi80", "hi80", "pct"),
    ("xlsx.col.lo95", "lo95", "pct"),
    ("xlsx.col.hi95", "hi95", "pct"),
    ("col.p_hit", "p_hit", "prob"),
    ("col.required_pace", "required_pace", "pace"),
    ("col.recent_pace", "recent_pace", "pace"),
    ("col.status", "status", "status"),
    ("xlsx.col.months_ahead", "horizon_months", "int"),
    ("xlsx.col.months_observed", "n_obs", "int"),
)
#: The unit forecasts: the unit's own columns, then the province contract's.
UNITS = (
    *AHEAD[:2],
    ("xlsx.col.unit_code", "unit_code", "text"),
    ("units.unit", "unit_name", "text"),
    ("units.level", "level", "text"),
    ("xlsx.col.ward_code", "ward_code", "text"),
    *AHEAD[2:],
)
HISTORY = (
    *AHEAD[:8],
    ("xlsx.col.deadline_month", "last_period", "month"),
    ("xlsx.col.value_at_deadline", "last_value", "pct"),
    ("col.verdict", "status", "verdict"),
)
SCORES = (
    ("col.code", "province_code", "text"),
    ("col.province", "province_name", "text"),
    ("col.month", "period", "month"),
    ("xlsx.col.scope", "scope", "text"),
    ("xlsx.col.component", "component", "text"),
    ("col.group", "component", "component"),
    ("col.points", "points", "points"),
    ("xlsx.col.max_points", "max_points", "points"),
    ("xlsx.col.unit_name", "unit_name", "text"),
    ("xlsx.col.scale", "scale", "text"),
    ("xlsx.col.source", "source", "text"),
)
FORMATS = {
    "text": "@",
    "pct": "0.0%",
    "prob": "0%",
    "pace": "+0.00;-0.00;0.00",
    "points": "0.00",
    "int": "0",
}
DATE_FORMATS = {"en": ("d mmm yyyy", "mmm yyyy"), "vi": ("dd/mm/yyyy", "mm/yyyy")}
#: A fixed time for the file's own metadata and zip entries: same inputs, same bytes.
STABLE_TIME = datetime(2000, 1, 1)


def workbook_name(as_of: str) -> str:
    """``dxanalysis_2026-10.xlsx`` for the as-of month ``2026-10``."""
    return f"dxanalysis_{as_of}.xlsx"


def write_workbook(
    forecasts: pd.DataFrame,
    scores: pd.DataFrame | None,
    target: Path,
    lang: str = "en",
    units: pd.DataFrame | None = None,
) -> Path:
    """Write the workbook to ``target`` (atomically) and return it.

    Parameters
    ----------
    forecasts : DataFrame
        The forecast table (contract in the README): the nation and the provinces published.
    scores : DataFrame, optional
        The 766 scores (both scales, one row per province, month and group); no sheet when None.
    target : Path
        The file to write, usually ``reports/`` + :func:`workbook_name`.
    lang : {"en", "vi"}
        Language of the sheet names, headers, words and date formats.
    units : DataFrame, optional
        The unit forecasts (every commune and department; the pipeline's ``units`` step); no sheet
        when None or empty.
    """
    from openpyxl import Workbook

    i18n.check_language(lang)
    book = Workbook()
    first = forecasts.iloc[0]
    as_of, model = str(first["as_of"]), str(first["model"])
    passed = forecasts["deadline_passed"].astype(bool)
    _about(book.active, forecasts, Path(target).name, lang)
    _sheet(book, i18n.t("xlsx.sheet.ahead", lang), forecasts[~passed], AHEAD, lang)
    _sheet(book, i18n.t("xlsx.sheet.history", lang), forecasts[passed], HISTORY, lang)
    if units is not None and not units.empty:
        _sheet(book, i18n.t("xlsx.sheet.units", lang), units[~units["deadline_passed"].astype(bool)], UNITS, lang)
    if scores is not None and not scores.empty:
        _sheet(book, i18n.t("xlsx.sheet.scores", lang), scores, SCORES, lang)
    book.properties.creator = "dxanalysis"
    book.properties.title = i18n.t("xlsx.title", lang, as_of=i18n.month(as_of, lang), model=model)
    book.properties.created = book.properties.modified = STABLE_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    atomic_write_bytes(_stable_zip(buffer.getvalue()), Path(target))
    return Path(target)


def _about(sheet, forecasts: pd.DataFrame, file_name: str, lang: str) -> None:
    """The first sheet: what the workbook is, in two columns (what, value)."""
    from openpyxl.styles import Alignment, Font

    from .. import __version__

    first = forecasts.iloc[0]
    as_of, model = i18n.month(str(first["as_of"]), lang, long=True), str(first["model"])
    sheet.title = i18n.t("xlsx.sheet.about", lang)
    rows = [
        (i18n.t("index.heading", lang), ""),
        (i18n.t("index.meta_as_of", lang), as_of),
        (i18n.t("xlsx.about.model", lang), model),
        (i18n.t("xlsx.about.data", lang), i18n.data_note(str(first["data_note"]), lang)),
    ]
    if is_synthetic(forecasts["data_note"].unique()):
        rows.append((i18n.t("banner.synthetic_title", lang), i18n.t("banner.synthetic_text", lang)))
    rows += [
        (i18n.t("xlsx.about.scores", lang), i18n.t("xlsx.about.scores_text", lang)),
        (i18n.t("xlsx.about.sheets", lang), i18n.t("xlsx.about.sheets_text", lang)),
        (i18n.t("xlsx.about.units", lang), i18n.t("xlsx.about.units_text", lang)),
        (
            i18n.t("xlsx.about.cite", lang),
            i18n.t("xlsx.cite", lang, version=__version__, as_of=as_of, model=model, file=file_name),
        ),
    ]
    for row in rows:
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=13)
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.font = Font(bold=True)
    if is_synthetic(forecasts["data_note"].unique()):
        sheet.cell(row=5, column=1).font = Font(bold=True, color="9C5700")
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 100
    for (cell,) in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _value(value, kind: str, lang: str):
    """A cell's value: numbers as numbers (shares over 100), dates as dates, words in the language."""
    if value is None or (isinstance(value, float) and value != value) or (value is pd.NA):
        return None
    if kind in ("date", "month"):
        return pd.Timestamp(str(value) + ("-01" if kind == "month" else "")).to_pydatetime()
    if kind == "pct":
        return float(value) / 100
    if kind in ("prob", "pace", "points"):
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "status":
        return i18n.status(str(value), lang)
    if kind == "verdict":
        return i18n.verdict(str(value), lang)
    if kind == "indicator":
        return i18n.indicator(str(value), lang)
    if kind == "region":
        return i18n.t("col.national", lang) if value == "national" else i18n.region(str(value), lang)
    if kind == "component":
        return i18n.t(f"score.{value}", lang) if f"score.{value}" in i18n.catalog() else i18n.t("col.total", lang)
    return str(value)


def _sheet(book, title: str, frame: pd.DataFrame, columns, lang: str) -> None:
    """One table: typed cells, number formats, frozen and filtered header, columns sized."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title[:31])  # Excel's limit on a sheet name
    present = [(key, column, kind) for key, column, kind in columns if column in frame.columns]
    sheet.append([i18n.t(key, lang) for key, _, _ in present])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    date_format, month_format = DATE_FORMATS[lang]
    formats = {**FORMATS, "date": date_format, "month": month_format}
    widths = [len(str(cell.value)) for cell in sheet[1]]
    number_formats = [formats.get(kind, "General") for _, _, kind in present]
    for row, record in enumerate(frame[[column for _, column, _ in present]].itertuples(index=False, name=None), start=2):
        values = [_value(value, kind, lang) for value, (_, _, kind) in zip(record, present)]
        # Cell by cell at a known row: sheet[sheet.max_row] rescans every cell of the sheet to find
        # its last column, which made a sheet of 12,000 unit rows take minutes.
        for number, (value, (_, _, kind)) in enumerate(zip(values, present)):
            cell = sheet.cell(row=row, column=number + 1, value=value)
            cell.number_format = number_formats[number]
            widths[number] = max(widths[number], _shown_width(value, kind))
    for number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _shown_width(value, kind: str) -> int:
    """About how many characters Excel shows for a cell (its width is set in characters)."""
    if value is None:
        return 0
    if kind in ("date", "month"):
        return 11
    if kind in ("pct", "prob", "pace", "points"):
        return 7
    return len(str(value))


def _stable_zip(data: bytes) -> bytes:
    """The workbook with every zip entry dated :data:`STABLE_TIME`: zipfile stamps the time of
    writing, and openpyxl the time of saving as the file's "modified" property, which would
    make two runs on the same inputs differ."""
    import re

    stamp = STABLE_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            stable = zipfile.ZipInfo(info.filename, date_time=STABLE_TIME.timetuple()[:6])
            stable.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            target.writestr(stable, content)
    return out.getvalue()


__all__ = ["write_workbook", "workbook_name"]
