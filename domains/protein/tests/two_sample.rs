//! The two-sample classifier AUC equals scikit-learn's on fixed cases: tests/reference/auc_sklearn.py
//! (scikit-learn's `LogisticRegression(C, solver="newton-cholesky", tol=1e-12)` and
//! `roc_auc_score`, folds given) printed tests/reference/auc_sklearn.out, which this test reads:
//! per-fold AUCs, the intercept, every non-zero coefficient and the decision values of the fit on
//! all the data.

use std::collections::HashMap;
use std::path::PathBuf;

use satool_protein::two_sample::{cv_auc, fit_logistic, N_STATES};
use satool_protein::{clean, read_aligned_fasta, read_stockholm};

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `case key = values` lines of the reference output.
fn reference() -> HashMap<(String, String), String> {
    let text = std::fs::read_to_string(path("tests/reference/auc_sklearn.out")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (lhs, rhs) = l.split_once(" = ").unwrap();
            let (case, key) = lhs.split_once(' ').unwrap();
            ((case.to_string(), key.to_string()), rhs.to_string())
        })
        .collect()
}

fn floats(s: &str) -> Vec<f64> {
    s.split_whitespace().map(|v| v.parse().unwrap()).collect()
}

fn check(case: &str, neg: &[Vec<u8>], pos: &[Vec<u8>]) {
    let r = reference();
    let get = |k: &str| r[&(case.to_string(), k.to_string())].clone();
    let c: f64 = get("C").parse().unwrap();
    assert_eq!(get("n"), format!("{} {}", neg.len(), pos.len()), "case {case}: set sizes");
    let neg: Vec<&[u8]> = neg.iter().map(Vec::as_slice).collect();
    let pos: Vec<&[u8]> = pos.iter().map(Vec::as_slice).collect();
    let fold = |n: usize| (0..n).map(|i| i % 5).collect::<Vec<_>>();
    let aucs: Vec<f64> =
        cv_auc(&neg, &pos, &fold(neg.len()), &fold(pos.len()), 5, c).into_iter().map(Option::unwrap).collect();
    let want = floats(&get("fold_auc"));
    for (f, (got, want)) in aucs.iter().zip(&want).enumerate() {
        assert!((got - want).abs() < 1e-12, "case {case} fold {f}: AUC {got} vs scikit-learn {want}");
    }
    let mean = aucs.iter().sum::<f64>() / 5.0;
    let want_mean: f64 = get("mean_auc").parse().unwrap();
    assert!((mean - want_mean).abs() < 1e-12, "case {case}: mean AUC {mean} vs {want_mean}");

    let all: Vec<&[u8]> = neg.iter().chain(&pos).copied().collect();
    let labels: Vec<bool> = (0..all.len()).map(|i| i >= neg.len()).collect();
    let fit = fit_logistic(&all, &labels, c);
    let b: f64 = get("intercept").parse().unwrap();
    // Case D is separable: the intercept is ~1e-16 in both, so compare on the decision scale.
    assert!((fit.intercept - b).abs() < 1e-8, "case {case}: intercept {} vs {b}", fit.intercept);
    let w = fit.coefficients();
    assert_eq!(w.len(), N_STATES * all[0].len());
    let mut want_w = vec![0.0f64; w.len()];
    for item in get("coef_nonzero").split_whitespace() {
        let (i, v) = item.split_once(':').unwrap();
        want_w[i.parse::<usize>().unwrap()] = v.parse().unwrap();
    }
    let scale = want_w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = w.iter().zip(&want_w).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-8 * scale.max(1.0), "case {case}: coefficients differ by up to {worst} (max |w| {scale})");
    for (i, (s, want)) in all.iter().zip(floats(&get("decision"))).enumerate() {
        let got = fit.decision(s);
        assert!((got - want).abs() < 1e-8, "case {case}: decision value {i} {got} vs {want}");
    }
}

fn pf00076() -> Vec<Vec<u8>> {
    clean(&read_stockholm(&path("../../fixtures/PF00076.sto")).unwrap()[0]).unwrap().seqs
}

#[test]
fn stored_vs_evaluate_fixture_equals_scikit_learn() {
    let stored = pf00076();
    let eval: Vec<Vec<u8>> =
        read_aligned_fasta(&path("../../fixtures/PF00076_evaluate.aligned.fasta"), stored[0].len())
            .unwrap()
            .into_iter()
            .map(|(_, s)| s)
            .collect();
    check("A", &stored[..40], &eval);
}

#[test]
fn natural_halves_equal_scikit_learn_at_two_regularisations() {
    let stored = pf00076();
    let even: Vec<Vec<u8>> = stored.iter().step_by(2).cloned().collect();
    let odd: Vec<Vec<u8>> = stored.iter().skip(1).step_by(2).cloned().collect();
    check("B", &even, &odd);
    check("C", &even, &odd);
}

#[test]
fn separable_sets_equal_scikit_learn() {
    let stored = pf00076();
    let backwards: Vec<Vec<u8>> = stored[..40].iter().map(|s| s.iter().rev().copied().collect()).collect();
    check("D", &stored[..40], &backwards);
}
