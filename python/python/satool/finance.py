"""Finance: a price history → synthetic multi-asset return scenarios (``satool finance``).

>>> import pandas as pd
>>> from satool.finance import Panel
>>> panel = Panel.from_csv("fixtures/sp500.csv", start="2018-01-01")
>>> panel.returns.shape                       # (days − 1, tickers) daily log returns
>>> table, results = panel.compare(seed=1)    # results == the CLI's results.json
>>> paths = panel.scenarios(1000, 20, seed=1)  # long DataFrame: scenario, day, ticker, log_return
>>> panel.risk(n=10000, horizon=20)           # portfolio VaR/ES by horizon, from the paths

``Panel.from_prices(df)`` takes a pandas DataFrame of prices (dates × tickers, NaN allowed) and
reads it with the command line's rules (``window``, ``fill_limit``, ``min_tickers``: gaps up to
``fill_limit`` days are forward-filled, tickers without a complete window are dropped and listed;
one-day |log return| > ``jump_threshold`` is reported as suspect).

``Panel.scenarios`` is ``satool finance --scenarios N --horizon H``: the same seed gives the same
numbers as the CLI's ``<id>.paths.csv``. ``Panel.risk`` and :func:`portfolio_risk` use the CLI's
risk conventions (``satool_finance::risk``): a day's portfolio return is the simple return
``Σ w_j (e^{g_j} − 1)`` (daily rebalancing), an H-day return compounds a path's first H days,
VaR/ES and drawdowns are positive losses as fractions of the value, VaR from NumPy's linear
quantile.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _args, _native
from ._frames import prices_from_returns, wide_prices
from ._warn import SatoolWarning
from .protein import methods_table

PathLike = Union[str, "os.PathLike[str]"]
DateLike = Union[str, "pd.Timestamp", None]
Weights = Union[str, Mapping[str, float], "pd.Series"]

#: Confidence levels and horizons (trading days) of the CLI's risk table.
LEVELS = (0.95, 0.975, 0.99, 0.995)
HORIZONS = (1, 5, 10, 20)


def _date(d: DateLike, what: str = "date") -> Optional[str]:
    if d is None:
        return None
    # pandas reads a number as nanoseconds since 1970: a year given as 2020 is not a date.
    if isinstance(d, (int, float, np.number)) and not isinstance(d, bool):
        raise ValueError(f"{what}: {d!r} is a number, not a date (give 'YYYY-MM-DD' or a date object)")
    try:
        return pd.Timestamp(d).strftime("%Y-%m-%d")
    except (ValueError, TypeError) as e:
        raise ValueError(f"{what}: {d!r} is not a date ({e})") from None


def _date_text(d: DateLike) -> Optional[str]:
    """A date as YYYY-MM-DD; text is passed on as given, for the command line's checks."""
    return d if isinstance(d, str) else _date(d)


