"""Unit forecasts for every unit of the bundled synthetic unit panel, measured in a process of its
own (``benchmarks/run.py`` runs it; its peak resident memory is this process's alone).

Prints one JSON line: the province forecast's time (the reference), the unit forecast's time
(calibration by the province backtest included in both, cleared before each), the loading time,
the process's peak resident memory, and the checks: every commune of the official list forecast
with intervals and P(hit) that hold the contract. Exits 1 when a check fails.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dxanalysis.data.communes import load_communes  # noqa: E402
from dxanalysis.data.units import load_units  # noqa: E402
from dxanalysis.forecast import forecast, load_bundled_table  # noqa: E402
from dxanalysis.forecast.units import forecast_units  # noqa: E402


def _timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def checks(out, communes) -> dict[str, bool]:
    """What the aims ask of the table: every commune, intervals in order, P(hit) in [0, 1]."""
    forecast_rows = out[out["status"] != "insufficient_data"]
    bounds = forecast_rows[["lo95", "lo80", "forecast", "hi80", "hi95"]].to_numpy()
    forecast_communes = set(forecast_rows.loc[forecast_rows["level"] == "commune", "ward_code"])
    return {
        "every_commune_forecast": forecast_communes == set(communes["ward_code"]),
        "intervals_ordered": bool(((bounds[:, 1:] - bounds[:, :-1]) >= 0).all()),
        "intervals_present": bool(forecast_rows[["lo95", "hi95", "p_hit"]].notna().all().all()),
        "p_hit_in_0_1": bool(forecast_rows["p_hit"].between(0, 1).all()),
    }


def main() -> int:
    start = time.perf_counter()
    units = load_units()  # generated and cached at first use: run once before timing
    table = load_bundled_table()
    loading = time.perf_counter() - start
    province_s, _ = _timed(lambda: forecast(table), 3)
    unit_s, out = _timed(lambda: forecast_units(units, province_table=table), 3)
    found = checks(out, load_communes())
    result = {
        "units_load_s": loading,
        "units_province_forecast_s": province_s,
        "units_forecast_s": unit_s,
        "units_ratio_to_province": unit_s / province_s,
        "units_rows": len(out),
        "units_units": int(out["unit_code"].nunique()),
        "units_communes": int(out.loc[out["level"] == "commune", "ward_code"].nunique()),
        "units_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **{f"units_check_{name}": ok for name, ok in found.items()},
    }
    print(json.dumps(result))
    return 0 if all(found.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
