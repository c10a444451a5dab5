"""Run settings (``params/run.yaml``): the one place the batch's defaults come from."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..core import paths
from ..core.errors import DxError
from ..core.registry import read_yaml
from ..data.coverage import DEFAULT_FRACTION, configured_fraction


@dataclass(frozen=True)
class RunSettings:
    """Defaults of ``dx batch``; each command-line option overrides one."""

    as_of: str
    model: str
    jobs: str
    scenario: str
    lang: str = "en"
    low_coverage_fraction: float = DEFAULT_FRACTION  # a month under this share of its series' usual volume is a gap
    pdf: bool = False


@lru_cache(maxsize=2)
def run_settings(path: Path = paths.RUN_SETTINGS_YAML) -> RunSettings:
    """Read and check ``params/run.yaml``."""
    from ..core.periods import is_period
    from ..forecast import MODELS, parse_scenario

    spec = read_yaml(Path(path))
    unknown = set(spec) - set(RunSettings.__dataclass_fields__)
    if unknown:
        raise DxError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
    settings = RunSettings(
        as_of=str(spec.get("as_of") or ""),
        model=str(spec.get("model") or "pooled"),
        jobs=str(spec.get("jobs") or "auto"),
        scenario=str(spec.get("scenario") or ""),
        lang=str(spec.get("lang") or "en"),
        low_coverage_fraction=configured_fraction(path, spec),
        pdf=spec.get("pdf", False),
    )
    if not isinstance(settings.pdf, bool):
        raise DxError(f"{path}: pdf {settings.pdf!r}: expected true or false")
    if settings.as_of and not is_period(settings.as_of):
        raise DxError(f"{path}: as_of {settings.as_of!r} is not YYYY-MM")
    if settings.model not in MODELS:
        raise DxError(f"{path}: model {settings.model!r} is not one of {', '.join(MODELS)}")
    if settings.jobs != "auto" and not settings.jobs.isdigit():
        raise DxError(f"{path}: jobs {settings.jobs!r}: expected a whole number or auto")
    parse_scenario(settings.scenario or None)
    from ..report.i18n import LANGUAGES

    if settings.lang not in LANGUAGES:
        raise DxError(f"{path}: lang {settings.lang!r} is not one of {', '.join(LANGUAGES)}")
    return settings


__all__ = ["RunSettings", "run_settings"]
