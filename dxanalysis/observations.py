"""Load observation files (tidy or wide, CSV or Excel) into the validated tidy contract.

The contract (one row per province, month and indicator)::

    province      str    code or name, old (63) or new (34) list, as written in the source
    period        str    YYYY-MM
    indicator     str    an id of params/indicators.yaml
    numerator     float  may be empty when only a percentage is known
    denominator   float  may be empty when only a percentage is known
    value         float  percent, numerator / denominator * 100 when both are given
    source        str    where the figure comes from
    weight        float  optional volume used to combine value-only rows (see harmonise)
    complete      bool   False for a month whose province lacked some constituents
    source_file, source_row   where each row came from (for error messages)

Every problem is collected and raised at once as :class:`~dxanalysis.errors.InputProblems`,
each naming the file, the row as a spreadsheet shows it, the column and what was expected.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from . import provinces
from .errors import InputProblems, Problem, UnknownProvince
from .periods import is_period, parse_period_label
from .registry import load_indicators

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

# Header spellings accepted for each contract column.
_COLUMN_ALIASES = {
    "province": ("province", "province_code", "province_name", "tinh", "tỉnh", "ma_tinh", "ten_tinh", "dia_phuong"),
    "period": ("period", "month", "thang", "tháng", "ky", "kỳ"),
    "indicator": ("indicator", "indicator_id", "chi_tieu", "chỉ tiêu"),
    "numerator": ("numerator", "tu_so"),
    "denominator": ("denominator", "mau_so"),
    "value": ("value", "value_pct", "percent", "ty_le", "tỷ lệ"),
    "source": ("source", "nguon"),
    "weight": ("weight", "trong_so"),
    "complete": ("complete",),
}

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


# --------------------------------------------------------------------------- reading


def read_text_table(path: Path) -> pd.DataFrame:
    """Read a CSV as strings: UTF-8 with or without BOM, comma or semicolon delimited.

    Raises
    ------
    InputProblems
        For another encoding, an empty file or a malformed CSV.
    """
    raw = path.read_bytes()
    if not raw.strip():
        raise InputProblems([Problem(str(path), None, None, "file is empty; expected a header row and data rows")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputProblems(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8 "
                    "(with or without BOM) — Excel: 'CSV UTF-8 (Comma delimited)'",
                )
            ]
        ) from exc
    header = text.splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, skip_blank_lines=True)
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputProblems([Problem(str(path), None, None, f"not a well-formed CSV ({exc})")]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_excel_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Read every sheet of a workbook, cells as objects (dates stay dates)."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises several unrelated types for a bad workbook
        raise InputProblems([Problem(str(path), None, None, f"cannot read as an Excel workbook (.xlsx): {exc}")]) from exc
    out = {}
    for name, frame in sheets.items():
        frame = frame.dropna(how="all")
        frame.columns = [c if not isinstance(c, str) else c.strip() for c in frame.columns]
        out[str(name)] = frame
    return out


def _canonical_columns(columns) -> dict[str, str]:
    """Map found headers to contract names (first alias wins)."""
    found: dict[str, str] = {}
    lowered = {str(c).strip().lower(): c for c in columns}
    for canonical, aliases in _COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in lowered and canonical not in found.values():
                found[lowered[alias]] = canonical
                break
    return found


def _is_tidy(columns) -> bool:
    names = set(_canonical_columns(columns).values())
    return {"province", "period", "indicator"} <= names


def _is_wide(columns) -> bool:
    return sum(parse_period_label(c) is not None for c in list(columns)[1:]) >= 1


# --------------------------------------------------------------------------- wide -> tidy


def _wide_to_tidy(frame: pd.DataFrame, indicator: str, file: str, row_offset: int = 2) -> pd.DataFrame:
    """Provinces down, months across (one indicator) -> tidy rows of value only."""
    province_column = frame.columns[0]
    records = []
    for position, (_, row) in enumerate(frame.iterrows()):
        for column in frame.columns[1:]:
            period = parse_period_label(column)
            if period is None:
                continue
            cell = row[column]
            if cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == "":
                continue
            records.append(
                {
                    "province": row[province_column],
                    "period": period,
                    "indicator": indicator,
                    "numerator": "",
                    "denominator": "",
                    "value": cell,
                    "source": "",
                    "source_file": file,
                    "source_row": position + row_offset,
                    "_value_column": str(column),
                }
            )
    return pd.DataFrame(records)


# --------------------------------------------------------------------------- validation


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == ""


def _parse_number(cell) -> tuple[float, str | None]:
    """Parse one cell: (number, None) or (nan, what is wrong). Blank -> (nan, None)."""
    if _blank(cell):
        return math.nan, None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        number = float(cell)
    else:
        text = str(cell).strip().replace("%", "")
        # Reports often write 12,5 for 12.5: accept a lone comma as the decimal mark.
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return math.nan, f"{cell!r} is not a number; expected a number"
    if math.isinf(number) or math.isnan(number):
        return math.nan, f"{cell!r} is not a finite number"
    if number < 0:
        return number, f"{number:g} is negative; expected a count or share >= 0"
    return number, None


def _parse_column(cells: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """Parse a column, caching by distinct cell (the bundled panel repeats many values)."""
    cache: dict = {}
    numbers, messages = np.empty(len(cells)), []
    for i, cell in enumerate(cells.tolist()):
        key = (type(cell), cell) if not _blank(cell) else None
        if key not in cache:
            cache[key] = _parse_number(cell)
        numbers[i], message = cache[key]
        messages.append(message)
    return numbers, messages


def _province_text(cell) -> str:
    if _blank(cell):
        return ""
    if isinstance(cell, float):
        return provinces._code_form(cell) or str(cell).strip()
    return str(cell).strip()


def _period_of(cell) -> str | None:
    if isinstance(cell, str):
        return cell if is_period(cell) else None
    return None if _blank(cell) else parse_period_label(cell)


def validate_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Check raw tidy rows and return the typed contract, or raise InputProblems.

    Checks are vectorised; messages are built only for failing rows.
    """
    indicators = load_indicators()
    n = len(rows)
    if n == 0:
        raise InputProblems(
            [Problem(str(rows.attrs.get("file", "input")), None, None, "no data rows; expected at least one observation")]
        )

    def column(name: str) -> pd.Series:
        return rows[name] if name in rows.columns else pd.Series([""] * n, index=rows.index, dtype=object)

    files = rows["source_file"].astype(str).tolist()
    row_numbers = rows["source_row"].astype(int).tolist()
    value_columns = column("_value_column").map(lambda c: c if isinstance(c, str) and c else "value").tolist()
    problems: list[tuple[int, Problem]] = []

    def add(i: int, col: str, message: str) -> None:
        problems.append((i, Problem(files[i], row_numbers[i], col, message)))

    province = column("province").map(_province_text)
    # Each distinct label is resolved once: its canonical code (either list) keys the duplicate check.
    canonical_of: dict[str, str | None] = {}
    verdicts: dict[str, str | None] = {}
    for label in province.unique():
        canonical_of[label] = label and (provinces.try_resolve(label, "legacy") or provinces.try_resolve(label, "current"))
        if not label:
            verdicts[label] = "empty; expected a province code or name"
        elif canonical_of[label] is None:
            try:
                provinces.resolve(label, "legacy")
            except UnknownProvince as exc:
                verdicts[label] = f"{exc}; expected one of the 63 or 34 provinces"
        else:
            verdicts[label] = None
    for i, label in enumerate(province.tolist()):
        if verdicts[label]:
            add(i, "province", verdicts[label])

    period_raw = column("period")
    period = period_raw.map(_period_of)
    for i in np.flatnonzero(period.isna().to_numpy()):
        add(i, "period", f"{period_raw.iloc[i]!r} is not a month; expected YYYY-MM, e.g. 2025-07")

    indicator = column("indicator").map(lambda c: "" if _blank(c) else str(c).strip())
    known = indicator.isin(list(indicators)).to_numpy()
    for i in np.flatnonzero(~known):
        add(i, "indicator", f"unknown indicator {indicator.iloc[i]!r}; expected one of: {', '.join(indicators)}")
    lower = indicator.map(lambda k: indicators[k].lower if k in indicators else 0.0).to_numpy(float)
    upper = indicator.map(lambda k: indicators[k].upper if k in indicators else 100.0).to_numpy(float)

    parsed = {}
    for name in ("numerator", "denominator", "value", "weight"):
        numbers, messages = _parse_column(column(name))
        parsed[name] = numbers
        for i, message in enumerate(messages):
            if message:
                add(i, value_columns[i] if name == "value" else name, message)
    numerator, denominator, value = parsed["numerator"], parsed["denominator"], parsed["value"].copy()
    has_num, has_den = ~np.isnan(numerator), ~np.isnan(denominator)
    for i in np.flatnonzero(has_num != has_den):
        add(
            i,
            "denominator" if has_num[i] else "numerator",
            "empty while its partner is given; expected both numerator and denominator, or neither",
        )
    has_ratio = has_num & has_den
    for i in np.flatnonzero(has_ratio & (denominator == 0)):
        add(i, "denominator", "is 0; expected a positive count")
    too_big = has_ratio & (numerator > denominator) & (denominator > 0)
    for i in np.flatnonzero(too_big):
        add(
            i,
            "numerator",
            f"{numerator[i]:g} is greater than the denominator {denominator[i]:g}; expected numerator <= denominator",
        )
    usable = has_ratio & (denominator > 0) & ~too_big
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(usable, numerator / np.where(denominator > 0, denominator, 1) * 100, np.nan)
    stated = ~np.isnan(value)
    value_cells = column("value").tolist()
    for i in np.flatnonzero(usable & stated):
        allowed = max(VALUE_TOLERANCE, 0.5 * 10 ** -_decimals(value_cells[i]))
        if abs(value[i] - ratio[i]) > allowed:
            add(
                i,
                value_columns[i],
                f"{value[i]:g} does not match numerator/denominator*100 = {ratio[i]:.4g}; expected them to agree",
            )
    value = np.where(usable & ~stated, ratio, value)
    all_blank = np.isnan(parsed["value"]) & ~has_num & ~has_den & np.array([_blank(c) for c in value_cells])
    for i in np.flatnonzero(all_blank):
        add(i, value_columns[i], "empty; expected a value (percent) or a numerator and denominator")
    out_of_bounds = ~np.isnan(value) & (value >= 0) & ((value < lower) | (value > upper)) & known
    for i in np.flatnonzero(out_of_bounds):
        add(
            i,
            value_columns[i],
            f"{value[i]:g} is outside the indicator's bounds; expected a percent between {lower[i]:g} and {upper[i]:g}",
        )

    complete = column("complete").map(lambda c: True if _blank(c) else str(c).strip().lower() in ("true", "1", "yes"))
    out = pd.DataFrame(
        {
            "province": province.to_numpy(object),
            "period": period.fillna("").to_numpy(object),
            "indicator": indicator.to_numpy(object),
            "numerator": numerator,
            "denominator": denominator,
            "value": value,
            "source": column("source").map(lambda c: "" if _blank(c) else str(c).strip()).to_numpy(object),
            "weight": parsed["weight"],
            "complete": complete.to_numpy(bool),
            "source_file": files,
            "source_row": row_numbers,
        },
        columns=OBSERVATION_COLUMNS,
    )
    if not problems:
        keyed = out.assign(_p=province.map(canonical_of).to_numpy(object))
        dupes = keyed[keyed.duplicated(["_p", "period", "indicator"], keep=False)]
        for (_, period_, indicator_), group in dupes.groupby(["_p", "period", "indicator"], sort=True):
            first = int(group["source_row"].iloc[0])
            for position in group.index[1:]:
                add(
                    position,
                    "province",
                    f"duplicate key: {group['province'].iloc[0]!r} {period_} {indicator_} already given at "
                    f"row {first}; expected one row per province, period and indicator",
                )
    if problems:
        problems.sort(key=lambda item: (item[1].file, item[0]))
        raise InputProblems([p for _, p in problems])
    out = out.astype({"province": str, "period": str, "indicator": str, "source": str, "source_file": str})
    try:
        return OBSERVATION_SCHEMA.validate(out, lazy=True)
    except pa.errors.SchemaErrors as exc:  # a safety net: the checks above should catch all
        raise InputProblems(
            [
                Problem(out["source_file"].iloc[0], None, str(c.column), f"failed {c.check}: {c.failure_case!r}")
                for c in exc.failure_cases.itertuples()
            ]
        ) from exc


