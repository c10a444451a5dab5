"""Notebooks executed end to end with papermill, and the batch's behaviour on failure and resume."""

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from dxanalysis.core import paths
from dxanalysis.run import batch

pytestmark = pytest.mark.notebook

NOTEBOOKS = paths.NOTEBOOKS_DIR


def run(name: str, out: Path, **parameters):
    batch.execute_notebook(NOTEBOOKS / name, out, parameters)
    return nbformat.read(out, as_version=4)


def text_of(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append(data.get("text/markdown", "") + data.get("text/plain", "") + output.get("text", ""))
    return "\n".join(parts)


@pytest.mark.parametrize("province,name,old", [("19", "Thái Nguyên", "Bắc Kạn"), ("01", "Hà Nội", None)])
def test_province_report_merged_and_unchanged(tmp_path, province, name, old):
    nb = run("01_province_report.ipynb", tmp_path / "report.ipynb", province=province, output_dir=str(tmp_path / "results"))
    text = text_of(nb)
    assert f"## {name} ({province})" in text
    assert "SYNTHETIC DATA" in text
    assert "At the current pace" in text or "already stands" in text
    if old:
        assert old in text
    rows = pd.read_csv(tmp_path / "results" / f"forecast_{province}.csv", dtype={"province_code": str})
    assert set(rows["province_code"]) == {province} and len(rows) == 15
    payload = json.loads((tmp_path / "results" / f"forecast_{province}.json").read_text(encoding="utf-8"))
    assert payload["province_code"] == province and len(payload["rows"]) == 15
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images >= 1


def test_province_report_rejects_bad_parameters(tmp_path):
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match="pre-merger province"):
        run("01_province_report.ipynb", tmp_path / "bad.ipynb", province="06")
    with pytest.raises(pm.PapermillExecutionError, match="not a month"):
        run("01_province_report.ipynb", tmp_path / "bad.ipynb", province="01", as_of="October")
    assert not (tmp_path / "bad.ipynb").exists()  # nothing half-written survives


def test_province_number_code_is_normalised(tmp_path):
    nb = run("01_province_report.ipynb", tmp_path / "r.ipynb", province=1)
    assert "## Hà Nội (01)" in text_of(nb)


@pytest.mark.parametrize(
    "name,parameters,expect",
    [
        ("02_national_overview.ipynb", {}, "Probability of meeting"),
        ("03_merger_explorer.ipynb", {"province": "44"}, "Quảng Bình"),
        ("03_merger_explorer.ipynb", {"province": "01", "indicator": "adult_online_users"}, "Hà Nội"),
        ("04_forecast_skill.ipynb", {}, "Lowest Brier score"),
    ],
)
def test_other_notebooks_run(tmp_path, name, parameters, expect):
    nb = run(name, tmp_path / name, **parameters)
    assert expect in text_of(nb) or any(expect in c.source for c in nb.cells)


