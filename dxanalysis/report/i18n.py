"""Reports in English or Vietnamese: one message catalog, numbers, months and dates per language.

Every word a reader sees in a report or on the index page comes from ``messages.yaml`` beside
this module (one entry per message, one text per language; ``tests/report/test_i18n.py`` checks that
every language has every message with the same placeholders, and that every key the code asks
for exists). Numbers use the language's decimal mark (``12.5`` / ``12,5``), months and dates its
order (``Oct 2026`` / ``tháng 10/2026``). Province names always keep their diacritics.

The language is set once per notebook (its ``lang`` parameter) or per batch (``--lang``) with
:func:`set_language`; the functions below use it unless given ``lang``.
"""

from __future__ import annotations

import functools
import math
import string
from pathlib import Path

import pandas as pd

from ..core.errors import DxError

LANGUAGES = ("en", "vi")
CATALOG = Path(__file__).with_name("messages.yaml")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_EN_LONG = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

#: The language when none is set; a warm kernel puts it back between reports (:func:`reset_language`).
DEFAULT_LANGUAGE = "en"
_current = DEFAULT_LANGUAGE


def check_language(lang: str) -> str:
    """``lang`` if it is a report language, else :class:`DxError` naming the choices."""
    if lang not in LANGUAGES:
        raise DxError(f"language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    return lang


def set_language(lang: str) -> None:
    """The language of everything rendered from now on in this process (a notebook, a batch)."""
    global _current
    _current = check_language(lang)


def language() -> str:
    """The language set by :func:`set_language` (every notebook sets its own in its first cell)."""
    return _current


def reset_language() -> None:
    """Back to :data:`DEFAULT_LANGUAGE`: the warm kernel's reset between two reports calls this, so
    one report's language never carries into the next."""
    set_language(DEFAULT_LANGUAGE)


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """The message catalog: key -> {language: text}."""
    from ..core.files import load_yaml

    with open(CATALOG, encoding="utf-8") as handle:
        return load_yaml(handle)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a message."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def t(key: str, lang: str | None = None, **values) -> str:
    """The message ``key`` in ``lang`` (default: the current language), with ``values`` filled in."""
    try:
        text = catalog()[key][lang or _current]
    except KeyError:
        raise DxError(f"message {key!r} is missing from {CATALOG.name} for language {lang or _current!r}") from None
    return text.format(**values) if values else text


def num(value, decimals: int = 1, lang: str | None = None, sign: bool = False) -> str:
    """A number with the language's decimal mark (and thousands separator); a dash when missing."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(value):
        return "—"
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    if (lang or _current) == "vi":
        text = text.translate(str.maketrans({",": ".", ".": ","}))
    return text


def pct(value, decimals: int = 1, lang: str | None = None) -> str:
    """``12.5%`` / ``12,5%``; a dash when missing."""
    text = num(value, decimals, lang)
    return text if text == "—" else f"{text}%"


def target_number(value, lang: str | None = None) -> str:
    """A target's value as written (``80``, ``99.5`` / ``99,5``)."""
    text = f"{float(value):g}"
    return text.replace(".", ",") if (lang or _current) == "vi" else text


def month(period: str, lang: str | None = None, long: bool = False) -> str:
    """``Oct 2026`` (``October 2026`` when ``long``) / ``tháng 10/2026``."""
    year, number = int(str(period)[:4]), int(str(period)[5:7])
    if (lang or _current) == "vi":
        return f"tháng {number}/{year}"
    return f"{(_MONTHS_EN_LONG if long else _MONTHS_EN)[number - 1]} {year}"


def day(date, lang: str | None = None, short: bool = False) -> str:
    """``31 December 2026`` (``31 Dec 2026`` when ``short``) / ``31/12/2026``."""
    stamp = pd.Timestamp(date)
    if (lang or _current) == "vi":
        return f"{stamp.day}/{stamp.month}/{stamp.year}"
    return f"{stamp.day} {(_MONTHS_EN if short else _MONTHS_EN_LONG)[stamp.month - 1]} {stamp.year}"


def unbroken(text: str) -> str:
    """The text kept on one line in a narrow table column (a date, ``≥ 80%``, ``64–85%``): no-break
    spaces, and word joiners around dashes."""
    return text.replace(" ", "\u00a0").replace("–", "\u2060–\u2060")


def date_format(lang: str | None = None) -> str:
    """strftime pattern for month ticks on charts."""
    return "%m/%Y" if (lang or _current) == "vi" else "%b %Y"


def status(code: str, lang: str | None = None) -> str:
    """A forecast status as readers see it (``on track`` / ``đúng tiến độ``)."""
    return t(f"status.{code}", lang)


def verdict(code: str, lang: str | None = None) -> str:
    """``met``, ``missed`` or ``no data`` for a passed deadline."""
    key = {"achieved": "met", "no_data": "no_data", "insufficient_data": "no_data"}.get(code, "missed")
    return t(f"verdict.{key}", lang)


def indicator(indicator_id: str, lang: str | None = None) -> str:
    """An indicator's title in the language (from ``params/indicators.yaml``)."""
    from ..core.registry import load_indicators

    spec = load_indicators()[indicator_id]
    return spec.title_vi if (lang or _current) == "vi" and getattr(spec, "title_vi", "") else spec.title_en


def region(name: str, lang: str | None = None) -> str:
    """A region's name in the language (the province tables name regions in English)."""
    return t(f"region.{name}", lang) if f"region.{name}" in catalog() else name


def comparator(symbol: str, lang: str | None = None) -> str:
    return t({">=": "comparator.at_least", "<=": "comparator.at_most"}.get(symbol, "comparator.at_least"), lang)


def data_note(note: str, lang: str | None = None) -> str:
    """A data note for readers: the synthetic warning in the language, other sources as written."""
    from ..core.provenance import SYNTHETIC_NOTE

    return str(note).replace(SYNTHETIC_NOTE, t("note.synthetic", lang))


def show(key: str, **values) -> None:
    """Display a catalog message as Markdown in a notebook (section headings and notes)."""
    from IPython.display import Markdown, display

    display(Markdown(t(key, **values)))


__all__ = [
    "LANGUAGES",
    "check_language",
    "set_language",
    "language",
    "catalog",
    "placeholders",
    "t",
    "num",
    "pct",
    "target_number",
    "month",
    "day",
    "date_format",
    "status",
    "verdict",
    "indicator",
    "comparator",
    "region",
    "data_note",
    "show",
]
