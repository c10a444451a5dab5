"""The pipeline computes every table once; steps rerun only when their inputs change; the warm
kernel engine gives the same reports as fresh kernels."""

import shutil

import pandas as pd
import pytest

from dxanalysis.core import paths
from dxanalysis.core.errors import InputProblems
from dxanalysis.forecast.compute import compute
from dxanalysis.forecast.outputs import read_build
from dxanalysis.run import batch
from dxanalysis.run.pipeline import Pipeline


def test_build_tables_equal_the_in_memory_single_call(tmp_path):
    build = Pipeline(tmp_path / "build").run(("harmonise", "forecast", "scores"))
    assert build.ran == ["harmonise", "forecast", "scores"]
    from_disk = read_build(build.dir)
    in_memory = compute()
    pd.testing.assert_frame_equal(from_disk.forecasts, in_memory.forecasts, check_dtype=False)
    pd.testing.assert_frame_equal(from_disk.fans, in_memory.fans, check_dtype=False)
    pd.testing.assert_frame_equal(from_disk.harmonised, in_memory.harmonised, check_dtype=False)
    # fans reach each indicator's last deadline still ahead, and stay inside 0..100
    fans = from_disk.fans
    assert fans["period"].min() == "2026-11" and fans["period"].max() == "2030-12"
    assert ((fans["lo95"] <= fans["median"]) & (fans["median"] <= fans["hi95"])).all()
    assert fans[["lo95", "hi95"]].stack().between(0, 100).all()


