//! Regimes for the sequential generator: memories labelled by a scalar (e.g. each day's
//! cross-sectional volatility) in equal-count quantile bins, a Markov chain fitted to the
//! historical label sequence, and simulated label paths.

use crate::rng::Rng;
use ndarray::Array2;
use rand::Rng as _;

/// Labels 0..n by equal-count quantile bins of `values` (ties go to the lower bin, in order).
pub fn quantile_labels(values: &[f64], n: usize) -> Vec<u32> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut labels = vec![0u32; values.len()];
    for (rank, &i) in order.iter().enumerate() {
        labels[i] = ((rank * n) / values.len().max(1)) as u32;
    }
    labels
}

/// Centred moving average over `w` points (shorter windows at the ends): a slow version of a
/// noisy per-memory scalar, so regimes are persistent states rather than single-day noise.
pub fn centred_rolling_mean(values: &[f64], w: usize) -> Vec<f64> {
    let h = w / 2;
    (0..values.len())
        .map(|i| {
            let (a, b) = (i.saturating_sub(h), (i + h + 1).min(values.len()));
            values[a..b].iter().sum::<f64>() / (b - a) as f64
        })
        .collect()
}

/// Row-stochastic transition matrix of the label sequence (maximum likelihood; a state never
/// left stays put).
///
/// # Panics
/// If a label is not below `n`.
pub fn fit_transitions(labels: &[u32], n: usize) -> Array2<f64> {
    if let Some(l) = labels.iter().find(|&&l| l as usize >= n) {
        panic!("fit_transitions: label {l} of {n} states (labels are 0..{n})");
    }
    let mut c = Array2::<f64>::zeros((n, n));
    for w in labels.windows(2) {
        c[[w[0] as usize, w[1] as usize]] += 1.0;
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

/// A path of `len` labels from the chain `p`, starting at `start`.
///
/// # Panics
/// If `start` is not a state of `p`.
pub fn simulate(p: &Array2<f64>, start: u32, len: usize, rng: &mut Rng) -> Vec<u32> {
    assert!((start as usize) < p.nrows(), "simulate: start {start} of a chain of {} states", p.nrows());
    let mut path = Vec::with_capacity(len);
    let mut s = start as usize;
    for _ in 0..len {
        path.push(s as u32);
        let u: f64 = rng.random();
        let mut acc = 0.0;
        let row = p.row(s);
        s = row.len() - 1;
        for (j, &q) in row.iter().enumerate() {
            acc += q;
            if u < acc {
                s = j;
                break;
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn quantile_bins_have_equal_counts() {
        let v: Vec<f64> = (0..9).map(|i| ((i * 4) % 9) as f64).collect();
        let l = quantile_labels(&v, 3);
        for s in 0..3 {
            assert_eq!(l.iter().filter(|&&x| x == s).count(), 3);
        }
        // the three smallest values get label 0
        for (x, lab) in v.iter().zip(&l) {
            assert_eq!(*lab, (*x as u32) / 3);
        }
    }

    #[test]
    fn rolling_mean_by_hand() {
        assert_eq!(centred_rolling_mean(&[1.0, 2.0, 3.0, 4.0, 5.0], 3), vec![1.5, 2.0, 3.0, 4.0, 4.5]);
    }

    #[test]
    fn fitted_chain_reproduces_persistence() {
        let p = ndarray::array![[0.9, 0.1], [0.3, 0.7]];
        let path = simulate(&p, 0, 200_000, &mut stream(1, "m"));
        let q = fit_transitions(&path, 2);
        assert!((&q - &p).iter().all(|d| d.abs() < 0.01), "{q}");
        // stationary share of state 1 = 0.1 / (0.1 + 0.3)
        let share = path.iter().filter(|&&s| s == 1).count() as f64 / path.len() as f64;
        assert!((share - 0.25).abs() < 0.01);
    }
}
