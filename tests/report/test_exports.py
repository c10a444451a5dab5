"""Reports people can file and share (issue 20): the Excel workbook read back with openpyxl and
pandas, the CSV that opens in Excel, the print stylesheet, and the PDFs (with Chromium when this
machine has it; the missing-Chromium path always)."""

import re
import shutil
import subprocess
from datetime import datetime

import pandas as pd
import pytest

from dxanalysis.core.files import OutputRefused, atomic_write_csv
from dxanalysis.data.index766 import load_index766
from dxanalysis.forecast import forecast
from dxanalysis.report import i18n, pdf, pdf_batch
from dxanalysis.report.print_css import with_print_css
from dxanalysis.report.workbook import workbook_name, write_workbook


@pytest.fixture(scope="module")
def tables():
    from dxanalysis.core import paths

    forecasts = forecast()
    scores = load_index766(paths.INDEX766_2026_JSON)[0]
    return forecasts, scores


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_workbook_reads_back_with_text_codes_percentages_and_dates(tmp_path, tables, lang):
    import openpyxl

    forecasts, scores = tables
    target = tmp_path / workbook_name("2026-10")
    write_workbook(forecasts, scores, target, lang)
    book = openpyxl.load_workbook(target)
    sheets = ["xlsx.sheet.about", "xlsx.sheet.ahead", "xlsx.sheet.history", "xlsx.sheet.scores"]
    assert book.sheetnames == [i18n.t(key, lang) for key in sheets]  # no unit forecasts: no sheet

    about = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows()}
    assert about[i18n.t("index.meta_as_of", lang)] == i18n.month("2026-10", lang, long=True)
    assert about[i18n.t("xlsx.about.model", lang)] == "pooled"
    assert about[i18n.t("banner.synthetic_title", lang)] == i18n.t("banner.synthetic_text", lang)
    assert workbook_name("2026-10") in about[i18n.t("xlsx.about.cite", lang)]

    ahead = book.worksheets[1]
    header = [cell.value for cell in ahead[1]]
    assert header[:2] == [i18n.t("col.code", lang), i18n.t("col.province", lang)]
    assert ahead.freeze_panes == "A2" and ahead.auto_filter.ref == ahead.dimensions
    hanoi = next(row for row in ahead.iter_rows(min_row=2) if row[0].value == "01")
    cells = dict(zip(header, hanoi))
    code = cells[i18n.t("col.code", lang)]
    assert code.data_type == "s" and code.number_format == "@"  # "01" keeps its zero
    deadline = cells[i18n.t("col.deadline", lang)]
    assert isinstance(deadline.value, datetime) and deadline.is_date
    p_hit = cells[i18n.t("col.p_hit", lang)]
    assert p_hit.number_format == "0%" and 0 <= p_hit.value <= 1
    last = cells[i18n.t("col.last_value", lang)]
    row = forecasts[(forecasts["province_code"] == "01") & ~forecasts["deadline_passed"]].iloc[0]
    assert last.number_format == "0.0%" and last.value == pytest.approx(row["last_value"] / 100)
    assert cells[i18n.t("col.status", lang)].value == i18n.status(row["status"], lang)
    assert ahead.column_dimensions["E"].width > ahead.column_dimensions["A"].width  # sized to content

    # pandas: numbers are numbers, dates are dates; codes read as text when asked (as for CSVs)
    frames = pd.read_excel(target, sheet_name=None, dtype={i18n.t("col.code", lang): str})
    ahead_frame = frames[i18n.t("xlsx.sheet.ahead", lang)]
    assert "01" in set(ahead_frame[i18n.t("col.code", lang)])
    assert pd.api.types.is_datetime64_any_dtype(ahead_frame[i18n.t("col.deadline", lang)])
    assert pd.api.types.is_float_dtype(ahead_frame[i18n.t("col.p_hit", lang)])
    assert ahead_frame[i18n.t("col.forecast_value", lang)].between(0, 1).all()
    assert len(ahead_frame) == int((~forecasts["deadline_passed"]).sum())
    history = frames[i18n.t("xlsx.sheet.history", lang)]
    assert set(history[i18n.t("col.verdict", lang)]) <= {i18n.verdict(s, lang) for s in ("achieved", "off_track", "no_data")}
    score_frame = frames[i18n.t("xlsx.sheet.scores", lang)]
    assert len(score_frame) == len(scores) and pd.api.types.is_float_dtype(score_frame[i18n.t("col.points", lang)])


