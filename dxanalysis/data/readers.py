"""Reading input tables exactly as a person sees them: numbers, separators, row numbers.

* **Row numbers** are the file's own: a CSV's line number, a workbook's row number, with blank
  lines, title lines and merged title rows above the header all counted. Every frame returned
  here is indexed by that number.
* **Numbers** are read without guessing. A dot is the decimal mark; a lone comma followed by
  other than three digits (``12,5``) is a decimal comma. ``1,234`` could be either, so it is an
  error unless the file's separators are declared (:class:`NumberFormat`, ``--decimal`` and
  ``--thousands``); declared separators are applied strictly.
* **Excel percentages** are read by the cell's number format: a cell shown as ``50%`` stores 0.5
  and is read as 50.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.errors import DxError, InputProblems, Problem

#: Rows per chunk when a CSV is read in pieces (bounded memory for large files).
CHUNK_ROWS = 200_000

_SEPARATOR_NAMES = {".": "dot", ",": "comma", " ": "space", "'": "apostrophe"}


@dataclass(frozen=True)
class NumberFormat:
    """The decimal mark and thousands separator a file declares (``None``: not declared)."""

    decimal: str | None = None
    thousands: str | None = None

    @classmethod
    def from_args(cls, decimal: str | None = None, thousands: str | None = None) -> NumberFormat:
        """Checked separators from ``--decimal`` / ``--thousands`` (:class:`DxError` if invalid)."""
        if decimal not in (None, ".", ","):
            raise DxError(f"--decimal {decimal!r}: expected '.' or ','")
        if thousands not in (None, ".", ",", " ", "'"):
            raise DxError(f"--thousands {thousands!r}: expected '.', ',', ' ' or \"'\"")
        if decimal is None and thousands is not None:
            decimal = "," if thousands == "." else "."
        if decimal is not None and decimal == thousands:
            raise DxError(f"--decimal and --thousands are both {decimal!r}; expected two different separators")
        return cls(decimal, thousands)

    @property
    def declared(self) -> bool:
        return self.decimal is not None

    def describe(self) -> str:
        if not self.declared:
            return "undeclared (dot decimal mark)"
        thousands = _SEPARATOR_NAMES.get(self.thousands or "", "none")
        return f"decimal {_SEPARATOR_NAMES[self.decimal]}, thousands {thousands}"

    def pattern(self) -> re.Pattern:
        decimal, thousands = re.escape(self.decimal or "."), re.escape(self.thousands or "")
        whole = rf"(\d{{1,3}}({thousands}\d{{3}})+|\d+)" if self.thousands else r"\d+"
        return re.compile(rf"^[+-]?{whole}({decimal}\d+)?$")


UNDECLARED = NumberFormat()

_AMBIGUOUS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def parse_number(cell, number_format: NumberFormat = UNDECLARED) -> tuple[float, str | None]:
    """One cell as ``(number, None)`` or ``(nan, what is wrong)``; a blank cell is ``(nan, None)``."""
    if is_blank(cell):
        return math.nan, None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        number = float(cell)
    else:
        text = str(cell).strip().removesuffix("%").strip()
        if number_format.declared:
            if not number_format.pattern().match(text):
                return math.nan, (
                    f"{cell!r} does not fit the declared separators ({number_format.describe()}); "
                    "expected a number written with them, e.g. "
                    f"{_example(number_format)}"
                )
            if number_format.thousands:
                text = text.replace(number_format.thousands, "")
            text = text.replace(number_format.decimal, ".")
        elif "," in text:
            if _AMBIGUOUS_COMMA.match(text):
                return math.nan, (
                    f"{cell!r} is ambiguous: the comma may be a thousands separator or a decimal mark; "
                    "declare the file's separators (--decimal , --thousands . or --decimal . --thousands ,)"
                )
            if not _DECIMAL_COMMA.match(text):
                return math.nan, f"{cell!r} is not a number; expected a number such as 12.5 or 12,5"
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


def _example(number_format: NumberFormat) -> str:
    thousands = number_format.thousands or ""
    return f"1{thousands}800 or 12{number_format.decimal}5"


def is_blank(cell) -> bool:
    """Empty cell: None, NaN or only spaces."""
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == ""


# --------------------------------------------------------------------------- files


def check_input_file(path: Path) -> None:
    """A clear problem for a missing path, a folder given as a file, or an unreadable file."""
    file = str(path)
    if not path.exists():
        raise InputProblems([Problem(file, None, None, "file not found")])
    if path.is_dir():
        raise InputProblems([Problem(file, None, None, "is a folder; expected a file (.csv or .xlsx)")])
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise InputProblems([Problem(file, None, None, f"cannot read: {exc.strerror or exc}")]) from None


def _repeated_header(file: str, row: int, header: list) -> None:
    """A column named twice is ambiguous (which one holds the value?): an error, never a pick."""
    from openpyxl.utils import get_column_letter

    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        key = str(name).strip().lower()
        if not key or key.startswith("unnamed: "):
            continue
        if key in seen:
            raise InputProblems(
                [
                    Problem(
                        file,
                        row,
                        str(name),
                        f"column {str(name)!r} appears twice in the header (columns {get_column_letter(seen[key])} and "
                        f"{get_column_letter(position)}); expected each column once",
                    )
                ]
            )
        seen[key] = position


def _header_line(path: Path) -> tuple[int, str]:
    """(0-based line index of the header, delimiter): the first line with two or more filled fields."""
    anything = False
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        for index, line in enumerate(handle):
            if index > 200:
                break
            anything = anything or bool(line.strip())
            delimiter = max(";,\t", key=line.count)
            fields = next(csv.reader([line], delimiter=delimiter), [])
            if sum(bool(f.strip()) for f in fields) >= 2:
                _repeated_header(str(path), index + 1, fields)
                return index, delimiter
    if not anything:
        raise InputProblems([Problem(str(path), None, None, "file is empty; expected a header row and data rows")])
    raise InputProblems(
        [Problem(str(path), None, None, "no header row in the first 200 lines; expected e.g. province,period,...")]
    )


def _first_bad_byte(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return exc.start, data[exc.start]
    return -1, 0


def iter_text_table(path: str | Path, chunk_rows: int | None = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Read a CSV as strings in chunks, each indexed by the file's own line numbers.

    UTF-8 with or without BOM; comma, semicolon or tab delimited (told by the header line);
    title lines above the header and blank lines are skipped but counted. (A quoted field that
    spans lines shifts the numbers of the lines after it.)

    Raises
    ------
    InputProblems
        For a missing, unreadable or empty file, another encoding, or a malformed CSV.
    """
    path = Path(path)
    file = str(path)
    check_input_file(path)
    header_index, delimiter = _header_line(path)
    try:
        reader = pd.read_csv(
            path,
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skiprows=header_index,
            skip_blank_lines=False,
            encoding="utf-8-sig",
            chunksize=chunk_rows or 10**12,
        )
        for chunk in reader:
            if not isinstance(chunk.index, pd.RangeIndex):  # more fields than header: pandas made an index
                raise InputProblems([_too_many_fields(path, header_index, delimiter)])
            chunk.columns = [str(c).strip() for c in chunk.columns]
            chunk.index = chunk.index + header_index + 2
            filled = (chunk != "").any(axis=1)
            yield chunk[filled]
    except UnicodeDecodeError:
        offset, byte = _first_bad_byte(path)
        raise InputProblems(
            [
                Problem(
                    file,
                    None,
                    None,
                    f"not UTF-8 text (byte 0x{byte:02x} at offset {offset}); save the file as UTF-8 "
                    "(with or without BOM) — Excel: 'CSV UTF-8 (Comma delimited)'",
                )
            ]
        ) from None
    except (pd.errors.ParserError, csv.Error, pd.errors.EmptyDataError) as exc:
        raise InputProblems([Problem(file, None, None, f"not a well-formed CSV ({str(exc).strip()})")]) from None


