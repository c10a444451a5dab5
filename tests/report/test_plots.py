"""The map: every province drawn from the bundled boundaries, islands included, one colour per status."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from dxanalysis.core import provinces  # noqa: E402
from dxanalysis.report import plots  # noqa: E402
from dxanalysis.report.colours import STATUS_COLOURS  # noqa: E402


def test_every_current_province_has_a_shape_and_the_islands_are_there():
    shapes = plots.province_shapes()
    assert set(shapes) == set(provinces.current_provinces()["code"])
    # Hoàng Sa (Đà Nẵng, 48) and Trường Sa (Khánh Hòa, 56): islets far east of the mainland
    assert any(ring[:, 0].mean() > 111 for ring in shapes["48"])
    assert any(ring[:, 0].mean() > 113.5 and ring[:, 1].mean() < 11 for ring in shapes["56"])


def test_choropleth_colours_each_province_by_its_status():
    codes = sorted(plots.province_shapes())
    statuses = pd.Series(["achieved" if i % 2 else "off_track" for i in range(len(codes))], index=codes)
    fig, ax = plt.subplots()
    plots.choropleth(statuses, ax=ax, categorical=STATUS_COLOURS, title="t")
    faces = {tuple(round(c, 3) for c in f) for f in ax.collections[0].get_facecolors()}
    expected = {tuple(round(c, 3) for c in matplotlib.colors.to_rgba(STATUS_COLOURS[s])) for s in ("achieved", "off_track")}
    assert faces == expected
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["achieved", "off track"]
    # Every province is named, or shows its code where its name does not fit, and the key names it.
    names = {provinces.province_name(c).replace("Thành phố ", "").replace("Hồ Chí Minh", "TP HCM") for c in codes}
    labels = [t.get_text() for t in ax.texts if t.get_text() and "Sa\n" not in t.get_text()]
    key = next((label for label in labels if " · " in label or label[:2].isdigit() and " " in label), "")
    shown = [label for label in labels if label != key]
    assert len(shown) == 34
    for label in shown:
        assert label in names or (label in codes and f"{label} {provinces.province_name(label)}" in key.replace("\n", " "))
    plt.close(fig)


def _stand_in_for_liberation_sans(folder) -> str:
    """A font named "Liberation Sans" with ASCII glyphs only (the bundled DejaVu Sans cut down and
    renamed with fontTools), registered with matplotlib: the trap of fonts-liberation, which lacks
    most Vietnamese letters, whether or not the real one is installed on this machine."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(plots.font_paths()[0])
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(unicodes=range(0x20, 0x7F))
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "Liberation Sans"
        elif record.nameID == 6:
            record.string = "LiberationSans"
    path = folder / "LiberationSans-Regular.ttf"
    font.save(path)
    return str(path)


def _every_text_a_report_can_show() -> str:
    import sqlite3
    from pathlib import Path

    import vietnamadminunits

    from dxanalysis.report import i18n

    names = list(provinces.current_provinces()["name"]) + list(provinces.legacy_provinces()["name"])
    # The 3,321 communes, wards and special zones of the official list (for the unit sections).
    database = Path(vietnamadminunits.__file__).parent / "data" / "dataset.db"
    with sqlite3.connect(database) as connection:
        names += [ward for (ward,) in connection.execute("select ward from admin_units")]
    messages = [text for entry in i18n.catalog().values() for text in entry.values()]
    return "\n".join(names + messages + ["Hoàng Sa (Đà Nẵng)", "Trường Sa (Khánh Hòa)", "TP HCM"])


def test_every_vietnamese_name_and_message_is_drawn_with_real_glyphs(tmp_path, monkeypatch):
    import warnings

    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    # A machine with a "Liberation Sans" that lacks Vietnamese letters, installed or not.
    monkeypatch.setattr(font_manager.fontManager, "ttflist", list(font_manager.fontManager.ttflist))
    font_manager.fontManager.addfont(_stand_in_for_liberation_sans(tmp_path))
    try:
        text = _every_text_a_report_can_show()
        plt.style.use("seaborn-v0_8-whitegrid")  # the trap itself: Arial, Liberation Sans first
        trap = font_manager.findfont(font_manager.FontProperties(family=plt.rcParams["font.family"]))
        assert "Liberation" in trap, "the stand-in must be what the seaborn style alone would pick"

        plots.apply_style()
        chosen = font_manager.findfont(font_manager.FontProperties(family=plt.rcParams["font.family"]))
        assert chosen == str(plots.font_paths()[0]), f"charts must use the bundled font, not {chosen}"
        font = FT2Font(chosen)
        missing = sorted({c for c in text if not c.isspace() and font.get_char_index(ord(c)) == 0})
        assert not missing, f"the bundled font has no glyph for {missing}"

        lines = text.splitlines()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for start in range(0, len(lines), 400):
                fig = plt.figure(figsize=(8, 60))
                fig.text(0, 1, "\n".join(lines[start : start + 400]), va="top", fontsize=6)
                fig.suptitle("Đà Nẵng, Trường Sa, Hà Tĩnh", fontweight="bold")  # the bold face too
                fig.canvas.draw()
                plt.close(fig)
        glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message)]
        assert glyphs == []
    finally:
        font_manager.fontManager._findfont_cached.cache_clear()
