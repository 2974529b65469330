//! Finance metrics against NumPy/SciPy/statsmodels (tests/reference/metrics_reference.py), and
//! the degenerate cases.

mod common;

use common::{garchish, Spec};
use ndarray::{array, Array2};
use satool_finance::{affine_correct, evaluate, FinanceError, KsMethod, KsPvalueMethod};

include!("reference/metrics_values.rs");

/// X[t, j] = loc + scale·(wc·c_t + wi·e_{t,j}) as in metrics_reference.py.
fn panel((seed, n, d, loc, scale, wc, wi): (u64, usize, usize, f64, f64, f64, f64)) -> Array2<f64> {
    let c = Spec { seed, n, kind: "norm", loc: 0.0, scale: 1.0 }.sample();
    let mut x = Array2::zeros((n, d));
    for j in 0..d {
        let s = seed + 1 + j as u64;
        let e =
            if j % 2 == 0 { garchish(s, n) } else { Spec { seed: s, n, kind: "norm", loc: 0.0, scale: 1.0 }.sample() };
        for t in 0..n {
            x[[t, j]] = loc + scale * (wc * c[t] + wi * e[t]);
        }
    }
    x
}

fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= 1e-9 * want.abs() + 1e-14, "{what}: {got} vs {want}");
}

#[test]
fn all_metrics_match_the_python_reference() {
    let (hist, gen) = (panel(HIST), panel(GEN));
    let m = evaluate(hist.view(), gen.view(), KsMethod::Auto).unwrap();
    assert_eq!((m.n_hist, m.n_gen, m.tickers), (300, 250, 6));
    assert_eq!(m.ks_methods, vec![KsPvalueMethod::Exact]);
    assert!(m.zero_variance_tickers.is_empty());
    for (j, (p, want)) in m.ks_pvalues.iter().zip(KS_P).enumerate() {
        close(*p, *want, &format!("KS p ticker {j}"));
    }
    for (j, (p, want)) in m.ks_pvalues_corrected.iter().zip(KS_P_CORRECTED).enumerate() {
        close(*p, *want, &format!("corrected KS p ticker {j}"));
    }
    let got = |k: &str| -> f64 {
        match k {
            "ks_pass" => m.ks_pass,
            "ks_mean_p" => m.ks_mean_p,
            "ks_pass_corrected" => m.ks_pass_corrected,
            "ks_mean_p_corrected" => m.ks_mean_p_corrected,
            "corr_error" => m.corr_error.unwrap(),
            "sd_ratio" => m.sd_ratio,
            "kurtosis" => m.kurtosis.unwrap(),
            "var_1" => m.var_1,
            "es_1" => m.es_1,
            "var_5" => m.var_5,
            "es_5" => m.es_5,
            "acf_g2_mean_1_10" => m.acf_g2_mean_1_10.unwrap(),
            "acf_g_outside_band" => m.acf_g_outside_band.unwrap(),
            "acf_g2_outside_band" => m.acf_g2_outside_band.unwrap(),
            other => panic!("unknown {other}"),
        }
    };
    for (k, want) in SCALARS {
        close(got(k), *want, k);
    }
    let curves = m.acf_curves.as_ref().unwrap();
    assert_eq!((curves.g.dim(), curves.g2.dim()), ((6, 40), (6, 100)));
    assert!((curves.band - 2.576 / 250f64.sqrt()).abs() < 1e-15);
    for (k, (a, b)) in curves.mean_g2.iter().zip(MEAN_ACF_G2).enumerate() {
        close(*a, *b, &format!("mean ACF(g²) lag {}", k + 1));
    }
}

#[test]
fn asymptotic_method_is_named() {
    let (hist, gen) = (panel(HIST), panel(GEN));
    let m = evaluate(hist.view(), gen.view(), KsMethod::Asymptotic).unwrap();
    assert_eq!(m.ks_methods, vec![KsPvalueMethod::Kolmogorov]);
}