class Panel:
    """A daily price panel as ``satool finance`` reads it: kept tickers, dates, log returns, the
    dropped tickers with their reasons and the suspect jumps. Create it with :meth:`from_csv`,
    :meth:`from_prices` (wide, long or yfinance-style frames) or :meth:`from_returns`."""

    def __init__(
        self,
        options: Dict[str, Any],
        keep: Any = None,
        frame_dates: Optional[Sequence[str]] = None,
        layout: Optional[str] = None,
    ):
        self._options = options
        self._layout = layout
        # A from_prices panel keeps its temporary CSV for as long as it lives; its errors name the
        # DataFrame's rows, not the file.
        self._keep = keep
        self._frame_dates = frame_dates
        with self._errors():
            self._panel = _native.read_panel(**options)

    @contextlib.contextmanager
    def _errors(self):
        """Around every native call: a from_prices panel's errors and warnings say "prices
        DataFrame row N (date)" where the CLI's say "FILE:LINE" (the temporary CSV is not the
        user's); the call's warnings are raised as :class:`satool.SatoolWarning`."""
        try:
            yield
        except (ValueError, OSError, RuntimeError) as e:
            if self._frame_dates is None or self._options["prices"] not in str(e):
                raise
            raise type(e)(_frame_message(str(e), self._options["prices"], self._frame_dates)) from None
        finally:
            for w in _native.take_warnings():
                if self._frame_dates is not None:
                    w = _frame_message(w, self._options["prices"], self._frame_dates)
                warnings.warn(w, SatoolWarning, stacklevel=4)

    def _loaded(self, text: str) -> Dict[str, Any]:
        """A results JSON; a from_prices panel's input is the DataFrame, not its temporary CSV."""
        results = json.loads(text)
        if self._frame_dates is not None:
            results["input"]["path"] = "prices DataFrame"
        return results

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
        window: str = "longest",
        min_tickers: Optional[int] = None,
        fill_limit: int = 5,
        jump_threshold: float = 0.5,
        drop_suspect: bool = False,
    ) -> "Panel":
        """Reads a wide (date,T1,T2,…) or long (date, ticker, price columns) CSV, plain or gzip,
        with the CLI's options (``window``: "longest", "common" or "START..END"). OSError when the
        file cannot be read; ValueError with the CLI's file:line message when it is not a usable
        price file."""
        options = dict(
            prices=os.fspath(path),
            start=_date(start, "start"),
            end=_date(end, "end"),
            date_column=date_column,
            ticker_column=ticker_column,
            price_column=price_column,
            **_reading(window, min_tickers, fill_limit, jump_threshold, drop_suspect),
        )
        return cls(options)

    @classmethod
    def from_prices(
        cls,
        prices: pd.DataFrame,
        *,
        field: Optional[str] = None,
        date_column: Optional[str] = None,
        ticker_column: Optional[str] = None,
        price_column: Optional[str] = None,
        start: DateLike = None,
        end: DateLike = None,
        window: str = "longest",
        min_tickers: Optional[int] = None,
        fill_limit: int = 5,
        jump_threshold: float = 0.5,
        drop_suspect: bool = False,
    ) -> "Panel":
        """A DataFrame of prices in any of the layouts pandas users hold them (:attr:`format`
        says which was read):

        - wide: one column per ticker, dates as a DatetimeIndex (or date strings), or in a column
          named date/Date (``date_column=`` names another);
        - long: one row per date and ticker, any index — a ticker column (named ticker/symbol, or
          ``ticker_column=``), a date column (or a DatetimeIndex) and a price column (price, adj
          close, close, the only other numeric column, or ``price_column=``);
        - yfinance-style MultiIndex columns (field, ticker) or (ticker, field): ``field`` chooses
          the price field, by default "Adj Close", else "Close".

        NaN marks a missing price (gaps up to ``fill_limit`` days are forward-filled; a ticker
        with a longer gap inside the window is dropped, as in the CLI). A frame that could be read
        two ways, or not at all, is a ValueError saying what was found."""
        shaped, layout = wide_prices(prices, field, date_column, ticker_column, price_column)
        return cls._from_wide(shaped, layout, _reading_options(start, end, window, min_tickers, fill_limit, jump_threshold, drop_suspect))

    @classmethod
    def from_returns(
        cls,
        returns: pd.DataFrame,
        *,
        kind: str = "log",
        base_date: DateLike = None,
        window: str = "longest",
        min_tickers: Optional[int] = None,
        jump_threshold: float = 0.5,
        drop_suspect: bool = False,
    ) -> "Panel":
        """A panel whose daily returns are ``returns`` (dates × tickers, complete: no NaN;
        ``kind``: "log" or "simple"), each return dated by the second day of its pair as in
        :attr:`returns`: prices start at 1 on ``base_date`` (default: one business day before the
        first return) and compound the returns, so ``Panel.from_returns(p.returns).returns``
        equals ``p.returns`` to rounding."""
        shaped = prices_from_returns(returns, kind, base_date)
        return cls._from_wide(shaped, "returns", _reading_options(None, None, window, min_tickers, 0, jump_threshold, drop_suspect))

    @classmethod
    def _from_wide(cls, shaped: pd.DataFrame, layout: str, reading: Dict[str, Any]) -> "Panel":
        frame = shaped.copy()
        frame.index = shaped.index.strftime("%Y-%m-%d")
        frame.index.name = "date"
        frame.columns = [str(c) for c in frame.columns]
        tmp = tempfile.TemporaryDirectory(prefix="satool-prices-")
        path = os.path.join(tmp.name, "prices.csv")
        frame.to_csv(path, na_rep="")
        return cls(dict(prices=path, **reading), keep=tmp, frame_dates=list(frame.index), layout=layout)

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
        """The layout read: a file's "wide" or "long (date=…, ticker=…, price=…)"; a DataFrame's
        "wide", "long (…)", "yfinance MultiIndex (field '…'; fields: …)" or "returns"."""
        return self._layout or self._panel["format"]

    def compare(
        self,
        methods: Optional[Sequence[str]] = None,
        seed: int = 1,
        weights: Weights = "equal",
        backtest_split: Union[str, float, None] = None,
        **sampler: Any,
    ) -> Tuple[pd.DataFrame, Dict[str, Any]]:
        """The comparison table of ``satool finance``: (DataFrame indexed by method id, the full
        results dict — the content of results.json, risk table included). ``weights``: "equal",
        a {ticker: weight} mapping or a Series (unlisted tickers weigh 0); ``backtest_split``: a
        date or a fraction of the days. Sampler options are the CLI's (alpha, beta,
        beta_sequential, inner_steps, sequential_segments, regimes, regime_window, precision,
        condition_dates=(start, end), condition_regime="high-vol"|"low-vol", regime_quantile,
        paths_state="ewma"|"ewma-blend"|"multiscale"|"ewma-leverage"|"runs": the state of sa_paths, also in :meth:`backtest`).
        No file is written."""
        options = self._run_options(methods, seed, sampler)
        if backtest_split is not None and not isinstance(backtest_split, (str, int, float, np.number)):
            backtest_split = _date(backtest_split, "backtest_split")  # a Timestamp or date object
        with _weights_file(weights) as w:
            options.update(weights=w, backtest_split=backtest_split)
            with self._errors():
                results = self._loaded(_native.finance_results(**options))
        return methods_table(results), results

    def scenarios(
        self,
        n: int,
        horizon: int,
        method: str = "sa_paths",
        seed: int = 1,
        raw: bool = False,
        as_array: bool = False,
        as_of: DateLike = None,
        **sampler: Any,
    ) -> Union[pd.DataFrame, np.ndarray]:
        """``n`` synthetic paths of ``horizon`` trading days from one method — the numbers of
        ``satool finance --methods METHOD --scenarios N --horizon H --seed SEED`` (its
        ``<method>.paths.csv``). A long DataFrame (scenario, day — both 1-based —, ticker,
        log_return), or with ``as_array=True`` an (n, horizon, tickers) float64 array in
        :attr:`tickers` order. ``raw=True``: no rescaling to the history's scale (the CLI's
        ``--raw``). ``as_of``: the CLI's ``--as-of`` ("YYYY-MM-DD", "last" or "unconditional";
        default as the CLI's: the last day, unconditional with a condition). Sampler options as
        in :meth:`compare`."""
        cube = self._paths(n, horizon, method, seed, raw, as_of, sampler)
        if as_array:
            return cube
        tickers = self.tickers
        d = len(tickers)
        return pd.DataFrame(
            {
                "scenario": np.repeat(np.arange(1, n + 1), horizon * d),
                "day": np.tile(np.repeat(np.arange(1, horizon + 1), d), n),
                "ticker": np.tile(np.asarray(tickers, dtype=object), n * horizon),
                "log_return": cube.reshape(-1),
            }
        )

    def risk(
        self,
        weights: Weights = "equal",
        levels: Sequence[float] = LEVELS,
        horizons: Optional[Sequence[int]] = None,
        n: int = 10000,
        horizon: Optional[int] = None,
        method: str = "sa_paths",
        seed: int = 1,
        as_of: DateLike = None,
        **sampler: Any,
    ) -> pd.DataFrame:
        """Portfolio VaR/ES at ``levels`` and the maximum-drawdown distribution at each of
        ``horizons``, from ``n`` paths of ``horizon`` days made by ``method`` with ``seed`` — the
        CLI's risk table for ``--scenarios N --horizon H --weights …``. Defaults: ``horizon`` the
        longest of ``horizons``, or 20; ``horizons`` the CLI's (1, 5, 10, 20 up to H, and H);
        ``as_of`` as in :meth:`scenarios` (default: the forecast from the last day).
        One row per horizon; see :func:`portfolio_risk` for the columns."""
        horizons = _horizons(horizons)
        if horizon is None:
            horizon = max(horizons) if horizons is not None else HORIZONS[-1]
        cube = self._paths(n, horizon, method, seed, False, as_of, sampler)
        return portfolio_risk(cube, _weight_vector(weights, self.tickers), levels, horizons)

    def backtest(
        self,
        start: DateLike,
        end: DateLike,
        refit_every: int = 21,
        horizon: int = 10,
        methods: Optional[Sequence[str]] = None,
        seed: int = 1,
        weights: Weights = "equal",
        **sampler: Any,
    ) -> Tuple[pd.DataFrame, Dict[str, Any]]:
        """The rolling VaR backtest of ``satool finance --backtest START..END --refit-every N``:
        (its backtest.csv as a DataFrame indexed by date — the portfolio's log return, whether the
        memory was refitted before the day, each method's VaR forecast per level, and on the first
        day of each non-overlapping ``horizon``-day block the block's return and H-day VaRs —, the
        full results dict with each method's exceedances and p-values, 1-day and H-day).
        ``methods``: historical, garch_fhs, sa_paths (default all three); ``horizon=1``: the 1-day
        backtest only. No file is written."""
        options = self._run_options(methods, seed, sampler)
        with _weights_file(weights) as w:
            options.update(weights=w, backtest=(_date_text(start), _date_text(end)), refit_every=refit_every,
                           backtest_horizon=horizon)
            with self._errors():
                results, csv = _native.finance_backtest(**options)
        days = pd.read_csv(io.StringIO(csv), parse_dates=["date"], index_col="date")
        return days, self._loaded(results)

    def _run_options(self, methods: Optional[Sequence[str]], seed: int, sampler: Dict[str, Any]) -> Dict[str, Any]:
        unknown = set(sampler) - SAMPLER_OPTIONS
        if unknown:
            raise TypeError(f"unexpected option(s) {', '.join(sorted(unknown))}; sampler options are "
                            f"{', '.join(sorted(SAMPLER_OPTIONS))}")
        options = dict(self._options)
        options.update(methods=_args.ids(methods, "methods"), seed=seed)
        for key, value in sampler.items():
            if key == "condition_dates" and value is not None:
                # (start, end) or the command line's "START..END".
                parts = value.split("..") if isinstance(value, str) else list(value)
                if len(parts) != 2:
                    raise ValueError(f"condition_dates: {value!r} is not (start, end) or 'START..END'")
                value = (_date(parts[0], "condition_dates"), _date(parts[1], "condition_dates"))
            options[key] = value
        return options

    def _paths(self, n: int, horizon: int, method: str, seed: int, raw: bool, as_of: DateLike,
               sampler: Dict[str, Any]) -> np.ndarray:
        options = self._run_options([method], seed, sampler)
        options.update(scenarios=n, horizon=horizon, raw=raw)
        if as_of is not None:
            options.update(as_of=_date_text(as_of))
        with self._errors():
            _, paths = _native.finance_paths(**options)
        return paths[method]

    def __repr__(self) -> str:
        return f"Panel({len(self._panel['tickers'])} tickers × {len(self._panel['dates'])} days)"


