"""pandas price frames in the layouts users hold them, turned into the one layout the CLI's reader
takes (dates × tickers): wide frames, long frames (date, ticker, price columns, any index),
yfinance-style MultiIndex columns (one price field chosen, and named), and returns. Anything that
could be read two ways is an error that says what was found."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np
import pandas as pd

#: The price fields of a yfinance download, in the order a field is chosen by default.
FIELDS = ("Open", "High", "Low", "Close", "Adj Close", "Volume")
DEFAULT_FIELDS = ("Adj Close", "Close")
# The CLI's date column names (a ticker may be called DAY: Dayforce).
DATE_NAMES = ("date", "datetime", "timestamp")
TICKER_NAMES = ("ticker", "symbol")
PRICE_NAMES = ("price", "adj close", "adj_close", "adjclose", "close")


def _named(columns: List[Any], names: Tuple[str, ...]) -> Optional[Any]:
    """The first column (in ``names`` order) whose name, lowercased, is one of ``names``."""
    lower = {str(c).strip().lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _shown(values: Any, most: int = 8) -> str:
    values = [str(v) for v in values]
    more = f", … ({len(values)} in all)" if len(values) > most else ""
    return ", ".join(repr(v) for v in values[:most]) + more


def wide_prices(
    frame: pd.DataFrame,
    field: Optional[str] = None,
    date_column: Optional[str] = None,
    ticker_column: Optional[str] = None,
    price_column: Optional[str] = None,
) -> Tuple[pd.DataFrame, str]:
    """(dates × tickers prices with a DatetimeIndex, the layout read: "wide", "long (date='…',
    ticker='…', price='…')" or "yfinance MultiIndex (field 'Adj Close'; fields: …)")."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"prices must be a pandas DataFrame (dates × tickers), got {type(frame).__name__}")
    if isinstance(frame.columns, pd.MultiIndex):
        if ticker_column or price_column:
            raise ValueError("prices: ticker_column/price_column name a long frame's columns; these columns are a MultiIndex (use field=)")
        return _multiindex(frame, field)
    if field is not None:
        raise ValueError(f"prices: field={field!r} chooses a level of MultiIndex columns; these columns are flat: {_shown(frame.columns)}")
    columns = list(frame.columns)
    twice = [c for c in dict.fromkeys(frame.columns[frame.columns.duplicated()])]
    if twice:
        raise ValueError(f"prices: column(s) {_shown(twice)} appear more than once; one column per ticker")
    ticker = ticker_column if ticker_column is not None else _named(columns, TICKER_NAMES)
    if ticker is not None:
        return _long(frame, date_column, ticker, price_column)
    if price_column is not None:
        raise ValueError(f"prices: price_column={price_column!r} needs a long frame with a ticker column (ticker_column=); found columns {_shown(columns)}")
    return _wide(frame, date_column)


def _dates(values: Any, what: str) -> pd.DatetimeIndex:
    if isinstance(values, pd.RangeIndex):
        raise ValueError(
            f"prices: {what} is a RangeIndex ({values.start}..{values.stop - 1}), not dates: set the dates as the "
            "index (df.set_index('date')), or name the date column (date_column=)"
        )
    try:
        return pd.DatetimeIndex(pd.to_datetime(values))
    except (ValueError, TypeError) as e:
        # pandas' message runs over several lines (with advice on format=): its first says what failed.
        first = (str(e).strip().splitlines() or [type(e).__name__])[0].split(". You might want")[0]
        raise ValueError(f"prices: {what} must be dates ({first})") from None


def _wide(frame: pd.DataFrame, date_column: Optional[str]) -> Tuple[pd.DataFrame, str]:
    date = date_column
    if date is None:
        date = _named(list(frame.columns), DATE_NAMES)
        # With dates already in the index, a numeric column named like a date column is a ticker.
        if date is not None and isinstance(frame.index, pd.DatetimeIndex) and pd.api.types.is_numeric_dtype(frame[date]):
            date = None
    if date is not None:
        if date not in frame.columns:
            raise ValueError(f"prices: no column {date!r} (date_column); found {_shown(frame.columns)}")
        frame = frame.set_index(date)
        what = f"column {date!r}"
    else:
        what = "the index"
    # Numbers held as objects (a database's Decimal, a frame built from Python lists) are numbers.
    objects = [c for c in frame.columns if frame[c].dtype == object]
    if objects:
        frame = frame.copy()
        for c in objects:
            try:
                frame[c] = pd.to_numeric(frame[c])
            except (ValueError, TypeError):
                pass
    text = [c for c in frame.columns if not (pd.api.types.is_numeric_dtype(frame[c]) or frame[c].isna().all())]
    if text:
        raise ValueError(
            f"prices: column(s) {_shown(text)} hold text, not prices; a long frame (one row per date and ticker) "
            "needs its ticker column named (ticker_column=)"
        )
    out = frame.copy()
    out.index = _dates(frame.index, what)
    return out, "wide"


