//! The finance job (`satool finance`) for Python: reading a price panel with the CLI's rules and
//! the comparison table. Options arrive as the command line's arguments (the Python layer writes
//! them), so defaults, validation and messages are the CLI's.

use crate::errors;
use clap::Parser;
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use satool_app::cli::{Cli, Command, FinanceArgs, VolRegime};
use satool_app::finance::{self, Condition, FinanceJob, FinanceMethod};
use satool_app::progress::Progress;
use satool_finance as fin;

/// `satool finance ARGS…` parsed as the command line parses it.
fn parse(args: &[String]) -> PyResult<FinanceArgs> {
    let argv = ["satool", "finance"].into_iter().map(String::from).chain(args.iter().cloned());
    match Cli::try_parse_from(argv).map_err(errors::clap)?.command {
        Command::Finance(a) => Ok(a),
        _ => unreachable!("the subcommand is finance"),
    }
}

/// How the prices are read (`--start`, `--end`, the long-format columns, `--drop-suspect`).
fn read_options(a: &FinanceArgs) -> fin::ReadOptions {
    fin::ReadOptions {
        date_column: a.date_column.clone(),
        ticker_column: a.ticker_column.clone(),
        price_column: a.price_column.clone(),
        start: a.start,
        end: a.end,
        drop_suspect: a.drop_suspect,
        ..fin::ReadOptions::default()
    }
}

/// The job the command line would run for these arguments (as `satool_app::cli` builds it, with
/// its checks and messages).
fn job(a: &FinanceArgs) -> PyResult<FinanceJob> {
    let r = &a.run;
    if !(r.alpha > 0.0 && r.alpha < 1.0) {
        return Err(errors::value(format!("--alpha must be in (0, 1), got {}", r.alpha)));
    }
    for (name, b) in [("--beta", a.beta), ("--beta-sequential", a.beta_sequential)] {
        if !(b.is_finite() && b > 0.0) {
            return Err(errors::value(format!("{name} must be a positive number, got {b}")));
        }
    }
    if !(a.regime_quantile > 0.0 && a.regime_quantile < 1.0) {
        return Err(errors::value(format!("--regime-quantile must be in (0, 1), got {}", a.regime_quantile)));
    }
    if a.inner_steps == 0 || a.sequential_segments == 0 || a.regimes == 0 || a.regime_window == 0 {
        return Err(errors::value(
            "--inner-steps, --sequential-segments, --regimes and --regime-window must be at least 1",
        ));
    }
    Ok(FinanceJob {
        prices: a.prices.clone(),
        read: read_options(a),
        seed: r.seed,
        alpha: r.alpha,
        precision: r.precision,
        beta: a.beta,
        beta_sequential: a.beta_sequential,
        inner_steps: a.inner_steps,
        sequential_segments: a.sequential_segments,
        regimes: a.regimes,
        regime_window: a.regime_window,
        condition: match (a.condition_dates, a.condition_regime) {
            (Some((x, y)), _) => Some(Condition::Dates(x, y)),
            (None, Some(VolRegime::HighVol)) => Some(Condition::HighVol(a.regime_quantile)),
            (None, Some(VolRegime::LowVol)) => Some(Condition::LowVol(a.regime_quantile)),
            (None, None) => None,
        },
        methods: match &r.methods {
            Some(ids) => FinanceMethod::parse_list(ids).map_err(errors::job)?,
            None => FinanceMethod::ALL.to_vec(),
        },
    })
}

/// The panel `satool finance ARGS…` reads: tickers kept and dropped, dates, log returns
/// (days × tickers), suspect jumps, the file's layout.
#[pyfunction]
pub fn read_panel<'py>(py: Python<'py>, args: Vec<String>) -> PyResult<Bound<'py, PyDict>> {
    let a = parse(&args)?;
    let opts = read_options(&a);
    let table = py.detach(|| fin::read_prices(&a.prices, &opts)).map_err(|e| errors::job(e.into()))?;
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

/// results.json of `satool finance ARGS…` (as a JSON string), computed without writing files.
#[pyfunction]
pub fn finance_results(py: Python<'_>, args: Vec<String>) -> PyResult<String> {
    let job = job(&parse(&args)?)?;
    py.detach(|| {
        let run = finance::run(&job, &Progress::hidden())?;
        satool_app::output::to_json(&run.results)
    })
    .map_err(errors::job)
}
