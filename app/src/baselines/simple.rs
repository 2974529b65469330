//! The simple baselines, all from the same memory matrix and the run's seed:
//! bootstrap, Gaussian perturbation, random convex combination, and independent columns.

use ndarray::Array2;
use rand::Rng as _;
use rand_distr::{Distribution, Exp1, StandardNormal};
use satool::Memory;
use satool::Rng;

/// `n` stored patterns drawn uniformly with replacement (d × n), and their indices.
pub fn bootstrap(mem: &Memory, n: usize, rng: &mut Rng) -> (Array2<f64>, Vec<usize>) {
    let idx: Vec<usize> = (0..n).map(|_| rng.random_range(0..mem.k())).collect();
    let mut out = Array2::zeros((mem.d(), n));
    for (mut c, &k) in out.columns_mut().into_iter().zip(&idx) {
        c.assign(&mem.pattern(k));
    }
    (out, idx)
}

/// A random stored pattern plus `sigma`·N(0, I) (σ = sqrt(2α/β_ret) in the published protocol).
pub fn gaussian_perturbation(mem: &Memory, n: usize, sigma: f64, rng: &mut Rng) -> Array2<f64> {
    let (mut out, _) = bootstrap(mem, n, rng);
    for v in out.iter_mut() {
        *v += sigma * rng.sample::<f64, _>(StandardNormal);
    }
    out
}

/// `X w` with `w ~ Dirichlet(1, …, 1)` (normalised unit exponentials), no renormalisation.
pub fn convex_combination(mem: &Memory, n: usize, rng: &mut Rng) -> Array2<f64> {
    let mut w = Array2::zeros((mem.k(), n));
    for mut col in w.columns_mut() {
        for v in col.iter_mut() {
            *v = Exp1.sample(rng);
        }
        let s = col.sum();
        col /= s;
    }
    mem.x().dot(&w)
}

/// Independent-site sampling: each position of each new sequence is drawn from that column's
/// empirical symbol frequencies in `rows` (gaps included), so per-column statistics are kept and
/// every correlation between columns is lost — a sanity baseline for aligned categorical data.
pub fn independent_columns(rows: &[Vec<u8>], n: usize, rng: &mut Rng) -> Vec<Vec<u8>> {
    let len = rows.first().map_or(0, |r| r.len());
    (0..n).map(|_| (0..len).map(|j| rows[rng.random_range(0..rows.len())][j]).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use satool::stream;

    fn mem() -> Memory {
        Memory::new(array![[1.0, 0.0, 0.6], [0.0, 1.0, 0.8]]).unwrap()
    }

    #[test]
    fn convex_combinations_lie_in_the_hull_with_uniform_mean() {
        let s = convex_combination(&mem(), 20000, &mut stream(1, "t"));
        // E[w] = 1/3 each → mean = row means of X = (1.6/3, 1.8/3).
        let m = s.mean_axis(ndarray::Axis(1)).unwrap();
        assert!((m[0] - 1.6 / 3.0).abs() < 0.01 && (m[1] - 1.8 / 3.0).abs() < 0.01, "{m}");
        assert!(s.iter().all(|&v| (0.0..=1.0).contains(&v)));
    }

    #[test]
    fn gaussian_perturbation_has_the_requested_spread() {
        let s = gaussian_perturbation(&mem(), 20000, 0.1, &mut stream(2, "t"));
        // Same stream → the same pattern choices, so the difference is the added noise.
        let (b, _) = bootstrap(&mem(), 20000, &mut stream(2, "t"));
        let resid = &s - &b;
        let var = resid.mapv(|v| v * v).mean().unwrap();
        assert!((var.sqrt() - 0.1).abs() < 0.003, "sd {}", var.sqrt());
    }

    #[test]
    fn independent_columns_keep_column_frequencies() {
        let rows = vec![b"AC".to_vec(), b"AD".to_vec(), b"-D".to_vec(), b"AD".to_vec()];
        let s = independent_columns(&rows, 40000, &mut stream(3, "t"));
        let a0 = s.iter().filter(|r| r[0] == b'A').count() as f64 / 40000.0;
        let d1 = s.iter().filter(|r| r[1] == b'D').count() as f64 / 40000.0;
        assert!((a0 - 0.75).abs() < 0.01 && (d1 - 0.75).abs() < 0.01);
    }
}