def _long(frame: pd.DataFrame, date_column: Optional[str], ticker: Any, price_column: Optional[str]) -> Tuple[pd.DataFrame, str]:
    columns = list(frame.columns)
    if ticker not in frame.columns:
        raise ValueError(f"prices: no column {ticker!r} (ticker_column); found {_shown(columns)}")
    date = date_column if date_column is not None else _named(columns, DATE_NAMES)
    if date is None and not isinstance(frame.index, pd.DatetimeIndex):
        raise ValueError(
            f"prices: a long frame (ticker column {ticker!r}) needs a date column; found {_shown(columns)} and "
            f"a {type(frame.index).__name__} index (name it with date_column=)"
        )
    if date is not None and date not in frame.columns:
        raise ValueError(f"prices: no column {date!r} (date_column); found {_shown(columns)}")
    price = price_column
    if price is None:
        numeric = [c for c in columns if c not in (date, ticker) and pd.api.types.is_numeric_dtype(frame[c])]
        price = _named(numeric, PRICE_NAMES) or (numeric[0] if len(numeric) == 1 else None)
        if price is None:
            raise ValueError(
                f"prices: a long frame (ticker column {ticker!r}) with {len(numeric)} numeric columns "
                f"({_shown(numeric)}): name the price column (price_column=)"
            )
    if price not in frame.columns:
        raise ValueError(f"prices: no column {price!r} (price_column); found {_shown(columns)}")
    dates = _dates(frame[date] if date is not None else frame.index, f"column {date!r}" if date is not None else "the index")
    rows = pd.DataFrame({"date": dates, "ticker": frame[ticker].astype(str).to_numpy(), "price": frame[price].to_numpy()})
    dup = rows.duplicated(["date", "ticker"], keep=False).to_numpy()
    if dup.any():
        first, second = np.flatnonzero(dup)[:2]
        d, t = rows.iloc[first][["date", "ticker"]]
        raise ValueError(
            f"prices: ({d:%Y-%m-%d}, {t}) appears twice in the long frame (rows {first} and {second}, counted from 0): one price "
            "per date and ticker"
        )
    wide = rows.pivot(index="date", columns="ticker", values="price").sort_index()
    wide = wide[list(dict.fromkeys(rows["ticker"]))]
    wide.columns.name = None
    return wide, f"long (date={_label(date)}, ticker={ticker!r}, price={price!r})"


def _label(date: Any) -> str:
    return "the index" if date is None else repr(date)


def _multiindex(frame: pd.DataFrame, field: Optional[str]) -> Tuple[pd.DataFrame, str]:
    if frame.columns.nlevels != 2:
        raise ValueError(f"prices: MultiIndex columns with {frame.columns.nlevels} levels; expected 2 (field, ticker) as yfinance gives")
    levels = [list(dict.fromkeys(frame.columns.get_level_values(i))) for i in range(2)]
    known = [sum(str(v) in FIELDS for v in lv) for lv in levels]
    if field is not None:
        where = [i for i, lv in enumerate(levels) if field in lv]
    else:
        where = [i for i in range(2) if known[i] > 0 and known[1 - i] == 0]
    if len(where) != 1:
        raise ValueError(
            f"prices: MultiIndex columns whose levels are {_shown(levels[0])} and {_shown(levels[1])}: "
            + (f"field {field!r} is in {'both' if where else 'neither'}" if field is not None else "no level holds the price fields " + _shown(FIELDS))
        )
    level = where[0]
    if field is None:
        field = next((f for f in DEFAULT_FIELDS if f in levels[level]), None)
        if field is None:
            raise ValueError(f"prices: the MultiIndex fields are {_shown(levels[level])}, without 'Adj Close' or 'Close': choose one (field=)")
    wide = frame.xs(field, axis=1, level=level)
    out, _ = _wide(wide, None)
    return out, f"yfinance MultiIndex (field {field!r}; fields: {', '.join(map(str, levels[level]))})"


def prices_from_returns(returns: pd.DataFrame, kind: str, base_date: Any) -> pd.DataFrame:
    """Prices (starting at 1 on ``base_date``, or one business day before the first return) whose
    daily returns are ``returns`` (``kind``: "log" or "simple")."""
    if not isinstance(returns, pd.DataFrame):
        raise ValueError(f"returns must be a pandas DataFrame (dates × tickers), got {type(returns).__name__}")
    if kind not in ("log", "simple"):
        raise ValueError(f"kind must be 'log' or 'simple', got {kind!r}")
    frame, layout = wide_prices(returns)
    if layout != "wide":
        raise ValueError(f"returns: expected a wide frame (dates × tickers), found a {layout} frame")
    if len(frame) == 0:
        raise ValueError("returns: no rows")
    twice = frame.index[frame.index.duplicated()]
    if len(twice):
        raise ValueError(f"returns: the date {twice[0]:%Y-%m-%d} appears more than once; one row of returns per date")
    # The returns compound in date order, whatever the rows' order.
    frame = frame.sort_index()
    values = frame.to_numpy(dtype=np.float64)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        i, j = bad[0]
        raise ValueError(f"returns: {frame.columns[j]} on {frame.index[i]:%Y-%m-%d} is {values[i, j]} ({len(bad)} missing or non-finite in all); returns must be complete")
    if kind == "simple":
        if (values <= -1).any():
            i, j = np.argwhere(values <= -1)[0]
            raise ValueError(f"returns: {frame.columns[j]} on {frame.index[i]:%Y-%m-%d} is {values[i, j]} ≤ −1 (a simple return below −100%)")
        values = np.log1p(values)
    base = pd.Timestamp(base_date) if base_date is not None else frame.index[0] - pd.offsets.BDay(1)
    if base >= frame.index[0]:
        raise ValueError(f"base_date {base:%Y-%m-%d} is not before the first return ({frame.index[0]:%Y-%m-%d})")
    prices = np.exp(np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)]))
    return pd.DataFrame(prices, index=pd.DatetimeIndex([base]).append(frame.index), columns=frame.columns)
