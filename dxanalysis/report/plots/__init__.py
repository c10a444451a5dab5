"""One plotting package, one look: every chart titled, labelled with units, and with a source line.

``style`` holds the look (applied by :func:`apply_style`), ``charts`` the charts and ``maps`` the
choropleths; everything is used as ``plots.<name>``.
"""

from .charts import (
    coverage_by_horizon,
    fan_chart,
    merger_chart,
    national_trajectory,
    p_hit_heatmap,
    province_small_multiples,
    ranking,
    reliability_plot,
)
from .maps import MAP_PANELS, choropleth, commune_map, overview_maps, province_shapes
from .style import BLUE, CSS_FONT_STACK, FONT_FAMILY, apply_style, describe, font_paths, png_bytes, show, source_line

__all__ = [
    "BLUE",
    "CSS_FONT_STACK",
    "FONT_FAMILY",
    "MAP_PANELS",
    "province_shapes",
    "apply_style",
    "choropleth",
    "commune_map",
    "coverage_by_horizon",
    "describe",
    "fan_chart",
    "font_paths",
    "merger_chart",
    "national_trajectory",
    "overview_maps",
    "p_hit_heatmap",
    "png_bytes",
    "province_small_multiples",
    "ranking",
    "reliability_plot",
    "show",
    "source_line",
]
