//! ACF against `statsmodels.tsa.stattools.acf(x, nlags, fft=False)` (tests/reference/acf_reference.py).

mod common;

use common::{fixture, garchish};
use satool_finance::{acf, log_returns, read_prices, ReadOptions};

include!("reference/acf_values.rs");

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() < 1e-12, "{what} lag {k}: {g} vs {w}");
    }
}

#[test]
fn real_returns_and_squares() {
    let t = read_prices(&fixture("sp500.csv"), &ReadOptions::default()).unwrap();
    let g = log_returns(&t);
    let aapl: Vec<f64> = g.column(0).to_vec();
    assert_close(&acf(&aapl, 40).unwrap(), AAPL_G_40, "AAPL g");
    let sq: Vec<f64> = aapl.iter().map(|v| v * v).collect();
    assert_close(&acf(&sq, 100).unwrap(), AAPL_G2_100, "AAPL g²");
}

#[test]
fn volatility_clustering_series() {
    let x = garchish(31, 1258);
    assert_close(&acf(&x, 40).unwrap(), GARCH_G_40, "garch g");
    let sq: Vec<f64> = x.iter().map(|v| v * v).collect();
    let r = acf(&sq, 100).unwrap();
    assert_close(&r, GARCH_G2_100, "garch g²");
    // The clustering is visible: ACF(g²) at lag 1 clearly positive.
    assert!(r[1] > 0.1, "{}", r[1]);
}

#[test]
fn more_lags_than_points() {
    let x: Vec<f64> = (0..15).map(|i| (i as f64).powf(1.5) % 7.0).collect();
    assert_close(&acf(&x, 40).unwrap(), SHORT_40, "short");
}
