"""Reading numbers, separators, row numbers and Excel formats as a person sees them (issue 9)."""

import numpy as np
import pytest
from openpyxl import Workbook

from dxanalysis.core.errors import DxError, InputProblems
from dxanalysis.data import readers
from dxanalysis.data.observations import load_observations
from dxanalysis.data.readers import NumberFormat, parse_number

HEADER = "province,period,indicator,numerator,denominator,value,source\n"


def problems_of(path, **kwargs):
    with pytest.raises(InputProblems) as info:
        load_observations(path, **kwargs)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    "cell,number_format,expected",
    [
        ("12.5", NumberFormat(), 12.5),
        ("12,5", NumberFormat(), 12.5),  # a lone decimal comma is not ambiguous
        ("12,50", NumberFormat(), 12.5),
        ("1.800", NumberFormat.from_args(",", "."), 1800.0),
        ("1.234.567,5", NumberFormat.from_args(",", "."), 1234567.5),
        ("1,234", NumberFormat.from_args(".", ","), 1234.0),
        ("1 234,5", NumberFormat.from_args(",", " "), 1234.5),
        ("63%", NumberFormat(), 63.0),
        (0.25, NumberFormat.from_args(",", "."), 0.25),  # a number cell is already a number
    ],
)
def test_numbers_are_read_by_their_separators(cell, number_format, expected):
    assert parse_number(cell, number_format) == (expected, None)


@pytest.mark.parametrize(
    "cell,number_format,words",
    [
        ("1,234", NumberFormat(), "ambiguous"),
        ("1,234,567", NumberFormat(), "ambiguous"),
        ("1.2,3", NumberFormat(), "not a number"),
        ("1.80", NumberFormat.from_args(",", "."), "does not fit the declared separators"),
        ("12.5", NumberFormat.from_args(",", "."), "does not fit the declared separators"),
        ("1,2345", NumberFormat.from_args(".", ","), "does not fit the declared separators"),
    ],
)
def test_ambiguous_or_misfit_numbers_are_errors_never_guesses(cell, number_format, words):
    number, message = parse_number(cell, number_format)
    assert np.isnan(number) and words in message


@pytest.mark.parametrize("decimal,thousands", [(".", "."), ("x", None), (",", "-")])
def test_bad_separator_declarations_are_refused(decimal, thousands):
    with pytest.raises(DxError):
        NumberFormat.from_args(decimal, thousands)


def test_semicolon_file_with_thousands_dots(write):
    text = "province;period;indicator;numerator;denominator\n01;2025-07;online_records;1.800;2.000\n"
    path = write("eu.csv", text)
    assert any("not a whole number" in m and "--thousands ." in m for m in problems_of(path))
    frame = load_observations(path, number_format=NumberFormat.from_args(",", "."))
    assert frame[["numerator", "denominator", "value"]].iloc[0].tolist() == [1800.0, 2000.0, 90.0]


def test_ambiguous_value_is_an_error_naming_row_and_column(write):
    path = write("v.csv", HEADER + '01,2025-07,online_records,,,"1,234",s\n')
    messages = problems_of(path)
    assert messages == [
        f"{path}:2: value: '1,234' is ambiguous: the comma may be a thousands separator or a decimal mark; "
        "declare the file's separators (--decimal , --thousands . or --decimal . --thousands ,)"
    ]


def test_row_numbers_count_blank_lines_and_title_lines(write):
    text = (
        "Báo cáo tháng 7/2025,,,,,,\n\n"
        + HEADER
        + "01,2025-07,online_records,20,100,,s\n\n\n01,2025-08,online_records,x,100,,s\n"
    )
    path = write("gaps.csv", text)
    # title line 1, blank line 2, header line 3, data line 4, blank 5-6, bad row on line 7
    assert problems_of(path) == [f"{path}:7: numerator: 'x' is not a number; expected a number"]


