//! Property tests of the numerical core: softmax, energy bounds, the exact sampler, and the
//! absence of NaN or infinity over the whole range of β and K users can ask for.

use ndarray::{Array2, Axis};
use proptest::prelude::*;
use satool::{
    energies, exact_samples, mixture_weights, run_chains, softmax_in_place, stream, Kernel, Memory, Params, Protocol,
};

/// A seeded random memory of unit-norm-ish patterns scaled by `scale`.
fn memory(d: usize, k: usize, scale: f64, seed: u64) -> Memory {
    use rand::Rng;
    let mut rng = stream(seed, "prop");
    let mut x = Array2::from_shape_simple_fn((d, k), || rng.random::<f64>() - 0.5);
    for mut c in x.columns_mut() {
        let n = c.dot(&c).sqrt().max(1e-12);
        c *= scale / n;
    }
    Memory::new(x).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn softmax_sums_to_one_and_is_finite(logits in prop::collection::vec(-1e6f64..1e6, 1..300)) {
        let mut row = logits.clone();
        let lse = softmax_in_place(&mut row);
        prop_assert!(lse.is_finite());
        prop_assert!(row.iter().all(|p| p.is_finite() && *p >= 0.0));
        prop_assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        prop_assert!(lse >= max - 1e-9 && lse <= max + (logits.len() as f64).ln() + 1e-9);
    }

    /// With E(ξ) = ½‖ξ‖² − lse(βXᵀξ)/β: lse ≥ β max_k m_kᵀξ gives the upper bound; lse ≤ β max +
    /// log K and max_k m_kᵀξ ≤ M‖ξ‖ (Cauchy–Schwarz) give ½(‖ξ‖ − M)² − ½M² − log(K)/β below.
    #[test]
    fn energy_respects_its_bounds(
        d in 1usize..12, k in 2usize..40, scale in 0.1f64..3.0, seed in 0u64..1000,
        log_beta in -3.0f64..5.0, xi_scale in 0.0f64..5.0,
    ) {
        let beta = 10f64.powf(log_beta);
        let mem = memory(d, k, scale, seed);
        let mut xi = memory(d, 2, xi_scale.max(1e-9), seed + 1).x().to_owned();
        xi.column_mut(1).fill(0.0);
        let e = energies(&mem, beta, xi.view());
        let big_m = mem.norms().iter().cloned().fold(0.0, f64::max);
        for (j, col) in xi.columns().into_iter().enumerate() {
            let n = col.dot(&col).sqrt();
            let max_dot = mem.x().t().dot(&col).iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let upper = 0.5 * n * n - max_dot;
            let lower = 0.5 * (n - big_m).powi(2) - 0.5 * big_m * big_m - (k as f64).ln() / beta;
            let tol = 1e-9 * (1.0 + upper.abs() + lower.abs());
            prop_assert!(e[j].is_finite());
            prop_assert!(e[j] <= upper + tol, "E {} > upper {}", e[j], upper);
            prop_assert!(e[j] >= lower - tol, "E {} < lower {}", e[j], lower);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    /// The exact sampler's moments: mean Σ w_k m_k, per-coordinate variance 1/β + Var_w(m).
    #[test]
    fn exact_sampler_mean_and_variance(d in 1usize..6, k in 2usize..8, log_beta in -1.0f64..2.0, seed in 0u64..1000) {
        let beta = 10f64.powf(log_beta);
        let mem = memory(d, k, 1.0, seed);
        let n = 40_000;
        let (s, _) = exact_samples(&mem, beta, n, &mut stream(seed, "exact")).unwrap();
        let w = mixture_weights(&mem, beta);
        let x = mem.x();
        for i in 0..d {
            let mean: f64 = (0..k).map(|c| w[c] * x[[i, c]]).sum();
            let second: f64 = (0..k).map(|c| w[c] * x[[i, c]] * x[[i, c]]).sum();
            let var = 1.0 / beta + second - mean * mean;
            let got_mean = s.row(i).mean().unwrap();
            let got_var = s.row(i).var(1.0);
            let se_mean = (var / n as f64).sqrt();
            prop_assert!((got_mean - mean).abs() < 5.0 * se_mean, "mean {} vs {}", got_mean, mean);
            // SE of a variance ≈ var·sqrt(2/n) (+ kurtosis of the mixture; 8 SE is generous but still tight).
            prop_assert!((got_var - var).abs() < 8.0 * var * (2.0 / n as f64).sqrt(), "var {} vs {}", got_var, var);
        }
    }
}

/// β from 1e-3 to 1e5 and K from 2 to 10⁵: chains, energies and exact draws stay finite.
#[test]
fn no_nan_over_the_range_of_beta_and_k() {
    for &k in &[2usize, 50, 100_000] {
        let mem = memory(4, k, 1.0, k as u64);
        for &beta in &[1e-3, 1.0, 77.0, 1e5] {
            let proto = Protocol::new(4, 30, 10, 10).unwrap().with_group_size(2).unwrap();
            for kernel in [Kernel::Ula, Kernel::Mala] {
                let run = run_chains(&mem, Params::new(0.01, beta).unwrap(), kernel, &proto, 1, "range").unwrap();
                assert!(run.states.iter().all(|v| v.is_finite()), "K={k} β={beta} {kernel:?}");
                assert!(energies(&mem, beta, run.states.view()).iter().all(|e| e.is_finite()));
                if let Some(a) = run.acceptance {
                    assert!((0.0..=1.0).contains(&a));
                }
            }
            let (s, _) = exact_samples(&mem, beta, 100, &mut stream(2, "range")).unwrap();
            assert!(s.iter().all(|v| v.is_finite()));
            assert_eq!(s.len_of(Axis(1)), 100);
        }
    }
}