def test_steps_rerun_only_when_their_inputs_change(tmp_path):
    data = tmp_path / "panel.csv"
    shutil.copy(paths.PANEL_CSV, data)
    first = Pipeline(tmp_path / "b", data=str(data)).run(("harmonise", "forecast"))
    assert first.ran == ["harmonise", "forecast"]
    again = Pipeline(tmp_path / "b", data=str(data)).run(("harmonise", "forecast"))
    assert again.ran == [] and again.skipped == ["harmonise", "forecast"]
    other_as_of = Pipeline(tmp_path / "b", data=str(data), as_of="2026-06").run(("harmonise", "forecast"))
    assert other_as_of.ran == ["forecast"]
    data.write_text("\n".join(data.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
    changed = Pipeline(tmp_path / "b", data=str(data), as_of="2026-06").run(("harmonise", "forecast"))
    assert changed.ran == ["harmonise", "forecast"]
    (tmp_path / "b" / "fans.csv").unlink()  # a missing output is rebuilt
    assert Pipeline(tmp_path / "b", data=str(data), as_of="2026-06").run(("harmonise", "forecast")).ran == ["forecast"]


@pytest.mark.slow
def test_bad_data_fails_once_before_any_report_and_leaves_no_workers(tmp_path):
    import psutil

    before = {p.pid for p in psutil.Process().children(recursive=True)}
    bad = tmp_path / "bad.csv"
    bad.write_text("province,period,indicator,numerator,denominator\n01,2026-13,online_records,1,2\n", encoding="utf-8")
    with pytest.raises(InputProblems, match="2026-13"):
        batch.run_batch(["01", "79"], jobs=2, data=str(bad), out_dir=tmp_path / "r", extras=False, progress=False)
    assert not (tmp_path / "r" / "provinces").exists()
    assert not (tmp_path / "r" / "index.html").exists()
    # The workers (started while the pipeline ran) and their warm kernels stop by themselves.
    # (multiprocessing's resource tracker lives as long as this process, by design)
    started = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and "resource_tracker" not in " ".join(p.cmdline())
    ]
    assert started, "the workers were started while the pipeline ran"
    _, alive = psutil.wait_procs(started, timeout=30)
    assert not [" ".join(p.cmdline()[:4]) for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.notebook
def test_warm_kernel_reports_equal_fresh_kernel_reports_byte_for_byte(tmp_path):
    notebook = paths.NOTEBOOKS_DIR / "01_province_report.ipynb"
    build = Pipeline(tmp_path / "build").run(("harmonise", "forecast", "scores"))
    params = {"province": "19", "build_dir": str(build.dir)}
    batch.execute_notebook(notebook, tmp_path / "fresh.ipynb", params)
    # the warm kernel has run another province first
    batch.execute_notebook(notebook, tmp_path / "other.ipynb", {**params, "province": "79"}, warm=True)
    batch.execute_notebook(notebook, tmp_path / "warm.ipynb", params, warm=True)
    assert (tmp_path / "warm.ipynb").read_bytes() == (tmp_path / "fresh.ipynb").read_bytes()


@pytest.mark.notebook
def test_a_batch_on_warm_workers_equals_one_on_fresh_kernels_byte_for_byte(tmp_path):
    """Every page and notebook: the provinces' and the publishing notebooks', which run on the
    workers' warm kernels after the provinces."""
    codes = ["01", "19", "79"]
    warm = batch.run_batch(codes, jobs=2, out_dir=tmp_path / "warm", progress=False)
    fresh = batch.run_batch(codes, jobs=2, out_dir=tmp_path / "fresh", progress=False, fresh_kernels=True)
    assert not warm.failed and not fresh.failed
    # An English batch draws every chart with every glyph (a missing one would be logged here).
    assert warm.logged == fresh.logged == 0, (tmp_path / "warm" / "batch.log").read_text(encoding="utf-8")
    outputs = sorted(
        p.relative_to(tmp_path / "warm")
        for p in (tmp_path / "warm").rglob("*")
        if p.suffix in (".ipynb", ".html", ".csv", ".json") and "build" not in p.parts
    )
    assert len([p for p in outputs if p.suffix == ".ipynb"]) == 3 + 3
    for relative in outputs:
        made_warm = (tmp_path / "warm" / relative).read_text(encoding="utf-8").replace(str(tmp_path / "warm"), "OUT")
        made_fresh = (tmp_path / "fresh" / relative).read_text(encoding="utf-8").replace(str(tmp_path / "fresh"), "OUT")
        assert made_warm == made_fresh, relative


@pytest.mark.notebook
def test_a_publishing_notebook_that_fails_on_a_worker_is_reported_and_the_rest_is_written(tmp_path, monkeypatch):
    from dxanalysis.run import publish

    monkeypatch.setattr(publish, "EXTRA_NOTEBOOKS", ("no_such_notebook.ipynb", publish.EXTRA_NOTEBOOKS[1]))
    result = batch.run_batch(["19"], jobs=1, out_dir=tmp_path / "r", progress=False)
    assert list(result.failed) == ["no_such_notebook"] and "no_such_notebook.ipynb" in result.failed["no_such_notebook"]
    assert result.succeeded == ["19"]
    for page in ("provinces/19.html", "02_national_overview.html", "04_forecast_skill.html", "index.html"):
        assert (tmp_path / "r" / page).exists(), page
    assert "no_such_notebook" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")  # named as failed


@pytest.mark.notebook
def test_warm_kernel_falls_back_to_a_fresh_one_after_a_failure(tmp_path):
    import nbformat
    import papermill as pm

    from dxanalysis.run import warm

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x: int = 1"),
            nbformat.v4.new_code_cell("assert x == 1, 'deliberate'\nleft_over = 42"),
        ]
    )
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": paths.KERNEL_NAME, "display_name": "Python (dxanalysis)", "language": "python"}
    source = tmp_path / "t.ipynb"
    nbformat.write(nb, source)
    probe = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("print('left_over' in dir(), x if 'x' in dir() else None)")]
    )
    probe.metadata["kernelspec"] = nb.metadata["kernelspec"]
    nbformat.write(probe, tmp_path / "probe.ipynb")

    def probe_says() -> str:
        batch.execute_notebook(tmp_path / "probe.ipynb", tmp_path / "probe_out.ipynb", {}, warm=True)
        return nbformat.read(tmp_path / "probe_out.ipynb", as_version=4).cells[0].outputs[0]["text"].strip()

    batch.execute_notebook(source, tmp_path / "ok.ipynb", {"x": 1}, warm=True)
    first = warm._kernel["km"]
    assert probe_says() == "False None"  # nothing leaks between notebooks on the warm kernel
    assert warm._kernel["km"] is first  # ...which is the same kernel
    with pytest.raises(pm.PapermillExecutionError, match="deliberate"):
        batch.execute_notebook(source, tmp_path / "bad.ipynb", {"x": 2}, warm=True)
    assert warm._kernel["km"] is None and not first.is_alive()  # shut down after the failure
    assert probe_says() == "False None"  # and the next notebook gets a fresh one
    assert warm._kernel["km"] is not None and warm._kernel["km"] is not first


