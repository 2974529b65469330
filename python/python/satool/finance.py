"""Finance: a price history → synthetic multi-asset return scenarios (``satool finance``).

>>> import pandas as pd
>>> from satool.finance import Panel
>>> panel = Panel.from_csv("fixtures/sp500.csv", start="2018-01-01")
>>> panel.returns.shape                       # (days − 1, tickers) daily log returns
>>> table, results = panel.compare(seed=1)    # results == the CLI's results.json

``Panel.from_prices(df)`` takes a pandas DataFrame of prices (dates × tickers, NaN allowed) and
reads it with the command line's rules (tickers without a complete history are dropped and
listed, one-day |log return| > 0.5 is reported as suspect). Scenario and risk APIs are not part of
this module yet (they are being added to the command line first).
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import pandas as pd

from . import _native
from ._options import to_args
from .protein import methods_table

PathLike = Union[str, "os.PathLike[str]"]
DateLike = Union[str, "pd.Timestamp", None]


def _date(d: DateLike) -> Optional[str]:
    return None if d is None else pd.Timestamp(d).strftime("%Y-%m-%d")


class Panel:
    """A daily price panel as ``satool finance`` reads it: kept tickers, dates, log returns, the
    dropped tickers with their reasons and the suspect jumps. Create it with :meth:`from_csv` or
    :meth:`from_prices`."""

    def __init__(self, options: Dict[str, Any], keep: Any = None):
        self._options = options
        # A from_prices panel keeps its temporary CSV for as long as it lives.
        self._keep = keep
        self._panel = _native.read_panel(to_args(options))

    @classmethod
    def from_csv(
        cls,
        path: PathLike,
        *,
        start: DateLike = None,
        end: DateLike = None,
        date_column: Optional[str] = None,
        ticker_column: Optional[str] = None,
        price_column: Optional[str] = None,
        drop_suspect: bool = False,
    ) -> "Panel":
        """Reads a wide (date,T1,T2,…) or long (date, ticker, price columns) CSV, plain or gzip,
        with the CLI's options. OSError when the file cannot be read; ValueError with the CLI's
        file:line message when it is not a usable price file."""
        options = dict(
            prices=os.fspath(path),
            start=_date(start),
            end=_date(end),
            date_column=date_column,
            ticker_column=ticker_column,
            price_column=price_column,
            drop_suspect=drop_suspect,
        )
        return cls(options)

    @classmethod
    def from_prices(
        cls, prices: pd.DataFrame, *, start: DateLike = None, end: DateLike = None, drop_suspect: bool = False
    ) -> "Panel":
        """A DataFrame of prices: a DatetimeIndex (or date strings) × one column per ticker; NaN
        marks a missing price (a ticker missing any day of the window is dropped, as in the CLI)."""
        if not isinstance(prices, pd.DataFrame):
            raise ValueError(f"prices must be a pandas DataFrame (dates × tickers), got {type(prices).__name__}")
        try:
            index = pd.DatetimeIndex(pd.to_datetime(prices.index))
        except (ValueError, TypeError) as e:
            raise ValueError(f"prices: the index must be dates ({e})") from None
        frame = prices.copy()
        frame.index = index.strftime("%Y-%m-%d")
        frame.index.name = "date"
        frame.columns = [str(c) for c in frame.columns]
        tmp = tempfile.TemporaryDirectory(prefix="satool-prices-")
        path = os.path.join(tmp.name, "prices.csv")
        frame.to_csv(path, na_rep="")
        options = dict(prices=path, start=_date(start), end=_date(end), drop_suspect=drop_suspect)
        return cls(options, keep=tmp)

    @property
    def tickers(self) -> list:
        """Tickers kept, in file order."""
        return list(self._panel["tickers"])

    @property
    def dates(self) -> pd.DatetimeIndex:
        """Trading days of the panel."""
        return pd.DatetimeIndex(pd.to_datetime(self._panel["dates"]), name="date")

    @property
    def prices(self) -> pd.DataFrame:
        """The complete price table the returns come from (dates × kept tickers)."""
        return pd.DataFrame(self._panel["prices"], index=self.dates, columns=self.tickers)

    @property
    def returns(self) -> pd.DataFrame:
        """Daily log returns (days × tickers), dated by the second price of each return."""
        return pd.DataFrame(self._panel["log_returns"], index=self.dates[1:], columns=self.tickers)

    @property
    def dropped(self) -> pd.DataFrame:
        """Tickers left out, and why."""
        return pd.DataFrame(self._panel["dropped"], columns=["ticker", "reason"])

    @property
    def suspect(self) -> pd.DataFrame:
        """One-day |log return| > 0.5 of kept tickers (an unadjusted split?)."""
        return pd.DataFrame(self._panel["suspect"], columns=["ticker", "date", "log_return"])

    @property
    def format(self) -> str:
        """The file's layout: "wide" or "long (date=…, ticker=…, price=…)"."""
        return self._panel["format"]

    def compare(
        self,
        methods: Optional[Sequence[str]] = None,
        seed: int = 1,
        alpha: float = 0.01,
        beta: float = 25.0,
        beta_sequential: float = 12.0,
        inner_steps: int = 200,
        sequential_segments: int = 16,
        regimes: int = 4,
        regime_window: int = 21,
        precision: str = "f64",
        condition_dates: Optional[Tuple[DateLike, DateLike]] = None,
        condition_regime: Optional[str] = None,
        regime_quantile: float = 0.2,
    ) -> Tuple[pd.DataFrame, Dict[str, Any]]:
        """The comparison table of ``satool finance``: (DataFrame indexed by method id, the full
        results dict — the content of results.json). Options are the CLI's; ``condition_dates``
        is (start, end), ``condition_regime`` "high-vol" or "low-vol". No file is written."""
        options = dict(self._options)
        options.update(
            methods=list(methods) if methods is not None else None,
            seed=seed,
            alpha=alpha,
            beta=beta,
            beta_sequential=beta_sequential,
            inner_steps=inner_steps,
            sequential_segments=sequential_segments,
            regimes=regimes,
            regime_window=regime_window,
            precision=precision,
            condition_dates=None
            if condition_dates is None
            else f"{_date(condition_dates[0])}..{_date(condition_dates[1])}",
            condition_regime=condition_regime,
            regime_quantile=regime_quantile,
        )
        results = json.loads(_native.finance_results(to_args(options)))
        return methods_table(results), results

    def __repr__(self) -> str:
        return f"Panel({len(self._panel['tickers'])} tickers × {len(self._panel['dates'])} days)"
