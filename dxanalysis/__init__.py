"""dxanalysis: track and forecast Vietnam's digital-government targets, province by province.

The package is laid out by pipeline stage; no module imports from a later stage:

``core``      paths, errors, periods, files, provinces, the indicator registry, provenance
``data``      reading and checking input, harmonising onto the 34 provinces, the 766 index, units
``portal``    the national portal's client (``dx fetch``) and a fake portal for tests
``forecast``  the models, pooling, the year-end season, calibration, the backtest
``report``    what the notebooks call (``report``), tables, text, languages, plots, exports
``run``       the build steps, the batch, publishing, running notebooks
``cli``       the ``dx`` command

The notebooks' short imports (``from dxanalysis import i18n, plots, provinces, report``) keep
working: the names below resolve to their modules on first use.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Short names a notebook may import from the top of the package, and the module each one is.
SHORT_NAMES = {
    "paths": "core.paths",
    "provinces": "core.provinces",
    "i18n": "report.i18n",
    "plots": "report.plots",
    "merger": "report.merger_views",
}


def __getattr__(name: str):
    if name in SHORT_NAMES:
        return importlib.import_module(f"{__name__}.{SHORT_NAMES[name]}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
