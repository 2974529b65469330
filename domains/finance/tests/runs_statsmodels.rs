//! Run-aware ACF against statsmodels' `acf(missing="conservative")` on the same series with NaN
//! gaps between runs (tests/reference/runs_acf_reference.py, output in runs_acf_reference.out).

use satool_finance::{acf, acf_runs, consecutive_runs};

const ACF_RUNS: [f64; 11] = [
    1.0,
    0.5944076539459956,
    0.22440560489620698,
    -0.1373338871864567,
    -0.30084766545218883,
    -0.19988577747094258,
    -0.020041993382376378,
    0.20892295118437576,
    0.31569436367297365,
    0.24623867145057235,
    0.1484012799474126,
];
const ACF_CONCATENATED_LAG_1: f64 = 0.6599337799986242;

#[test]
fn pooled_acf_matches_statsmodels_with_nan_gaps() {
    let x: Vec<f64> =
        (0..120).map(|t| (0.7 * t as f64).sin() + 0.3 * (2.3 * (t as f64).powf(1.1)).cos() + 0.01 * t as f64).collect();
    let selected: Vec<usize> = (0..120).filter(|t| (t / 9) % 3 != 2 && t % 13 != 5).collect();
    let sub: Vec<f64> = selected.iter().map(|&t| x[t]).collect();
    let runs = consecutive_runs(&selected);
    assert_eq!((runs.len(), selected.len()), (12, 76));
    let got = acf_runs(&sub, &runs, 10).unwrap();
    for (k, (g, w)) in got.iter().zip(ACF_RUNS).enumerate() {
        assert!((g - w).abs() < 1e-12, "lag {k}: {g} vs {w}");
    }
    // Treating the subset as one series gives other numbers (what conditioned runs used to do).
    assert!((acf(&sub, 1).unwrap()[1] - ACF_CONCATENATED_LAG_1).abs() < 1e-12);
}
