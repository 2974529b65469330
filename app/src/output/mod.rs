//! Output: atomic result directories, terminal tables, JSON.

pub mod atomic;
mod checked;
pub mod table;

pub use checked::check_numbers;

use anyhow::{bail, Result};
use serde::Serialize;

/// Pretty JSON with a final newline: the one writer of results.json, families.json and `--json`.
/// Every number passes [`check_numbers`] first (serde_json would write NaN or ±∞ as `null`).
pub fn to_json<T: Serialize>(value: &T) -> Result<String> {
    check_numbers(value)?;
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

/// Fails with the metric's name if a value is not finite, where a result is computed (the JSON
/// writer checks every number again, by its place in the file).
pub fn finite(name: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        bail!("internal error: {name} is not finite ({v})")
    }
}

/// `finite` for optional values.
pub fn finite_opt(name: &str, v: Option<f64>) -> Result<Option<f64>> {
    v.map(|x| finite(name, x)).transpose()
}
