# dxanalysis — the front door. `make help` lists targets.
# Every target that runs code first builds .venv from the pinned lock (once, or when the
# lock changes) and registers the Jupyter kernel the notebooks name.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := dxanalysis
JOBS   ?=
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help venv report test test-fast test-browser notebooks sync lint lab lock bench data clean

help:  ## list targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-10s %s\n", $$1, $$2}'

# The lock is installed with uv (pinned here; one pip call bootstraps it into the venv): 6 s instead
# of about 60 s with pip. Where uv cannot be had or fails, pip installs the same lock.
# --compile-bytecode: uv leaves the .pyc files out unless asked (pip writes them), and where
# PYTHONDONTWRITEBYTECODE is set (as on this project's machines) nothing writes them later:
# every process then compiled pandas anew (import 1.06 s instead of 0.23 s; a report's kernel 3 s more).
UV_PIN := uv==0.13.9

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if $(PY) -m pip install --quiet --disable-pip-version-check "$(UV_PIN)" >/dev/null 2>&1 \
	   && $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock; then \
	  echo "installed requirements.lock with $(UV_PIN)"; \
	else \
	  echo "uv not at hand: installing requirements.lock with pip"; \
	  $(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock; \
	fi
	@$(PY) -m compileall -q -j 0 $(VENV)/lib >/dev/null 2>&1 || true  # a venv made before --compile-bytecode (2 s when done)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (dxanalysis)" >/dev/null
	@touch $@

venv: $(STAMP)  ## create .venv from requirements.lock and register the kernel

report: $(STAMP)  ## produce the reports for every province from the bundled data (reports/)
	$(PY) -m dxanalysis batch $(if $(JOBS),--jobs $(JOBS)) $(ARGS)

NBVAL := --nbval --nbval-kernel-name $(KERNEL) --nbval-sanitize-with tests/nbval_sanitize.cfg

test: $(STAMP)  ## run the whole test suite (unit, CLI, notebooks with papermill, nbval)
	$(PY) -m pytest tests notebooks $(NBVAL) $(ARGS)

test-fast: $(STAMP)  ## the quick suite: no notebooks, nothing marked slow, on every core (pytest-xdist)
	$(PY) -m pytest tests -m "not notebook and not slow" -n auto $(ARGS)

test-browser: $(STAMP)  ## load every page of reports/ in headless Chromium, read every PDF (apt-get install chromium poppler-utils)
	$(PY) scripts/browser_check.py reports $(ARGS)
	@if [ -d reports/pdf ]; then $(PY) scripts/pdf_check.py reports; fi

notebooks: $(STAMP)  ## re-execute the committed notebooks in place (after a change that moves a number)
	$(PY) -m dxanalysis notebooks

sync: $(STAMP)  ## sync each notebook with its jupytext .py twin (after editing either one outside JupyterLab)
	$(VENV)/bin/jupytext --sync notebooks/*.ipynb

lint: $(STAMP)  ## ruff (lint and format check) on the library, tests, notebooks' .py twins, benchmarks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lab: $(STAMP)  ## open JupyterLab on the notebooks with the project's kernel (adds --allow-root only as root)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP)  ## run the benchmarks (forecast, backtest, batch) and print ratios
	$(PY) benchmarks/run.py $(ARGS)

data: $(STAMP)  ## rebuild derived data (synthetic panel) from code
	$(PY) -m dxanalysis synth --out data/panel/province_panel_synthetic.csv

lock: $(STAMP)  ## re-pin requirements.lock from requirements.in (needs the registry)
	$(PY) -m pip install --quiet -r requirements.in
	( echo "# Pinned lock for Python 3.11 (pip). Generated from requirements.in by 'make lock'; do not edit by hand."; \
	  $(PY) -m pip freeze --exclude-editable --all | grep -v -E "^(pip==|uv==|#)" ) > requirements.lock

clean:  ## remove the venv and generated reports
	rm -rf $(VENV) reports/*.html reports/*.ipynb reports/*.csv reports/batch.log reports/provinces reports/results reports/build
