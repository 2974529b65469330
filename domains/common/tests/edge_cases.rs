//! Edge cases of every statistic against NumPy/SciPy/statsmodels (values from
//! tests/reference/edge_cases_reference.py): empty input, n = 1, constant series, NaN and ±∞,
//! quantiles at q = 0 and 1, odd and even medians.
//!
//! The module's rule (src/stats/describe.rs): where the library says "undefined" (NaN from
//! NaN-free input, or an exception) we return `None`, and each test checks that this happens
//! exactly for the inputs its function documents; every other value must equal the library's,
//! NaN included.

mod support;

use ndarray::{aview1, Array2};
use satool_common::stats::{
    acf, correlation_matrix, excess_kurtosis, is_constant, ks_2samp, mean, median, pearson, quantile_sorted, sd,
    KsMethod,
};
use support::samples::Spec;

enum Data {
    Values(&'static [f64]),
    Generated(Spec),
}

include!("reference/edge_cases_values.rs");

fn sample(name: &str) -> Vec<f64> {
    match &SAMPLES.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no sample {name}")).1 {
        Data::Values(v) => v.to_vec(),
        Data::Generated(spec) => spec.sample(),
    }
}

fn has_nan(x: &[f64]) -> bool {
    x.iter().any(|v| v.is_nan())
}

/// Equal up to rounding (relative 1e-12), with NaN equal to NaN and infinities exact.
fn same(got: f64, want: f64) -> bool {
    if want.is_nan() || want.is_infinite() {
        return got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan());
    }
    (got - want).abs() <= 1e-12 * want.abs() + 1e-15
}

/// "Undefined" in the reference: an exception, or NaN although no input value is NaN.
fn undefined(want: f64, raises: bool, inputs: &[&[f64]]) -> bool {
    raises || (want.is_nan() && !inputs.iter().any(|x| has_nan(x)))
}

#[test]
fn mean_like_numpy_but_zero_for_no_values() {
    for &(name, want, _) in MEAN {
        let x = sample(name);
        let got = mean(aview1(&x));
        if x.is_empty() {
            // Documented exception: NumPy gives NaN with a warning.
            assert!(want.is_nan() && got == 0.0, "{name}");
        } else {
            assert!(same(got, want), "{name}: {got:e} vs numpy {want:e}");
        }
    }
}

#[test]
fn sd_like_numpy_but_zero_below_two_values() {
    for &(name, want, _) in SD {
        let x = sample(name);
        let got = sd(aview1(&x));
        if x.len() < 2 {
            // Documented exception: NumPy gives NaN with a warning.
            assert!(want.is_nan() && got == 0.0, "{name}");
        } else {
            assert!(same(got, want), "{name}: {got:e} vs numpy {want:e}");
        }
    }
}

#[test]
fn median_like_numpy() {
    for &(name, want, raises) in MEDIAN {
        let x = sample(name);
        match median(&x) {
            None => assert!(x.is_empty() && undefined(want, raises, &[&x]), "{name}"),
            Some(got) => assert!(same(got, want), "{name}: {got:e} vs numpy {want:e}"),
        }
    }
    // Odd and even n, unsorted input, exactly.
    assert_eq!(median(&[4.0, 1.0, 3.0]), Some(3.0));
    assert_eq!(median(&[5.0, -1.0, 2.5, 1e-3, 7.0, 7.0, -4.25, 3.0]), Some(2.75));
}

#[test]
fn kurtosis_like_scipy() {
    for &(name, want, raises) in KURTOSIS {
        let x = sample(name);
        match excess_kurtosis(aview1(&x)) {
            None => assert!(is_constant(&x) && undefined(want, raises, &[&x]), "{name}"),
            Some(got) => assert!(same(got, want), "{name}: {got:e} vs scipy {want:e}"),
        }
    }
}