# Options of compare/scenarios/risk passed to the native job parameters as they are.
SAMPLER_OPTIONS = {
    "alpha",
    "beta",
    "beta_sequential",
    "inner_steps",
    "sequential_segments",
    "regimes",
    "regime_window",
    "precision",
    "condition_dates",
    "condition_regime",
    "regime_quantile",
    "paths_state",
}


def _frame_message(message: str, path: str, dates: Sequence[str]) -> str:
    """``message`` about the temporary CSV of a DataFrame, about the DataFrame: "PATH:LINE" becomes
    "prices DataFrame row R (DATE)" (R counts from 0, as ``iloc``; line 1 is the header), "on line
    LINE" "on row R", PATH alone "prices DataFrame", and the date column the index."""

    def row(line: int) -> str:
        r = line - 2
        return f"row {r} ({dates[r]})" if 0 <= r < len(dates) else "its header" if r == -1 else f"row {r}"

    message = re.sub(re.escape(path) + r":(\d+)", lambda m: "prices DataFrame " + row(int(m.group(1))), message)
    message = re.sub(r"on line (\d+)", lambda m: "on " + row(int(m.group(1))), message)
    # A repeated date's hint at a long file's columns (--ticker-column …) is the CLI's.
    message = re.sub(r": a wide file has one row per date \(if this is a long file,[^)]*\)", "", message)
    return message.replace(path, "prices DataFrame").replace("column 'date'", "the index")


