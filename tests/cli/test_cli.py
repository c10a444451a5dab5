import subprocess
import sys

from dxanalysis.cli.main import main
from dxanalysis.core import paths


def test_validate_bundled_data_is_clean(capsys):
    assert main(["validate", str(paths.PANEL_CSV), str(paths.INDEX766_XLSX)]) == 0
    out = capsys.readouterr().out
    assert "ok - 18165 rows" in out and "766 table (766-2025 scale), 34 provinces" in out


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
    proc = subprocess.run(
        [sys.executable, "-m", "dxanalysis", "harmonise", str(missing), "--out", "o.csv"], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_validate_accepts_percent_only_legacy_file_and_says_weights_are_needed(write, capsys):
    wide = write("online_records.csv", "Tỉnh,2025-03,2025-04\nBắc Kạn,10,11\nThái Nguyên,30,31\nHà Nội,20,21\n")
    assert main(["validate", str(wide)]) == 0
    out = capsys.readouterr().out
    assert "ok - 6 rows" in out and "2 merged province-months have only percentages" in out


def test_ceiling_targets_are_refused(tmp_path):
    import pytest

    from dxanalysis.core.errors import DxError
    from dxanalysis.core.registry import load_targets

    path = tmp_path / "t.yaml"
    path.write_text(
        "targets:\n  - {id: x, indicator: online_records, threshold: 10, comparator: '<=', "
        "deadline: 2025-12-31, source: s}\n",
        encoding="utf-8",
    )
    with pytest.raises(DxError, match="not supported"):
        load_targets(path=path)


def test_forecast_command_on_a_folder_of_old_and_new_provinces(tmp_path, capsys):
    import pandas as pd

    folder = tmp_path / "data"
    folder.mkdir()
    old = ["province,period,indicator,numerator,denominator,source"]
    for month in range(1, 7):
        old += [
            f"06,2025-{month:02d},online_records,{10 + month},100,s",
            f"19,2025-{month:02d},online_records,{30 + month},100,s",
        ]
    (folder / "old.csv").write_text("\n".join(old) + "\n", encoding="utf-8")
    new = ["province,period,indicator,numerator,denominator,source"]
    new += [f"Thái Nguyên,2025-{m:02d},online_records,{45 + m},200,s" for m in range(7, 11)]
    (folder / "new.csv").write_text("\n".join(new) + "\n", encoding="utf-8")
    out = tmp_path / "f.csv"
    assert main(["forecast", str(folder), "--as-of", "2025-10", "--out", str(out)]) == 0
    result = pd.read_csv(out, dtype={"province_code": str})
    row = result[(result.province_code == "19") & (result.target_id == "online_records")].iloc[0]
    assert row.last_period == "2025-10" and abs(row.last_value - 55 / 200 * 100) < 1e-9
    assert row.status in ("off_track", "needs_acceleration") and 0 <= row.p_hit <= 1
    assert (result[result.province_code == "79"].status == "no_data").all()
    assert (result[(result.province_code == "19") & (result.target_id == "adult_online_users")].status == "no_data").all()


def test_backtest_command_prints_the_comparison(tmp_path, capsys):
    from dxanalysis.core import paths

    assert main(["backtest", str(paths.PANEL_CSV), "--out", str(tmp_path), "--models", "naive,pooled"]) == 0
    out = capsys.readouterr().out
    assert "brier_target" in out and "pooled" in out and "naive" in out
    assert (tmp_path / "backtest_summary.csv").exists() and (tmp_path / "backtest_reliability.csv").exists()
    assert not (tmp_path / "backtest_scores.csv").exists()


def test_bad_forecast_parameters_exit_2(capsys):
    assert main(["forecast", "--as-of", "2025/10", "--out", "x.csv"]) == 2
    assert "as_of '2025/10' is not YYYY-MM" in capsys.readouterr().err


def test_synth_refuses_a_negative_seed(tmp_path, capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_info:
        main(["synth", "--out", str(tmp_path / "x.csv"), "--seed", "-1"])
    assert exit_info.value.code == 2 and "negative" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_backtest_on_short_data_says_how_many_months_it_needs(tmp_path, capsys):
    rows = ["province,period,indicator,numerator,denominator,source"]
    rows += [f"01,2026-{m:02d},online_records,{10 + m},100,s" for m in range(7, 11)]
    path = tmp_path / "short.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["backtest", str(path), "--out", str(tmp_path / "bt")]) == 2
    err = capsys.readouterr().err
    assert "needs at least 7 months" in err and "cover 4" in err and "Traceback" not in err


EU_FILE = (
    "province;period;indicator;numerator;denominator\n"
    "Bến Tre;2025-05;online_records;1.800;2.000\n"
    "Trà Vinh;2025-05;online_records;1.500;3.000\n"
    "Vĩnh Long;2025-05;online_records;1.000;5.000\n"
)


def test_declared_separators_read_thousands_dots_and_the_merger_stays_exact(write, tmp_path, capsys):
    eu = write("eu.csv", EU_FILE)
    # undeclared: 1.800 is refused, never read as 1.8 (which put the merged province at 10%, not 43%)
    assert main(["validate", str(eu)]) == 1
    assert f"{eu}:2: numerator: 1.8 is not a whole number" in capsys.readouterr().err
    out = tmp_path / "h.csv"
    assert main(["harmonise", str(eu), "--decimal", ",", "--thousands", ".", "--out", str(out)]) == 0
    import pandas as pd

    merged = pd.read_csv(out, dtype={"province_code": str}).query("province_code == '86'").iloc[0]
    assert (merged["numerator"], merged["denominator"]) == (4300, 10000)
    assert abs(merged["value"] - 43.0) < 1e-9


def test_separators_rewritten_once_for_the_batch(write, tmp_path):
    from dxanalysis.data.observations import load_observations
    from dxanalysis.data.readers import NumberFormat
    from dxanalysis.run.publish import read_with_separators

    eu = write("eu.csv", EU_FILE)
    folder = read_with_separators([eu], NumberFormat.from_args(",", "."), tmp_path / "build")
    plain = load_observations(next(folder.glob("*.csv")))  # read back with no declaration at all
    assert plain["numerator"].tolist() == [1800.0, 1500.0, 1000.0]


def test_conflicting_separators_exit_2_without_traceback(write):
    eu = write("eu.csv", EU_FILE)
    proc = subprocess.run(
        [sys.executable, "-m", "dxanalysis", "validate", str(eu), "--decimal", ",", "--thousands", ","],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "two different separators" in proc.stderr and "Traceback" not in proc.stderr