def _too_many_fields(path: Path, header_index: int, delimiter: str) -> Problem:
    """The first line with more fields than the header (found only once something is wrong)."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        rows = csv.reader(handle, delimiter=delimiter)
        width = None
        for fields in rows:
            if rows.line_num <= header_index:
                continue
            if width is None:
                width = len(fields)
            elif len(fields) > width:
                return Problem(
                    str(path),
                    rows.line_num,
                    None,
                    f"{len(fields)} fields but the header has {width}; expected one field per header column "
                    f"(a stray {delimiter!r}, or a number such as 1,234 left unquoted?)",
                )
    return Problem(str(path), None, None, "rows have more fields than the header; expected one field per header column")


def read_text_table(path: str | Path) -> pd.DataFrame:
    """The whole CSV at once (see :func:`iter_text_table`)."""
    chunks = list(iter_text_table(path, chunk_rows=None))
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks)


def _cell_value(cell, percent_cells: bool):
    value = cell.value
    if (
        percent_cells
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
        and "%" in str(getattr(cell, "number_format", "") or "")
    ):
        # Shown as 50% in Excel, stored as 0.5: read what the person sees.
        return round(float(value) * 100, 10)
    return value


def read_workbook(path: str | Path, percent_cells: bool = True) -> dict[str, pd.DataFrame]:
    """Every sheet of an ``.xlsx`` as a frame of raw cells indexed by the sheet's row numbers.

    The header is the first row with two or more filled cells (a merged title row above it is
    skipped but counted); blank rows are dropped but counted; a percentage-formatted number
    is read as the percent it shows when ``percent_cells``.
    """
    from openpyxl import load_workbook

    path = Path(path)
    file = str(path)
    check_input_file(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad workbook
        raise InputProblems([Problem(file, None, None, f"cannot read as an Excel workbook (.xlsx): {exc}")]) from None
    sheets: dict[str, pd.DataFrame] = {}
    try:
        for sheet in workbook.worksheets:
            header, records, numbers = None, [], []
            for number, row in enumerate(sheet.iter_rows(min_row=1), start=1):
                values = [_cell_value(c, percent_cells) for c in row]
                filled = sum(not is_blank(v) for v in values)
                if header is None:
                    if filled >= 2:
                        header = [
                            (v.strip() if isinstance(v, str) else v) if not is_blank(v) else f"Unnamed: {i}"
                            for i, v in enumerate(values)
                        ]
                        _repeated_header(f"{file}[{sheet.title}]", number, header)
                    continue
                if filled:
                    records.append(values)
                    numbers.append(number)
            if header is None:
                sheets[str(sheet.title)] = pd.DataFrame()
                continue
            width = len(header)
            records = [(r + [None] * width)[:width] for r in records]
            index = pd.Index(numbers, dtype=int)
            sheets[str(sheet.title)] = pd.DataFrame(records, columns=header, index=index, dtype=object)
    finally:
        workbook.close()
    return sheets


__all__ = [
    "CHUNK_ROWS",
    "NumberFormat",
    "UNDECLARED",
    "parse_number",
    "is_blank",
    "check_input_file",
    "iter_text_table",
    "read_text_table",
    "read_workbook",
]