def _reading_options(start: DateLike, end: DateLike, window: str, min_tickers: Optional[int], fill_limit: int, jump_threshold: float, drop_suspect: bool) -> Dict[str, Any]:
    return dict(start=_date(start, "start"), end=_date(end, "end"), **_reading(window, min_tickers, fill_limit, jump_threshold, drop_suspect))


def _reading(window: str, min_tickers: Optional[int], fill_limit: int, jump_threshold: float, drop_suspect: bool) -> Dict[str, Any]:
    return dict(
        window=window,
        min_tickers=min_tickers,
        fill_limit=fill_limit,
        jump_threshold=jump_threshold,
        drop_suspect=drop_suspect,
    )


def _weight_items(weights: Weights) -> Optional[list]:
    """None for "equal", else the (ticker, weight) pairs of a mapping or Series."""
    if isinstance(weights, str) and weights == "equal":
        return None
    if isinstance(weights, (Mapping, pd.Series)):
        return [(str(t), float(w)) for t, w in weights.items()]
    shown = f"'{weights}'" if isinstance(weights, str) else type(weights).__name__
    raise ValueError(f"weights: expected 'equal', a {{ticker: weight}} mapping or a Series, got {shown}")


def _weight_vector(weights: Weights, tickers: Sequence[str]) -> np.ndarray:
    """One weight per ticker, in ``tickers`` order: "equal", or a mapping/Series whose keys are
    kept tickers (unlisted tickers weigh 0, as with the CLI's --weights file)."""
    items = _weight_items(weights)
    if items is None:
        return np.full(len(tickers), 1.0 / len(tickers))
    index = {t: i for i, t in enumerate(tickers)}
    w = np.zeros(len(tickers))
    for ticker, value in items:
        if ticker not in index:
            raise ValueError(f"weights: ticker '{ticker}' is not among the {len(tickers)} tickers kept")
        if not np.isfinite(value):
            raise ValueError(f"weights[{ticker!r}]: weight {value} is not finite")
        w[index[ticker]] = value
    return w


