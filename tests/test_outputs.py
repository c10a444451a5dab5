"""`--out` never destroys: inputs, folders, devices and FIFOs are refused; links written through; umask kept."""

import os
import shutil
import stat

import pytest

from dxanalysis import paths
from dxanalysis.cli import main


@pytest.fixture
def export(tmp_path):
    copy = tmp_path / "bao_cao_T10_2025.xlsx"
    shutil.copy(paths.INDEX766_XLSX, copy)
    return copy


def test_out_that_is_the_input_is_refused_and_the_input_kept(export, capsys):
    before = export.read_bytes()
    assert main(["index766", str(export), "--out", str(export)]) == 1
    assert "is the input file" in capsys.readouterr().err
    assert export.read_bytes() == before
    link = export.with_name("link.xlsx")
    link.symlink_to(export)
    assert main(["index766", str(export), "--out", str(link)]) == 1
    assert export.read_bytes() == before


def test_folder_device_fifo_missing_parent_and_file_parent(export, tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "afile").write_text("x")
    cases = {
        str(tmp_path): "is a folder",
        "/dev/null": "device",
        str(fifo): "FIFO",
        str(tmp_path / "nope" / "o.csv"): "does not exist",
        str(tmp_path / "afile" / "o.csv"): "is a file",
    }
    for out, reason in cases.items():
        assert main(["index766", str(export), "--out", out]) == 1, out
        err = capsys.readouterr().err
        assert reason in err and "Traceback" not in err, (out, err)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_symlink_is_written_through_and_umask_is_kept(export, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    old = os.umask(0o022)
    try:
        assert main(["index766", str(export), "--out", str(link)]) == 0
    finally:
        os.umask(old)
    assert link.is_symlink() and "province_code" in real.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o644


def test_read_only_folder_is_one_line(export, tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders; the OS cannot refuse it here")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert main(["index766", str(export), "--out", str(folder / "o.csv")]) == 1
        assert "cannot write" in capsys.readouterr().err
    finally:
        folder.chmod(0o700)


def test_unreadable_input_and_folder_as_file_are_one_line(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(tmp_path) in err
