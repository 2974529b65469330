"""Panel from the frames pandas users hold: a yfinance-style MultiIndex, a long frame with any
index, and returns, each equal to the CSV route on sp500; frames that could be read two ways (or
not at all) are errors saying what was found."""

import numpy as np
import pandas as pd
import pytest

from satool.finance import Panel
from conftest import FINANCE_START, PRICES, without

START = "2018-01-01"


@pytest.fixture(scope="module")
def csv_panel():
    return Panel.from_csv(PRICES, start=START)


@pytest.fixture(scope="module")
def wide():
    return pd.read_csv(PRICES, index_col=0, parse_dates=True)


def same_panel(panel, csv_panel):
    assert panel.tickers == csv_panel.tickers and len(panel.tickers) == 20
    pd.testing.assert_index_equal(panel.dates, csv_panel.dates)
    pd.testing.assert_frame_equal(panel.prices, csv_panel.prices, check_exact=True)
    pd.testing.assert_frame_equal(panel.returns, csv_panel.returns, check_exact=True)


def yfinance_frame(wide, ticker_first=False):
    """As yfinance.download(tickers) gives it: (field, ticker) columns; Close differs from
    Adj Close (dividends), so reading the wrong field is caught."""
    fields = {"Open": wide * 0.99, "High": wide * 1.02, "Low": wide * 0.97, "Close": wide * 1.05, "Adj Close": wide,
              "Volume": wide * 0 + 1e6}
    frame = pd.concat(fields, axis=1)
    return frame.swaplevel(axis=1).sort_index(axis=1) if ticker_first else frame


def test_yfinance_multiindex_reads_adj_close_and_says_so(wide, csv_panel):
    panel = Panel.from_prices(yfinance_frame(wide), start=START)
    same_panel(panel, csv_panel)
    assert panel.format == "yfinance MultiIndex (field 'Adj Close'; fields: Open, High, Low, Close, Adj Close, Volume)"
    # group_by="ticker" puts the ticker first; the tickers then come sorted
    panel = Panel.from_prices(yfinance_frame(wide, ticker_first=True), start=START)
    assert panel.tickers == sorted(csv_panel.tickers)
    pd.testing.assert_frame_equal(panel.returns[csv_panel.tickers], csv_panel.returns, check_exact=True)
    # another field on request: Close = 1.05 × Adj Close here
    close = Panel.from_prices(yfinance_frame(wide), field="Close", start=START)
    assert close.format.startswith("yfinance MultiIndex (field 'Close'")
    np.testing.assert_allclose(close.prices.values, 1.05 * csv_panel.prices.values, rtol=1e-15)
    # without Adj Close, Close is the default
    only_close = yfinance_frame(wide).drop(columns="Adj Close", level=0)
    assert Panel.from_prices(only_close, start=START).format.startswith("yfinance MultiIndex (field 'Close'")


def test_long_frame_with_any_index(wide, csv_panel):
    long = wide.rename_axis("date").reset_index().melt(id_vars="date", var_name="ticker", value_name="price")
    long = long.dropna()
    long.index = np.random.default_rng(0).permutation(len(long))  # any index: shuffled integers
    panel = Panel.from_prices(long, start=START)
    same_panel(panel, csv_panel)
    assert panel.format == "long (date='date', ticker='ticker', price='price')"
    # other column names, a RangeIndex, and a second numeric column named by price_column
    other = long.rename(columns={"date": "Day", "ticker": "Symbol", "price": "px"}).reset_index(drop=True)
    other["volume"] = 1.0
    panel = Panel.from_prices(other, date_column="Day", price_column="px", start=START)
    same_panel(panel, csv_panel)
    assert panel.format == "long (date='Day', ticker='Symbol', price='px')"


def test_returns_route(csv_panel):
    panel = Panel.from_returns(csv_panel.returns, base_date=csv_panel.dates[0])
    assert panel.format == "returns" and panel.tickers == csv_panel.tickers
    pd.testing.assert_index_equal(panel.dates, csv_panel.dates)
    np.testing.assert_allclose(panel.returns.values, csv_panel.returns.values, rtol=0, atol=1e-13)
    # simple returns; the base date defaults to the business day before the first return
    simple = Panel.from_returns(np.expm1(csv_panel.returns), kind="simple")
    np.testing.assert_allclose(simple.returns.values, csv_panel.returns.values, rtol=0, atol=1e-13)
    assert simple.dates[0] == csv_panel.returns.index[0] - pd.offsets.BDay(1)


