"""Property-based tests of the loaders (hypothesis): whatever bytes or shapes a file has, the
outcome is a valid frame or an InputProblems naming the file (and a row inside it), never
another exception."""

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dxanalysis.core.errors import InputProblems
from dxanalysis.data.index766 import load_index766
from dxanalysis.data.observations import load_observations
from dxanalysis.data.row_checks import OBSERVATION_SCHEMA

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADERS = st.sampled_from(
    ["province", "period", "indicator", "numerator", "denominator", "value", "source", "weight", "complete",
     "Tỉnh", "tháng", "2025-07", "T8/2025", "", "x", "value", "province_code"]
)  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(
        ["01", "Hà Nội", "Bến Tre", "79", "2025-07", "2026-13", "online_records", "1,234", "12,5", "1.800",
         "63%", "n/a", "", " ", "-5", "1e308", "nan", "inf", "<script>alert(1)</script>", '"', "true"]
    ),
    st.integers(-10, 10**7).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)  # fmt: skip


def _outcome_is_valid_or_named(path: Path, load, lines: int | None = None) -> None:
    try:
        frame = load(path)
    except InputProblems as exc:
        assert exc.problems, "InputProblems without a problem"
        for problem in exc.problems:
            assert problem.file.startswith(str(path)), problem
            assert problem.row is None or problem.row >= 1, problem
            if lines is not None and problem.row is not None:
                assert problem.row <= lines + 1, (problem, lines)
            assert "Traceback" not in problem.message and "SchemaError" not in problem.message
        return
    OBSERVATION_SCHEMA.validate(frame)  # a frame returned is a valid frame


@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.csv"
        path.write_bytes(data)
        _outcome_is_valid_or_named(path, load_observations)


@SETTINGS
@given(
    header=st.lists(HEADERS, min_size=1, max_size=8),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=9), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    blank_lines=st.booleans(),
)
def test_random_csv_shapes(header, rows, delimiter, blank_lines):
    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',;\t"\n\r') else cell

    lines = [delimiter.join(quote(c) for c in header)]
    for row in rows:
        lines.append(delimiter.join(quote(c) for c in row))
        if blank_lines:
            lines.append("")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shape.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _outcome_is_valid_or_named(path, load_observations)


EXCEL_CELLS = st.one_of(
    CELLS.map(lambda v: "".join(ch for ch in v if ord(ch) >= 32)),  # a workbook cannot hold control characters
    st.none(),
    st.integers(-5, 10**6),
    st.floats(min_value=-1, max_value=200, allow_nan=False),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 1)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.one_of(HEADERS, st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 1))), max_size=7),
    rows=st.lists(st.lists(EXCEL_CELLS, max_size=8), max_size=6),
    percent=st.booleans(),
    loader=st.sampled_from(["observations", "766"]),
)
def test_random_excel_shapes(header, rows, percent, loader):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Điểm tháng" if loader == "766" else "online_records"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if percent:
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                cell.number_format = "0%"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shape_T10_2025.xlsx"
        book.save(path)
        if loader == "766":
            try:
                load_index766(path)
            except InputProblems as exc:
                assert all(p.file.startswith(str(path)) for p in exc.problems)
        else:
            _outcome_is_valid_or_named(path, load_observations)


@pytest.mark.parametrize("payload", [b"\xff\xfe\x00p\x00r", b"province,period\n\x00\x00\x00", b"\n\n\n", b"a"])
def test_awkward_bytes_examples(tmp_path, payload):
    path = tmp_path / "awkward.csv"
    path.write_bytes(payload)
    _outcome_is_valid_or_named(path, load_observations)