FAILING_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {"tags": ["parameters"]},
            "execution_count": None,
            "outputs": [],
            "source": 'province: str = "01"\nas_of: str = ""\ndata: str = ""\ntargets: str = ""\nscenario: str = ""\n'
            'model: str = "pooled"\noutput_dir: str = ""',
        },
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "from dxanalysis import forecast as fc, report\n"
            "if province == '79':\n    raise RuntimeError('deliberate failure for 79')\n"
            "if province == '48':\n    import os, signal\n"
            "    os.kill(os.getppid(), signal.SIGKILL)  # kill the batch worker\n"
            "params = report.check_parameters(province, as_of, data, targets, scenario, model)\n"
            "table, result = report.run_forecasts(params)\n"
            "report.write_results(output_dir, params.province, result, params)\nprint('ok', province)",
        },
    ],
    "metadata": {"kernelspec": {"name": "dxanalysis", "display_name": "Python (dxanalysis)", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture
def tiny_notebook(tmp_path):
    path = tmp_path / "tiny.ipynb"
    path.write_text(json.dumps(FAILING_NOTEBOOK), encoding="utf-8")
    return path


def test_batch_isolates_failures_and_writes_atomically(tmp_path, tiny_notebook):
    out = tmp_path / "reports"
    result = batch.run_batch(["01", "79", "19"], jobs=2, out_dir=out, notebook=tiny_notebook, extras=False, progress=False)
    assert sorted(result.succeeded) == ["01", "19"]
    assert list(result.failed) == ["79"] and "deliberate failure for 79" in result.failed["79"]
    assert (out / "provinces" / "01.html").exists() and (out / "provinces" / "19.ipynb").exists()
    assert not (out / "provinces" / "79.ipynb").exists() and not (out / "provinces" / "79.html").exists()
    assert not list(out.rglob("*.running*"))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "provinces/01.html" in index and "79" in index and "deliberate failure" in index
    forecasts = pd.read_csv(out / "forecasts.csv", dtype={"province_code": str})
    assert set(forecasts["province_code"]) == {"00", "01", "19"}
    # A later run for other provinces, same settings: the index and forecasts.csv keep what the
    # first run wrote (79 failed there: never listed as a report).
    later = batch.run_batch(["92"], jobs=1, out_dir=out, notebook=tiny_notebook, extras=False, progress=False)
    assert later.succeeded == ["92"] and not later.notes
    forecasts = pd.read_csv(out / "forecasts.csv", dtype={"province_code": str})
    assert set(forecasts["province_code"]) == {"00", "01", "19", "92"}
    assert all(f"provinces/{c}.html" in (out / "index.html").read_text(encoding="utf-8") for c in ("01", "19", "92"))
    # Other settings (another as-of): the earlier reports are not mixed in, and a note says so.
    other = batch.run_batch(
        ["92"], jobs=1, as_of="2026-06", out_dir=out, notebook=tiny_notebook, extras=False, progress=False
    )
    forecasts = pd.read_csv(out / "forecasts.csv", dtype={"province_code": str})
    assert set(forecasts["province_code"]) == {"00", "92"}
    assert any("other settings" in n and "01, 19" in n for n in other.notes), other.notes
    # Another language: the English reports are not listed in a Vietnamese index either.
    vietnamese = batch.run_batch(
        ["46"], jobs=1, out_dir=out, notebook=tiny_notebook, extras=False, progress=False, lang="vi"
    )
    forecasts = pd.read_csv(out / "forecasts.csv", dtype={"province_code": str})
    assert set(forecasts["province_code"]) == {"00", "46"}
    assert any("other settings" in n and "01, 19" in n for n in vietnamese.notes), vietnamese.notes
    overview = nbformat.read(out / "02_national_overview.ipynb", as_version=4)
    counts_cell = next(c for c in overview.cells if "report.status_counts(" in c.source)
    counts = counts_cell.outputs[-1]["data"]["text/html"]
    # One province listed in the last run: every target's status counts add up to 1.
    import re

    rows = [re.findall(r"<td>(\d+)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", counts, flags=re.S)]
    rows = [row for row in rows if row]
    assert rows and all(sum(int(x) for x in row) == 1 for row in rows), counts
    assert "online_procedures_full_2026" not in counts and "target_id" not in counts  # targets by name


def test_batch_resume_skips_unchanged_and_reruns_changed(tmp_path, tiny_notebook):
    out = tmp_path / "reports"
    first = batch.run_batch(["01", "19"], jobs=1, out_dir=out, notebook=tiny_notebook, extras=False, progress=False)
    assert sorted(first.succeeded) == ["01", "19"]
    again = batch.run_batch(
        ["01", "19"], jobs=1, out_dir=out, notebook=tiny_notebook, extras=False, progress=False, resume=True
    )
    assert again.succeeded == [] and sorted(again.skipped) == ["01", "19"]
    changed = batch.run_batch(
        ["01", "19"], jobs=1, out_dir=out, notebook=tiny_notebook, extras=False, progress=False, resume=True, as_of="2025-09"
    )
    assert sorted(changed.succeeded) == ["01", "19"]


def test_dead_kernel_is_retried_once(tmp_path, monkeypatch):
    import papermill as pm

    calls = []
    real = pm.execute_notebook

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(*args, **kwargs)

    monkeypatch.setattr(pm, "execute_notebook", flaky)
    source = tmp_path / "nb.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1 + 1)")])
    nb.metadata["kernelspec"] = FAILING_NOTEBOOK["metadata"]["kernelspec"]
    nbformat.write(nb, source)
    batch.execute_notebook(source, tmp_path / "out.ipynb", {})
    assert len(calls) == 2 and (tmp_path / "out.ipynb").exists()

    def always_dead(*args, **kwargs):
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(pm, "execute_notebook", always_dead)
    with pytest.raises(RuntimeError):
        batch.execute_notebook(source, tmp_path / "out2.ipynb", {})
    assert not (tmp_path / "out2.ipynb").exists()