#[test]
fn affine_correction_matches_hist_moments() {
    let (hist, gen) = (panel(HIST), panel(GEN));
    let c = affine_correct(&gen, &hist);
    for j in 0..6 {
        let (h, g) = (hist.column(j), c.column(j));
        assert!((h.mean().unwrap() - g.mean().unwrap()).abs() < 1e-15);
        let sd = |x: ndarray::ArrayView1<f64>| x.std(1.0);
        assert!((sd(h) / sd(g) - 1.0).abs() < 1e-9);
    }
}

#[test]
fn tails_by_hand() {
    // Portfolio simple returns (row means of e^g − 1): −0.05, −0.03, −0.01, 0.01, 0.03 … from 2
    // tickers whose simple returns are r ± 0.001.
    let r: [f64; 10] = [-0.05, 0.03, -0.01, 0.01, -0.03, 0.05, 0.02, -0.02, 0.0, 0.04];
    let gen = Array2::from_shape_fn((10, 2), |(t, j)| (r[t] + if j == 0 { 0.001 } else { -0.001 }).ln_1p());
    let hist = Array2::from_shape_fn((10, 2), |(t, j)| r[(t + 3) % 10] * (1.0 + j as f64));
    let m = evaluate(hist.view(), gen.view(), KsMethod::Auto).unwrap();
    // Sorted: −0.05, −0.03, −0.02, −0.01, 0, …; q=0.05 → h = 0.45 → −0.05 + 0.45·0.02 = −0.041.
    assert!((m.var_5 - 0.041).abs() < 1e-15, "{}", m.var_5);
    assert!((m.es_5 - 0.05).abs() < 1e-15, "{}", m.es_5);
    // q=0.01 → h = 0.09 → −0.0482; only −0.05 lies below it.
    assert!((m.var_1 - 0.0482).abs() < 1e-15 && (m.es_1 - 0.05).abs() < 1e-15);
}

#[test]
fn zero_variance_generated_ticker_gives_none_not_nan() {
    let hist = panel(HIST);
    let mut gen = panel(GEN);
    gen.column_mut(2).fill(0.001);
    let m = evaluate(hist.view(), gen.view(), KsMethod::Auto).unwrap();
    assert_eq!(m.zero_variance_tickers, vec![2]);
    assert!(m.corr_error.is_none() && m.kurtosis.is_none() && m.acf_curves.is_none());
    assert!(m.acf_g2_mean_1_10.is_none() && m.acf_g_outside_band.is_none() && m.acf_g2_outside_band.is_none());
    for v in [m.ks_pass, m.ks_mean_p, m.ks_pass_corrected, m.ks_mean_p_corrected, m.sd_ratio, m.var_1, m.es_5] {
        assert!(v.is_finite());
    }
    // A constant column against a continuous history: D = 1 − F_hist(0.001) side, p tiny.
    assert!(m.ks_pvalues[2] < 1e-10 && m.ks_pvalues_corrected[2] < 1e-10);
}

#[test]
fn invalid_inputs_are_errors() {
    let hist = panel(HIST);
    let gen = panel(GEN);
    let mut flat = hist.clone();
    flat.column_mut(4).fill(0.0);
    assert!(matches!(
        evaluate(flat.view(), gen.view(), KsMethod::Auto),
        Err(FinanceError::ZeroVarianceHistory { ticker: 4 })
    ));
    let mut bad = gen.clone();
    bad[[7, 1]] = f64::NAN;
    let e = evaluate(hist.view(), bad.view(), KsMethod::Auto).unwrap_err();
    assert_eq!(e.to_string(), "generated returns: day 7, ticker #1 is NaN (not finite)");
    let narrow = array![[0.1, 0.2], [0.3, 0.1], [0.2, 0.0]];
    assert!(matches!(evaluate(hist.view(), narrow.view(), KsMethod::Auto), Err(FinanceError::Shape(_))));
}
