//! The parameters of the two jobs as typed values, checked once: [`ProteinParams`] and
//! [`FinanceParams`]. The command line parses its strings into them and the Python package
//! builds them from keyword arguments; both then call the same `check` (every range, every pair
//! of options that exclude each other) and `job`, so a bad value gets the same message whichever
//! way it came in.
//!
//! The rules on single values are the functions of this module: clap's value parsers call them
//! on the text given, `check` on the typed value, and a refusal reads as clap writes it,
//! `invalid value 'V' for '--option <NAME>': why`.

mod finance;
mod protein;

pub use finance::{parse_date_range, parse_path_range, parse_window, FinanceParams, VolRegime, Window};
pub use protein::{parse_decode, ProteinParams, DEFAULT_DECODE};

use std::fmt::Display;
use std::ops::RangeInclusive;

/// The inverse temperatures a user may give (every β option, and the Python package's `beta`).
/// Below 1e-6 the samples' noise, of scale β^(-1/2), makes their squared norms and energies
/// overflow; above 1e6 the attention is a hard argmax already.
pub const BETA_RANGE: (f64, f64) = (1e-6, 1e6);
/// [`BETA_RANGE`] as messages say it.
pub const BETA_RANGE_TEXT: &str = "1e-6 ≤ β ≤ 1e6";
/// `--samples`: sequences per method.
pub const SAMPLES_RANGE: RangeInclusive<u64> = 1..=10_000_000;
/// `--holdout-folds`: disjoint held-out sets.
pub const HOLDOUT_FOLDS_RANGE: RangeInclusive<u64> = 1..=100;

/// A rule on one value: `Ok`, or why the value (shown as `shown`, the text given) is refused.
pub type Rule<T> = fn(T, &str) -> Result<(), String>;

/// `b` when it is within [`BETA_RANGE`], else the message.
pub fn beta_in_range(b: f64) -> Result<f64, String> {
    // 1e300 as written, not three hundred digits.
    let plain = b.to_string();
    beta(b, &if plain.len() > 12 { format!("{b:e}") } else { plain }).map(|()| b)
}

/// A finite β within [`BETA_RANGE`].
pub fn beta(b: f64, shown: &str) -> Result<(), String> {
    if b.is_finite() && (BETA_RANGE.0..=BETA_RANGE.1).contains(&b) {
        Ok(())
    } else {
        Err(format!("{shown} is out of range: {BETA_RANGE_TEXT}"))
    }
}

/// A number strictly between 0 and 1.
pub fn open_fraction(x: f64, shown: &str) -> Result<(), String> {
    if x > 0.0 && x < 1.0 {
        Ok(())
    } else {
        Err(format!("{shown} is out of range: 0 < F < 1"))
    }
}

/// A number in [0, 1].
pub fn unit_fraction(x: f64, shown: &str) -> Result<(), String> {
    if (0.0..=1.0).contains(&x) {
        Ok(())
    } else {
        Err(format!("{shown} is out of range: 0 ≤ X ≤ 1"))
    }
}

/// A number in (0, 1]: an identity threshold (0 would put every sequence in one cluster).
pub fn reweight_threshold(x: f64, shown: &str) -> Result<(), String> {
    if x > 0.0 && x <= 1.0 {
        Ok(())
    } else {
        Err(format!("{shown} is out of range: 0 < X ≤ 1"))
    }
}

/// A positive, finite number of seconds, at most 1e9.
pub fn positive_seconds(v: f64, shown: &str) -> Result<(), String> {
    if v.is_finite() && v > 0.0 && v <= 1e9 {
        Ok(())
    } else {
        Err(format!("expected a positive number of seconds (at most 1e9), got '{shown}'"))
    }
}

/// A count within `range`, in the words of clap's ranged parser.
pub fn in_range(n: u64, range: &RangeInclusive<u64>) -> Result<(), String> {
    if range.contains(&n) {
        Ok(())
    } else {
        Err(format!("{n} is not in {}..={}", range.start(), range.end()))
    }
}

/// The refusal of one option's value, as clap words it.
pub fn invalid(option: &str, shown: &str, reason: &str) -> anyhow::Error {
    crate::input_err!("invalid value '{shown}' for '{option}': {reason}")
}

/// The values of `--precision`.
pub const PRECISIONS: [&str; 2] = ["f64", "f32"];

/// `--precision` given as text (the Python package's `precision`), refused as clap words it.
pub fn parse_precision(s: &str) -> anyhow::Result<satool::Precision> {
    s.parse().map_err(|_| not_listed("--precision <PRECISION>", s, &PRECISIONS))
}

/// A value of a clap value enum (`--hmmer`, `--condition-regime`) given as text, refused as clap
/// words it.
pub fn parse_value_enum<T: clap::ValueEnum>(option: &str, s: &str) -> anyhow::Result<T> {
    T::from_str(s, false).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|p| p.get_name().to_string())
            .collect();
        not_listed(option, s, &names)
    })
}

fn not_listed(option: &str, s: &str, names: &[impl AsRef<str>]) -> anyhow::Error {
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    crate::input_err!("invalid value '{s}' for '{option}'\n  [possible values: {}]", names.join(", "))
}

/// A value the type allows and `rule` refuses, as an input error naming `option`.
fn checked<T: Copy + Display>(option: &str, value: T, rule: Rule<T>) -> anyhow::Result<()> {
    let shown = value.to_string();
    rule(value, &shown).map_err(|why| invalid(option, &shown, &why))
}

/// [`checked`] on a value that may be absent.
fn checked_opt<T: Copy + Display>(option: &str, value: Option<T>, rule: Rule<T>) -> anyhow::Result<()> {
    value.map_or(Ok(()), |v| checked(option, v, rule))
}

/// Two options given together that exclude each other, as clap words it.
fn conflict(given: &str, with: &str) -> anyhow::Error {
    crate::input_err!("the argument '{given}' cannot be used with '{with}'")
}

/// Options another one needs and that were not given, as clap words it.
fn missing(options: &[&str]) -> anyhow::Error {
    let lines: String = options.iter().map(|o| format!("\n  {o}")).collect();
    crate::input_err!("the following required arguments were not provided:{lines}")
}

/// The parameters every job shares: the seed, the Langevin step, the chains' precision and the
/// methods to run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunParams {
    pub seed: u64,
    /// Langevin step size α, in (0, 1).
    pub alpha: f64,
    pub precision: satool::Precision,
    /// Method ids (`None`: every method of this build).
    pub methods: Option<Vec<String>>,
}

impl Default for RunParams {
    fn default() -> RunParams {
        RunParams { seed: 1, alpha: 0.01, precision: satool::Precision::F64, methods: None }
    }
}

impl RunParams {
    /// `--alpha`: the Langevin step size, in (0, 1).
    fn check_alpha(&self) -> anyhow::Result<()> {
        let alpha = self.alpha;
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(crate::input_err!("--alpha must be in (0, 1), got {alpha}"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
