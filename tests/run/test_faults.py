"""Real faults: a worker killed, the batch killed or terminated, two batches at once, truncated
reports. Each is done for real (signals, processes), not simulated."""

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from dxanalysis.core.errors import DxError
from dxanalysis.run import batch

pytestmark = pytest.mark.notebook

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {"tags": ["parameters"]},
            "execution_count": None,
            "outputs": [],
            "source": 'province: str = "01"\nas_of: str = ""\ndata: str = ""\ntargets: str = ""\nscenario: str = ""\n'
            'model: str = "pooled"\noutput_dir: str = ""\nbuild_dir: str = ""',
        },
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "import os, time\nfrom dxanalysis import report\n"
            "if province == '48':\n    import signal\n    os.kill(os.getppid(), signal.SIGKILL)  # the worker\n"
            "if province == '19' and os.environ.get('DX_TEST_SLOW'):\n    time.sleep(120)\n"
            "params = report.check_parameters(province, as_of, data, targets, scenario, model)\n"
            "tables = report.load_tables(params, build_dir)\n"
            "report.write_results(output_dir, params.province, tables.forecasts, params)\nprint('ok', province)",
        },
    ],
    "metadata": {"kernelspec": {"name": "dxanalysis", "display_name": "Python (dxanalysis)", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}

DRIVER = """
import signal, sys
from pathlib import Path
from dxanalysis.cli import main as cli
from dxanalysis.run import batch

if __name__ == "__main__":  # workers are spawned: they import this file without running it
    signal.signal(signal.SIGTERM, cli._terminate)
    try:
        batch.run_batch(sys.argv[3].split(","), jobs=1, out_dir=Path(sys.argv[1]), notebook=Path(sys.argv[2]),
                        extras=False, progress=False)
    except KeyboardInterrupt:
        sys.exit(130)
"""


@pytest.fixture
def notebook(tmp_path):
    path = tmp_path / "faulty.ipynb"
    path.write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    return path


def _start(tmp_path, notebook, codes):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "DX_TEST_SLOW": "1"}
    log = open(tmp_path / "driver.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, str(driver), str(tmp_path / "out"), str(notebook), codes], env=env, stdout=log, stderr=log
    )


def _wait_for(path: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.2)


def _descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def _all_gone(processes: list[psutil.Process], seconds: float = 20) -> list[psutil.Process]:
    gone, alive = psutil.wait_procs(processes, timeout=seconds)
    return [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_a_killed_worker_costs_only_its_province(tmp_path, notebook):
    out = tmp_path / "r"
    result = batch.run_batch(["01", "48", "19", "79"], jobs=2, out_dir=out, notebook=notebook, extras=False, progress=False)
    assert sorted(result.succeeded) == ["01", "19", "79"], result.failed
    assert list(result.failed) == ["48"] and "worker process died 2 times" in result.failed["48"]
    assert not list(out.rglob(".*.in-flight")) and not list(out.rglob("*.running*"))


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_batch_leaves_no_workers_and_resume_keeps_what_finished(tmp_path, notebook, how):
    process = _start(tmp_path, notebook, "01,19")
    out = tmp_path / "out"
    _wait_for(out / "provinces" / "01.fingerprint")  # written as 01 finished, not at the end
    _wait_for(out / "provinces" / ".19.in-flight")
    time.sleep(1.0)  # 19's kernel is running its slow cell
    children = _descendants(process.pid)
    assert children, "the batch has workers and kernels"
    os.kill(process.pid, getattr(signal, how))
    process.wait(timeout=60)
    if how == "SIGTERM":
        assert process.returncode == 130  # stopped as by Ctrl-C, cleanly
    left = _all_gone(children)
    assert not left, f"still running after the batch died: {[p.cmdline()[:3] for p in left]}"
    # the next run resumes: 01 is kept, 19 is done now; nothing temporary survives
    result = batch.run_batch(["01", "19"], jobs=1, out_dir=out, notebook=notebook, extras=False, progress=False, resume=True)
    assert result.skipped == ["01"] and result.succeeded == ["19"]
    assert not list(out.rglob(".*.in-flight")) and not list(out.rglob("*.running*")) and not list(out.rglob(".*.tmp"))


def test_two_batches_into_one_out_the_second_is_refused_naming_the_lock(tmp_path, notebook):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".dx-batch.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242")
        held.flush()
        with pytest.raises(DxError, match=r"lock .*\.dx-batch\.lock held by pid 4242"):
            batch.run_batch(["01"], jobs=1, out_dir=out, notebook=notebook, extras=False, progress=False)
    result = batch.run_batch(["01"], jobs=1, out_dir=out, notebook=notebook, extras=False, progress=False)
    assert result.succeeded == ["01"]  # released: the next one runs


def test_resume_redoes_a_truncated_report(tmp_path, notebook):
    out = tmp_path / "out"
    batch.run_batch(["01", "79"], jobs=1, out_dir=out, notebook=notebook, extras=False, progress=False)
    html = out / "provinces" / "01.html"
    html.write_text(html.read_text(encoding="utf-8")[:500], encoding="utf-8")  # cut short
    (out / "results" / "forecast_79.json").write_text("{", encoding="utf-8")
    result = batch.run_batch(["01", "79"], jobs=1, out_dir=out, notebook=notebook, extras=False, progress=False, resume=True)
    assert result.skipped == [] and sorted(result.succeeded) == ["01", "79"]
    assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
