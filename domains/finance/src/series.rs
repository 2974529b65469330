//! Time-series checks that respect how the rows of a scenario set are laid out: one series,
//! N independent paths of H days (no statistic pairs the last day of a path with the first of
//! the next), or i.i.d. days (no time order: no autocorrelation is reported).

use ndarray::{ArrayView1, ArrayView2};
use rayon::prelude::*;

use crate::conventions::BAND_Z;

/// How the rows of a generated set relate in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One time series (the rows in order).
    Series,
    /// Consecutive blocks of `h` rows are independent paths of `h` days.
    Paths(usize),
    /// Independent days in no time order.
    Iid,
}

impl Layout {
    /// Path length of `n` rows (`None` for i.i.d. days).
    pub fn path_len(self, n: usize) -> Option<usize> {
        match self {
            Layout::Series => Some(n),
            Layout::Paths(h) => Some(h.min(n)),
            Layout::Iid => None,
        }
    }
}

/// Days summed by the variance ratio.
pub const VR_DAYS: usize = 10;

/// Autocorrelation at lags 1..=`lags` of one ticker's column laid out as paths of `h` days:
/// the mean over the within-path pairs of the centred products (centred on the pooled mean),
/// over the pooled variance (denominator n). With one path this is the usual estimator with
/// denominator n − lag instead of n; `None` for a constant column.
pub fn path_acf(x: ArrayView1<f64>, h: usize, lags: usize) -> Option<Vec<f64>> {
    let n = x.len();
    let mean = fold_mean(x);
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
    if var.is_nan() || var <= 0.0 || h < 2 {
        return None;
    }
    let paths = n / h;
    let lags = lags.min(h - 1);
    // All lags in one pass over each path, one accumulator per lag: every lag's sum still adds
    // its products in path order, then day order (the same rounding as a pass per lag).
    let c: Vec<f64> = x.iter().take(paths * h).map(|v| v - mean).collect();
    let mut s = vec![0.0; lags];
    for path in c.chunks_exact(h) {
        for (t, &a) in path.iter().enumerate() {
            let ahead = &path[t + 1..(t + 1 + lags).min(h)];
            for (acc, &b) in s.iter_mut().zip(ahead) {
                *acc += a * b;
            }
        }
    }
    Some(s.iter().enumerate().map(|(i, v)| v / (paths * (h - i - 1)) as f64 / var).collect())
}

/// Mean as a left fold from 0, the order in which ndarray sums a strided column: a column
/// copied out to contiguous memory then gives the same value to the last bit.
pub fn fold_mean(x: ArrayView1<f64>) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().fold(0.0, |a, &v| a + v) / x.len() as f64
    }
}

/// `satool_common::stats::sd` (n − 1; 0 below 2 values) with the mean of [`fold_mean`].
pub fn fold_sd(x: ArrayView1<f64>) -> f64 {
    let n = x.len();
    if n < 2 {
        return 0.0;
    }
    let m = fold_mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt()
}

/// Per-ticker lag-1 autocorrelation of g (within paths) and the share of tickers inside two 99%
/// bands: the white-noise band ±2.576/√pairs (`pairs` = within-path lag-1 pairs per ticker), and
/// the heteroskedasticity-robust band ±2.576·se, se = √Σ(c_t c_{t+1})² / (pairs · mean c²), c = g
/// minus its mean: the sampling sd of a lag-1 ACF when there is no lag-1 dependence but the
/// volatility clusters (as in prices), which the white-noise band understates (Taylor 1984;
/// Lo & MacKinlay 1988). Without clustering the two agree.
///
/// `between_zero_and_history` is the share of tickers whose lag-1 ACF r lies between zero and
/// history's own lag-1 ACF r_h (over the whole history as one series), each end widened by the
/// robust band b: min(0, r_h) − b ≤ r ≤ max(0, r_h) + b. It accepts no lag-1 dependence and
/// history's own, and rejects dependence history does not have (momentum where history reverts,
/// or more reversal than history's); `None` when [`Lag1::from_tickers`] is given no history.
#[derive(Debug, Clone, PartialEq)]
pub struct Lag1 {
    pub mean: f64,
    pub inside_band: f64,
    pub band: f64,
    pub inside_robust_band: f64,
    pub between_zero_and_history: Option<f64>,
}