def test_same_inputs_same_outputs(tmp_path):
    a = run("01_province_report.ipynb", tmp_path / "a.ipynb", province="86")
    b = run("01_province_report.ipynb", tmp_path / "b.ipynb", province="86")
    assert nbformat.writes(a) == nbformat.writes(b)


def test_batch_on_a_local_dask_cluster(tmp_path, tiny_notebook):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = batch.run_batch(
            ["01", "79", "19"],
            out_dir=tmp_path / "reports",
            notebook=tiny_notebook,
            extras=False,
            progress=False,
            scheduler=cluster.scheduler_address,
        )
    assert sorted(result.succeeded) == ["01", "19"] and list(result.failed) == ["79"]
    assert (tmp_path / "reports" / "provinces" / "19.html").exists()


def test_unreachable_scheduler_is_a_clear_error(tmp_path, tiny_notebook):
    pytest.importorskip("distributed")
    from dxanalysis.core.errors import DxError

    with pytest.raises(DxError, match="cannot reach the Dask scheduler"):
        batch.run_batch(
            ["01"],
            out_dir=tmp_path / "r",
            notebook=tiny_notebook,
            extras=False,
            progress=False,
            scheduler="tcp://127.0.0.1:9",
        )


def test_batch_survives_a_worker_process_that_dies(tmp_path, tiny_notebook):
    out = tmp_path / "reports"
    result = batch.run_batch(["01", "48"], jobs=1, out_dir=out, notebook=tiny_notebook, extras=False, progress=False)
    assert result.succeeded == ["01"] and (out / "provinces" / "01.html").exists()
    assert "worker process died" in result.failed["48"]
    assert not (out / "provinces" / "48.ipynb").exists()


PAYLOADS = ("<script>alert('dx')</script>", '<img src=x onerror="alert(1)">')


def test_text_from_data_is_escaped_in_every_html_page(tmp_path):
    """A payload in a data file's text column never reaches a report or the index as HTML."""
    rows = ["province,period,indicator,numerator,denominator,source"]
    for i, period in enumerate(pd.period_range("2025-07", "2026-10", freq="M").astype(str)):
        for code in ("01", "79"):
            rows.append(
                f'{code},{period},online_records,{100 + 5 * i},1000,"{PAYLOADS[0]} {PAYLOADS[1].replace(chr(34), chr(39))}"'
            )
    data = tmp_path / "hostile.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "reports"
    result = batch.run_batch(["01"], jobs=1, data=str(data), out_dir=out, extras=False, progress=False)
    assert result.succeeded == ["01"], result.failed
    pages = [out / "provinces" / "01.html", out / "index.html", out / "02_national_overview.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "onerror='alert" not in text and 'onerror="alert' not in text, page
    assert "&lt;script&gt;alert" in (out / "provinces" / "01.html").read_text(encoding="utf-8")


def test_warnings_and_stderr_go_to_the_log_never_into_a_report(tmp_path, tiny_notebook):
    """A kernel's warnings carry this machine's paths and mean nothing to a reader: the batch moves
    every stderr stream into batch.log, names the notebook and cell there, and counts them."""
    nb = json.loads(tiny_notebook.read_text(encoding="utf-8"))
    nb["cells"][1]["source"] += (
        "\nimport sys, warnings\nwarnings.warn('Glyph 7861 missing from font(s) Liberation Sans')\n"
        "print('chatter on stderr', file=sys.stderr)"
    )
    noisy = tmp_path / "noisy.ipynb"
    noisy.write_text(json.dumps(nb), encoding="utf-8")
    out = tmp_path / "reports"
    result = batch.run_batch(["01", "19"], jobs=2, out_dir=out, notebook=noisy, extras=False, progress=False)
    assert sorted(result.succeeded) == ["01", "19"]
    assert result.logged == 2  # one stream per cell (the warning and the print share it), in each of two reports
    log = (out / "batch.log").read_text(encoding="utf-8")
    assert "01.ipynb, cell 3" in log and "19.ipynb, cell 3" in log and "Glyph 7861" in log  # after the injected cell
    for report in (out / "provinces").glob("*.ipynb"):
        streams = [o for c in nbformat.read(report, as_version=4).cells for o in c.get("outputs", [])]
        assert not [o for o in streams if o.get("name") == "stderr"], report.name
        assert any("ok" in o.get("text", "") for o in streams)  # stdout is the report's own: kept
    for page in (out / "provinces").glob("*.html"):
        assert "Glyph" not in page.read_text(encoding="utf-8") and "chatter" not in page.read_text(encoding="utf-8")
