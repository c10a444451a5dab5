"""The message catalog is complete, every key the code asks for exists, and numbers, months and
dates follow the language (issue 11: --lang vi|en)."""

import re
from pathlib import Path

import pandas as pd
import pytest

from dxanalysis.core import paths, provinces
from dxanalysis.core.errors import DxError
from dxanalysis.report import i18n

ROOT = paths.PROJECT_ROOT
SOURCES = [
    *sorted((ROOT / "dxanalysis").rglob("*.py")),
    *sorted((ROOT / "dxanalysis" / "report" / "templates").glob("*.j2")),
    *sorted((ROOT / "notebooks").glob("*.py")),
]
LITERAL = re.compile(r"""\b(?:t|show)\(\s*["']([a-z0-9_.\- ]+)["']""")
ANY_LITERAL = re.compile(r"""["']([a-z0-9_]+\.[a-z0-9_.\- ]+)["']""")


def _dynamic_families() -> dict[str, set[str]]:
    """Keys built at run time from data: every member must be in the catalog."""
    from dxanalysis.core.registry import load_targets
    from dxanalysis.data.index766 import COMPONENTS
    from dxanalysis.forecast import STATUSES
    from dxanalysis.forecast.backtest import DECEMBER_ORIGINS
    from dxanalysis.run.publish import EXTRA_NOTEBOOKS, OVERVIEW_NOTEBOOK

    figures = pd.read_csv(paths.NATIONAL_FIGURES_CSV)
    return {
        "status.": set(STATUSES),
        "verdict.": {"met", "missed", "no_data"},
        "score.": set(COMPONENTS),
        "times.": {"2", "3", "4", "5", "n"},
        "chart.scope.": set(figures.loc[figures["indicator"].notna(), "scope"]),
        "index.report.": {Path(n).stem for n in (OVERVIEW_NOTEBOOK, *EXTRA_NOTEBOOKS)},
        "region.": set(provinces.current_provinces()["region"]),
        "confidence.": set(load_targets()["confidence"]) | {"low"},
        "month.": {f"{m:02d}" for m in range(1, 13)} | set(DECEMBER_ORIGINS),
        "figure_status.": {status.replace(" ", "_") for status in figures["status"]},
        "figure.": {f.rsplit("_", 1)[0] for f in figures.loc[figures["indicator"].isna(), "figure_id"]},
        "figure_unit.": {unit.replace(" ", "_") for unit in figures["unit"] if unit != "%"},
    }


def test_every_message_in_every_language_with_the_same_placeholders():
    catalog = i18n.catalog()
    assert len(catalog) > 150
    for key, texts in catalog.items():
        assert set(texts) == set(i18n.LANGUAGES), key
        assert all(isinstance(text, str) and text.strip() for text in texts.values()), key
        fields = {lang: i18n.placeholders(text) for lang, text in texts.items()}
        assert len({frozenset(f) for f in fields.values()}) == 1, (key, fields)


def test_every_key_the_code_asks_for_exists_and_none_is_unused():
    catalog = i18n.catalog()
    found = {key for source in SOURCES for key in LITERAL.findall(source.read_text(encoding="utf-8"))}
    prefixes = {key for key in found if key.endswith(".")}  # t("score." + code): a family below
    asked = found - prefixes
    assert asked - set(catalog) == set(), "keys used in code but missing from messages.yaml"
    families = _dynamic_families()
    assert prefixes <= set(families), prefixes - set(families)
    for prefix, members in families.items():
        missing = {m for m in members if f"{prefix}{m}" not in catalog}
        assert not missing, (prefix, missing)
    dynamic = {f"{prefix}{m}" for prefix, members in families.items() for m in members}
    # used: any string literal naming a key (also t("a" if x else "b") and lookup tables)
    literals = {m for source in SOURCES for m in ANY_LITERAL.findall(source.read_text(encoding="utf-8"))}
    assert set(catalog) - literals - dynamic == set(), "messages nobody uses"


def test_the_vietnamese_is_really_vietnamese():
    """A translation left in English is a defect the completeness test cannot see: most
    Vietnamese texts differ from their English one and carry Vietnamese letters."""
    catalog = i18n.catalog()
    same = [k for k, v in catalog.items() if v["vi"] == v["en"] and i18n.placeholders(v["en"]) != {v["en"].strip("{}")}]
    assert len(same) <= 4, same  # symbols (≥, ≤) and pure placeholders only
    diacritics = re.compile("[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.IGNORECASE)
    assert sum(bool(diacritics.search(v["vi"])) for v in catalog.values()) / len(catalog) > 0.85


@pytest.mark.parametrize(
    "call,en,vi",
    [
        (lambda lang: i18n.num(1234.5, 1, lang), "1,234.5", "1.234,5"),
        (lambda lang: i18n.pct(12.345, 1, lang), "12.3%", "12,3%"),
        (lambda lang: i18n.num(0.456, 2, lang, sign=True), "+0.46", "+0,46"),
        (lambda lang: i18n.num(float("nan"), 1, lang), "—", "—"),
        (lambda lang: i18n.target_number(99.5, lang), "99.5", "99,5"),
        (lambda lang: i18n.month("2026-10", lang), "Oct 2026", "tháng 10/2026"),
        (lambda lang: i18n.day("2026-12-31", lang), "31 December 2026", "31/12/2026"),
        (lambda lang: i18n.status("off_track", lang), "off track", "chậm tiến độ"),
        (lambda lang: i18n.verdict("achieved", lang), "met", "đã đạt"),
    ],
)
def test_numbers_dates_and_words_follow_the_language(call, en, vi):
    assert call("en") == en and call("vi") == vi


def test_unknown_language_is_refused():
    with pytest.raises(DxError, match="expected one of en, vi"):
        i18n.set_language("fr")


def test_province_names_keep_their_diacritics_in_both_languages():
    from dxanalysis import report
    from dxanalysis.forecast import forecast

    result = forecast()
    for lang in i18n.LANGUAGES:
        i18n.set_language(lang)
        try:
            lines = report.narrative(result, "86")
        finally:
            i18n.set_language("en")
        assert any("Vĩnh Long" in line for line in lines)


def test_narrative_and_tables_in_vietnamese_use_decimal_commas():
    from dxanalysis import report
    from dxanalysis.forecast import forecast

    result = forecast()
    i18n.set_language("vi")
    try:
        headline = report.headline_table(result, "01")
        lines = report.narrative(result, "01")
    finally:
        i18n.set_language("en")
    assert headline.index.name == "chỉ tiêu" and "đánh giá" in headline.columns
    assert headline["thời hạn"].str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}").all()  # 31/12/2026
    assert headline["gần nhất (tháng)"].str.contains("(tháng\u00a010/2026)", regex=False).all()
    assert all("," in value or value == "—" for value in headline["P(đạt)"])
    assert all("." not in value.rstrip("%") or "," in value for value in headline["dự báo tại thời hạn"])
    assert any(line.startswith("Với tốc độ hiện nay") for line in lines)
