"""Maps of the 34 provinces drawn with matplotlib from the bundled GeoJSON (no GIS stack)."""

from __future__ import annotations

import functools
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from .. import i18n
from ..i18n import t
from .style import source_line


@functools.lru_cache(maxsize=1)
def province_shapes() -> dict[str, list[np.ndarray]]:
    """Outer rings (lon, lat) of every province's polygons, by GSO code, from the bundled GeoJSON."""
    import json

    from ...core import paths

    shapes: dict[str, list[np.ndarray]] = {}
    for feature in json.loads(paths.PROVINCES_GEOJSON.read_bytes())["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        shapes[str(feature["properties"]["code"]).zfill(2)] = [np.asarray(p[0]) for p in polygons]
    return shapes


def choropleth(
    values: pd.Series,
    ax: plt.Axes | None = None,
    title: str = "",
    categorical: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    cmap: str = "cividis",
    vmin: float | None = None,
    vmax: float | None = None,
    unit: str = "",
) -> plt.Axes:
    """The 34 provinces coloured by ``values`` (indexed by GSO code), islands included.

    ``categorical`` maps each category to a colour (a legend is drawn); otherwise the values are
    numbers on the colour-blind-safe ``cmap`` with a colour bar in ``unit``. Provinces without a
    value are grey and hatched.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Patch, Polygon

    from ...core import provinces

    ax = ax or plt.gca()
    shapes = province_shapes()
    names = labels or {c: provinces.province_name(c) for c in shapes}
    numeric = categorical is None
    norm = plt.Normalize(
        vmin if vmin is not None else np.nanmin(values.to_numpy(float)) if numeric else 0,
        vmax if vmax is not None else np.nanmax(values.to_numpy(float)) if numeric else 1,
    )
    colormap = plt.get_cmap(cmap)
    patches, colours, missing, islets = [], [], [], []
    for code, rings in shapes.items():
        value = values.get(code)
        absent = value is None or (isinstance(value, float) and np.isnan(value))
        colour = "#dddddd" if absent else categorical[value] if categorical else colormap(norm(float(value)))
        for ring in rings:
            (missing if absent else patches).append(Polygon(ring, closed=True))
            if not absent:
                colours.append(colour)
            if np.ptp(ring[:, 0]) < 0.15 and np.ptp(ring[:, 1]) < 0.15:  # an islet: too small to see, draw a dot
                islets.append((ring[:, 0].mean(), ring[:, 1].mean(), colour))
    ax.add_collection(PatchCollection(patches, facecolor=colours, edgecolor="white", linewidths=0.4))
    if missing:
        ax.add_collection(PatchCollection(missing, facecolor="#dddddd", edgecolor="white", linewidths=0.4, hatch="///"))
    if islets:
        xs, ys, cs = zip(*islets)
        ax.scatter(xs, ys, s=9, c=list(cs), edgecolors="#555555", linewidths=0.3, zorder=3)
    ax.annotate("Hoàng Sa\n(Đà Nẵng)", (112.1, 17.25), ha="center", fontsize=5.5, color="#444444")
    ax.annotate("Trường Sa\n(Khánh Hòa)", (114.4, 8.7), ha="center", fontsize=5.5, color="#444444")
    ax.set_xlim(101.9, 115.6)
    ax.set_ylim(8.2, 23.6)
    ax.set_aspect(1 / np.cos(np.radians(16)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    _label_provinces(ax, shapes, names)  # measured against the final limits and aspect
    ax.set_title(title, loc="left")
    if categorical:
        shown = [k for k in categorical if (values == k).any()]
        handles = [Patch(facecolor=categorical[k], edgecolor="#999999", label=i18n.status(k)) for k in shown]
        if missing:
            handles.append(Patch(facecolor="#dddddd", hatch="///", edgecolor="#999999", label=t("chart.no_data_map")))
        ax.legend(handles=handles, loc="upper right", fontsize=6, frameon=True)
    else:
        bar = plt.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=colormap), ax=ax, fraction=0.035, pad=0.01)
        bar.formatter = FuncFormatter(lambda x, _: i18n.num(x, 1 if vmax is not None and vmax <= 1 else 0))
        bar.update_ticks()
        bar.set_label(unit, fontsize=7)
    return ax


#: Map labels: a province's name where it fits, its code where it does not (named in a key).
LABEL_SIZE = 7.5
CODE_SIZE = 6.5


def _label_provinces(ax: plt.Axes, shapes: dict[str, list[np.ndarray]], names: dict[str, str]) -> None:
    """Name each province on the map, readable at the page's width.

    At 5 pt the names were 5 px tall and overlapped in the Red River delta. Names are now drawn at
    7.5 pt, largest provinces first, where the name fits across its province (less a little) and
    clears every name already placed; the others show their two-digit code, and a key under the
    map names them. The codes are the GSO codes the reports and tables use.
    """
    from matplotlib.patheffects import withStroke

    ax.apply_aspect()
    renderer = ax.figure.canvas.get_renderer()
    halo = [withStroke(linewidth=1.8, foreground="white")]
    to_pixels = ax.transData.transform
    order = sorted(shapes, key=lambda code: -np.ptp(max(shapes[code], key=len)[:, 0]))
    placed, coded = [], []
    for code in order:
        main = max(shapes[code], key=len)  # the largest ring carries the label
        short = names.get(code, code).replace("Thành phố ", "").replace("Hồ Chí Minh", "TP HCM")
        centre = (main[:, 0].mean(), main[:, 1].mean())
        label = ax.annotate(short, centre, ha="center", va="center", fontsize=LABEL_SIZE, color="#111111", path_effects=halo)
        box = label.get_window_extent(renderer)
        (left, _), (right, _) = to_pixels([(main[:, 0].min(), 0), (main[:, 0].max(), 0)])
        if box.width > 1.15 * (right - left) or any(box.overlaps(other) for other in placed):
            label.set_text(code)
            label.set_fontsize(CODE_SIZE)
            box = label.get_window_extent(renderer)
            coded.append(code)
        placed.append(box.expanded(1.05, 1.1))
    if coded:
        key = " · ".join(f"{code} {names.get(code, code)}" for code in sorted(coded))
        ax.text(
            0.0, -0.01, textwrap.fill(key, 120), transform=ax.transAxes, ha="left", va="top", fontsize=6.5, color="#333333"
        )


#: The maps of the overview and the index: (target, what is shown).
MAP_PANELS = (
    ("online_procedures_full_2026", "status"),
    ("satisfaction_2026", "p_hit"),
    ("online_procedures_full_2027", "status"),
)


def overview_maps(forecasts: pd.DataFrame, scores: pd.DataFrame | None = None, source: str = "") -> plt.Figure:
    """Four maps: status or P(hit) of the end-2026 and 2027 targets, and the real 2026 766 total."""
    from ..colours import STATUS_COLOURS

    fig, axs = plt.subplots(2, 2, figsize=(12, 14))
    for ax, (target_id, what) in zip(axs.flat, MAP_PANELS):
        rows = forecasts[(forecasts["target_id"] == target_id) & (forecasts["province_code"] != "00")]
        if rows.empty:
            ax.set_visible(False)
            continue
        first = rows.iloc[0]
        name = textwrap.shorten(i18n.indicator(first["indicator"]), 55, placeholder="…")
        goal = f"{i18n.comparator(first['comparator'])} " + t(
            "chart.target_by", value=i18n.target_number(first["target_value"]), year=str(first["deadline"])[:4]
        )
        values = rows.set_index("province_code")
        if what == "status":
            choropleth(
                values["status"], ax=ax, title=t("chart.status_title", name=name, goal=goal), categorical=STATUS_COLOURS
            )
        else:
            choropleth(
                values["p_hit"],
                ax=ax,
                title=t("chart.p_met_title", name=name, goal=goal),
                vmin=0,
                vmax=1,
                unit=t("chart.p_met_unit"),
            )
    if scores is not None:
        total = scores[(scores["scale"] == "766-2026") & (scores["component"] == "TONG_SCORE")]
        choropleth(
            total.set_index("province_code")["points"],
            ax=axs.flat[3],
            unit=t("chart.score_unit"),
            title=t("chart.score_title"),
        )
    else:
        axs.flat[3].set_visible(False)
    fig.tight_layout()
    source_line(fig, source + "; boundaries: vnmap (MIT) from geoBoundaries")
    return fig


def commune_map(rows: pd.DataFrame, code: str, target_id: str, source: str = "") -> plt.Figure:
    """A province's communes at their centroids, coloured by P(hit) of ``target_id`` (cividis),
    over the province's outline; communes without a forecast hollow. Points, not polygons: the
    bundled list has centroids only, and a scatter costs a few milliseconds per report."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Polygon

    from ...core.provinces import province_name
    from ...data.units import commune_centroids
    from ..tables import target_label

    fig, ax = plt.subplots(figsize=(7, 6.5))
    shapes = province_shapes().get(code, [])
    ax.add_collection(
        PatchCollection([Polygon(r, closed=True) for r in shapes], facecolor="#f2f2f2", edgecolor="#999999", linewidths=0.6)
    )
    centroids = commune_centroids(code)
    mine = rows[(rows["target_id"] == target_id) & (rows["level"] == "commune")][["ward_code", "p_hit"]]
    placed = centroids.merge(mine, on="ward_code", how="left")
    known = placed["p_hit"].notna()
    ax.scatter(
        placed.loc[~known, "lon"], placed.loc[~known, "lat"], s=14, facecolors="none", edgecolors="#888888", linewidths=0.6
    )
    points = ax.scatter(
        placed.loc[known, "lon"],
        placed.loc[known, "lat"],
        c=placed.loc[known, "p_hit"],
        cmap="cividis",
        vmin=0,
        vmax=1,
        s=16,
        edgecolors="#333333",
        linewidths=0.3,
    )
    bar = fig.colorbar(points, ax=ax, fraction=0.04, pad=0.02)
    bar.formatter = FuncFormatter(lambda x, _: i18n.num(x, 1))
    bar.update_ticks()
    bar.set_label(t("chart.p_met_unit"), fontsize=8)
    xs = np.concatenate([r[:, 0] for r in shapes] + [placed["lon"].to_numpy()]) if shapes else placed["lon"].to_numpy()
    ys = np.concatenate([r[:, 1] for r in shapes] + [placed["lat"].to_numpy()]) if shapes else placed["lat"].to_numpy()
    ax.set_xlim(np.nanmin(xs) - 0.05, np.nanmax(xs) + 0.05)
    ax.set_ylim(np.nanmin(ys) - 0.05, np.nanmax(ys) + 0.05)
    ax.set_aspect(1 / np.cos(np.radians(float(np.nanmean(ys)))))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    title = t(
        "units.map_title", name=province_name(code), target=textwrap.shorten(target_label(target_id), 80, placeholder="…")
    )
    ax.set_title(textwrap.fill(title, 62), loc="left")
    fig.subplots_adjust(left=0.02, right=0.98, top=0.88, bottom=0.05)  # fixed: no layout pass to pay
    source_line(fig, source + "; communes: vietnamadminunits (MIT) centroids")
    return fig
