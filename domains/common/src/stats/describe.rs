//! Small descriptive statistics with the conventions of NumPy/SciPy that the metrics name.
//!
//! Edge cases, one rule for the module: a statistic that is undefined for the input (no values,
//! too few, a constant series) is `None`, where NumPy/SciPy return NaN with a warning or raise;
//! a NaN in the input gives NaN, as NumPy propagates it. Two documented exceptions keep their
//! callers' finite values: [`mean`] of nothing and [`sd`] of fewer than 2 values are 0.
//! tests/edge_cases.rs checks every case against tests/reference/edge_cases_reference.py.

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};

/// True when every value equals the first exactly (vacuously for no values). This, not a zero
/// variance, is the test for "constant": the float mean of equal values can differ from them by
/// an ulp, leaving a tiny non-zero spread (NumPy's sd of [0.1, 0.1, 0.1] is 1.7e-17).
pub fn is_constant<'a>(x: impl IntoIterator<Item = &'a f64>) -> bool {
    let mut values = x.into_iter();
    match values.next() {
        None => true,
        Some(first) => values.all(|v| v == first),
    }
}

/// Arithmetic mean; 0 for no values (NumPy: NaN with a warning).
pub fn mean(x: ArrayView1<f64>) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.sum() / x.len() as f64
    }
}

/// Sample standard deviation with denominator n − 1 (`numpy.std(ddof=1)`); 0 when n < 2
/// (NumPy: NaN with a warning), so a single observation reads as "no spread".
pub fn sd(x: ArrayView1<f64>) -> f64 {
    let n = x.len();
    if n < 2 {
        return 0.0;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt()
}

/// Median, as `numpy.median`: the middle order statistic, or `(a + b) / 2` of the two middle
/// ones for even n. `None` for no values; NaN if any value is NaN. ±∞ are ordinary values
/// (so the median of [−∞, ∞] is NaN, as in NumPy).
pub fn median(x: &[f64]) -> Option<f64> {
    if x.is_empty() {
        return None;
    }
    if x.iter().any(|v| v.is_nan()) {
        return Some(f64::NAN);
    }
    let mut s = x.to_vec();
    s.sort_unstable_by(f64::total_cmp);
    let m = s.len() / 2;
    Some(if s.len() % 2 == 1 { s[m] } else { (s[m - 1] + s[m]) / 2.0 })
}

/// Pearson correlation of paired samples (the statistic of `scipy.stats.pearsonr`), clamped to
/// [−1, 1] as SciPy clips it. `None` for fewer than 2 pairs, samples of different lengths, or a
/// constant sample (SciPy raises or returns NaN); NaN if a value is NaN.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 || y.len() != n || is_constant(x) || is_constant(y) {
        return None;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n as f64, y.iter().sum::<f64>() / n as f64);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    // Spread that underflowed to 0 (values a few ulps apart near the smallest doubles).
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// Excess kurtosis, SciPy's default `kurtosis(x, fisher=True, bias=True)`: m4/m2² − 3 with
/// central moments over n. `None` for a constant series (including n ≤ 1); NaN if a value is NaN.
pub fn excess_kurtosis(x: ArrayView1<f64>) -> Option<f64> {
    if is_constant(x) {
        return None;
    }
    let n = x.len() as f64;
    let m = mean(x);
    let (m2, m4) = x.iter().fold((0.0, 0.0), |(a, b), v| {
        let d2 = (v - m) * (v - m);
        (a + d2, b + d2 * d2)
    });
    let (m2, m4) = (m2 / n, m4 / n);
    // m2 = 0 only when the spread underflows.
    (m2 != 0.0).then(|| m4 / (m2 * m2) - 3.0)
}

/// Skewness, SciPy's default `skew(x, bias=True)`: m3/m2^{3/2} with central moments over n.
/// `None` for a constant series (including n ≤ 1); NaN if a value is NaN.
pub fn skewness(x: ArrayView1<f64>) -> Option<f64> {
    if is_constant(x) {
        return None;
    }
    let n = x.len() as f64;
    let m = mean(x);
    let (m2, m3) = x.iter().fold((0.0, 0.0), |(a, b), v| {
        let d = v - m;
        (a + d * d, b + d * d * d)
    });
    let (m2, m3) = (m2 / n, m3 / n);
    (m2 != 0.0).then(|| m3 / (m2 * m2.sqrt()))
}

