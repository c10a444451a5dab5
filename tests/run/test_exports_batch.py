"""``dx batch --pdf`` end to end (issue 20): the PDFs pass the reader's check, the workbook and
the index are written; without Chromium, the HTML is still written and the batch says why not."""

import importlib.util
import shutil

import pytest

from dxanalysis.cli.main import main as dx
from dxanalysis.core import paths
from dxanalysis.report import pdf
from dxanalysis.run import batch

pytestmark = pytest.mark.notebook

CHROMIUM = next((shutil.which(c) for c in pdf.CANDIDATES if shutil.which(c)), None)


def _pdf_check():
    spec = importlib.util.spec_from_file_location("pdf_check", paths.PROJECT_ROOT / "scripts" / "pdf_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not (CHROMIUM and shutil.which("pdftotext")),
    reason="needs Chromium and poppler-utils (apt-get install chromium poppler-utils); .ci/run does not install them",
)
def test_batch_pdf_writes_a_checked_pdf_per_report_the_overview_and_the_index(tmp_path, capsys):
    out = tmp_path / "reports"
    result = batch.run_batch(["01", "86"], jobs=2, out_dir=out, extras=False, progress=False, lang="vi", pdf=True)
    assert not result.failed, result.failed
    assert result.pdfs == ["pdf/02_national_overview.pdf", "pdf/index.pdf", "pdf/provinces/01.pdf", "pdf/provinces/86.pdf"]
    assert _pdf_check().main([str(out)]) == 0, capsys.readouterr().err
    assert (out / "dxanalysis_2026-10.xlsx").exists() and 'href="dxanalysis_2026-10.xlsx"' in (
        out / "index.html"
    ).read_text()


def test_batch_without_chromium_writes_the_html_and_fails_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DX_CHROMIUM", str(tmp_path / "no-such-chromium"))
    out = tmp_path / "reports"
    code = dx(["batch", "--provinces", "01", "--jobs", "1", "--no-extras", "--quiet", "--out", str(out), "--pdf"])
    err = capsys.readouterr().err
    assert code == 1  # PDFs were asked for and not made: a failure, as a failed report is
    assert (out / "provinces" / "01.html").exists() and (out / "index.html").exists()
    assert not list((out).glob("pdf/**/*.pdf"))
    lines = [line for line in err.splitlines() if "apt-get install chromium" in line]
    assert len(lines) == 1 and lines[0].strip().startswith("pdf: no Chromium at DX_CHROMIUM="), err
