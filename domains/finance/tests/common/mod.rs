//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// Deterministic samples reproduced bit for bit by the Python reference scripts
/// (tests/reference/*.py): a 64-bit LCG, u = (state >> 11) / 2^53.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Irwin–Hall: sum of 12 uniforms − 6 (mean 0, variance 1).
    pub fn normalish(&mut self) -> f64 {
        let mut s = 0.0;
        for _ in 0..12 {
            s += self.uniform();
        }
        s - 6.0
    }
}

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

/// One generated sample: `loc + scale * value` with value by `kind` ("unif", "norm", "tie").
pub struct Spec {
    pub seed: u64,
    pub n: usize,
    pub kind: &'static str,
    pub loc: f64,
    pub scale: f64,
}

impl Spec {
    pub fn sample(&self) -> Vec<f64> {
        let mut rng = Lcg(self.seed);
        (0..self.n)
            .map(|_| {
                let v = match self.kind {
                    "unif" => rng.uniform(),
                    "norm" => rng.normalish(),
                    "tie" => (rng.uniform() * 10.0).floor(),
                    other => panic!("unknown kind {other}"),
                };
                self.loc + self.scale * v
            })
            .collect()
    }
}

/// Path of a fixture of the workspace (`/work/main/fixtures`).
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(name)
}

/// Path of a test data file of this crate.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}
