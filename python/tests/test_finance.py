"""satool.finance against the command line: the same panel and seed give the same results.json,
from a CSV or from a pandas DataFrame; bad input raises with the CLI's messages."""

import numpy as np
import pandas as pd
import pytest

from satool.finance import Panel
from conftest import FINANCE_METHODS, FINANCE_START, PRICES, without


@pytest.fixture(scope="module")
def panel():
    return Panel.from_csv(PRICES, start=FINANCE_START)


def test_panel_reads_like_the_cli(panel, finance_cli):
    assert panel.tickers == finance_cli["tickers"]["kept"]
    assert panel.format == "wide"
    assert len(panel.dates) == finance_cli["input"]["days"]
    assert panel.dates[0].strftime("%Y-%m-%d") == finance_cli["input"]["first_date"]
    r = panel.returns
    assert r.shape == (finance_cli["input"]["days"] - 1, finance_cli["parameters"]["d"])
    # log returns of the prices, checked with pandas on the raw file
    raw = pd.read_csv(PRICES, index_col=0, parse_dates=True).loc[FINANCE_START:]
    np.testing.assert_allclose(r.values, np.log(raw).diff().iloc[1:][panel.tickers].values, rtol=1e-9, atol=1e-14)


def test_compare_equals_results_json(panel, finance_cli):
    table, results = panel.compare(methods=FINANCE_METHODS, seed=3)
    assert without(results, {"seconds"}) == without(finance_cli, {"seconds"})
    assert table.index.tolist() == FINANCE_METHODS


def test_from_prices_gives_the_same_results(finance_cli):
    prices = pd.read_csv(PRICES, index_col=0, parse_dates=True)
    panel = Panel.from_prices(prices, start=FINANCE_START)
    _, results = panel.compare(methods=FINANCE_METHODS, seed=3)
    # the DataFrame went through a temporary CSV: only the input path differs
    assert without(results, {"seconds", "path"}) == without(finance_cli, {"seconds", "path"})


def test_nan_prices_follow_the_cli_rules():
    dates = pd.bdate_range("2020-01-01", periods=120)
    rng = np.random.default_rng(0)
    prices = pd.DataFrame(
        np.exp(np.cumsum(rng.normal(0, 0.01, (120, 4)), axis=0)) * 50, index=dates, columns=["A", "B", "C", "D"]
    )
    prices.iloc[30, 2] = np.nan  # C misses a day: dropped, with the reason
    panel = Panel.from_prices(prices)
    assert panel.tickers == ["A", "B", "D"]
    assert panel.dropped["ticker"].tolist() == ["C"]
    assert "no price on 1 of" in panel.dropped["reason"][0]
    np.testing.assert_allclose(panel.prices.values, prices[["A", "B", "D"]].values, rtol=1e-15)


def test_errors_carry_the_cli_messages(tmp_path, panel):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        Panel.from_csv(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,A,B\n2020-01-01,1,2\n2020-01-02,x,2\n")
    with pytest.raises(ValueError, match="bad.csv:3"):
        Panel.from_csv(bad)
    with pytest.raises(ValueError, match="prices must be a pandas DataFrame"):
        Panel.from_prices([[1, 2]])
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        panel.compare(methods=["nope"])
    with pytest.raises(ValueError, match="--alpha must be in"):
        panel.compare(alpha=1.5)