class _weights_file:
    """``weights`` as the CLI's --weights value: "equal", or a temporary ticker,weight file. An
    error about that file names the mapping's entry instead ("weights['AAPL']")."""

    def __init__(self, weights: Weights):
        self._items = _weight_items(weights)
        self._tmp: Optional[tempfile.TemporaryDirectory] = None
        self._path: Optional[str] = None

    def __enter__(self) -> str:
        if self._items is None:
            return "equal"
        self._tmp = tempfile.TemporaryDirectory(prefix="satool-weights-")
        path = self._path = os.path.join(self._tmp.name, "weights.csv")
        with open(path, "w") as f:
            f.write("ticker,weight\n")
            f.writelines(f"{ticker},{value!r}\n" for ticker, value in self._items)
        return path

    def __exit__(self, kind: Any, error: Any, tb: Any) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
        path, items = self._path, self._items or []
        if path is None or not isinstance(error, (ValueError, OSError)) or path not in str(error):
            return

        def entry(m: "re.Match[str]") -> str:
            i = int(m.group(1)) - 2
            return f"weights[{items[i][0]!r}]" if 0 <= i < len(items) else "weights"

        message = re.sub(r"--weights " + re.escape(path) + r":(\d+)", entry, str(error))
        raise type(error)(message.replace(f"--weights {path}", "weights")) from None