#[test]
fn quantile_like_numpy_including_the_ends() {
    for &(name, q, want) in QUANTILE {
        let mut x = sample(name);
        x.sort_by(f64::total_cmp);
        let got = quantile_sorted(&x, q);
        assert!(same(got, want), "{name} q={q}: {got:e} vs numpy {want:e}");
        // Without NaN, the ends are the extreme order statistics, exactly, unless the
        // interpolation's (b − a)·0 is NaN (NumPy's q = 0 on [1, 2, ∞] is 1, on [−∞, ∞] NaN).
        if has_nan(&x) {
            continue;
        }
        let (first, last) = (x[0], x[x.len() - 1]);
        let next = x[1.min(x.len() - 1)];
        if q == 0.0 && (next - first).is_finite() {
            assert_eq!(got, first, "{name} q=0");
        }
        if q == 1.0 && last.is_finite() {
            assert_eq!(got, last, "{name} q=1");
        }
    }
}

#[test]
#[should_panic(expected = "quantile of no values")]
fn quantile_of_nothing_panics_as_numpy_raises() {
    quantile_sorted(&[], 0.5);
}

#[test]
fn pearson_like_scipy() {
    for &(xn, yn, want, raises) in PEARSON {
        let (x, y) = (sample(xn), sample(yn));
        match pearson(&x, &y) {
            None => assert!(
                (x.len() < 2 || is_constant(&x) || is_constant(&y)) && undefined(want, raises, &[&x, &y]),
                "{xn} vs {yn}"
            ),
            Some(got) => assert!(same(got, want), "{xn} vs {yn}: {got:e} vs scipy {want:e}"),
        }
    }
    assert_eq!(pearson(&[1.0, 2.0], &[1.0]), None, "lengths differ");
}

#[test]
fn correlation_matrix_like_numpy_and_pearson() {
    let names = ["norm_64", "tie_64", "unif_64"];
    let cols: Vec<Vec<f64>> = names.iter().map(|n| sample(n)).collect();
    let x = Array2::from_shape_fn((cols[0].len(), 3), |(t, j)| cols[j][t]);
    let c = correlation_matrix(x.view()).unwrap();
    for i in 0..3 {
        for j in 0..3 {
            assert!(same(c[[i, j]], CORRCOEF[i][j]), "[{i},{j}]: {} vs numpy {}", c[[i, j]], CORRCOEF[i][j]);
            assert!(same(c[[i, j]], pearson(&cols[i], &cols[j]).unwrap_or(1.0)), "[{i},{j}] vs pearson");
        }
    }
    // A constant column, even one whose float mean is off by an ulp, makes the matrix undefined
    // (numpy.corrcoef returns 0 for it, SciPy's pearsonr NaN).
    let with_constant = Array2::from_shape_fn((3, 2), |(t, j)| if j == 0 { 0.1 } else { t as f64 });
    assert!(correlation_matrix(with_constant.view()).is_none());
}

#[test]
fn acf_like_statsmodels() {
    for &(name, nlags, want, raises) in ACF {
        let x = sample(name);
        match acf(&x, nlags) {
            None => {
                // Empty, constant (statsmodels returns rounding noise for [0.1, 0.1, 0.1]) or not finite.
                assert!(x.is_empty() || is_constant(&x) || x.iter().any(|v| !v.is_finite()), "{name}");
                assert!(raises || want.iter().all(|v| v.is_nan()) || is_constant(&x), "{name}");
            }
            Some(got) => {
                assert_eq!(got.len(), want.len(), "{name}");
                for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
                    assert!(same(g, w), "{name} lag {k}: {g:e} vs statsmodels {w:e}");
                }
            }
        }
    }
}

#[test]
fn ks_2samp_like_scipy() {
    for &(an, bn, d, p, raises) in KS_2SAMP {
        let (a, b) = (sample(an), sample(bn));
        match ks_2samp(&a, &b, KsMethod::Auto) {
            // Documented: an empty sample or a non-finite value (SciPy: NaN, but a finite result
            // for ±∞, which it treats as ordinary values).
            None => assert!(a.is_empty() || b.is_empty() || a.iter().chain(&b).any(|v| !v.is_finite()), "{an} vs {bn}"),
            Some(r) => {
                assert!(!raises, "{an} vs {bn}");
                assert!(same(r.statistic, d), "{an} vs {bn}: D {} vs scipy {d}", r.statistic);
                assert!((r.pvalue - p).abs() <= 1e-9 * p + 1e-13, "{an} vs {bn}: p {} vs scipy {p}", r.pvalue);
            }
        }
    }
}