/// One ticker's lag-1 ACF and its heteroskedasticity-robust standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TickerLag1 {
    pub acf: f64,
    pub robust_se: f64,
}

/// Adds Σ (c_t c_{t+1})² over the within-path pairs of `c` (paths of `h` days) to `acc`, in path
/// order then day order (the order every caller sums them in, so the streamed and in-memory
/// metrics agree to the bit).
pub(crate) fn add_lag1_squares(c: &[f64], h: usize, acc: &mut f64) {
    for path in c.chunks_exact(h) {
        for pair in path.windows(2) {
            let v = pair[0] * pair[1];
            *acc += v * v;
        }
    }
}

/// The robust se of a lag-1 ACF from its Σ (c_t c_{t+1})², the sum of squares `ss` of the `n`
/// centred values and the number of pairs.
pub(crate) fn lag1_robust_se(squares: f64, ss: f64, n: usize, pairs: usize) -> f64 {
    squares.sqrt() / pairs as f64 / (ss / n as f64)
}

/// [`TickerLag1`] of one column laid out as paths of `h` days; `None` when it is constant. One
/// pass over the centred column: the ACF is [`path_acf`]'s at lag 1 to the bit (the same sums
/// in the same order).
pub fn ticker_lag1(x: ArrayView1<f64>, h: usize) -> Option<TickerLag1> {
    let n = x.len();
    let mean = fold_mean(x);
    let ss = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>();
    if ss.is_nan() || ss <= 0.0 || h < 2 {
        return None;
    }
    let c: Vec<f64> = x.iter().take((n / h) * h).map(|v| v - mean).collect();
    let (mut products, mut squares) = (0.0, 0.0);
    for path in c.chunks_exact(h) {
        for pair in path.windows(2) {
            products += pair[0] * pair[1];
        }
    }
    add_lag1_squares(&c, h, &mut squares);
    let pairs = (n / h) * (h - 1);
    Some(TickerLag1 {
        acf: products / pairs as f64 / (ss / n as f64),
        robust_se: lag1_robust_se(squares, ss, n, pairs),
    })
}

/// Lag-1 ACF of every column of `gen` laid out as paths of `h` days; `None` if any is undefined.
pub fn lag1(gen: ArrayView2<f64>, h: usize) -> Option<Lag1> {
    let per: Vec<TickerLag1> =
        (0..gen.ncols()).into_par_iter().map(|j| ticker_lag1(gen.column(j), h)).collect::<Option<_>>()?;
    Some(Lag1::from_tickers(&per, gen.nrows(), h, None))
}

impl Lag1 {
    /// From each ticker's lag-1 ACF of `n` rows laid out as paths of `h` days, and history's own
    /// lag-1 ACF per ticker when given (`None` for a ticker: a constant history, counted as zero).
    pub fn from_tickers(per: &[TickerLag1], n: usize, h: usize, history: Option<&[Option<f64>]>) -> Lag1 {
        let pairs = (n / h) * (h - 1);
        let band = BAND_Z / (pairs as f64).sqrt();
        let d = per.len() as f64;
        let between = |history: &[Option<f64>]| {
            let inside = per.iter().zip(history).filter(|(t, r_h)| {
                let (r_h, b) = (r_h.unwrap_or(0.0), BAND_Z * t.robust_se);
                t.acf >= r_h.min(0.0) - b && t.acf <= r_h.max(0.0) + b
            });
            inside.count() as f64 / d
        };
        Lag1 {
            mean: per.iter().map(|t| t.acf).sum::<f64>() / d,
            inside_band: per.iter().filter(|t| t.acf.abs() <= band).count() as f64 / d,
            band,
            inside_robust_band: per.iter().filter(|t| t.acf.abs() <= BAND_Z * t.robust_se).count() as f64 / d,
            between_zero_and_history: history.map(between),
        }
    }
}

/// Mean over tickers of the ACF of g² at lags `from..=to` (within paths), or `None` when the
/// paths are shorter than `to + 1` days or a g² column is constant.
pub fn acf_g2_mean(gen: ArrayView2<f64>, h: usize, from: usize, to: usize) -> Option<f64> {
    if h <= to || from == 0 || from > to {
        return None;
    }
    let sq = gen.mapv(|v| v * v);
    let per: Vec<f64> = (0..sq.ncols())
        .into_par_iter()
        .map(|j| path_acf(sq.column(j), h, to).map(|a| a[from - 1..].iter().sum::<f64>() / (to - from + 1) as f64))
        .collect::<Option<_>>()?;
    Some(per.iter().sum::<f64>() / per.len() as f64)
}