def _horizons(horizons: Any) -> Optional[List[int]]:
    """``horizons`` as a list of ints (a list, tuple, numpy array or Series); None stays None."""
    if horizons is None:
        return None
    values = [int(h) for h in np.asarray(horizons).reshape(-1)]
    if not values:
        raise ValueError("horizons: empty (give at least one horizon in trading days, or None for the default ones)")
    return values


def portfolio_risk(
    paths: np.ndarray,
    weights: Sequence[float],
    levels: Sequence[float] = LEVELS,
    horizons: Optional[Sequence[int]] = None,
) -> pd.DataFrame:
    """VaR/ES and maximum drawdowns of the portfolio ``weights`` (one per ticker, normalised to
    sum 1; short positions allowed) over ``paths`` (n, H, tickers) daily log returns, for every
    horizon h of ``horizons`` (1 ≤ h ≤ H; each path's first h days; default: 1, 5, 10, 20 up to
    H, and H, as in the CLI's table). Rows: horizons; columns
    ``var_<level>``, ``es_<level>`` (positive losses, fractions of the value), ``drawdown_q50``,
    ``drawdown_q95``, ``drawdown_q99``, ``drawdown_mean`` and ``paths``."""
    cube = np.ascontiguousarray(paths, dtype=np.float64)
    if cube.ndim != 3:
        raise ValueError(f"paths must be (n, horizon, tickers), got shape {cube.shape}")
    bad = np.argwhere(~np.isfinite(cube))
    if len(bad):
        p, d, t = bad[0]
        raise ValueError(
            f"paths[{p}, {d}, {t}] (path {p + 1}, day {d + 1}, ticker {t + 1}) is {cube[p, d, t]}: "
            f"log returns must be finite ({len(bad)} entries are not)"
        )
    w = [float(x) for x in np.asarray(weights, dtype=np.float64).reshape(-1)]
    horizons = _horizons(horizons)
    if horizons is None:
        horizons = sorted({h for h in HORIZONS if h <= cube.shape[1]} | {cube.shape[1]})
    out = json.loads(_native.portfolio_risk(cube, w, [float(x) for x in levels], [int(h) for h in horizons]))
    rows = []
    for h in out:
        row: Dict[str, Any] = {"horizon": h["horizon"]}
        for t in h["tails"]:
            row[f"var_{t['level']:g}"] = t["var"]
            row[f"es_{t['level']:g}"] = t["es"]
        for q, v in zip(("q50", "q95", "q99"), h["drawdown_quantiles"]):
            row[f"drawdown_{q}"] = v
        row["drawdown_mean"] = h["drawdown_mean"]
        row["paths"] = h["paths"]
        rows.append(row)
    return pd.DataFrame(rows).set_index("horizon")
