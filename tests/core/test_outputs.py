"""`--out` never destroys: inputs, folders, devices and FIFOs are refused; links written through; umask kept."""

import os
import shutil
import stat

import pytest

from dxanalysis.cli.main import main
from dxanalysis.core import paths


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


def test_read_only_folder_is_one_line(export):
    """A read-only folder as a non-root user (root writes anyway): as root, the command runs as
    'nobody' through setpriv; skipped only where neither is possible."""
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot drop to a user the OS refuses")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    work = Path(tempfile.mkdtemp(prefix="dx-ro-"))
    try:
        work.chmod(0o755)
        source = work / export.name
        shutil.copy(export, source)
        source.chmod(0o644)
        folder = work / "ro"
        folder.mkdir()
        if prefix:
            os.chown(folder, 65534, 65534)
        folder.chmod(0o500)
        env = {**os.environ, "HOME": str(work), "MPLCONFIGDIR": str(work)}
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "dxanalysis", "index766", str(source), "--out", str(folder / "o.csv")],
            capture_output=True,
            text=True,
            env=env,
            cwd=work,
        )
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.strip().count("\n") == 0 and "cannot write" in proc.stderr and "Traceback" not in proc.stderr
        assert not list(folder.iterdir())
    finally:
        folder.chmod(0o700)
        shutil.rmtree(work, ignore_errors=True)


def test_unreadable_input_and_folder_as_file_are_one_line(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(tmp_path) in err
