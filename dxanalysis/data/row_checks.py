"""The observation contract and its row checks: one checker per column, every problem collected.

Each checker reads one column of the raw rows, adds a :class:`~dxanalysis.core.errors.Problem` naming
file, row and column for every bad cell, and returns the typed column; :func:`check_rows` runs
them in order and :func:`finish_rows` raises :class:`~dxanalysis.core.errors.InputProblems` with all
problems at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..core import provinces
from ..core.errors import InputProblems, Problem, UnknownProvince
from ..core.periods import is_period, parse_period_label
from ..core.registry import load_indicators
from .readers import UNDECLARED, NumberFormat, is_blank, parse_number

OBSERVATION_COLUMNS = [
    "province",
    "period",
    "indicator",
    "numerator",
    "denominator",
    "value",
    "source",
    "weight",
    "complete",
    "source_file",
    "source_row",
]
#: What every observation file carries (``weight`` and ``complete`` are optional; the loader adds
#: ``source_file`` and ``source_row``). ``dx fetch`` writes these, naming the province by its code.
FILE_COLUMNS = OBSERVATION_COLUMNS[:7]

#: Allowed gap between a stated value and numerator/denominator*100 (rounding in reports).
VALUE_TOLERANCE = 0.05

OBSERVATION_SCHEMA = pa.DataFrameSchema(
    {
        "province": pa.Column(str, pa.Check.str_length(min_value=1)),
        "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}-(0[1-9]|1[0-2])$")),
        "indicator": pa.Column(str),
        "numerator": pa.Column(float, pa.Check.ge(0), nullable=True),
        "denominator": pa.Column(float, pa.Check.ge(0), nullable=True),
        "value": pa.Column(float, pa.Check.in_range(0, 100)),
        "source": pa.Column(str),
        "weight": pa.Column(float, pa.Check.ge(0), nullable=True),
        "complete": pa.Column(bool),
        "source_file": pa.Column(str),
        "source_row": pa.Column(int),
    },
    unique=["province", "period", "indicator"],
    strict=True,
    coerce=False,
)
#: The same schema without the uniqueness rule: applied to each chunk of a file as it is read
#: (bounded memory); uniqueness is checked once over the whole file on integer keys.
CHUNK_SCHEMA = pa.DataFrameSchema(OBSERVATION_SCHEMA.columns, strict=True, coerce=False)


# --------------------------------------------------------------------------- cells


def canonical_province(label: str) -> str | None:
    """A province label's code in either list (old 63 or new 34), so a code and a name are one key;
    ``None`` when it is in neither."""
    return provinces.try_resolve(label, "legacy") or provinces.try_resolve(label, "current")


def _parse_column(cells: pd.Series, number_format: NumberFormat) -> tuple[np.ndarray, list[str | None]]:
    """Parse a column, caching by distinct cell (the bundled panel repeats many values)."""
    cache: dict = {}
    numbers, messages = np.empty(len(cells)), []
    for i, cell in enumerate(cells.tolist()):
        key = (type(cell), cell) if not is_blank(cell) else None
        if key not in cache:
            cache[key] = parse_number(cell, number_format)
        numbers[i], message = cache[key]
        messages.append(message)
    return numbers, messages


def _province_text(cell) -> str:
    if is_blank(cell):
        return ""
    if isinstance(cell, float):
        return provinces.code_form(cell) or str(cell).strip()
    return str(cell).strip()


def _period_of(cell) -> str | None:
    if isinstance(cell, str):
        return cell if is_period(cell) else None
    return None if is_blank(cell) else parse_period_label(cell)


def _decimals(cell) -> int:
    text = str(cell or "").strip()
    return len(text.split(".")[1]) if "." in text else 0


# --------------------------------------------------------------------------- public loaders


# --------------------------------------------------------------------------- one checker per column


class RowChecks:
    """Raw tidy rows being checked; problems are collected, never raised one by one."""

    def __init__(self, rows: pd.DataFrame, number_format: NumberFormat = UNDECLARED):
        self.rows = rows
        self.number_format = number_format
        self.n = len(rows)
        self.files = rows["source_file"].to_numpy(object)
        self.row_numbers = rows["source_row"].to_numpy(np.int64)
        self.problems: list[tuple[int, Problem]] = []
        self.unreadable: dict[str, np.ndarray] = {}  # cells already reported as not numbers

    def column(self, name: str) -> pd.Series:
        if name in self.rows.columns:
            return self.rows[name]
        return pd.Series([""] * self.n, index=self.rows.index, dtype=object)

    def add(self, i: int, column: str, message: str) -> None:
        self.problems.append((i, Problem(str(self.files[i]), int(self.row_numbers[i]), column, message)))

    def value_column(self, i: int) -> str:
        """The header of row i's value cell: 'value', or a wide file's month column."""
        if "_value_column" in self.rows.columns:
            name = self.rows["_value_column"].iloc[i]
            if isinstance(name, str) and name:
                return name
        return "value"

    def province(self) -> tuple[pd.Series, dict[str, str | None]]:
        """Labels as written, and each distinct label's code in either list (resolved once)."""
        province = self.column("province").map(_province_text)
        canonical: dict[str, str | None] = {}
        verdicts: dict[str, str | None] = {}
        for label in province.unique():
            canonical[label] = label and canonical_province(label)
            verdicts[label] = None
            if not label:
                verdicts[label] = "empty; expected a province code or name"
            elif canonical[label] is None:
                try:
                    provinces.resolve(label, "legacy")
                except UnknownProvince as exc:
                    verdicts[label] = f"{exc}; expected one of the 63 or 34 provinces"
        for i, label in enumerate(province.tolist()):
            if verdicts[label]:
                self.add(i, "province", verdicts[label])
        return province, canonical

    def period(self) -> pd.Series:
        raw = self.column("period")
        period = raw.map(_period_of)
        for i in np.flatnonzero(period.isna().to_numpy()):
            self.add(i, "period", f"{raw.iloc[i]!r} is not a month; expected YYYY-MM, e.g. 2025-07")
        return period

    def indicator(self, indicators: dict) -> pd.Series:
        indicator = self.column("indicator").map(lambda c: "" if is_blank(c) else str(c).strip())
        for i in np.flatnonzero(~indicator.isin(list(indicators)).to_numpy()):
            self.add(i, "indicator", f"unknown indicator {indicator.iloc[i]!r}; expected one of: {', '.join(indicators)}")
        return indicator

    def numbers(self, name: str) -> np.ndarray:
        numbers, messages = _parse_column(self.column(name), self.number_format)
        unreadable = np.zeros(self.n, dtype=bool)
        for i, message in enumerate(messages):
            if message:
                unreadable[i] = np.isnan(numbers[i])
                self.add(i, self.value_column(i) if name == "value" else name, message)
        self.unreadable[name] = unreadable
        return numbers

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Numerator and denominator: both or neither, whole numbers, 0 < denominator, numerator <= it."""
        numerator, denominator = self.numbers("numerator"), self.numbers("denominator")
        for name, counts in (("numerator", numerator), ("denominator", denominator)):
            fractional = ~np.isnan(counts) & (counts >= 0) & (np.floor(counts) != counts)
            for i in np.flatnonzero(fractional):
                self.add(
                    i,
                    name,
                    f"{counts[i]:g} is not a whole number; expected a count (if 1.800 means one thousand "
                    "eight hundred, declare the file's separators: --decimal , --thousands .)",
                )
        has_num, has_den = ~np.isnan(numerator), ~np.isnan(denominator)
        reported = self.unreadable["numerator"] | self.unreadable["denominator"]
        for i in np.flatnonzero((has_num != has_den) & ~reported):
            self.add(
                i,
                "denominator" if has_num[i] else "numerator",
                "empty while its partner is given; expected both numerator and denominator, or neither",
            )
        both = has_num & has_den
        for i in np.flatnonzero(both & (denominator == 0)):
            self.add(i, "denominator", "is 0; expected a positive count")
        for i in np.flatnonzero(both & (numerator > denominator) & (denominator > 0)):
            self.add(
                i,
                "numerator",
                f"{numerator[i]:g} is greater than the denominator {denominator[i]:g}; expected numerator <= denominator",
            )
        return numerator, denominator

    def value(
        self, numerator: np.ndarray, denominator: np.ndarray, lower: np.ndarray, upper: np.ndarray, known: np.ndarray
    ) -> np.ndarray:
        """The percent: stated, or computed from the counts; the two must agree; inside the bounds."""
        stated_value = self.numbers("value")
        usable = ~np.isnan(numerator) & ~np.isnan(denominator) & (denominator > 0) & (numerator <= denominator)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(usable, numerator / np.where(denominator > 0, denominator, 1) * 100, np.nan)
        stated = ~np.isnan(stated_value)
        cells = self.column("value").tolist()
        for i in np.flatnonzero(usable & stated):
            allowed = max(VALUE_TOLERANCE, 0.5 * 10 ** -_decimals(cells[i]))
            if abs(stated_value[i] - ratio[i]) > allowed:
                self.add(
                    i,
                    self.value_column(i),
                    f"{stated_value[i]:g} does not match numerator/denominator*100 = {ratio[i]:.4g}; expected them to agree",
                )
        value = np.where(usable & ~stated, ratio, stated_value)
        nothing = ~stated & np.isnan(numerator) & np.isnan(denominator) & np.array([is_blank(c) for c in cells])
        for i in np.flatnonzero(nothing):
            self.add(i, self.value_column(i), "empty; expected a value (percent) or a numerator and denominator")
        outside = ~np.isnan(value) & (value >= 0) & ((value < lower) | (value > upper)) & known
        for i in np.flatnonzero(outside):
            self.add(
                i,
                self.value_column(i),
                f"{value[i]:g} is outside the indicator's bounds; expected a percent between {lower[i]:g} and {upper[i]:g}",
            )
        return value

    def duplicates(self, out: pd.DataFrame) -> None:
        """One problem per repeated (province, period, indicator); a province's code and name are one key."""
        province_ids, labels = pd.factorize(out["province"])
        canonical = [canonical_province(x) or x for x in labels]
        canonical_ids = pd.factorize(pd.Series(canonical, dtype=object))[0][province_ids]
        period_ids, periods = pd.factorize(out["period"])
        indicator_ids, indicators = pd.factorize(out["indicator"])
        key = (canonical_ids.astype(np.int64) * len(periods) + period_ids) * len(indicators) + indicator_ids
        repeated = pd.Series(key).duplicated(keep=False).to_numpy()
        if not repeated.any():
            return
        dupes = out[repeated].assign(_p=key[repeated])
        for (_, period, indicator), group in dupes.groupby(["_p", "period", "indicator"], sort=True):
            first = int(group["source_row"].iloc[0])
            for position in group.index[1:]:
                self.add(
                    position,
                    "province",
                    f"duplicate key: {group['province'].iloc[0]!r} {period} {indicator} "
                    f"already given at row {first}; expected one row per province, period and indicator",
                )

    def raise_problems(self) -> None:
        if self.problems:
            self.problems.sort(key=lambda item: (item[1].file, item[0]))
            raise InputProblems([p for _, p in self.problems])


