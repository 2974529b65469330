//! Samplers of the Hopfield Boltzmann law `p_β(ξ) ∝ exp(−β E(ξ))`: batched ULA / MALA chains,
//! the exact mixture sampler, and the sequential (warm-start) generator.

mod chains;
mod exact;
mod langevin;
mod regime;
mod sequential;

pub use chains::{run_chains, ChainRun, Protocol, PUBLISHED_FIVE};
pub use exact::{exact_samples, exact_samples_parallel, mixture_log_weights, mixture_weights};
pub use langevin::{Kernel, Params};
pub use regime::{centred_rolling_mean, fit_transitions, quantile_labels, simulate as simulate_labels};
pub use sequential::{generate_sequential, Regimes, Sequential, SequentialRun};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{energies, Memory};
    use crate::rng::stream;
    use ndarray::{Array2, Axis};

    /// K = 4 unit-norm patterns in d = 8 (the paper's convergence check geometry).
    fn small_memory() -> Memory {
        let mut x = Array2::zeros((8, 4));
        for k in 0..4 {
            x[[2 * k, k]] = 0.8;
            x[[(2 * k + 1) % 8, k]] = 0.6;
        }
        Memory::new(x).unwrap()
    }

    #[test]
    fn exact_sampler_has_the_mixture_moments() {
        let mem = small_memory();
        let beta = 5.0;
        let (s, _) = exact_samples(&mem, beta, 200_000, &mut stream(3, "exact")).unwrap();
        // Equal norms → uniform weights: mean = mean of patterns; variance = 1/β + variance of the means.
        let want_mean = mem.x().mean_axis(Axis(1)).unwrap();
        let got_mean = s.mean_axis(Axis(1)).unwrap();
        let want_var = mem.x().var_axis(Axis(1), 0.0) + 1.0 / beta;
        let got_var = s.var_axis(Axis(1), 1.0);
        for i in 0..8 {
            assert!((got_mean[i] - want_mean[i]).abs() < 0.004, "mean[{i}] {} vs {}", got_mean[i], want_mean[i]);
            assert!((got_var[i] - want_var[i]).abs() < 0.004, "var[{i}] {} vs {}", got_var[i], want_var[i]);
        }
    }

    #[test]
    fn parallel_exact_sampling_does_not_depend_on_threads() {
        let mem = small_memory();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| exact::exact_samples_parallel(&mem, 5.0, 20_000, 3, "p").unwrap())
        };
        let (a, b) = (run(1), run(2));
        assert_eq!(a, b);
        assert_eq!(a.ncols(), 20_000);
        // chunk 0 is the serial sampler on stream (3, "p/0")
        let (first, _) = exact_samples(&mem, 5.0, 100, &mut stream(3, "p/0")).unwrap();
        assert_eq!(a.slice(ndarray::s![.., ..100]), first);
    }

    #[test]
    fn exact_weights_follow_pattern_norms() {
        // ‖m_1‖² − ‖m_0‖² = 3 at β = 2 → w1/w0 = exp(3).
        let mem = Memory::new(ndarray::array![[1.0, 0.0], [0.0, 2.0]]).unwrap();
        let w = exact::mixture_weights(&mem, 2.0);
        assert!((w[1] / w[0] - 3f64.exp()).abs() < 1e-9);
    }

    #[test]
    fn chains_do_not_depend_on_thread_count() {
        let mem = small_memory();
        let proto = Protocol { steps: 300, burn_in: 100, thin: 50, ..Protocol::default() };
        let p = Params::new(0.01, 5.0).unwrap();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| run_chains(&mem, p, Kernel::Mala, &proto, 11, "t").unwrap())
        };
        let (a, b) = (run(1), run(2));
        assert_eq!(a.states, b.states);
        assert_eq!(a.acceptance, b.acceptance);
        assert_eq!(a.states.ncols(), 30 * 4);
        // Energies stay finite and near the memories.
        assert!(energies(&mem, 5.0, a.states.view()).iter().all(|e| e.is_finite()));
    }

    #[test]
    fn published_selection_takes_five_states_per_chain() {
        let proto = Protocol::default();
        let rec = proto.recorded_steps();
        assert_eq!(rec.len(), 30);
        let picked: Vec<usize> = PUBLISHED_FIVE.iter().map(|&i| rec[i]).collect();
        assert_eq!(picked, vec![2000, 2700, 3500, 4200, 4900]);
    }

    /// ULA and MALA pools have the exact law's energy distribution (two-sample KS), and the test
    /// has power: a pool at the wrong temperature is rejected.
    #[test]
    fn ula_and_mala_match_the_exact_mixture() {
        let mem = small_memory();
        let beta = 5.0;
        let p = Params::new(0.01, beta).unwrap();
        let (exact, _) = exact_samples(&mem, beta, 900, &mut stream(5, "exact")).unwrap();
        let e_exact = energies(&mem, beta, exact.view());
        let runs = [
            (Kernel::Ula, crate::kernels::Precision::F64),
            (Kernel::Mala, crate::kernels::Precision::F64),
            (Kernel::Ula, crate::kernels::Precision::F32),
        ];
        for (kernel, precision) in runs {
            let run = run_chains(&mem, p, kernel, &Protocol::default().with_precision(precision), 5, "ks").unwrap();
            let e = energies(&mem, beta, run.states.view());
            let ks = satool_common::stats::ks_2samp(&e, &e_exact, satool_common::stats::KsMethod::Auto).unwrap();
            assert!(ks.pvalue > 0.01, "{kernel:?} {precision:?}: KS D = {}, p = {}", ks.statistic, ks.pvalue);
        }
        let (hot, _) = exact_samples(&mem, 3.5, 900, &mut stream(6, "exact")).unwrap();
        let e_hot = energies(&mem, beta, hot.view());
        let ks = satool_common::stats::ks_2samp(&e_hot, &e_exact, satool_common::stats::KsMethod::Auto).unwrap();
        assert!(ks.pvalue < 1e-3, "β = 3.5 vs 5 should be told apart (p = {})", ks.pvalue);
    }
}
