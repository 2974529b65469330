//! Keyword arguments → the app's typed job parameters ([`ProteinParams`], [`FinanceParams`]),
//! with no command-line text in between: each argument is extracted as its type (a wrong type
//! is a `TypeError` naming the argument), the few given as text (`decode`, `precision`, …) go
//! through the app's parsers, and the jobs are built by the app's `job`, whose `check` holds
//! every rule: a bad value raises `ValueError` with the command line's message.

use crate::errors;
use chrono::NaiveDate;
use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use satool_app::finance::{AsOf, PathsState, Split, WeightsSpec};
use satool_app::params::{self, FinanceParams, ProteinParams, RunParams, VolRegime};
use satool_app::protein::HmmerMode;
use std::path::PathBuf;

/// The keyword arguments of one call, taken one by one; [`Kwargs::finish`] refuses any left.
pub struct Kwargs<'py> {
    dict: Bound<'py, PyDict>,
}

impl<'py> Kwargs<'py> {
    pub fn new(py: Python<'py>, dict: Option<Bound<'py, PyDict>>) -> PyResult<Self> {
        // A copy: taking an argument removes it, and the caller's dict stays as it was.
        Ok(Kwargs { dict: dict.map_or_else(|| Ok(PyDict::new(py)), |d| d.copy())? })
    }

    /// The argument `name` as a `T` (None when absent or None); see [`extract`].
    fn take<T: FromPyObjectOwned<'py>>(&self, name: &str) -> PyResult<Option<T>> {
        self.raw(name)?.map(|v| extract(name, &v)).transpose()
    }

    /// The integer argument `name` (None when absent or None); see [`crate::ints::int`].
    fn int<T: crate::ints::Int>(&self, name: &str) -> PyResult<Option<T>> {
        self.raw(name)?.map(|v| crate::ints::int(&v, name)).transpose()
    }

    /// The argument `name` as it was given (None when absent or None).
    fn raw(&self, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let value = self.dict.get_item(name)?;
        self.dict.del_item(name).ok();
        Ok(value.filter(|v| !v.is_none()))
    }

    /// Text parsed by `parse` (an app parser whose refusal is the command line's message).
    fn parsed<T>(&self, name: &str, parse: impl FnOnce(&str) -> anyhow::Result<T>) -> PyResult<Option<T>> {
        self.take::<String>(name)?.map(|s| parse(&s).map_err(errors::job)).transpose()
    }

    /// A date given as "YYYY-MM-DD" text, refused with the command line's message for `option`.
    fn date(&self, name: &str, option: &str) -> PyResult<Option<NaiveDate>> {
        self.parsed(name, |s| s.parse().map_err(|e: chrono::ParseError| params::invalid(option, s, &e.to_string())))
    }

    /// A date range given as a (start, end) pair of "YYYY-MM-DD" texts or as "START..END", refused
    /// with the command line's message for `option`.
    fn date_range(&self, name: &str, option: &str) -> PyResult<Option<(NaiveDate, NaiveDate)>> {
        let Some(v) = self.raw(name)? else { return Ok(None) };
        let range = if v.is_instance_of::<PyString>() {
            v.extract::<String>()?
        } else {
            let (a, b) = extract::<(String, String)>(name, &v)?;
            format!("{a}..{b}")
        };
        params::parse_date_range(&range).map(Some).map_err(|why| errors::job(params::invalid(option, &range, &why)))
    }

    /// Every argument was taken: one left is a `TypeError` naming it, as for a Python function.
    pub fn finish(self) -> PyResult<()> {
        match self.dict.keys().iter().next() {
            Some(k) => Err(PyTypeError::new_err(format!("unexpected keyword argument '{k}'"))),
            None => Ok(()),
        }
    }
}

/// `value` as a `T`: a value of another type is a `TypeError`, any other refusal a `ValueError`,
/// naming the argument (integers: [`Kwargs::int`]).
fn extract<'py, T: FromPyObjectOwned<'py>>(name: &str, value: &Bound<'py, PyAny>) -> PyResult<T> {
    value.extract::<T>().map_err(|e| {
        let e: PyErr = e.into();
        let py = value.py();
        let text = format!("argument '{name}': {}", e.value(py));
        if e.is_instance_of::<PyTypeError>(py) {
            PyTypeError::new_err(text)
        } else {
            PyValueError::new_err(text)
        }
    })
}

/// Sets `field` when the argument was given.
fn set<T>(field: &mut T, given: Option<T>) {
    if let Some(v) = given {
        *field = v;
    }
}

fn required<T>(given: Option<T>, name: &str) -> PyResult<T> {
    given.ok_or_else(|| PyTypeError::new_err(format!("missing required argument '{name}'")))
}

/// The parameters every job shares: `seed`, `alpha`, `precision`, `methods`.
fn run(kw: &Kwargs<'_>) -> PyResult<RunParams> {
    let mut r = RunParams::default();
    set(&mut r.seed, kw.int("seed")?);
    set(&mut r.alpha, kw.take("alpha")?);
    set(&mut r.precision, kw.parsed("precision", params::parse_precision)?);
    r.methods = kw.take("methods")?;
    Ok(r)
}