def _decimals(cell) -> int:
    text = str(cell or "").strip()
    return len(text.split(".")[1]) if "." in text else 0


# --------------------------------------------------------------------------- public loaders


def load_observations(path: str | Path, indicator: str | None = None) -> pd.DataFrame:
    """Load one observation file (tidy or wide; CSV or Excel) as the validated contract.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.xlsx`` file. Tidy files have the contract's columns; wide files have
        provinces down the first column and months across, one indicator per file or sheet.
    indicator : str, optional
        Indicator id for a wide file. By default the sheet name (Excel) or the file's stem (CSV)
        names the indicator.

    Returns
    -------
    pandas.DataFrame
        Checked against :data:`OBSERVATION_SCHEMA`.

    Raises
    ------
    InputProblems
        Listing every problem found, each as ``FILE:ROW: column: what is wrong, what was expected``.
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise InputProblems([Problem(file, None, None, "file not found")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        sheets = read_excel_sheets(path)
        parts = []
        for sheet, frame in sheets.items():
            if frame.empty:
                continue
            label = f"{file}[{sheet}]"
            if _is_tidy(frame.columns):
                parts.append(_tidy_rows(frame, label))
            elif _is_wide(frame.columns):
                parts.append(_wide_to_tidy(frame, indicator or sheet, label))
            else:
                raise InputProblems([Problem(label, 1, None, _layout_message(frame.columns))])
        if not parts:
            raise InputProblems([Problem(file, None, None, "workbook has no data; expected a sheet of observations")])
        rows = pd.concat(parts, ignore_index=True)
    elif suffix in (".csv", ".txt", ".tsv"):
        frame = read_text_table(path)
        if _is_tidy(frame.columns):
            rows = _tidy_rows(frame, file)
        elif _is_wide(frame.columns):
            rows = _wide_to_tidy(frame, indicator or path.stem, file)
        else:
            raise InputProblems([Problem(file, 1, None, _layout_message(frame.columns))])
    else:
        raise InputProblems([Problem(file, None, None, f"unsupported file type {suffix!r}; expected .csv or .xlsx")])
    if rows.empty:
        raise InputProblems([Problem(file, None, None, "no data rows; expected at least one observation")])
    rows.attrs["file"] = file
    return validate_rows(rows)


def _layout_message(columns) -> str:
    shown = ", ".join(str(c) for c in list(columns)[:8])
    return (
        f"header not recognised ({shown}); expected tidy columns province, period, indicator and value "
        "(or numerator and denominator), or a wide layout: province then one column per month (e.g. 2025-07)"
    )


def _tidy_rows(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    mapping = _canonical_columns(frame.columns)
    renamed = frame.rename(columns=mapping)
    # When both a code and a name column exist, the code is the key.
    lowered = {str(c).lower(): c for c in frame.columns}
    if "province_code" in lowered:
        renamed["province"] = frame[lowered["province_code"]]
    keep = [c for c in _COLUMN_ALIASES if c in renamed.columns]
    rows = renamed[keep].copy()
    rows = rows.loc[:, ~rows.columns.duplicated()]
    rows["source_file"] = file
    rows["source_row"] = range(2, len(rows) + 2)
    return rows


def load_many(paths_: list[str | Path]) -> list[pd.DataFrame]:
    """Load several files; problems from all of them are raised together."""
    frames, problems = [], []
    for path in paths_:
        try:
            frames.append(load_observations(path))
        except InputProblems as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputProblems(problems)
    return frames


def expand_data_argument(data: str | Path | None) -> list[Path]:
    """A file, a folder of files, or None for the bundled panel."""
    from . import paths

    if data is None or str(data) == "":
        return [paths.PANEL_CSV]
    path = Path(data)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith("."))
        if not files:
            raise InputProblems([Problem(str(path), None, None, "folder holds no .csv or .xlsx files")])
        return files
    return [path]
