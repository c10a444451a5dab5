"""The build steps no province report reads run beside the reports, never before them; when they
fail, the reports stand and the failure is reported."""

import time

import pytest

from dxanalysis.run import batch
from dxanalysis.run.pipeline import Pipeline

pytestmark = pytest.mark.notebook


def test_the_first_report_does_not_wait_for_the_backtest(tmp_path, monkeypatch):
    built = {}
    real = Pipeline._backtest

    def slow_backtest(self):
        time.sleep(8)  # a backtest slower than a province report
        real(self)
        built["at"] = time.time()

    monkeypatch.setattr(Pipeline, "_backtest", slow_backtest)
    result = batch.run_batch(["01"], jobs=2, out_dir=tmp_path, progress=False)
    assert result.succeeded == ["01"] and not result.failed, result.failed
    report_written = (tmp_path / "provinces" / "01.html").stat().st_mtime
    assert report_written < built["at"], "the province report waited for the backtest"
    assert (tmp_path / "04_forecast_skill.html").exists()  # and the skill notebook still ran, after it
    assert (tmp_path / "04_forecast_skill.html").stat().st_mtime >= built["at"]
    assert (tmp_path / "03_merger_explorer.html").exists()


def test_a_failed_backtest_is_reported_and_the_reports_stand(tmp_path, monkeypatch):
    def broken_backtest(self):
        raise RuntimeError("deliberate: the backtest broke")

    monkeypatch.setattr(Pipeline, "_backtest", broken_backtest)
    result = batch.run_batch(["01"], jobs=2, out_dir=tmp_path, progress=False)
    assert result.succeeded == ["01"]
    assert "deliberate: the backtest broke" in result.failed["backtest"]
    assert not (tmp_path / "04_forecast_skill.html").exists()
    for page in ("provinces/01.html", "02_national_overview.html", "03_merger_explorer.html", "index.html"):
        assert (tmp_path / page).exists(), page
    assert "the backtest broke" in (tmp_path / "index.html").read_text(encoding="utf-8")