/// Quantile of sorted data with NumPy's default (`method='linear'`): position h = (n−1)q,
/// linear interpolation between the neighbouring order statistics (NumPy's `_lerp` form, so the
/// rounding and the ±∞ cases match `numpy.quantile` with a float q). `sorted` is ascending by
/// `f64::total_cmp`, which puts any NaN at an end: then the result is NaN, as in NumPy.
/// Panics on no values (NumPy raises); q must lie in [0, 1].
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    assert!(n > 0, "quantile of no values");
    debug_assert!((0.0..=1.0).contains(&q), "quantile level {q} outside [0, 1]");
    if sorted[0].is_nan() || sorted[n - 1].is_nan() {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * q;
    let lo = (h.floor() as usize).min(n - 1);
    let hi = (lo + 1).min(n - 1);
    let t = h - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

/// Pearson correlation matrix of the columns of `x` (n × d): [`pearson`] of every pair of
/// columns, in matrix form (normalised columns, one product; equal to `pearson` within a few
/// ulps). `None` if a column is constant (as [`is_constant`]) or holds a non-finite value.
pub fn correlation_matrix(x: ArrayView2<f64>) -> Option<Array2<f64>> {
    if x.axis_iter(Axis(1)).any(is_constant) {
        return None;
    }
    let mut z = x.to_owned();
    for mut col in z.axis_iter_mut(Axis(1)) {
        let m = mean(col.view());
        col.mapv_inplace(|v| v - m);
        let norm = col.dot(&col).sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return None;
        }
        col.mapv_inplace(|v| v / norm);
    }
    let mut c = z.t().dot(&z);
    // Exact ones on the diagonal (rounding can leave 1 ± 1 ulp).
    c.diag_mut().fill(1.0);
    Some(c)
}

/// Frobenius norm.
pub fn frobenius(a: ArrayView2<f64>) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn moments_by_hand() {
        let x = array![1.0, 2.0, 3.0, 4.0];
        assert!((mean(x.view()) - 2.5).abs() < 1e-15);
        assert!((sd(x.view()) - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        // m2 = 1.25, m4 = (2·5.0625 + 2·0.0625)/4 = 2.5625 → 2.5625/1.5625 − 3 = −1.36.
        assert!((excess_kurtosis(x.view()).unwrap() + 1.36).abs() < 1e-14);
        assert_eq!(excess_kurtosis(array![2.0, 2.0].view()), None);
    }

    #[test]
    fn quantiles_like_numpy() {
        let s = [1.0, 2.0, 4.0, 8.0, 16.0];
        // numpy.quantile([1,2,4,8,16], [0, .05, .5, .9, 1]) = 1, 1.2, 4, 12.8, 16
        for (q, want) in [(0.0, 1.0), (0.05, 1.2), (0.5, 4.0), (0.9, 12.8), (1.0, 16.0)] {
            assert!((quantile_sorted(&s, q) - want).abs() < 1e-12, "q={q}");
        }
        assert_eq!(quantile_sorted(&[3.0], 0.01), 3.0);
    }

    #[test]
    fn correlation_by_hand() {
        let x = array![[1.0, 2.0, 3.0], [2.0, 4.0, 1.0], [3.0, 6.0, 2.0]];
        let c = correlation_matrix(x.view()).unwrap();
        assert!((c[[0, 1]] - 1.0).abs() < 1e-15);
        // corr((1,2,3),(3,1,2)) = −0.5
        assert!((c[[0, 2]] + 0.5).abs() < 1e-15);
        assert_eq!(c[[2, 2]], 1.0);
        assert!(correlation_matrix(array![[1.0, 5.0], [2.0, 5.0]].view()).is_none());
    }
}
