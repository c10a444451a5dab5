"""The README's thresholds are the code's: each number the README states about the status rule,
the pooling, the year-end season, the calibration and the reporting-gap rule is read from the
setting it describes, so changing one without the other fails here."""

from __future__ import annotations

import re

import pytest

from dxanalysis.core import paths
from dxanalysis.data import coverage
from dxanalysis.forecast import calibration, settings

README = (paths.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


CLAIMS = [
    # (README text that must appear, built from the settings)
    f"`on_track` ≥ {settings.ON_TRACK_RATIO:.2f}, `needs_acceleration` ≥ {settings.ACCELERATION_RATIO:.2f}",
    f"1 − (value/100)^{settings.LIMIT_EXPONENT:g}",
    f"`on_track` with p_hit < {settings.P_HIT_CROSS_CHECK:g} → `needs_acceleration`",
    f"p_hit ≥ {settings.P_HIT_CROSS_CHECK:g} → `needs_acceleration`",
    f"`needs_acceleration` with p_hit < {settings.P_HIT_OFF_TRACK:g} → `off_track`",
    f"(≥ {settings.P_HIT_ON_TRACK:g} on track, ≥ {settings.P_HIT_NEEDS_ACCELERATION:g} needs acceleration)",
    f"Fewer than {settings.MIN_OBSERVATIONS} observed months",
    f"An as-of more than\n   {settings.MAX_STALENESS} months after",
    f"the {coverage.USUAL_PERCENTILE * 100:.0f}th percentile of its months",
    f"`low_coverage_fraction` in `params/run.yaml` (default\n{coverage.DEFAULT_FRACTION:g};",
]


@pytest.mark.parametrize("claim", CLAIMS)
def test_the_readme_states_the_setting(claim):
    assert claim in README, f"README does not say {claim!r}: update it with the setting, or the setting"


def test_the_readme_states_the_windows_and_the_season():
    assert re.search(rf"last {calibration.RECENT_ORIGINS} origins|last {calibration.RECENT_ORIGINS}\b", README)
    assert f"{settings.POOLED_WINDOW} months" in README
    months = {11: "November", 12: "December", 1: "January"}
    assert all(months[m] in README for m in settings.SEASON_MONTHS)