def test_returns_in_any_row_order_compound_by_date(csv_panel):
    r = csv_panel.returns
    shuffled = pd.concat([r.iloc[5:], r.iloc[:5]]).sample(frac=1, random_state=0)
    panel = Panel.from_returns(shuffled, base_date=csv_panel.dates[0])
    np.testing.assert_allclose(panel.returns.values, r.values, rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match="the date 2018-01-04 appears more than once"):
        Panel.from_returns(pd.concat([r, r.iloc[[1]]]))


def test_a_ticker_named_like_a_date_column_and_repeated_columns(wide, csv_panel):
    # DAY (Dayforce) is a ticker, as the CLI reads it; a DatetimeIndex already holds the dates.
    renamed = wide.rename(columns={"AAPL": "DAY"})
    panel = Panel.from_prices(renamed, start=START)
    assert panel.tickers == ["DAY"] + csv_panel.tickers[1:]
    np.testing.assert_array_equal(panel.returns.values, csv_panel.returns.values)
    assert Panel.from_prices(yfinance_frame(renamed), start=START).tickers == panel.tickers
    # A date pandas cannot read is one line, without pandas' advice that follows it.
    day_first = wide.iloc[:300].set_axis(wide.index[:300].strftime("%d/%m/%Y"))
    with pytest.raises(ValueError, match='^prices: the index must be dates \\(time data "15/01/1990"') as e:
        Panel.from_prices(day_first)
    assert "\n" not in str(e.value) and "You might" not in str(e.value), str(e.value)
    # Numbers held as Python objects are numbers.
    same_panel(Panel.from_prices(wide.astype(object), start=START), csv_panel)
    with pytest.raises(ValueError, match="column\\(s\\) 'AMD' appear more than once; one column per ticker"):
        Panel.from_prices(pd.concat([wide, wide[["AMD"]]], axis=1))


def test_the_same_comparison_from_a_long_frame(wide):
    # tickers in order of first appearance, as the CLI reads a long file: ticker by ticker here
    long = wide.rename_axis("date").reset_index().melt(id_vars="date", var_name="ticker", value_name="price").dropna()
    _, by_frame = Panel.from_prices(long, start=FINANCE_START).compare(methods=["bootstrap"], seed=3)
    _, by_csv = Panel.from_csv(PRICES, start=FINANCE_START).compare(methods=["bootstrap"], seed=3)
    assert without(by_frame["methods"], {"seconds"}) == without(by_csv["methods"], {"seconds"})


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda w: w.reset_index(drop=True),
         "the index is a RangeIndex (0..8312), not dates: set the dates as the index"),
        (lambda w: w.rename_axis("date").reset_index().melt(id_vars="date", var_name="ticker").pipe(lambda f: pd.concat([f, f.iloc[[5]]])),
         "(1990-01-09, AAPL) appears twice in the long frame (rows 5 and 166260, counted from 0)"),
        (lambda w: w.rename_axis("date").reset_index().melt(id_vars="date", var_name="ticker").assign(volume=1.0),
         "a long frame (ticker column 'ticker') with 2 numeric columns ('value', 'volume'): name the price column"),
        (lambda w: w.assign(sector="tech"),
         "column(s) 'sector' hold text, not prices; a long frame (one row per date and ticker) needs its ticker column named"),
        (lambda w: pd.concat({"Bid": w, "Ask": w}, axis=1),
         "MultiIndex columns whose levels are 'Bid', 'Ask' and 'AAPL', 'AMD',"),
        (lambda w: yfinance_frame(w).drop(columns=["Adj Close", "Close"], level=0),
         "the MultiIndex fields are 'Open', 'High', 'Low', 'Volume', without 'Adj Close' or 'Close': choose one (field=)"),
        (lambda w: yfinance_frame(w).rename(columns={"Open": "AAPL"}, level=0),
         "field 'Price' is in neither"),
        (lambda w: w, "field='Price' chooses a level of MultiIndex columns; these columns are flat: 'AAPL', 'AMD',"),
    ],
)
def test_ambiguous_frames_say_what_was_found(wide, make, message):
    kwargs = {"field": "Price"} if "'Price'" in message else {}
    with pytest.raises(ValueError) as e:
        Panel.from_prices(make(wide), **kwargs)
    assert message in str(e.value)
