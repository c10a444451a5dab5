"""The notebooks are the source; each has a jupytext percent-format twin for review and lint."""

import jupytext
import nbformat
import pytest

from dxanalysis.core import paths
from dxanalysis.run.settings import run_settings

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_a_twin_in_sync(notebook):
    twin = notebook.with_suffix(".py")
    assert twin.exists(), f"{twin.name} missing: run `make sync`"
    expected = jupytext.writes(jupytext.read(notebook), fmt="py:percent")
    assert twin.read_text(encoding="utf-8") == expected, f"{twin.name} is out of step with {notebook.name}: `make sync`"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_names_the_project_kernel_and_is_paired(notebook):
    nb = nbformat.read(notebook, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == paths.KERNEL_NAME
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    assert nb.metadata["jupytext"]["cell_metadata_filter"] == "tags,-all"  # papermill metadata stays out
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "one parameters cell"


def test_notebook_defaults_agree_with_run_settings():
    settings = run_settings()
    cell = next(c for c in nbformat.read(NOTEBOOKS[0], as_version=4).cells if "parameters" in c.metadata.get("tags", []))
    namespace: dict = {}
    exec(cell.source, namespace)  # noqa: S102 - our own parameters cell
    assert namespace["model"] == settings.model and namespace["scenario"] == settings.scenario
    assert namespace["lang"] == settings.lang
    # as_of: run.yaml says "the data's last month"; the notebook names that month of the bundled panel
    import pandas as pd

    assert namespace["as_of"] == (settings.as_of or pd.read_csv(paths.PANEL_CSV, usecols=["period"])["period"].max())


def test_makefile_installs_the_kernel_the_notebooks_name():
    assert f"KERNEL := {paths.KERNEL_NAME}" in (paths.PROJECT_ROOT / "Makefile").read_text()
