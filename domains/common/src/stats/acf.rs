//! Sample autocorrelation, as `statsmodels.tsa.stattools.acf(x, nlags, fft=False)`:
//! demeaned, autocovariances with denominator n (not n − k), divided by the lag-0 value.

use super::describe::is_constant;

/// Autocovariances `γ(k) = (1/n) Σ_{t<n−k} (x_t − x̄)(x_{t+k} − x̄)` for k = 0..=min(nlags, n−1).
pub fn acovf(x: &[f64], nlags: usize) -> Vec<f64> {
    let n = x.len();
    if n == 0 {
        return Vec::new();
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = x.iter().map(|v| v - mean).collect();
    (0..=nlags.min(n - 1)).map(|k| d[..n - k].iter().zip(&d[k..]).map(|(a, b)| a * b).sum::<f64>() / n as f64).collect()
}

/// ACF at lags 0..=min(nlags, n−1) (lag 0 is 1). `None` for an empty, constant or non-finite
/// series, whose autocorrelation is undefined (statsmodels: an error, NaN, or rounding noise for
/// a constant series whose float mean is off by an ulp).
pub fn acf(x: &[f64], nlags: usize) -> Option<Vec<f64>> {
    if x.is_empty() || x.iter().any(|v| !v.is_finite()) || is_constant(x) {
        return None;
    }
    let g = acovf(x, nlags);
    if g[0] <= 0.0 {
        return None;
    }
    Some(g.iter().map(|v| v / g[0]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // x = 1,2,3,4: mean 2.5, d = -1.5,-.5,.5,1.5; γ0 = 5/4, γ1 = (.75-.25+.75)/4 = 1.25/4.
        let r = acf(&[1.0, 2.0, 3.0, 4.0], 2).unwrap();
        assert!((r[0] - 1.0).abs() < 1e-15);
        assert!((r[1] - 0.25).abs() < 1e-15);
        // γ2 = (-.75 - .75)/4 → ρ2 = -1.5/5 = -0.3.
        assert!((r[2] + 0.3).abs() < 1e-15);
    }

    #[test]
    fn lags_capped_at_n_minus_one() {
        assert_eq!(acf(&[1.0, 3.0, 2.0], 10).unwrap().len(), 3);
    }

    #[test]
    fn undefined_cases() {
        assert!(acf(&[], 3).is_none());
        assert!(acf(&[2.0; 10], 3).is_none());
        assert!(acf(&[1.0, f64::NAN, 2.0], 1).is_none());
    }
}
