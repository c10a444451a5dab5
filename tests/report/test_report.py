"""Report helpers: the headline is the targets still ahead; history is the ones already past."""

import pandas as pd
import pytest

from dxanalysis import report
from dxanalysis.forecast import forecast


@pytest.fixture(scope="module")
def result():
    return forecast()


def test_default_as_of_is_the_last_bundled_month(result):
    assert set(result["as_of"]) == {"2026-10"}


def test_headline_and_history_never_mix(result):
    for code in result["province_code"].unique():
        headline = report.headline_table(result, code)
        history = report.history_table(result, code)
        assert len(headline) >= 5, code  # every province has targets still ahead
        # dates as readers read them (31 Dec 2026), kept on one line by no-break spaces
        assert headline["deadline"].str.fullmatch(r"\d{1,2}\u00a0[A-Z][a-z]{2}\u00a0\d{4}").all()

        def shown(dates):
            return pd.to_datetime(dates.str.replace("\u00a0", " "), format="%d %b %Y")

        assert (shown(headline["deadline"]) > pd.Timestamp("2026-10-31")).all()
        assert (shown(history["deadline"]) <= pd.Timestamp("2026-10-31")).all()
        assert len(headline) + len(history) == (result["province_code"] == code).sum()
        assert set(history["verdict"]) <= {"met", "missed", "no data"}


def test_headline_says_which_targets_are_to_confirm(result):
    headline = report.headline_table(result, "01")
    assert "to confirm (medium)" in set(headline["target's source"])
    assert "confirmed" in set(headline["target's source"])


def test_narratives_split_the_same_way(result):
    ahead = report.narrative(result, "19")
    past = report.narrative(result, "19", ahead=False)
    assert all("2025" not in line.split(" by ")[-1][:20] for line in ahead if " by " in line)
    assert all(("was met" in line) or ("was missed" in line) or line.startswith("No data") for line in past)


def test_scores_2026_with_rank():
    table = report.scores_2026("01")
    assert table.loc["total", "of"] == 100
    assert 1 <= table.loc["total", "rank among 34"] <= 34
    points = table["points"].astype(float)  # shown as text in the report language's number format
    assert points.iloc[:6].sum() == pytest.approx(points.loc["total"], abs=0.05)
