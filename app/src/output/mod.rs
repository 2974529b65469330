//! Output: atomic result directories, terminal tables, JSON.

pub mod atomic;
pub mod table;

use anyhow::{bail, Result};
use serde::Serialize;

/// Pretty JSON with a final newline.
pub fn to_json<T: Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

/// Fails with the metric's name if a value is not finite: serde_json would otherwise write NaN
/// as `null`, silently. Every number of a result goes through this before anything is written.
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