@pytest.mark.notebook
def test_a_reports_language_does_not_carry_into_the_next_on_a_warm_kernel(tmp_path):
    import nbformat

    kernelspec = {"name": paths.KERNEL_NAME, "display_name": "Python (dxanalysis)", "language": "python"}
    for name, code in (
        ("vi", "from dxanalysis import i18n\ni18n.set_language('vi')\nprint(i18n.language())"),
        ("probe", "from dxanalysis import i18n\nprint(i18n.language(), i18n.month('2026-11'))"),
    ):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nb.metadata["kernelspec"] = kernelspec
        nbformat.write(nb, tmp_path / f"{name}.ipynb")

    def said(name: str) -> str:
        batch.execute_notebook(tmp_path / f"{name}.ipynb", tmp_path / f"{name}_out.ipynb", {}, warm=True)
        return nbformat.read(tmp_path / f"{name}_out.ipynb", as_version=4).cells[0].outputs[0]["text"].strip()

    assert said("vi") == "vi"
    assert said("probe") == "en Nov 2026"  # the module stayed imported; its language did not


@pytest.mark.notebook
def test_warm_kernel_freezes_survivors_and_still_collects_their_cycles(tmp_path):
    import nbformat

    from dxanalysis.run import warm

    def run(source: str) -> str:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        nb.metadata["kernelspec"] = {"name": paths.KERNEL_NAME, "display_name": "Python (dxanalysis)", "language": "python"}
        nbformat.write(nb, tmp_path / "in.ipynb")
        batch.execute_notebook(tmp_path / "in.ipynb", tmp_path / "out.ipynb", {}, warm=True)
        outputs = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[0].outputs
        return "".join(o.get("text", "") for o in outputs).strip()

    marker = tmp_path / "collected"
    # A cycle that outlives its notebook (kept in a module), so it is frozen at the next reset...
    run(
        "import json, pathlib\n"
        "class Probe:\n"
        # (bound now: the notebook's names are gone by the time it is collected)
        f"    def __del__(self, write=pathlib.Path({str(marker)!r}).write_text): write('yes')\n"
        "probe = Probe(); probe.me = probe; json._dx_probe = probe"
    )
    assert run("import gc; print(gc.get_freeze_count() > 0)") == "True"  # survivors are frozen
    run("import json; del json._dx_probe")  # ...and becomes garbage only later
    for _ in range(warm.FULL_COLLECTION_EVERY):
        run("pass")
    assert marker.exists(), "a cycle among frozen objects was never collected"


def test_the_warm_engine_imports_first_and_papermill_finds_it():
    import subprocess
    import sys

    # papermill loads entry points while it is being imported: importing the engine's module
    # first once made papermill ask for a half-imported class
    code = "from dxanalysis.run import warm; import papermill.engines as e; print(e.papermill_engines.get_engine('dxwarm'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "WarmKernelEntry" in done.stdout