def test_workbook_unit_sheet_when_present_and_same_bytes_twice(tmp_path, tables):
    import openpyxl

    forecasts, scores = tables
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "book.xlsx", tmp_path / "b" / "book.xlsx"  # the name is in the citation
    units = forecasts[forecasts["province_code"] == "01"].head(3)
    write_workbook(forecasts, None, first, "en", units=units)
    write_workbook(forecasts, None, second, "en", units=units)
    assert first.read_bytes() == second.read_bytes()  # same inputs, same bytes (no time stamps)
    assert openpyxl.load_workbook(first).sheetnames == ["About", "Targets ahead", "History", "Unit forecasts"]


def test_workbook_write_is_atomic_and_keeps_the_umask(tmp_path, tables):
    forecasts, scores = tables
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"an older workbook")
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(OutputRefused, match="cannot write"):
        write_workbook(forecasts, scores, tmp_path / "file" / "book.xlsx", "en")
    write_workbook(forecasts, scores, target, "en")
    assert target.read_bytes()[:2] == b"PK" and (target.stat().st_mode & 0o777) == 0o666 & ~_umask()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".book.xlsx")]  # no temporary left


def _umask() -> int:
    from dxanalysis.core.files import umask

    return umask()


def test_reader_facing_csv_has_a_bom_and_reads_back_with_text_codes(tmp_path):
    frame = pd.DataFrame({"province_code": ["01", "79"], "province_name": ["Hà Nội", "Hồ Chí Minh"]})
    atomic_write_csv(frame, tmp_path / "forecasts.csv", bom=True)
    atomic_write_csv(frame, tmp_path / "plain.csv")
    assert (tmp_path / "forecasts.csv").read_bytes().startswith(b"\xef\xbb\xbfprovince_code,")
    assert (tmp_path / "plain.csv").read_bytes().startswith(b"province_code,")
    back = pd.read_csv(tmp_path / "forecasts.csv", dtype={"province_code": str})
    assert list(back.columns) == ["province_code", "province_name"] and back["province_code"].tolist() == ["01", "79"]
    assert (tmp_path / "forecasts.csv").read_text(encoding="utf-8-sig").splitlines()[1] == "01,Hà Nội"


def test_print_stylesheet_is_added_once_at_the_end_of_the_head():
    page = "<html><head><style>td{}</style></head><body></body></html>"
    printed = with_print_css(page)
    assert printed == with_print_css(printed)
    assert printed.index("@media print") > printed.index("td{}") and printed.index("@media print") < printed.index("</head>")
    for rule in ("thead { display: table-header-group; }", "break-inside: avoid", "size: A4"):
        assert rule in printed


def test_page_templates_escape_and_number_pages():
    header, footer = pdf.page_templates("Data as of Oct 2026", "SYNTHETIC <b>", "Hà Nội (01)")
    assert "Hà Nội (01)" in header and "Data as of Oct 2026" in header
    assert "SYNTHETIC &lt;b&gt;" in footer and 'class="pageNumber"' in footer and 'class="totalPages"' in footer


def test_missing_chromium_is_one_line_naming_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("DX_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(pdf.NoChromium, match="apt-get install chromium"):
        pdf.find_chromium()
    failed: dict[str, str] = {}
    with pdf_batch.printing(tmp_path, True, failed) as printer:
        assert printer is None
    assert "\n" not in failed["pdf"] and "apt-get install chromium" in failed["pdf"]
    assert "HTML reports are written" in failed["pdf"]


def test_unwritable_pdf_folder_is_one_line_and_no_browser(tmp_path):
    (tmp_path / "pdf").write_text("a file where the folder should be")
    failed: dict[str, str] = {}
    with pdf_batch.printing(tmp_path, True, failed) as printer:
        assert printer is None
    assert failed["pdf"].startswith(f"cannot write PDFs into {tmp_path / 'pdf'}") and "\n" not in failed["pdf"]


CHROMIUM = next((shutil.which(c) for c in pdf.CANDIDATES if shutil.which(c)), None)
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and shutil.which("pdftotext")),
    reason="needs Chromium and poppler's pdftotext (apt-get install chromium poppler-utils); .ci/run does not install them",
)


