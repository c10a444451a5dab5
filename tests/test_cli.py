import subprocess
import sys

from dxanalysis import paths
from dxanalysis.cli import main


def test_validate_bundled_data_is_clean(capsys):
    assert main(["validate", str(paths.PANEL_CSV), str(paths.INDEX766_XLSX)]) == 0
    out = capsys.readouterr().out
    assert "ok - 11205 rows" in out and "766 index export, 34 provinces" in out


def test_validate_reports_every_problem_and_exits_nonzero(write, capsys):
    bad = write("bad.csv", "province,period,indicator,value\n01,2025-7,online_records,12\nXyz,2025-07,online_records,12\n")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2: period:" in err and f"{bad}:3: province:" in err


def test_harmonise_writes_the_contract(tmp_path, capsys):
    out = tmp_path / "h.csv"
    assert main(["harmonise", str(paths.PANEL_CSV), "--out", str(out)]) == 0
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("province_code,province_name,period,indicator,numerator,denominator,value")


def test_index766_command(tmp_path):
    out = tmp_path / "s.csv"
    assert main(["index766", str(paths.INDEX766_XLSX), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count("\n") == 2 * 34 * 7 + 1


def test_user_mistake_has_no_traceback(write):
    missing = write("x.csv", "").parent / "nope.csv"
    proc = subprocess.run([sys.executable, "-m", "dxanalysis", "harmonise", str(missing), "--out", "o.csv"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "file not found" in proc.stderr and "Traceback" not in proc.stderr