/// The parameters of a protein job from keyword arguments named as the options of
/// `satool protein` (`stockholm`, `family`, `samples`, `beta_gen`, …); `job` checks them.
pub fn protein(kw: Kwargs<'_>) -> PyResult<ProteinParams> {
    let mut p = ProteinParams::new(required(kw.take::<PathBuf>("stockholm")?, "stockholm")?);
    p.family = kw.take("family")?;
    p.hmm = kw.take("hmm")?;
    set(&mut p.hmmer, kw.parsed("hmmer", |s| params::parse_value_enum::<HmmerMode>("--hmmer <MODE>", s))?);
    p.hmmer_timeout = kw.take("hmmer_timeout")?;
    set(&mut p.evaluate, kw.take("evaluate")?);
    p.condition_names = kw.take("condition_names")?;
    p.condition_file = kw.take("condition_file")?;
    if let Some(v) = kw.raw("max_sequences")? {
        p.max_sequences = if v.is_instance_of::<PyString>() {
            let s: String = v.extract()?;
            satool_app::protein::parse_max_sequences(&s)
                .map_err(|why| errors::job(params::invalid("--max-sequences <N|all>", &s, &why)))?
                .0
        } else {
            Some(crate::ints::int(&v, "max_sequences")?)
        };
    }
    set(&mut p.extended, kw.take("extended")?);
    set(&mut p.samples, kw.int("samples")?);
    p.beta_gen = kw.take("beta_gen")?;
    p.beta_ret = kw.take("beta_ret")?;
    p.max_identity = kw.take("max_identity")?;
    set(&mut p.decode, kw.parsed("decode", params::parse_decode)?);
    p.reweight = kw.take("reweight")?;
    p.holdout = kw.take("holdout")?;
    set(&mut p.holdout_folds, kw.int("holdout_folds")?);
    p.run = run(&kw)?;
    kw.finish()?;
    Ok(p)
}

/// The parameters of a finance job from keyword arguments named as the options of
/// `satool finance` (`prices`, `window`, `beta`, `scenarios`, …); `job` checks them.
pub fn finance(kw: Kwargs<'_>) -> PyResult<FinanceParams> {
    let mut p = FinanceParams::new(required(kw.take::<PathBuf>("prices")?, "prices")?);
    p.date_column = kw.take("date_column")?;
    p.ticker_column = kw.take("ticker_column")?;
    p.price_column = kw.take("price_column")?;
    p.start = kw.date("start", "--start <DATE>")?;
    p.end = kw.date("end", "--end <DATE>")?;
    set(&mut p.window, kw.parsed("window", params::parse_window)?);
    p.min_tickers = kw.int("min_tickers")?;
    set(&mut p.fill_limit, kw.int("fill_limit")?);
    set(&mut p.jump_threshold, kw.take("jump_threshold")?);
    set(&mut p.drop_suspect, kw.take("drop_suspect")?);
    set(&mut p.beta, kw.take("beta")?);
    set(&mut p.beta_sequential, kw.take("beta_sequential")?);
    set(&mut p.inner_steps, kw.int("inner_steps")?);
    set(&mut p.sequential_segments, kw.int("sequential_segments")?);
    set(&mut p.regimes, kw.int("regimes")?);
    set(&mut p.regime_window, kw.int("regime_window")?);
    p.condition_dates = kw.date_range("condition_dates", "--condition-dates <START..END>")?;
    p.condition_regime =
        kw.parsed("condition_regime", |s| params::parse_value_enum::<VolRegime>("--condition-regime <REGIME>", s))?;
    set(&mut p.regime_quantile, kw.take("regime_quantile")?);
    set(
        &mut p.paths_state,
        kw.parsed("paths_state", |s| params::parse_value_enum::<PathsState>("--paths-state <STATE>", s))?,
    );
    if let Some(w) = kw.take::<PathBuf>("weights")? {
        p.weights = WeightsSpec::parse(&w.to_string_lossy());
    }
    p.backtest_split = match kw.raw("backtest_split")? {
        Some(v) if v.is_instance_of::<PyString>() => Some(Split::parse(&v.extract::<String>()?).map_err(errors::job)?),
        Some(v) => Some(Split::Fraction(extract("backtest_split", &v)?)),
        None => None,
    };
    p.backtest = kw.date_range("backtest", "--backtest <START..END>")?;
    set(&mut p.refit_every, kw.int("refit_every")?);
    set(&mut p.backtest_horizon, kw.int("backtest_horizon")?);
    p.scenarios = kw.int("scenarios")?;
    p.horizon = kw.int("horizon")?;
    set(&mut p.raw, kw.take("raw")?);
    p.as_of = kw.parsed("as_of", AsOf::parse)?;
    p.run = run(&kw)?;
    kw.finish()?;
    Ok(p)
}
