"""What-if scenarios: extra points a month from a month on."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..core import provinces
from ..core.errors import DxError
from ..core.periods import is_period
from ..core.registry import load_indicators

# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    """A what-if: ``pace`` extra points per month from ``start`` on (a campaign).

    Written ``pace=+1.5,from=2025-11[,indicator=online_records][,province=01]``. It shifts the
    whole predictive distribution by ``pace`` x (months from ``start`` to the deadline), clipped
    to the indicator's bounds, for the matching series.
    """

    pace: float
    start: str
    indicator: str | None = None
    province: str | None = None

    def shift(self, indicator: str, province_code: str, start_col: int, last_col: int, target_col: int) -> float:
        """Points added at ``target_col``: pace x months from the later of the start and the month
        after the last observation, up to the target month (0 for series it does not cover)."""
        if self.indicator not in (None, indicator) or self.province not in (None, province_code):
            return 0.0
        return self.pace * max(0, target_col - max(start_col, last_col + 1) + 1)

    def label(self) -> str:
        parts = [f"{self.pace:+g} pts/month from {self.start}"]
        if self.indicator:
            parts.append(self.indicator)
        if self.province:
            parts.append(f"province {self.province}")
        return ", ".join(parts)


def parse_scenario(text: str | dict | Scenario | None) -> Scenario | None:
    """Parse ``pace=+1.5,from=2025-11[,indicator=ID][,province=CODE]`` (or a dict of those keys)."""
    if text is None or isinstance(text, Scenario) or (isinstance(text, str) and not text.strip()):
        return text or None
    if isinstance(text, str):
        fields = {}
        for part in re.split(r"[,;]\s*", text.strip()):
            separator = "=" if "=" in part else ":"  # pace:+1.5 also reads (papermill comments cannot hold '=')
            if separator not in part:
                raise DxError(f"scenario {text!r}: expected key=value pairs, e.g. pace=+1.5,from=2026-11")
            key, value = part.split(separator, 1)
            fields[key.strip().lower()] = value.strip()
    else:
        fields = {str(k).lower(): v for k, v in text.items()}
    unknown = set(fields) - {"pace", "from", "indicator", "province"}
    if unknown or "pace" not in fields or "from" not in fields:
        raise DxError(f"scenario {text!r}: needs pace and from (optional indicator, province); got {sorted(fields)}")
    try:
        pace = float(fields["pace"])
    except ValueError as exc:
        raise DxError(f"scenario pace {fields['pace']!r} is not a number (points per month)") from exc
    if not math.isfinite(pace) or abs(pace) > 100:
        raise DxError(
            f"scenario pace {fields['pace']!r}: expected a finite number of points per month between -100 and +100"
        )
    if not is_period(str(fields["from"])):
        raise DxError(f"scenario from {fields['from']!r} is not YYYY-MM")
    indicator = fields.get("indicator")
    if indicator and indicator not in load_indicators():
        raise DxError(f"scenario indicator {indicator!r} is unknown")
    province = fields.get("province")
    if province:
        province = provinces.resolve(province, "current")
    return Scenario(pace=pace, start=str(fields["from"]), indicator=indicator, province=province)