@pytest.mark.parametrize(
    "module",
    [
        "core/periods.py",
        "core/registry.py",
        "core/provenance.py",
        "data/readers.py",
        "data/coverage.py",
        "report/messages.yaml",
        "forecast/season.py",
        "report/plots/style.py",
    ],
)
def test_an_edit_to_any_module_reruns_the_steps_that_could_use_it(tmp_path, monkeypatch, module):
    """A build is never stale: edit a module (in a copy of the project) and every step's
    fingerprint moves. The hand-kept lists this replaces left out periods.py, registry.py,
    provenance.py and readers.py, and a table built by old code was served as fresh."""
    import shutil

    from dxanalysis.run import pipeline

    copy = tmp_path / "project"
    shutil.copytree(paths.PROJECT_ROOT / "dxanalysis", copy / "dxanalysis", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(paths, "PROJECT_ROOT", copy)
    before = {step: pipeline.Pipeline(tmp_path / "build").fingerprint(step) for step in pipeline.STEPS}
    edited = copy / "dxanalysis" / module
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    after = {step: pipeline.Pipeline(tmp_path / "build").fingerprint(step) for step in pipeline.STEPS}
    assert all(before[step] != after[step] for step in pipeline.STEPS), (module, before, after)
    assert edited in pipeline.code_files()


def test_a_step_whose_outputs_are_gone_reruns_even_beside_the_backtest_note(tmp_path):
    from dxanalysis.run import pipeline

    build = pipeline.Pipeline(tmp_path / "build")
    build.dir.mkdir(parents=True)
    (build.dir / pipeline.BACKTEST_NOTE).write_text("too short", encoding="utf-8")
    (build.dir / "scores.fingerprint").write_text(build.fingerprint("scores"), encoding="utf-8")
    assert not build._fresh("scores")  # index766.csv missing: not fresh
    (build.dir / "backtest.fingerprint").write_text(build.fingerprint("backtest"), encoding="utf-8")
    assert build._fresh("backtest")  # the note stands in for the backtest alone


@pytest.mark.notebook
def test_batch_on_data_too_short_for_a_backtest_says_so_instead_of_failing(tmp_path):
    rows = ["province,period,indicator,numerator,denominator,source"]
    rows += [f"{c},2026-{m:02d},online_service_satisfaction,{60 + m},100,s" for c in ("01", "79") for m in range(6, 11)]
    data = tmp_path / "short.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = batch.run_batch(["01"], jobs=1, data=str(data), out_dir=tmp_path / "r", progress=False)
    assert result.succeeded == ["01"] and not result.failed, result.failed
    assert any("forecast skill not run" in n and "needs at least 7 months" in n for n in result.notes)
    assert "forecast skill not run" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")


def test_a_second_output_folder_takes_the_build_from_the_cache_byte_for_byte(tmp_path, monkeypatch):
    """Time to the first report: what one --out built, another reuses by content (fingerprint)."""
    from dxanalysis.run import build_cache

    monkeypatch.setenv("DX_BUILD_CACHE", str(tmp_path / "cache"))
    steps = ("harmonise", "forecast", "scores")
    first = Pipeline(tmp_path / "one").run(steps)
    assert first.ran == list(steps) and first.cached == []
    second = Pipeline(tmp_path / "two").run(steps)
    assert second.ran == [] and second.cached == list(steps)
    for name in ("harmonised.csv", "forecasts.csv", "fans.csv", "index766.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert Pipeline(tmp_path / "two").run(steps).skipped == list(steps)  # and it is fresh there
    other = Pipeline(tmp_path / "three", as_of="2026-06").run(steps)  # other settings: built anew
    assert other.ran == ["forecast"] and other.cached == ["harmonise", "scores"]
    monkeypatch.setenv("DX_BUILD_CACHE", "off")
    assert build_cache.cache_dir() is None
    assert Pipeline(tmp_path / "four").run(("harmonise",)).ran == ["harmonise"]
