"""dxanalysis: track and forecast Vietnam's 2025 digital-government targets, province by province.

The package holds the logic (loaders, harmonisation onto the 34 provinces, indicator
registry and targets, forecasts, plots); the notebooks in ``notebooks/`` tell the story.
"""

__version__ = "0.1.0"
