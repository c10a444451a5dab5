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

import pandas as pd

from .errors import InputProblems, Problem
from .periods import parse_period_label
from .row_checks import validate_rows

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