@needs_chromium
def test_printer_writes_text_pdfs_and_reports_a_crashed_page_alone(tmp_path):
    rows = "".join(f"<tr><td>Thừa Thiên Huế {n}</td><td>{n}</td></tr>" for n in range(200))
    page = (
        "<!doctype html><html lang=vi><head><meta charset=utf-8></head><body><h1>Hà Nội</h1>"
        f"<table><thead><tr><th>tỉnh</th><th>n</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )
    html = tmp_path / "page.html"
    html.write_text(with_print_css(page), encoding="utf-8")
    printer = pdf.Printer(CHROMIUM, browsers=2).start()
    printer.set_page_text("Số liệu đến tháng 10/2026", "SỐ LIỆU MÔ PHỎNG")
    printer.submit("good", html, tmp_path / "good.pdf", "Hà Nội (01)")
    printer.submit("crash", "chrome://crash", tmp_path / "crash.pdf", "x")  # the renderer dies
    printer.submit("missing", tmp_path / "missing.html", tmp_path / "missing.pdf", "x")
    printer.submit("again", html, tmp_path / "again.pdf", "Hà Nội (01)")
    failed = printer.finish()
    assert set(failed) == {"crash", "missing"}, failed
    assert all(message.startswith("PDF not written: ") and "\n" not in message for message in failed.values())
    assert not (tmp_path / "crash.pdf").exists() and not (tmp_path / "missing.pdf").exists()
    for name in ("good.pdf", "again.pdf"):
        text = subprocess.run(["pdftotext", str(tmp_path / name), "-"], capture_output=True, text=True, check=True).stdout
        pages = text.count("\f")
        assert pages >= 3 and "Hà Nội" in text and "Thừa Thiên Huế 199" in text
        assert text.count("SỐ LIỆU MÔ PHỎNG") == pages  # the warning on every page
        assert [int(n) for n in re.findall(rf"(\d+) ?/ ?{pages}\n", text)] == list(range(1, pages + 1))  # numbered
        assert text.count("tỉnh") >= pages  # the header row repeated on every page


def _pdf_check():
    import importlib.util

    from dxanalysis.core import paths

    spec = importlib.util.spec_from_file_location("pdf_check", paths.PROJECT_ROOT / "scripts" / "pdf_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pdf_check_finds_a_row_split_across_pages_and_survives_hyphenation():
    check = _pdf_check()
    rows = ["Eligible full-process online services ≥ 80% 31 Dec 2026", "Hà Nội (01) on track P=0.85"]
    whole = [
        "header\nEligible full-\nprocess online services\n≥ 80% 31 Dec 2026\n1 / 2",
        "Hà Nội (01)\non track\nP=0.85 2 / 2",
    ]
    assert check.rows_not_whole(rows, whole) == []
    split = ["Eligible full-process online\n1 / 2", "services ≥ 80% 31 Dec 2026 Hà Nội (01) on track P=0.85 2 / 2"]
    assert check.rows_not_whole(rows, split) == [f"table row {rows[0]!r} split across two pages"]


@needs_chromium
def test_pdf_check_on_printed_pages_a_row_taller_than_a_page_is_reported(tmp_path):
    """A row taller than a page cannot be kept whole: the check must say so, and pass the rest."""
    check = _pdf_check()
    tall = "<br>".join(f"ligne {n}" for n in range(120))
    rows = "".join(f"<tr><td>Thừa Thiên Huế {n}</td><td>{n}</td></tr>" for n in range(30))
    page = (
        "<!doctype html><html lang=vi><head><meta charset=utf-8></head><body><table>"
        f"<thead><tr><th>tỉnh</th></tr></thead><tbody>{rows}<tr><td>Cà Mau</td><td>{tall}</td></tr></tbody>"
        "</table></body></html>"
    )
    html = tmp_path / "tall.html"
    html.write_text(with_print_css(page), encoding="utf-8")
    printer = pdf.Printer(CHROMIUM, browsers=1).start()
    printer.set_page_text("as of", "")
    printer.submit("tall", html, tmp_path / "tall.pdf", "Cà Mau")
    assert printer.finish() == {}
    problems = check.check_pdf(tmp_path / "tall.pdf", html, ["Thừa Thiên Huế 29"], ["as of"])
    assert len(problems) == 1 and "'Cà Mau ligne 0" in problems[0] and "split across two pages" in problems[0]
