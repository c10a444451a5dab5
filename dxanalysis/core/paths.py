"""One place for paths: everything is derived from this file's location."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
PARAMS_DIR = PROJECT_ROOT / "params"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
# Reports can be redirected (tests, CI) without touching the source tree.
REPORTS_DIR = Path(os.environ.get("DX_REPORTS_DIR", PROJECT_ROOT / "reports"))

PROVINCES_DIR = DATA_DIR / "provinces"
LEGACY_PROVINCES_CSV = PROVINCES_DIR / "provinces_legacy_63.csv"
CURRENT_PROVINCES_CSV = PROVINCES_DIR / "provinces_current_34.csv"
CROSSWALK_CSV = PROVINCES_DIR / "crosswalk_2025.csv"

PROVINCES_GEOJSON = DATA_DIR / "geo" / "vietnam-provinces-34.geojson"
PANEL_CSV = DATA_DIR / "panel" / "province_panel_synthetic.csv"
COMMUNES_CSV = DATA_DIR / "communes" / "communes_2025.csv"
NATIONAL_FIGURES_CSV = DATA_DIR / "national" / "national_figures.csv"
INDEX766_XLSX = DATA_DIR / "index766" / "index766_2025-10_report.xlsx"
#: The 2026 year-to-date 766 table (real; the 2026 API's scale, not comparable with the 2025 export).
INDEX766_2026_JSON = DATA_DIR / "index766" / "index766_2026-10-10_ytd.json"

INDICATORS_YAML = PARAMS_DIR / "indicators.yaml"
TARGETS_YAML = PARAMS_DIR / "targets.yaml"
PROVINCE_TARGETS_DIR = PARAMS_DIR / "provinces"
RUN_SETTINGS_YAML = PARAMS_DIR / "run.yaml"
PORTAL_MAPPING_YAML = PARAMS_DIR / "portal.yaml"
PORTAL_DEPARTMENTS_CSV = DATA_DIR / "portal" / "portal_departments_2026.csv"

#: The Jupyter kernel every notebook names; ``make`` installs it into the venv.
KERNEL_NAME = "dxanalysis"
