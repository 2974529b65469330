//! Time-series statistics on a subset of days that is not contiguous (a conditioned run: the
//! high-volatility days, a date range plus gaps). The subset is split into *runs* of consecutive
//! days, and every statistic that pairs day t with day t + k does so only inside a run: a day
//! before a gap is never the "previous day" of the day after it.
//!
//! Runs are ranges of positions into the subset (its rows), as [`consecutive_runs`] returns them.

use std::ops::Range;

use ndarray::{Array2, ArrayView2, Axis};
use rand::Rng;

use satool_common::stats::is_constant;

/// The runs of consecutive values of `selected` (strictly increasing day indices), as ranges of
/// positions into `selected`: `[3, 4, 5, 9, 10]` → `[0..3, 3..5]`.
pub fn consecutive_runs(selected: &[usize]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=selected.len() {
        if i == selected.len() || selected[i] != selected[i - 1] + 1 {
            if i > start {
                runs.push(start..i);
            }
            start = i;
        }
    }
    runs
}

/// Autocovariances pooled over runs: `γ(k) = (1/n) Σ_runs Σ_{t, t+k in the run} (x_t − x̄)(x_{t+k} − x̄)`
/// with x̄ and n over all of `x`, for k = 0..=nlags. With one run this is
/// [`satool_common::stats::acovf`]; in general it equals statsmodels'
/// `acovf(x, missing="conservative")` on the runs joined by at least `nlags` NaNs (tested).
pub fn acovf_runs(x: &[f64], runs: &[Range<usize>], nlags: usize) -> Vec<f64> {
    let n = x.len();
    if n == 0 {
        return Vec::new();
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = x.iter().map(|v| v - mean).collect();
    (0..=nlags.min(n - 1))
        .map(|k| {
            let s: f64 = runs
                .iter()
                .filter(|r| r.len() > k)
                .map(|r| d[r.start..r.end - k].iter().zip(&d[r.start + k..r.end]).map(|(a, b)| a * b).sum::<f64>())
                .sum();
            s / n as f64
        })
        .collect()
}

/// ACF pooled over runs (lag 0 is 1); `None` for an empty, non-finite or constant series.
pub fn acf_runs(x: &[f64], runs: &[Range<usize>], nlags: usize) -> Option<Vec<f64>> {
    if x.is_empty() || x.iter().any(|v| !v.is_finite()) || is_constant(x) {
        return None;
    }
    let g = acovf_runs(x, runs, nlags);
    (g[0] > 0.0).then(|| g.iter().map(|v| v / g[0]).collect())
}

/// The ACF summaries of a table row, run-aware: the mean over tickers and lags 1–10 of ACF(g²),
/// and the shares of (ticker, lag) values outside ±2.576/√N for g (lags 1–40) and g² (lags 1–100).
/// `None` if a ticker's g or g² is constant.
pub fn acf_summary_runs(g: ArrayView2<f64>, runs: &[Range<usize>]) -> Option<(f64, f64, f64)> {
    use crate::conventions::{ACF_G2_LAGS, ACF_G_LAGS, BAND_Z};
    let band = BAND_Z / (g.nrows() as f64).sqrt();
    let (mut mean_1_10, mut out_g, mut out_g2, mut n_g, mut n_g2) = (0.0, 0usize, 0usize, 0usize, 0usize);
    let mut lags_1_10 = 0usize;
    for col in g.columns() {
        let x = col.to_vec();
        let x2: Vec<f64> = x.iter().map(|v| v * v).collect();
        let (a, a2) = (acf_runs(&x, runs, ACF_G_LAGS)?, acf_runs(&x2, runs, ACF_G2_LAGS)?);
        out_g += a[1..].iter().filter(|v| v.abs() > band).count();
        out_g2 += a2[1..].iter().filter(|v| v.abs() > band).count();
        n_g += a.len() - 1;
        n_g2 += a2.len() - 1;
        let l = (a2.len() - 1).min(10);
        mean_1_10 += a2[1..=l].iter().sum::<f64>();
        lags_1_10 += l;
    }
    Some((mean_1_10 / lags_1_10.max(1) as f64, out_g as f64 / n_g.max(1) as f64, out_g2 as f64 / n_g2.max(1) as f64))
}

/// [`crate::stationary_bootstrap`] whose blocks stay inside a run: a block that reaches the end
/// of its run continues at the run's first day (circular within the run). With a single run
/// covering all rows it draws exactly what `stationary_bootstrap` draws.
pub fn stationary_bootstrap_runs<R: Rng + ?Sized>(
    g: ArrayView2<f64>,
    runs: &[Range<usize>],
    n: usize,
    mean_block: f64,
    rng: &mut R,
) -> Array2<f64> {
    g.select(Axis(0), &stationary_rows_runs(g.nrows(), runs, n, mean_block, rng))
}

/// The rows (of k) that [`stationary_bootstrap_runs`] draws.
pub fn stationary_rows_runs<R: Rng + ?Sized>(
    k: usize,
    runs: &[Range<usize>],
    n: usize,
    mean_block: f64,
    rng: &mut R,
) -> Vec<usize> {
    let mut run_of = vec![0usize; k];
    for (i, r) in runs.iter().enumerate() {
        run_of[r.clone()].iter_mut().for_each(|x| *x = i);
    }
    let p_new = 1.0 / mean_block.max(1.0);
    let mut rows = Vec::with_capacity(n);
    let mut cur = 0usize;
    for t in 0..n {
        cur = if t == 0 || rng.random::<f64>() < p_new {
            rng.random_range(0..k)
        } else {
            let r = &runs[run_of[cur]];
            if cur + 1 == r.end {
                r.start
            } else {
                cur + 1
            }
        };
        rows.push(cur);
    }
    rows
}

/// Row-stochastic transition matrix of `labels` counting only transitions inside a run (a state
/// never left stays put), as `satool::fit_transitions` does for one run.
///
/// # Panics
/// If a label is not below `n`, or a run reaches past `labels`.
pub fn fit_transitions_runs(labels: &[u32], runs: &[Range<usize>], n: usize) -> Array2<f64> {
    if let Some(l) = labels.iter().find(|&&l| l as usize >= n) {
        panic!("fit_transitions_runs: label {l} of {n} states (labels are 0..{n})");
    }
    let mut c = Array2::<f64>::zeros((n, n));
    for r in runs {
        for w in labels[r.clone()].windows(2) {
            c[[w[0] as usize, w[1] as usize]] += 1.0;
        }
    }
    for (i, mut row) in c.rows_mut().into_iter().enumerate() {
        let s = row.sum();
        if s > 0.0 {
            row /= s;
        } else {
            row[i] = 1.0;
        }
    }
    c
}

/// Centred rolling mean over `w` days (half-width w/2, truncated at the ends) computed inside
/// each run, as `satool::centred_rolling_mean` does for one run.
pub fn centred_rolling_mean_runs(values: &[f64], runs: &[Range<usize>], w: usize) -> Vec<f64> {
    let h = w / 2;
    let mut out = vec![0.0; values.len()];
    for r in runs {
        let v = &values[r.clone()];
        for i in 0..v.len() {
            let (a, b) = (i.saturating_sub(h), (i + h + 1).min(v.len()));
            out[r.start + i] = v[a..b].iter().sum::<f64>() / (b - a) as f64;
        }
    }
    out
}

/// The Politis–White mean block length of each ticker from run-pooled autocovariances, averaged
/// over tickers (as [`crate::politis_white_panel`] does for one run).
pub fn politis_white_panel_runs(g: ArrayView2<f64>, runs: &[Range<usize>]) -> Option<f64> {
    let vals: Vec<f64> = g
        .columns()
        .into_iter()
        .filter_map(|c| {
            let x = c.to_vec();
            crate::bootstrap::politis_white_from(&x, |m| acovf_runs(&x, runs, m))
        })
        .collect();
    (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;
    use satool_common::stats::acovf;

    #[test]
    fn runs_of_selected_days() {
        assert_eq!(consecutive_runs(&[3, 4, 5, 9, 10]), vec![0..3, 3..5]);
        assert_eq!(consecutive_runs(&[7]), vec![0..1]);
        assert_eq!(consecutive_runs(&[1, 3, 5]), vec![0..1, 1..2, 2..3]);
        assert!(consecutive_runs(&[]).is_empty());
    }

    #[test]
    fn one_run_is_the_plain_statistic() {
        let x: Vec<f64> = (0..50).map(|i| ((i * 37) % 11) as f64 - 0.3 * i as f64).collect();
        let one: Vec<Range<usize>> = std::iter::once(0..50).collect();
        assert_eq!(acovf_runs(&x, &one, 10), acovf(&x, 10));
        let g = Array2::from_shape_fn((50, 2), |(t, j)| x[t] * (j + 1) as f64 + t as f64 * 0.01);
        let mut a = Xoshiro256PlusPlus::seed_from_u64(5);
        let mut b = Xoshiro256PlusPlus::seed_from_u64(5);
        assert_eq!(
            stationary_bootstrap_runs(g.view(), &one, 80, 4.0, &mut a),
            crate::stationary_bootstrap(g.view(), 80, 4.0, &mut b)
        );
        assert_eq!(politis_white_panel_runs(g.view(), &one), crate::politis_white_panel(g.view()));
    }

    #[test]
    fn pairs_never_cross_a_gap() {
        // Two runs: 1, 2, 3 | 10, 20. Mean 7.2; lag-1 pairs (1,2), (2,3), (10,20) only.
        let x = [1.0, 2.0, 3.0, 10.0, 20.0];
        let d: Vec<f64> = x.iter().map(|v| v - 7.2).collect();
        let g = acovf_runs(&x, &[0..3, 3..5], 2);
        assert!((g[1] - (d[0] * d[1] + d[1] * d[2] + d[3] * d[4]) / 5.0).abs() < 1e-12);
        assert!((g[2] - d[0] * d[2] / 5.0).abs() < 1e-12);
        // Transitions 0→0, 0→1 in the first run and 1→1 in the second; none across the gap.
        let p = fit_transitions_runs(&[0, 0, 1, 0, 1, 1], &[0..3, 3..4, 4..6], 2);
        assert_eq!(p, ndarray::array![[0.5, 0.5], [0.0, 1.0]]);
        assert_eq!(centred_rolling_mean_runs(&[1.0, 3.0, 10.0, 20.0], &[0..2, 2..4], 3), vec![2.0, 2.0, 15.0, 15.0]);
        // A block bootstrap with long blocks: every consecutive output pair is consecutive
        // inside a run, or a fresh start.
        let g = Array2::from_shape_fn((5, 1), |(t, _)| t as f64);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let out = stationary_bootstrap_runs(g.view(), &[0..3, 3..5], 400, 50.0, &mut rng);
        let rows: Vec<usize> = out.column(0).iter().map(|&v| v as usize).collect();
        let crossings = rows.windows(2).filter(|w| (w[0] == 2 && w[1] == 3) || (w[0] == 4 && w[1] == 0)).count();
        // A fresh start lands there by chance with probability 1/50 × 1/5 per step: ~2 in 400.
        assert!(crossings <= 8, "{crossings}");
        assert!(rows.windows(2).any(|w| w[0] == 2 && w[1] == 0), "wraps inside the first run");
    }
}
