//! VaR backtests: exceedance counts with Kupiec's unconditional-coverage test, Christoffersen's
//! independence test (both likelihood ratios, χ²(1) p-values) and their sum, Christoffersen's
//! conditional-coverage test (χ²(2)); the Basel traffic-light zone of a 99% VaR.
//!
//! An exceedance is a day whose portfolio return is below −VaR (a loss larger than the VaR).
//! The VaR may change from day to day ([`backtest_series`], a rolling forecast) or be one number
//! ([`backtest`]).

use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

/// `x ln y` with 0 ln 0 = 0 (the convention of both likelihoods).
fn xlny(x: f64, y: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x * y.ln()
    }
}

/// Upper tail of χ²(`dof`) at `lr` (a non-positive statistic gives 1).
fn chi2_sf(lr: f64, dof: f64) -> f64 {
    if lr <= 0.0 {
        return 1.0;
    }
    ChiSquared::new(dof).map_or(f64::NAN, |c| c.sf(lr))
}

fn chi2_1_sf(lr: f64) -> f64 {
    chi2_sf(lr, 1.0)
}

/// The Basel Committee's traffic light for a 99% VaR: green up to 4 exceedances in 250 days,
/// yellow 5–9, red from 10. For other lengths the same rule through the binomial cumulative
/// probability it is built on (green while P(X ≤ x) < 95%, yellow while < 99.99%, X ~ Bin(n, 1%)),
/// which gives exactly 0–4 / 5–9 / 10+ at n = 250. No exceedance is green at any length (on 5
/// days or fewer, P(X ≤ 0) = 0.99ⁿ is itself ≥ 95%).
pub fn basel_zone(exceedances: usize, days: usize) -> &'static str {
    if exceedances == 0 {
        return "green";
    }
    let Ok(b) = Binomial::new(0.01, days as u64) else { return "red" };
    let p = b.cdf(exceedances as u64);
    if p < 0.95 {
        "green"
    } else if p < 0.9999 {
        "yellow"
    } else {
        "red"
    }
}

/// One backtest: a VaR level against a sequence of exceedances.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Backtest {
    /// Confidence level c (e.g. 0.99): the expected exceedance rate is 1 − c.
    pub level: f64,
    /// The VaR tested (a positive loss, in the units of the returns: simple, `crate::risk`).
    pub var: f64,
    pub days: usize,
    pub exceedances: usize,
    pub expected: f64,
    /// Kupiec (1995) likelihood ratio and its χ²(1) p-value.
    pub lr_uc: f64,
    pub p_uc: f64,
    /// Christoffersen (1998) independence likelihood ratio (first-order Markov alternative) and
    /// its χ²(1) p-value.
    pub lr_ind: f64,
    pub p_ind: f64,
    /// Christoffersen's conditional coverage: LR_uc + LR_ind, χ²(2) p-value.
    pub lr_cc: f64,
    pub p_cc: f64,
}

/// Kupiec's LR for `x` exceedances in `n` days at expected rate `p`.
pub fn kupiec_lr(x: usize, n: usize, p: f64) -> f64 {
    let (x, n) = (x as f64, n as f64);
    let null = xlny(n - x, 1.0 - p) + xlny(x, p);
    let alt = if n > 0.0 { xlny(n - x, 1.0 - x / n) + xlny(x, x / n) } else { 0.0 };
    -2.0 * (null - alt)
}

/// Christoffersen's independence LR of a hit sequence (true = exceedance).
pub fn christoffersen_lr(hits: &[bool]) -> f64 {
    let mut n = [[0.0f64; 2]; 2];
    for w in hits.windows(2) {
        n[w[0] as usize][w[1] as usize] += 1.0;
    }
    let rate = |a: f64, b: f64| if a + b > 0.0 { b / (a + b) } else { 0.0 };
    let (p0, p1) = (rate(n[0][0], n[0][1]), rate(n[1][0], n[1][1]));
    let p = rate(n[0][0] + n[1][0], n[0][1] + n[1][1]);
    let null = xlny(n[0][0] + n[1][0], 1.0 - p) + xlny(n[0][1] + n[1][1], p);
    let alt = xlny(n[0][0], 1.0 - p0) + xlny(n[0][1], p0) + xlny(n[1][0], 1.0 - p1) + xlny(n[1][1], p1);
    // Rounding can make a zero statistic slightly negative.
    (-2.0 * (null - alt)).max(0.0)
}

/// Backtests a constant VaR (a positive loss) at `level` on the realised returns.
pub fn backtest(var: f64, level: f64, realised: &[f64]) -> Backtest {
    let hits: Vec<bool> = realised.iter().map(|&r| r < -var).collect();
    Backtest { var, ..of_hits(&hits, level) }
}

/// Backtests a VaR forecast per day (`var[t]` for the day of `realised[t]`) at `level`; the
/// result's `var` is the mean forecast. Returns the hit sequence too (true = exceedance).
pub fn backtest_series(var: &[f64], level: f64, realised: &[f64]) -> (Backtest, Vec<bool>) {
    assert_eq!(var.len(), realised.len(), "one VaR per realised day");
    let hits: Vec<bool> = realised.iter().zip(var).map(|(&r, &v)| r < -v).collect();
    let mean = if var.is_empty() { 0.0 } else { var.iter().sum::<f64>() / var.len() as f64 };
    (Backtest { var: mean, ..of_hits(&hits, level) }, hits)
}

