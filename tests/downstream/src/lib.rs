//! A user's crate: satool's re-exported ndarray builds the memory and reads the samples.

use satool::ndarray::{Array2, Axis};
use satool::{exact_samples, stream, Memory};

/// The mean of `n` exact draws at `beta` from a memory whose K patterns are the rows of `rows`
/// (K × d, the layout most data arrive in; the core stores them as columns).
pub fn sample_mean(rows: Array2<f64>, beta: f64, n: usize) -> satool::Result<Vec<f64>> {
    let mem = Memory::new(rows.reversed_axes())?;
    let (xs, _) = exact_samples(&mem, beta, n, &mut stream(1, "downstream"))?;
    Ok(xs.mean_axis(Axis(1)).expect("n > 0").to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use satool::ndarray::array;

    #[test]
    fn one_pattern_draws_centre_on_it() {
        // One pattern stored twice: the law is N(m, I/β), so 4000 draws at β = 100 average to m
        // within a few 1/sqrt(βn) = 0.0016.
        let mean = sample_mean(array![[0.6, 0.8, 0.0], [0.6, 0.8, 0.0]], 100.0, 4000).unwrap();
        for (got, want) in mean.iter().zip([0.6, 0.8, 0.0]) {
            assert!((got - want).abs() < 0.01, "{mean:?}");
        }
    }
}