/// Variance ratio VR(q) = Var(sum of q consecutive days) / (q·Var(one day)), per ticker over
/// every window of q days inside a path (overlapping), both variances with n − 1; the mean
/// over tickers. 1 for i.i.d. days, below 1 with mean reversion, above with momentum. `None`
/// when the paths are shorter than q days or a column is constant.
pub fn variance_ratio(gen: ArrayView2<f64>, h: usize, q: usize) -> Option<f64> {
    if h < q || q == 0 {
        return None;
    }
    let per: Vec<f64> =
        (0..gen.ncols()).into_par_iter().map(|j| variance_ratio_column(gen.column(j), h, q)).collect::<Option<_>>()?;
    Some(per.iter().sum::<f64>() / per.len() as f64)
}

/// [`variance_ratio`] of one ticker's column (`None` when undefined; `h ≥ q ≥ 1`).
pub fn variance_ratio_column(x: ArrayView1<f64>, h: usize, q: usize) -> Option<f64> {
    if h < q || q == 0 {
        return None;
    }
    let paths = x.len() / h;
    let one = fold_sd(x);
    let mut sums = Vec::with_capacity(paths * (h - q + 1));
    for p in 0..paths {
        let mut s: f64 = (p * h..p * h + q).map(|t| x[t]).sum();
        sums.push(s);
        for t in p * h + q..(p + 1) * h {
            s += x[t] - x[t - q];
            sums.push(s);
        }
    }
    let many = satool_common::stats::sd(ndarray::aview1(&sums));
    (one > 0.0 && sums.len() > 1).then(|| many * many / (q as f64 * one * one))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn path_acf_by_hand_ignores_pairs_across_paths() {
        // Two paths of 3 days: 1,2,3 | 3,2,1 → mean 2, var (1+0+1+1+0+1)/6 = 2/3.
        let x = array![1.0, 2.0, 3.0, 3.0, 2.0, 1.0];
        // Lag 1 pairs within paths: (−1·0)+(0·1)+(1·0)+(0·−1) = 0; across (3,3) would add 1.
        let a = path_acf(x.view(), 3, 2).unwrap();
        assert_eq!(a[0], 0.0);
        // Lag 2: (−1·1) + (1·−1) = −2 over 2 pairs = −1, / (2/3) = −1.5.
        assert!((a[1] + 1.5).abs() < 1e-15);
        assert_eq!(path_acf(array![1.0, 1.0, 1.0].view(), 3, 1), None);
    }

    /// The lag-by-lag form path_acf had before all lags went into one pass (strided column).
    fn path_acf_reference(x: ArrayView1<f64>, h: usize, lags: usize) -> Vec<f64> {
        let n = x.len();
        let mean = x.sum() / n as f64;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        let paths = n / h;
        (1..=lags.min(h - 1))
            .map(|l| {
                let mut s = 0.0;
                for p in 0..paths {
                    for t in p * h..(p + 1) * h - l {
                        s += (x[t] - mean) * (x[t + l] - mean);
                    }
                }
                s / (paths * (h - l)) as f64 / var
            })
            .collect()
    }

    #[test]
    fn path_acf_in_one_pass_is_the_lag_by_lag_sum_bit_for_bit() {
        let g = Array2::from_shape_fn((2003, 3), |(t, j)| (((t * 7919 + j * 31) % 997) as f64 / 997.0 - 0.4).powi(3));
        for h in [2, 7, 20, 250] {
            let col = g.column(1);
            assert_eq!(path_acf(col, h, 40).unwrap(), path_acf_reference(col, h, 40), "h = {h}");
            let contiguous = col.to_owned();
            assert_eq!(path_acf(contiguous.view(), h, 40).unwrap(), path_acf_reference(col, h, 40));
        }
    }

    #[test]
    fn variance_ratio_by_hand() {
        // One path 1,−1,1,−1 with q = 2: sums 0,0,0 → VR = 0 (perfect mean reversion).
        let g = Array2::from_shape_vec((4, 1), vec![1.0, -1.0, 1.0, -1.0]).unwrap();
        assert_eq!(variance_ratio(g.view(), 4, 2), Some(0.0));
        // 1,1,−1,−1: sums 2,0,−2 → var 4, one-day var 4/3 → VR = 4 / (2·4/3) = 1.5.
        let g = Array2::from_shape_vec((4, 1), vec![1.0, 1.0, -1.0, -1.0]).unwrap();
        assert!((variance_ratio(g.view(), 4, 2).unwrap() - 1.5).abs() < 1e-15);
        assert_eq!(variance_ratio(g.view(), 4, 5), None);
    }

    #[test]
    fn robust_band_is_the_white_noise_band_without_clustering_and_wider_with_it() {
        // By hand: one path 1, −1, 1, −1 (mean 0): products −1, −1, −1 → Σ squares 3, ss 4,
        // n 4, 3 pairs → se = √3 / 3 / 1 = 0.577.
        let x = ndarray::array![1.0, -1.0, 1.0, -1.0];
        let t = ticker_lag1(x.view(), 4).unwrap();
        // The ACF is path_acf's at lag 1, to the bit, on a column of uneven values.
        let g = Array2::from_shape_fn((2003, 1), |(t, _)| (((t * 7919) % 997) as f64 / 997.0 - 0.4).powi(3));
        for h in [2, 7, 20] {
            assert_eq!(ticker_lag1(g.column(0), h).unwrap().acf, path_acf(g.column(0), h, 1).unwrap()[0], "h = {h}");
        }
        assert_eq!(ticker_lag1(ndarray::array![1.0, 1.0, 1.0].view(), 3), None);
        assert!((t.robust_se - 3f64.sqrt() / 3.0).abs() < 1e-15);
        assert_eq!(t.acf, -1.0);
        // Constant size: the robust se is 1/√pairs exactly.
        let g = Array2::from_shape_fn((2000, 1), |(t, _)| if (t * 7919) % 13 < 6 { 1.0 } else { -1.0 });
        let t = ticker_lag1(g.column(0), 20).unwrap();
        // Clustered sizes (calm and turbulent stretches of the same signs): wider than 1/√pairs.
        let clustered = Array2::from_shape_fn((2000, 1), |(t, _)| {
            let size = if (t / 20) % 5 == 0 { 5.0 } else { 1.0 };
            size * if (t * 7919) % 13 < 6 { 1.0 } else { -1.0 }
        });
        let c = ticker_lag1(clustered.column(0), 20).unwrap();
        let white = 1.0 / ((100 * 19) as f64).sqrt();
        assert!((t.robust_se / white - 1.0).abs() < 0.1, "{} vs {white}", t.robust_se);
        assert!(c.robust_se > 1.5 * white, "{} vs {white}", c.robust_se);
    }

    /// Between zero and history's: a ticker inside the robust band around zero passes whatever
    /// history's lag-1; one beyond passes only on history's side of zero and not past it (each end
    /// widened by its robust band); a constant history counts as zero.
    #[test]
    fn lag1_between_zero_and_history_takes_history_s_side_only() {
        let t = |acf: f64| TickerLag1 { acf, robust_se: 0.01 };
        let per = [t(0.02), t(-0.05), t(-0.05), t(-0.09), t(0.03), t(0.03)];
        let history = [Some(-0.1), Some(-0.1), Some(0.1), Some(-0.06), Some(0.0), None];
        let l = Lag1::from_tickers(&per, 1000, 20, Some(&history));
        // 0.02 ≤ 0 + 0.0258: in; −0.05 ≥ −0.1 − b: in; −0.05 < 0 − b with history above zero: out;
        // −0.09 < −0.06 − b: out; 0.03 > 0 + b with history at zero, or constant: out.
        assert_eq!(l.between_zero_and_history, Some(2.0 / 6.0));
        assert_eq!(Lag1::from_tickers(&per, 1000, 20, None).between_zero_and_history, None);
    }

    #[test]
    fn lag1_band_counts_within_path_pairs() {
        let g = Array2::from_shape_fn((40, 2), |(t, j)| ((t * 7 + j * 3) % 5) as f64);
        let l = lag1(g.view(), 4).unwrap();
        assert!((l.band - 2.576 / 30f64.sqrt()).abs() < 1e-12);
        assert!(acf_g2_mean(g.view(), 4, 1, 3).is_some() && acf_g2_mean(g.view(), 4, 1, 4).is_none());
    }
}