def test_chunked_reading_equals_whole_and_finds_duplicates_across_chunks(write, monkeypatch):
    rows = "".join(f"01,2025-{m:02d},online_records,{m},100,,s\n" for m in range(1, 13))
    path = write("chunks.csv", HEADER + rows)
    whole = load_observations(path)
    monkeypatch.setattr(readers, "CHUNK_ROWS", 5)
    chunked = load_observations(path)
    assert chunked.equals(whole)
    assert chunked["source_row"].tolist() == list(range(2, 14))
    dup = write("dup.csv", HEADER + rows + "Hà Nội,2025-03,online_records,3,100,,s\n")
    messages = problems_of(dup)
    assert len(messages) == 1 and messages[0].startswith(f"{dup}:14: province: duplicate key") and "row 4" in messages[0]


def test_folder_given_as_a_file(tmp_path):
    assert problems_of(tmp_path) == [f"{tmp_path}: is a folder; expected a file (.csv or .xlsx)"]


def _workbook(path, rows, percent_cells=(), title=None):
    book = Workbook()
    sheet = book.active
    sheet.title = "online_records"
    if title:
        sheet.append([title])
        sheet.merge_cells("A1:C1")
        sheet.append([])
    for row in rows:
        sheet.append(row)
    for ref in percent_cells:
        sheet[ref].number_format = "0.0%"
    book.save(path)
    return path


def test_excel_percentage_cells_are_read_as_shown(tmp_path):
    path = _workbook(tmp_path / "wide.xlsx", [["province", "2025-07", "2025-08"], ["01", 0.5, 0.634]], ["B2", "C2"])
    frame = load_observations(path)
    assert frame["value"].tolist() == [50.0, 63.4]


def test_excel_rows_count_merged_title_and_blank_rows(tmp_path):
    rows = [["province", "2025-07", "2025-08"], ["01", 20, 21], [None, None, None], ["79", "n/a", 30]]
    path = _workbook(tmp_path / "titled.xlsx", rows, title="Tỷ lệ hồ sơ trực tuyến (%)")
    # title row 1 (merged), blank row 2, header row 3, data rows 4, blank 5, bad cell on row 6
    assert problems_of(path) == [f"{path}[online_records]:6: 2025-07: 'n/a' is not a number; expected a number"]


def test_validate_in_blocks_says_what_the_whole_file_says(monkeypatch):
    """dx validate checks a large file chunk by chunk and harmonises it block by block of months:
    with tiny chunks and blocks, its summary must equal harmonising the whole file at once."""
    import warnings

    from dxanalysis.core import paths
    from dxanalysis.data import validate
    from dxanalysis.data.harmonise import harmonise

    frame = load_observations(paths.PANEL_CSV)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = harmonise([frame], require_weights=False)
    monkeypatch.setattr(readers, "CHUNK_ROWS", 997)
    monkeypatch.setattr(validate, "BLOCK_ROWS", 1500)
    summary = validate.validate_observations(paths.PANEL_CSV)
    assert summary.rows == len(frame)
    assert summary.periods == sorted(frame["period"].unique())
    table = whole.table
    assert summary.incomplete_months == int((~table["complete"]).sum()) > 0
    assert summary.scheme_note == whole.schemes[0].split(": ", 1)[1]


def test_validate_finds_duplicates_across_chunks_by_code_or_name(write, monkeypatch):
    from dxanalysis.data import validate

    rows = "".join(f"01,2025-{m:02d},online_records,{m},100,,s\n" for m in range(1, 13))
    dup = write("dup.csv", HEADER + rows + "Hà Nội,2025-03,online_records,3,100,,s\n")
    monkeypatch.setattr(readers, "CHUNK_ROWS", 4)
    with pytest.raises(InputProblems) as info:
        validate.validate_observations(dup)
    messages = [str(p) for p in info.value.problems]
    assert len(messages) == 1 and messages[0].startswith(f"{dup}:14: province: duplicate key") and "row 4" in messages[0]