def check_rows(rows: pd.DataFrame, number_format: NumberFormat = UNDECLARED) -> pd.DataFrame:
    """Check raw tidy rows cell by cell and return them typed, or raise InputProblems.

    Checks are vectorised; messages are built only for failing rows. Duplicate keys and the
    schema are checked by :func:`finish_rows`, once over all chunks of a file.
    """
    if len(rows) == 0:
        file = str(rows.attrs.get("file", "input"))
        raise InputProblems([Problem(file, None, None, "no data rows; expected at least one observation")])
    indicators = load_indicators()
    checks = RowChecks(rows.reset_index(drop=True), number_format)
    province, _ = checks.province()
    period = checks.period()
    indicator = checks.indicator(indicators)
    known = indicator.isin(list(indicators)).to_numpy()
    lower = indicator.map(lambda k: indicators[k].lower if k in indicators else 0.0).to_numpy(float)
    upper = indicator.map(lambda k: indicators[k].upper if k in indicators else 100.0).to_numpy(float)
    numerator, denominator = checks.counts()
    value = checks.value(numerator, denominator, lower, upper, known)
    weight = checks.numbers("weight")
    complete = checks.column("complete").map(
        lambda c: True if is_blank(c) else str(c).strip().lower() in ("true", "1", "yes")
    )
    checks.raise_problems()
    source = checks.column("source").map(lambda c: "" if is_blank(c) else str(c).strip())
    out = pd.DataFrame(
        {
            "province": _shared(province),
            "period": _shared(period.fillna("")),
            "indicator": _shared(indicator),
            "numerator": numerator,
            "denominator": denominator,
            "value": value,
            "source": _shared(source),
            "weight": weight,
            "complete": complete.to_numpy(bool),
            "source_file": _shared(pd.Series(checks.files)),
            "source_row": checks.row_numbers.astype(int),
        },
        columns=OBSERVATION_COLUMNS,
    )
    return _schema_checked(out)


