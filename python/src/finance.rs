//! The finance job (`satool finance`) for Python: reading a price panel with the CLI's rules and
//! the comparison table. Options arrive as keyword arguments named as the command line's options
//! and become the app's typed [`FinanceParams`](satool_app::params::FinanceParams) (see
//! [`crate::params`]), so defaults, validation and messages are the CLI's.

use crate::errors;
use numpy::{IntoPyArray, PyReadonlyArray3};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use satool_app::finance;
use satool_app::params::FinanceParams;
use satool_app::progress::Progress;
use satool_finance as fin;

fn params(py: Python<'_>, kwargs: Option<Bound<'_, PyDict>>) -> PyResult<FinanceParams> {
    crate::params::finance(crate::params::Kwargs::new(py, kwargs)?)
}

/// The panel `satool finance` reads with these options as keyword arguments (`prices`, `start`,
/// `window`, …): tickers kept and dropped, dates, log returns (days × tickers), suspect jumps,
/// the file's layout.
#[pyfunction]
#[pyo3(signature = (**options))]
pub fn read_panel<'py>(py: Python<'py>, options: Option<Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyDict>> {
    let p = params(py, options)?;
    let opts = p.check().and_then(|()| p.read_options()).map_err(errors::job)?;
    let table = py.detach(|| fin::read_prices(&p.prices, &opts)).map_err(|e| errors::job(e.into()))?;
    let returns = fin::log_returns(&table);
    let date = |d: &chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let d = PyDict::new(py);
    d.set_item("format", table.format.to_string())?;
    d.set_item("tickers", table.tickers.clone())?;
    d.set_item("dates", table.dates.iter().map(date).collect::<Vec<_>>())?;
    d.set_item("prices", table.prices.into_pyarray(py))?;
    d.set_item("log_returns", returns.into_pyarray(py))?;
    d.set_item("dropped", table.dropped.iter().map(|t| (t.ticker.clone(), t.reason.clone())).collect::<Vec<_>>())?;
    d.set_item(
        "suspect",
        table.suspect.iter().map(|s| (s.ticker.clone(), date(&s.date), s.log_return)).collect::<Vec<_>>(),
    )?;
    d.set_item("dropped_dates", table.dropped_dates.iter().map(date).collect::<Vec<_>>())?;
    Ok(d)
}

/// results.json of `satool finance` with these options as keyword arguments (as a JSON string),
/// computed without writing files; with `backtest`, the rolling backtest's.
#[pyfunction]
#[pyo3(signature = (**options))]
pub fn finance_results(py: Python<'_>, options: Option<Bound<'_, PyDict>>) -> PyResult<String> {
    let job = params(py, options)?.job().map_err(errors::job)?;
    crate::interrupt::detach(py, || {
        if job.rolling.is_some() {
            return satool_app::output::to_json(&finance::run_rolling(&job, &Progress::hidden())?.results);
        }
        let run = finance::run(&job, &Progress::hidden())?;
        satool_app::output::to_json(&run.results)
    })?
    .map_err(errors::job)
}

/// `satool finance --backtest START..END` with these options as keyword arguments, `backtest`
/// among them: (results.json as JSON text, backtest.csv as text), without writing files.
#[pyfunction]
#[pyo3(signature = (**options))]
pub fn finance_backtest(py: Python<'_>, options: Option<Bound<'_, PyDict>>) -> PyResult<(String, String)> {
    let job = params(py, options)?.job().map_err(errors::job)?;
    if job.rolling.is_none() {
        return Err(errors::value("backtest: (start, end) is required"));
    }
    crate::interrupt::detach(py, || {
        let run = finance::run_rolling(&job, &Progress::hidden())?;
        Ok((satool_app::output::to_json(&run.results)?, finance::rolling_csv(&run)))
    })?
    .map_err(errors::job)
}

/// `satool finance` with these options as keyword arguments, `scenarios` and `horizon` among
/// them: (results.json as JSON text, each path method's paths as an (N, H, tickers) float64
/// array, keyed by method id).
#[pyfunction]
#[pyo3(signature = (**options))]
pub fn finance_paths<'py>(
    py: Python<'py>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<(String, Bound<'py, PyDict>)> {
    let job = params(py, options)?.job().map_err(errors::job)?;
    let spec = job.paths.ok_or_else(|| errors::value("scenarios: n and horizon are required"))?;
    if job.methods.contains(&finance::FinanceMethod::Historical) {
        return Err(errors::value("method 'historical' replays the history and makes no paths"));
    }
    let run = crate::interrupt::detach(py, || finance::run(&job, &Progress::hidden()))?.map_err(errors::job)?;
    let json = satool_app::output::to_json(&run.results).map_err(errors::job)?;
    let paths = PyDict::new(py);
    for s in run.scenarios {
        let d = s.returns.ncols();
        let cube = s.returns.into_shape_with_order((spec.n, spec.h, d)).map_err(|e| errors::value(e.to_string()))?;
        paths.set_item(s.method.id(), cube.into_pyarray(py))?;
    }
    Ok((json, paths))
}

/// VaR and ES at `levels` and the maximum-drawdown distribution, for every horizon of `horizons`
/// up to H, of the portfolio `weights` (normalised to sum 1) over `paths` (N × H × tickers log
/// returns); the conventions of the CLI's risk table (`satool_finance::risk`).
#[pyfunction]
pub fn portfolio_risk(
    paths: PyReadonlyArray3<'_, f64>,
    weights: Vec<f64>,
    levels: Vec<f64>,
    horizons: Vec<Bound<'_, PyAny>>,
) -> PyResult<String> {
    let horizons: Vec<usize> = horizons.iter().map(|h| crate::ints::int(h, "horizons")).collect::<PyResult<_>>()?;
    if let Some(l) = levels.iter().find(|l| !(**l > 0.0 && **l < 1.0)) {
        return Err(errors::value(format!("levels: {l} is not in (0, 1)")));
    }
    let paths = paths.as_array();
    if let Some(&h) = horizons.iter().find(|&&h| h == 0 || h > paths.dim().1) {
        return Err(errors::value(format!("horizons: {h} is not in 1..={}", paths.dim().1)));
    }
    let bad = |e: fin::risk::RiskError| errors::value(e.to_string());
    let w = fin::risk::normalise_weights(&weights).map_err(bad)?;
    let port = fin::risk::portfolio_paths(paths, &w).map_err(bad)?;
    let risk = fin::risk::paths_risk(port.view(), &horizons, &levels).map_err(bad)?;
    satool_app::output::to_json(&risk).map_err(errors::job)
}

/// The finance warnings ("FILE: problem") of this thread's calls since the last call, oldest first.
#[pyfunction]
pub fn take_warnings() -> Vec<String> {
    finance::take_warnings()
}
