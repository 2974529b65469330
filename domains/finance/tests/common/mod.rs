//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

// The sample generator lives with the statistics tests (as reference/lcg.py imports samples.py).
#[path = "../../../common/tests/support/samples.rs"]
mod samples;
#[allow(unused_imports)] // each test binary uses a part of this module
pub use samples::{Lcg, Spec};

/// AR(1): x_t = phi x_{t−1} + e_t, e = normalish (as lcg.ar1).
pub fn ar1(seed: u64, n: usize, phi: f64) -> Vec<f64> {
    let mut rng = Lcg(seed);
    let mut prev = 0.0;
    (0..n)
        .map(|_| {
            prev = phi * prev + rng.normalish();
            prev
        })
        .collect()
}

/// Volatility clustering: x_t = s_t e_t, s_t = min(0.2 + 0.8|x_{t−1}|, 3) (as lcg.garchish).
pub fn garchish(seed: u64, n: usize) -> Vec<f64> {
    let mut rng = Lcg(seed);
    let mut prev: f64 = 0.0;
    (0..n)
        .map(|_| {
            let s = (0.2 + 0.8 * prev.abs()).min(3.0);
            prev = s * rng.normalish();
            prev
        })
        .collect()
}

/// Path of a fixture of the workspace (`/work/main/fixtures`).
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(name)
}

/// Path of a test data file of this crate.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}
