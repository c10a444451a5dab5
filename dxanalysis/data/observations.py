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

Every problem is collected and raised at once as :class:`~dxanalysis.core.errors.InputProblems`,
each naming the file, the row as a spreadsheet shows it, the column and what was expected.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..core import provinces
from ..core.errors import InputProblems, Problem
from ..core.periods import parse_period_label
from .readers import UNDECLARED, NumberFormat, check_input_file, iter_text_table, read_text_table, read_workbook
from .row_checks import check_rows, finish_rows

#: Problems kept from one file before the rest are only counted (a wholly wrong 200 MB file
#: must not fill memory with messages).
MAX_PROBLEMS = 1000

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


def _wide_to_tidy(frame: pd.DataFrame, indicator: str, file: str) -> pd.DataFrame:
    """Provinces down, months across (one indicator) -> tidy rows of value only."""
    province_column = frame.columns[0]
    records = []
    for row_number, row in frame.iterrows():
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
                    "source_row": int(row_number),
                    "_value_column": str(column),
                }
            )
    return pd.DataFrame(records)


# --------------------------------------------------------------------------- validation


def load_observations(
    path: str | Path, indicator: str | None = None, number_format: NumberFormat = UNDECLARED
) -> pd.DataFrame:
    """Load one observation file (tidy or wide; CSV or Excel) as the validated contract.

    A CSV is read and checked in chunks of :data:`~dxanalysis.data.readers.CHUNK_ROWS` rows, so a
    large file costs about its own size in memory, not several times it.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.xlsx`` file. Tidy files have the contract's columns; wide files have
        provinces down the first column and months across, one indicator per file or sheet.
    indicator : str, optional
        Indicator id for a wide file. By default the sheet name (Excel) or the file's stem (CSV)
        names the indicator.
    number_format : NumberFormat, optional
        The file's declared decimal mark and thousands separator (``--decimal``/``--thousands``).
        Undeclared, an ambiguous number such as ``1,234`` is an error, never a guess.

    Returns
    -------
    pandas.DataFrame
        Checked against :data:`~dxanalysis.data.row_checks.OBSERVATION_SCHEMA`.

    Raises
    ------
    InputProblems
        Listing every problem found, each as ``FILE:ROW: column: what is wrong, what was expected``;
        ROW is the file's own line or sheet row.
    """
    checked = list(checked_parts(Path(path), indicator, number_format))
    return finish_rows(pd.concat(checked, ignore_index=True) if len(checked) > 1 else checked[0])


def checked_parts(path: Path, indicator: str | None = None, number_format: NumberFormat = UNDECLARED):
    """Yield the file's rows chunk by chunk, each checked cell by cell (:func:`check_rows`).

    Problems of every chunk are collected (up to :data:`MAX_PROBLEMS`) and raised together
    once the file is read; duplicate keys across chunks are left to the caller
    (:func:`~dxanalysis.data.row_checks.finish_rows`).
    """
    file = str(path)
    check_input_file(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        parts = _workbook_parts(path, indicator)
    elif suffix in (".csv", ".txt", ".tsv"):
        parts = _text_parts(path, indicator)
    else:
        raise InputProblems([Problem(file, None, None, f"unsupported file type {suffix!r}; expected .csv or .xlsx")])
    problems, more, any_rows = [], 0, False
    for rows in parts:
        if rows.empty:
            continue
        any_rows = True
        try:
            checked = check_rows(rows, number_format)
        except InputProblems as exc:
            room = max(MAX_PROBLEMS - len(problems), 0)
            problems.extend(exc.problems[:room])
            more += len(exc.problems) - min(room, len(exc.problems))
            continue
        if not problems:
            yield checked
    if problems:
        if more:
            problems.append(Problem(file, None, None, f"... and {more} more problems not listed"))
        raise InputProblems(problems)
    if not any_rows:
        raise InputProblems([Problem(file, None, None, "no data rows; expected at least one observation")])


def _workbook_parts(path: Path, indicator: str | None):
    file = str(path)
    sheets = read_workbook(path)
    if all(frame.empty for frame in sheets.values()):
        raise InputProblems([Problem(file, None, None, "workbook has no data; expected a sheet of observations")])
    for sheet, frame in sheets.items():
        if frame.empty:
            continue
        label = f"{file}[{sheet}]"
        if _is_tidy(frame.columns):
            yield _tidy_rows(frame, label)
        elif _is_wide(frame.columns):
            yield _wide_to_tidy(frame, indicator or sheet, label)
        else:
            raise InputProblems([Problem(label, int(frame.index[0]) - 1, None, _layout_message(frame.columns))])


def _text_parts(path: Path, indicator: str | None):
    file = str(path)
    for chunk in iter_text_table(path):
        if _is_tidy(chunk.columns):
            yield _tidy_rows(chunk, file)
        elif _is_wide(chunk.columns):
            yield _wide_to_tidy(chunk, indicator or path.stem, file)
        else:
            header_row = int(chunk.index[0]) - 1 if len(chunk) else 1
            raise InputProblems([Problem(file, header_row, None, _layout_message(chunk.columns))])


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
    rows["source_row"] = frame.index.to_numpy(int)
    return rows


def load_many(paths_: list[str | Path], number_format: NumberFormat = UNDECLARED) -> list[pd.DataFrame]:
    """Load several files; problems from all of them are raised together."""
    frames, problems = [], []
    for path in paths_:
        try:
            frames.append(load_observations(path, number_format=number_format))
        except InputProblems as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputProblems(problems)
    return frames


def load_weights(path: str | Path) -> pd.DataFrame:
    """Read a weights file: ``province, weight`` and optionally ``period, indicator``."""
    path = Path(path)
    frame = read_text_table(path)
    lowered = {c.lower(): c for c in frame.columns}
    missing = [c for c in ("province", "weight") if c not in lowered]
    if missing:
        raise InputProblems(
            [
                Problem(
                    str(path),
                    1,
                    None,
                    f"missing column(s) {', '.join(missing)}; expected province, weight[, period, indicator]",
                )
            ]
        )
    frame = frame.rename(columns={v: k for k, v in lowered.items()})
    problems = []
    for i, row in zip(frame.index.tolist(), frame.itertuples(index=False)):
        if provinces.try_resolve(row.province, "legacy") is None:
            problems.append(Problem(str(path), i, "province", f"{row.province!r} is not one of the 63 old provinces"))
        try:
            if float(row.weight) < 0:
                raise ValueError
        except ValueError:
            problems.append(Problem(str(path), i, "weight", f"{row.weight!r}; expected a number >= 0"))
    if problems:
        raise InputProblems(problems)
    frame["weight"] = frame["weight"].astype(float)
    return frame


def expand_data_argument(data: str | Path | None) -> list[Path]:
    """A file, a folder of files, or None for the bundled panel."""
    from ..core import paths

    if data is None or str(data) == "":
        return [paths.PANEL_CSV]
    path = Path(data)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith("."))
        if not files:
            raise InputProblems([Problem(str(path), None, None, "folder holds no .csv or .xlsx files")])
        return files
    return [path]