def _shared(column: pd.Series) -> np.ndarray:
    """Strings as one object per distinct value (a large file repeats a few labels millions of times)."""
    return np.asarray(pd.Categorical(column.astype(str).to_numpy(object)), dtype=object)


def finish_rows(out: pd.DataFrame) -> pd.DataFrame:
    """Duplicate keys across the whole file, then the schema, on rows :func:`check_rows` passed."""
    out = out.reset_index(drop=True)
    checks = RowChecks(out)
    checks.duplicates(out)
    checks.raise_problems()
    return out


def _schema_checked(out: pd.DataFrame) -> pd.DataFrame:
    try:
        return CHUNK_SCHEMA.validate(out, lazy=True)
    except pa.errors.SchemaErrors as exc:  # a safety net: the checks above should catch all
        raise InputProblems(
            [
                Problem(
                    out["source_file"].iloc[0],
                    None,
                    str(c.column),
                    f"{c.failure_case!r} is not a valid {c.column}; expected the observation contract (see README)",
                )
                for c in exc.failure_cases.itertuples()
            ]
        ) from None


__all__ = [
    "check_rows",
    "finish_rows",
    "RowChecks",
    "canonical_province",
    "OBSERVATION_COLUMNS",
    "FILE_COLUMNS",
    "OBSERVATION_SCHEMA",
    "VALUE_TOLERANCE",
]
