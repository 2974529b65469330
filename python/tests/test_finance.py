"""satool.finance against the command line: the same panel and seed give the same results.json,
from a CSV or from a pandas DataFrame; bad input raises with the CLI's messages."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import satool
from satool.finance import Panel, portfolio_risk
from conftest import FINANCE_METHODS, FINANCE_START, PRICES, run_cli, without


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
    # the DataFrame went through a temporary CSV: only the input path differs, and names the frame
    assert without(results, {"seconds", "path"}) == without(finance_cli, {"seconds", "path"})
    assert results["input"]["path"] == "prices DataFrame"


def test_nan_prices_follow_the_cli_rules():
    dates = pd.bdate_range("2020-01-01", periods=120)
    rng = np.random.default_rng(0)
    prices = pd.DataFrame(
        np.exp(np.cumsum(rng.normal(0, 0.01, (120, 4)), axis=0)) * 50, index=dates, columns=["A", "B", "C", "D"]
    )
    prices.iloc[30, 2] = np.nan  # C misses a day
    # by default a one-day gap is forward-filled (fill_limit=5): C is kept, its price carried
    filled = Panel.from_prices(prices)
    assert filled.tickers == ["A", "B", "C", "D"]
    np.testing.assert_allclose(filled.prices.values, prices.ffill().values, rtol=1e-15)
    # with fill_limit=0 the gap drops C, with the reason
    panel = Panel.from_prices(prices, fill_limit=0)
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


def test_dataframe_and_mapping_errors_name_rows_and_entries_not_temporary_files(panel):
    dates = pd.bdate_range("2020-01-01", periods=40)
    prices = pd.DataFrame({"A": np.linspace(10, 20, 40), "B": np.linspace(5, 7, 40)}, index=dates)
    bad = prices.copy()
    bad.iloc[20, 1] = -1.0
    with pytest.raises(ValueError) as e:
        Panel.from_prices(bad)
    assert str(e.value) == "prices DataFrame row 20 (2020-01-29): column 'B': price -1 is not positive"
    repeated = prices.set_axis(list(dates[:39]) + [dates[38]])
    with pytest.raises(ValueError) as e:
        Panel.from_prices(repeated)
    assert str(e.value) == (
        "prices DataFrame row 39 (2020-02-24): the index: date 2020-02-24 already appeared on row 38 (2020-02-24)"
    )
    with pytest.raises(ValueError) as e:
        Panel.from_prices(prices[["A"]])
    assert str(e.value).startswith("prices DataFrame: 1 ticker(s) left after filtering, need at least 2")
    a, b = panel.tickers[:2]
    with pytest.raises(ValueError) as e:
        panel.compare(methods=["bootstrap"], weights={a: 1.0, b: float("nan")})
    assert str(e.value) == f"weights['{b}']: weight 'NaN' is not finite"
    with pytest.raises(ValueError) as e:
        panel.compare(methods=["bootstrap"], weights={a: 0.0})
    assert str(e.value) == "weights: the weights sum to 0; they must sum to a positive number"


def test_bad_values_and_types_raise_like_the_cli(panel, satool_bin):
    r = run_cli(satool_bin, "finance", "--prices", str(PRICES), "--condition-regime", "mid")
    with pytest.raises(ValueError) as e:
        panel.compare(condition_regime="mid")
    assert r.returncode == 2 and r.stderr.startswith(f"error: {e.value}\n\n")
    with pytest.raises(ValueError, match=r"^invalid value '0' for '--beta <BETA>': 0 is out of range: 1e-6 ≤ β ≤ 1e6$"):
        panel.compare(beta=0.0)
    with pytest.raises(ValueError, match=r"^the argument '--condition-dates <START..END>' cannot be used with '--condition-regime <REGIME>'$"):
        panel.compare(condition_dates=("2018-01-01", "2018-06-01"), condition_regime="high-vol")
    with pytest.raises(ValueError, match=r"start 2018-06-01 is after end 2018-01-01"):
        panel.compare(condition_dates=("2018-06-01", "2018-01-01"))
    with pytest.raises(TypeError, match="argument 'regimes'"):
        panel.compare(regimes="four")
    with pytest.raises(ValueError, match="argument 'fill_limit'"):
        Panel.from_csv(PRICES, fill_limit=-1)


def cli_paths(satool_bin, tmp_path, *args):
    out = tmp_path / "out"
    r = run_cli(satool_bin, "finance", "--prices", str(PRICES), "--start", FINANCE_START, "--out", str(out), "-q", *args)
    assert r.returncode == 0, r.stderr
    return out


@pytest.mark.parametrize("method", ["sa_paths", "block_bootstrap"])
def test_scenarios_equal_the_cli_path_file(panel, satool_bin, tmp_path, method):
    out = cli_paths(satool_bin, tmp_path, "--methods", method, "--scenarios", "40", "--horizon", "7", "--seed", "2")
    cli = pd.read_csv(out / f"{method}.paths.csv")
    paths = panel.scenarios(40, 7, method=method, seed=2)
    assert paths.columns.tolist() == ["scenario", "day", "ticker", "log_return"]
    pd.testing.assert_frame_equal(paths, cli[paths.columns.tolist()], check_exact=True)
    cube = panel.scenarios(40, 7, method=method, seed=2, as_array=True)
    assert cube.shape == (40, 7, len(panel.tickers))
    np.testing.assert_array_equal(cube.reshape(-1), cli["log_return"].values)
    # a different seed gives different paths; raw=True skips the rescaling
    assert not np.array_equal(cube, panel.scenarios(40, 7, method=method, seed=3, as_array=True))


def test_raw_paths_differ_only_by_scale(panel):
    scaled = panel.scenarios(30, 5, seed=1, as_of="unconditional", as_array=True)
    raw = panel.scenarios(30, 5, seed=1, as_of="unconditional", raw=True, as_array=True)
    assert not np.array_equal(scaled, raw)
    assert np.corrcoef(scaled.reshape(-1), raw.reshape(-1))[0, 1] > 0.9
    # The default is the forecast from the last day, whose paths keep their scale.
    assert np.array_equal(panel.scenarios(30, 5, seed=1, as_array=True),
                          panel.scenarios(30, 5, seed=1, as_of="last", raw=True, as_array=True))


def test_risk_equals_the_cli_risk_table(panel, satool_bin, tmp_path):
    weights = {"AAPL": 0.5, "JPM": 0.3, "XOM": 0.2}
    wfile = tmp_path / "w.csv"
    wfile.write_text("ticker,weight\n" + "".join(f"{t},{w}\n" for t, w in weights.items()))
    out = cli_paths(satool_bin, tmp_path, "--methods", "sa_paths", "--scenarios", "500", "--horizon", "20",
                    "--seed", "4", "--weights", str(wfile))
    cli = json.loads((out / "results.json").read_text())["risk"]["methods"][0]
    assert cli["id"] == "sa_paths" and cli["from"] == "paths"
    ours = panel.risk(weights, n=500, horizon=20, seed=4)
    assert ours.index.tolist() == [h["horizon"] for h in cli["horizons"]] == [1, 5, 10, 20]
    for h in cli["horizons"]:
        row = ours.loc[h["horizon"]]
        assert row["paths"] == h["paths"] == 500
        for t in h["tails"]:
            assert row[f"var_{t['level']:g}"] == pytest.approx(t["var"], rel=1e-12)
            assert row[f"es_{t['level']:g}"] == pytest.approx(t["es"], rel=1e-12)
        assert row["drawdown_mean"] == pytest.approx(h["drawdown_mean"], rel=1e-12)
    # the same table from the same paths through compare()
    _, results = panel.compare(methods=["bootstrap"], seed=4, weights=pd.Series(weights))
    assert results["risk"]["weights_used"][panel.tickers.index("JPM")] == pytest.approx(0.3)


def test_portfolio_risk_matches_numpy():
    rng = np.random.default_rng(7)
    paths = rng.standard_t(4, (2000, 10, 3)) * 0.01
    w = np.array([2.0, 1.0, 1.0])
    r = portfolio_risk(paths, w, levels=[0.9, 0.99], horizons=[1, 10])
    port = np.exp(paths) @ (w / w.sum()) - 1.0  # daily rebalanced portfolio simple return
    for h in (1, 10):
        total = np.prod(1.0 + port[:, :h], axis=1) - 1.0  # compounded
        for level in (0.9, 0.99):
            q = np.quantile(total, 1 - level)  # linear, NumPy's default
            assert r.loc[h, f"var_{level:g}"] == pytest.approx(-q, rel=1e-12)
            assert r.loc[h, f"es_{level:g}"] == pytest.approx(-total[total <= q].mean(), rel=1e-12)
        value = np.concatenate([np.ones((len(total), 1)), np.cumprod(1.0 + port[:, :h], axis=1)], axis=1)
        dd = (1.0 - value / np.maximum.accumulate(value, axis=1)).max(axis=1)
        assert r.loc[h, "drawdown_mean"] == pytest.approx(dd.mean(), rel=1e-12)
        assert r.loc[h, "drawdown_q95"] == pytest.approx(np.quantile(dd, 0.95), rel=1e-12)


def test_scenario_and_risk_errors(panel):
    with pytest.raises(ValueError, match="historical"):
        panel.scenarios(10, 5, method="historical")
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        panel.scenarios(10, 5, method="nope")
    with pytest.raises(ValueError, match="ticker 'NOPE' is not among the 20 tickers kept"):
        panel.risk({"NOPE": 1.0}, n=10)
    with pytest.raises(ValueError, match="ticker 'NOPE' is not among the 20 tickers kept"):
        panel.compare(methods=["bootstrap"], weights={"NOPE": 1.0})
    with pytest.raises(ValueError, match="horizons: 30 is not in 1..=20"):
        panel.risk(n=10, horizon=20, horizons=[1, 30])
    with pytest.raises(ValueError, match="levels"):
        portfolio_risk(np.zeros((5, 2, 1)), [1.0], levels=[1.5])
    with pytest.raises(ValueError, match="sum to"):
        portfolio_risk(np.zeros((5, 2, 2)), [1.0, -1.0])
    with pytest.raises(ValueError, match="2 weights for 3 tickers"):
        portfolio_risk(np.zeros((5, 2, 3)), [1.0, 1.0])
    assert portfolio_risk(np.zeros((5, 7, 1)), [1.0]).index.tolist() == [1, 5, 7]
    with pytest.raises(TypeError, match="unexpected option"):
        panel.scenarios(10, 5, betta=3)


def test_list_arguments_and_non_finite_inputs(panel):
    # numpy and pandas horizons are horizons; an empty list is an error, not a KeyError.
    by_list = panel.risk(n=50, horizons=[1, 5])
    pd.testing.assert_frame_equal(panel.risk(n=50, horizons=np.array([1, 5])), by_list)
    pd.testing.assert_frame_equal(panel.risk(n=50, horizons=pd.Series([1, 5])), by_list)
    for empty in ([], np.array([], dtype=int)):
        with pytest.raises(ValueError, match="horizons: empty"):
            panel.risk(n=50, horizons=empty)
    with pytest.raises(ValueError, match="horizons: empty"):
        portfolio_risk(np.zeros((5, 2, 1)), [1.0], horizons=[])
    # One method id is one method, not its letters; no method is an error.
    table, _ = panel.compare(methods="bootstrap")
    assert table.index.tolist() == ["bootstrap"]
    with pytest.raises(ValueError, match="names no method"):
        panel.compare(methods=[])
    # A date object splits like its text; condition_dates takes the CLI's START..END.
    _, by_text = panel.compare(methods=["bootstrap"], backtest_split="2019-06-03")
    _, by_stamp = panel.compare(methods=["bootstrap"], backtest_split=pd.Timestamp("2019-06-03"))
    assert by_text["backtest"] == by_stamp["backtest"]
    span = panel.scenarios(20, 2, method="bootstrap", condition_dates="2018-02-01..2018-04-30")
    pd.testing.assert_frame_equal(span, panel.scenarios(20, 2, method="bootstrap", condition_dates=("2018-02-01", "2018-04-30")))
    with pytest.raises(ValueError, match="start: 2020 is a number, not a date"):
        Panel.from_csv(PRICES, start=2020)
    # Non-finite paths and weights are named, not an internal error or a wrong message.
    cube = np.zeros((5, 6, 2))
    cube[3, 4, 1] = np.inf
    with pytest.raises(ValueError, match=r"paths\[3, 4, 1\] \(path 4, day 5, ticker 2\) is inf"):
        portfolio_risk(cube, [0.5, 0.5])
    with pytest.raises(ValueError, match="weights\\['AMD'\\]: weight nan is not finite"):
        panel.risk({"AMD": float("nan"), "AAPL": 1.0}, n=10)


def test_finance_warnings_are_satool_warnings_naming_the_frame():
    panel = Panel.from_prices(pd.read_csv(PRICES, index_col=0, parse_dates=True).loc["2019":"2020"])
    with pytest.warns(satool.SatoolWarning, match="^prices DataFrame: the file ends on 2020-12-31, before --as-of 2030-01-01"):
        panel.scenarios(10, 2, method="bootstrap", as_of="2030-01-01")
    with warnings.catch_warnings():
        warnings.simplefilter("error", satool.SatoolWarning)
        with pytest.raises(satool.SatoolWarning):
            panel.scenarios(10, 2, method="bootstrap", as_of="2030-01-01")


def test_weights_must_be_equal_or_a_mapping(panel):
    for bad, shown in (("half", "'half'"), ([0.5, 0.5], "list")):
        with pytest.raises(ValueError, match=f"got {shown}"):
            panel.risk(bad, n=10)
        with pytest.raises(ValueError, match=f"got {shown}"):
            panel.compare(methods=["bootstrap"], weights=bad)


def test_backtest_equals_the_cli_backtest(panel, satool_bin, tmp_path):
    out = cli_paths(satool_bin, tmp_path, "--backtest", "2019-06-03..2019-08-30", "--refit-every", "30", "--seed", "3")
    cli = json.loads((out / "results.json").read_text())
    days, results = panel.backtest("2019-06-03", pd.Timestamp("2019-08-30"), refit_every=30, seed=3)
    assert without(results, {"timing"}) == without(cli, {"timing"})
    assert [m["id"] for m in results["methods"]] == ["historical", "garch_fhs", "sa_paths"]
    assert results["days"] == len(days) == 64 and results["refits"] == 3 and results["horizon"]["blocks"] == 6
    pd.testing.assert_frame_equal(days, pd.read_csv(out / "backtest.csv", parse_dates=["date"], index_col="date"),
                                  check_exact=True)
    # every exceedance date is a day whose return is below −VaR
    for m in results["methods"]:
        for t in m["tests"]:
            hit = days["portfolio_return"] < -days[f"{m['id']}_var{100 * t['level']:g}"]
            assert days.index[hit].strftime("%Y-%m-%d").tolist() == t["exceedance_dates"]


@pytest.mark.parametrize("state", ["ewma-blend", "multiscale", "runs"])
def test_paths_state_equals_the_cli(panel, satool_bin, tmp_path, state):
    """paths_state reaches sa_paths' paths and the backtest's forecasts as --paths-state does
    (runs' one-day forecasts are the default's: a path's first day has no run to continue)."""
    out = cli_paths(satool_bin, tmp_path, "--methods", "sa_paths", "--scenarios", "30", "--horizon", "5",
                    "--paths-state", state)
    cube = panel.scenarios(30, 5, paths_state=state, as_array=True)
    np.testing.assert_array_equal(cube.reshape(-1), pd.read_csv(out / "sa_paths.paths.csv")["log_return"].values)
    assert not np.array_equal(cube, panel.scenarios(30, 5, as_array=True))
    out = cli_paths(satool_bin, tmp_path / state, "--backtest", "2019-06-03..2019-07-31", "--refit-every", "30",
                    "--methods", "sa_paths", "--paths-state", state)
    days, results = panel.backtest("2019-06-03", "2019-07-31", refit_every=30, methods=["sa_paths"],
                                   paths_state=state)
    assert results["paths_state"] == state
    pd.testing.assert_frame_equal(days, pd.read_csv(out / "backtest.csv", parse_dates=["date"], index_col="date"),
                                  check_exact=True)
    default, _ = panel.backtest("2019-06-03", "2019-07-31", refit_every=30, methods=["sa_paths"])
    assert default["sa_paths_var99"].equals(days["sa_paths_var99"]) == (state == "runs")
    with pytest.raises(ValueError, match="--paths-state"):
        panel.scenarios(3, 2, paths_state="garch")


def test_as_of_paths_equal_the_cli(panel, satool_bin, tmp_path):
    out = cli_paths(satool_bin, tmp_path, "--methods", "sa_paths", "--scenarios", "30", "--horizon", "5",
                    "--as-of", "2019-12-31")
    cli = pd.read_csv(out / "sa_paths.paths.csv")
    for as_of in ["2019-12-31", pd.Timestamp("2019-12-31")]:
        cube = panel.scenarios(30, 5, as_of=as_of, as_array=True)
        np.testing.assert_array_equal(cube.reshape(-1), cli["log_return"].values)
    assert not np.array_equal(cube, panel.scenarios(30, 5, as_of="unconditional", as_array=True))


@pytest.mark.parametrize("python_kw, cli_args", [
    ({"as_of": "yesterday"}, ["--scenarios", "10", "--horizon", "5", "--as-of", "yesterday"]),
    ({"backtest": ("2019-09-01", "2019-06-01")}, ["--backtest", "2019-09-01..2019-06-01"]),
    ({"backtest": "2019-06-01..2019-13-01"}, ["--backtest", "2019-06-01..2019-13-01"]),
    ({"backtest": ("2019-06-01", "2019-09-01"), "refit_every": 0}, ["--backtest", "2019-06-01..2019-09-01",
                                                                    "--refit-every", "0"]),
])
def test_as_of_and_backtest_values_are_refused_like_the_cli(satool_bin, python_kw, cli_args):
    from satool import _native

    r = run_cli(satool_bin, "finance", "--prices", str(PRICES), *cli_args)
    with pytest.raises(ValueError) as e:
        _native.finance_results(prices=str(PRICES), **python_kw)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {e.value}\n"), (r.stderr, str(e.value))


def test_backtest_argument_types(panel):
    from satool import _native

    with pytest.raises(ValueError, match="argument 'refit_every'"):
        panel.backtest("2019-06-03", "2019-08-30", refit_every=-1)
    with pytest.raises(TypeError, match="argument 'backtest'"):
        _native.finance_results(prices=str(PRICES), backtest=(1, 2))
    with pytest.raises(ValueError, match="^the argument '--backtest <START..END>' cannot be used with '--scenarios <N>'$"):
        _native.finance_results(prices=str(PRICES), backtest=("2019-06-03", "2019-08-30"), scenarios=10, horizon=5)
