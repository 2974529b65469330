//! Politis–White block length against our NumPy implementation of the published rule
//! (tests/reference/block_length_reference.py), on synthetic and real series.

mod common;

use common::{ar1, fixture, garchish};
use satool_finance::{log_returns, politis_white_block_length, politis_white_panel, read_prices, ReadOptions};

include!("reference/block_length_values.rs");

fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() < 1e-9 * want, "{what}: {got} vs {want}");
}

#[test]
fn synthetic_series() {
    close(politis_white_block_length(&ar1(41, 1258, 0.5)).unwrap(), AR1_05, "AR(1) 0.5");
    close(politis_white_block_length(&ar1(42, 2000, 0.9)).unwrap(), AR1_09, "AR(1) 0.9");
    close(politis_white_block_length(&garchish(43, 1258)).unwrap(), GARCH, "garch");
    close(politis_white_block_length(&ar1(44, 500, 0.0)).unwrap(), WHITE, "white noise");
}

#[test]
fn real_series_and_panel_rule() {
    let t = read_prices(&fixture("sp500.csv"), &ReadOptions::default()).unwrap();
    // The reference drops every ticker with a gap (no forward filling).
    let g = log_returns(&t);
    close(politis_white_block_length(&g.column(0).to_vec()).unwrap(), AAPL, "AAPL");
    close(politis_white_panel(g.view()).unwrap(), SP500_PANEL_MEAN, "sp500 panel");
    let opts = ReadOptions { drop_suspect: true, fill_limit: 0, ..ReadOptions::default() };
    let t = read_prices(&fixture("all_stocks_5yr.csv.gz"), &opts).unwrap();
    close(politis_white_panel(log_returns(&t).view()).unwrap(), ALL_STOCKS_PANEL_MEAN, "all_stocks panel");
}