/// The three tests of a hit sequence at `level` (`var` left at 0 for the caller).
fn of_hits(hits: &[bool], level: f64) -> Backtest {
    let x = hits.iter().filter(|&&h| h).count();
    let p = 1.0 - level;
    let lr_uc = kupiec_lr(x, hits.len(), p);
    let lr_ind = christoffersen_lr(hits);
    let lr_cc = lr_uc + lr_ind;
    Backtest {
        level,
        var: 0.0,
        days: hits.len(),
        exceedances: x,
        expected: p * hits.len() as f64,
        lr_uc,
        p_uc: chi2_1_sf(lr_uc),
        lr_ind,
        p_ind: chi2_1_sf(lr_ind),
        lr_cc,
        p_cc: chi2_sf(lr_cc, 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn likelihood_ratios_by_hand() {
        // 5 exceedances in 100 days at 1%: LR = −2[95 ln .99 + 5 ln .01 − 95 ln .95 − 5 ln .05].
        let want = -2.0 * (95.0 * 0.99f64.ln() + 5.0 * 0.01f64.ln() - 95.0 * 0.95f64.ln() - 5.0 * 0.05f64.ln());
        assert!((kupiec_lr(5, 100, 0.01) - want).abs() < 1e-12);
        // Exactly the expected rate: LR 0, p 1; no exceedance at all is finite.
        assert!(kupiec_lr(1, 100, 0.01).abs() < 1e-12);
        assert!((kupiec_lr(0, 100, 0.01) - (-2.0 * 100.0 * 0.99f64.ln())).abs() < 1e-12);
        // Alternating hits are as dependent as it gets; spread-out hits are not.
        let alternating: Vec<bool> = (0..40).map(|i| i % 2 == 0).collect();
        assert!(christoffersen_lr(&alternating) > 30.0);
        assert_eq!(christoffersen_lr(&[false; 50]), 0.0);
        // χ²(1) upper tail at 3.841459 is 5%.
        assert!((chi2_1_sf(3.841_458_820_694_124) - 0.05).abs() < 1e-9);
    }

    #[test]
    fn backtest_counts_losses_beyond_the_var() {
        let r = [-0.03, 0.01, -0.021, -0.02, 0.0];
        let b = backtest(0.02, 0.95, &r);
        assert_eq!((b.days, b.exceedances), (5, 2));
        assert!((b.expected - 0.25).abs() < 1e-12);
        assert!(b.p_uc > 0.0 && b.p_uc < 1.0 && b.p_ind > 0.0 && b.p_ind <= 1.0);
        assert!((b.lr_cc - b.lr_uc - b.lr_ind).abs() < 1e-15);
        // A day-by-day VaR counts against its own day: the first and last days exceed.
        let (s, hits) = backtest_series(&[0.02, 0.005, 0.03, 0.03, -0.001], 0.95, &r);
        assert_eq!(hits, [true, false, false, false, true]);
        assert_eq!(s.exceedances, 2);
        assert!((s.var - 0.0168).abs() < 1e-12);
    }

    #[test]
    fn basel_zones_at_250_days() {
        let zones: Vec<&str> = (0..=11).map(|x| basel_zone(x, 250)).collect();
        let mut want = vec!["green"; 5];
        want.extend(["yellow"; 5]);
        want.extend(["red"; 2]);
        assert_eq!(zones, want);
        // Few days: none exceeded is green, one of 4 is not.
        assert_eq!((basel_zone(0, 4), basel_zone(0, 1), basel_zone(1, 4)), ("green", "green", "yellow"));
    }

    /// A trailing historical-simulation VaR over 2020 on fixtures/sp500.csv, 1-day and on 10-day
    /// blocks: every statistic, p-value and the zone as NumPy/SciPy compute them
    /// (tests/reference/rolling_backtest_reference.py).
    #[test]
    fn p_values_equal_scipy() {
        let refs: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/reference/rolling_backtest_reference.json")).unwrap();
        let floats =
            |v: &serde_json::Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
        // The 1-day case, then the 10-day one on non-overlapping blocks.
        for case in [&refs, &refs["horizon"]] {
            check_case(case, &floats);
        }
    }

    fn check_case(case: &serde_json::Value, floats: &dyn Fn(&serde_json::Value) -> Vec<f64>) {
        let realised = floats(&case["realised"]);
        assert!(realised.len() >= 25);
        for l in case["levels"].as_array().unwrap() {
            let level = l["level"].as_f64().unwrap();
            let (b, _) = backtest_series(&floats(&l["var"]), level, &realised);
            assert_eq!(b.exceedances as u64, l["exceedances"].as_u64().unwrap());
            for (what, got) in [
                ("lr_uc", b.lr_uc),
                ("p_uc", b.p_uc),
                ("lr_ind", b.lr_ind),
                ("p_ind", b.p_ind),
                ("lr_cc", b.lr_cc),
                ("p_cc", b.p_cc),
            ] {
                let want = l[what].as_f64().unwrap();
                assert!((got - want).abs() <= 1e-10 * want.abs(), "{level} {what}: {got} vs SciPy {want}");
            }
            assert_eq!(basel_zone(b.exceedances, b.days), l["basel_zone"].as_str().unwrap());
        }
    }
}
