//! Two-sample KS p-values against `scipy.stats.ks_2samp` (values from tests/reference/ks_reference.py).

mod support;

use satool_common::stats::{ks_2samp, KsMethod, KsPvalueMethod};
use support::samples::Spec;

include!("reference/ks_values.rs");

#[test]
fn auto_matches_scipy_ks_2samp() {
    for (name, a, b, stat, p, method, _) in CASES {
        let r = ks_2samp(&a.sample(), &b.sample(), KsMethod::Auto).unwrap();
        let want_method = if *method == "exact" { KsPvalueMethod::Exact } else { KsPvalueMethod::ScipyAsymptotic };
        assert_eq!(r.method_used, want_method, "{name}");
        assert!((r.statistic - stat).abs() < 1e-12, "{name}: D {} vs {stat}", r.statistic);
        assert!((r.pvalue - p).abs() < 1e-6, "{name}: p {} vs {p}", r.pvalue);
        // Much tighter in fact: relative 1e-9 (covers the tiny p-values too).
        assert!((r.pvalue - p).abs() <= 1e-9 * p + 1e-13, "{name}: p {:e} vs {p:e}", r.pvalue);
    }
}

#[test]
fn asymptotic_matches_scipy_kstwobign() {
    for (name, a, b, _, _, _, p_big) in CASES {
        let r = ks_2samp(&a.sample(), &b.sample(), KsMethod::Asymptotic).unwrap();
        assert_eq!(r.method_used, KsPvalueMethod::Kolmogorov);
        assert!((r.pvalue - p_big).abs() <= 1e-9 * p_big + 1e-13, "{name}: p {:e} vs {p_big:e}", r.pvalue);
    }
}

#[test]
fn symmetric_in_the_two_samples() {
    for (name, a, b, _, p, _, _) in CASES {
        let r = ks_2samp(&b.sample(), &a.sample(), KsMethod::Auto).unwrap();
        assert!((r.pvalue - p).abs() <= 1e-9 * p + 1e-13, "{name}");
    }
}
