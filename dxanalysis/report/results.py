"""Each province's forecast rows written as data (CSV and JSON), and read back by the overview."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from ..core.errors import DxError
from ..core.files import atomic_write_csv, atomic_write_text, read_bool


def write_results(output_dir: str | Path, code: str, result: pd.DataFrame, params) -> list[Path]:
    """Write one province's forecast rows as CSV and JSON (read by the national overview).

    ``params`` is the notebook's :class:`~dxanalysis.report.ReportParameters` (recorded in the JSON).
    """
    out = Path(output_dir)
    rows = result[result["province_code"] == code]
    csv_path, json_path = out / f"forecast_{code}.csv", out / f"forecast_{code}.json"
    atomic_write_csv(rows, csv_path)
    payload = {
        "province_code": code,
        "parameters": asdict(params),
        "rows": json.loads(rows.to_json(orient="records", double_precision=10)),
    }
    atomic_write_text(json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True), json_path)
    return [csv_path, json_path]


def read_results(results_dir: str | Path, only: str | list[str] | None = None) -> pd.DataFrame:
    """Province forecast rows written by :func:`write_results` in a folder.

    ``only`` (codes, or a comma-separated string) limits them to the provinces of one batch run, so
    results left by an earlier run are never mixed in.
    """
    if isinstance(only, str):
        only = [c.strip() for c in only.split(",") if c.strip()]
    files = sorted(Path(results_dir).glob("forecast_*.csv"))
    if only:
        wanted = {f"forecast_{c}.csv" for c in only}
        missing = sorted(wanted - {f.name for f in files})
        if missing:
            raise DxError(f"results missing in {results_dir}: {', '.join(missing)}")
        files = [f for f in files if f.name in wanted]
    if not files:
        raise DxError(f"no province results (forecast_XX.csv) in {results_dir}; run the province reports first")
    frames = [
        pd.read_csv(f, dtype={"province_code": str, "last_period": str, "as_of": str, "scenario": str}, keep_default_na=True)
        for f in files
    ]
    out = pd.concat(frames, ignore_index=True)
    out["scenario"] = out["scenario"].fillna("")
    # Read as a boolean here, once: every reader of the forecast table then uses it as one.
    out["deadline_passed"] = read_bool(out["deadline_passed"])
    return out
