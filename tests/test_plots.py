"""The map: every province drawn from the bundled boundaries, islands included, one colour per status."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from dxanalysis import plots, provinces  # noqa: E402
from dxanalysis.labels import STATUS_COLOURS  # noqa: E402


def test_every_current_province_has_a_shape_and_the_islands_are_there():
    shapes = plots._province_shapes()
    assert set(shapes) == set(provinces.current_provinces()["code"])
    # Hoàng Sa (Đà Nẵng, 48) and Trường Sa (Khánh Hòa, 56): islets far east of the mainland
    assert any(ring[:, 0].mean() > 111 for ring in shapes["48"])
    assert any(ring[:, 0].mean() > 113.5 and ring[:, 1].mean() < 11 for ring in shapes["56"])


def test_choropleth_colours_each_province_by_its_status():
    codes = sorted(plots._province_shapes())
    statuses = pd.Series(["achieved" if i % 2 else "off_track" for i in range(len(codes))], index=codes)
    fig, ax = plt.subplots()
    plots.choropleth(statuses, ax=ax, categorical=STATUS_COLOURS, title="t")
    faces = {tuple(round(c, 3) for c in f) for f in ax.collections[0].get_facecolors()}
    expected = {tuple(round(c, 3) for c in matplotlib.colors.to_rgba(STATUS_COLOURS[s])) for s in ("achieved", "off_track")}
    assert faces == expected
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["achieved", "off track"]
    assert len([t for t in ax.texts if t.get_text() and "Sa" not in t.get_text()]) == 34  # every province named
    plt.close(fig)
