//! Stochastic attention: new, faithful examples from a few stored ones, without training.
//!
//! The K stored examples are the columns of a memory `X` (d × K). The modern Hopfield energy
//! `E(ξ) = ½‖ξ‖² − β⁻¹ log Σ_k exp(β m_kᵀξ)` has the gradient `ξ − X softmax(β Xᵀξ)`, one
//! attention step over the memory, so Langevin dynamics on it is a loop of attention steps
//! (arXiv 2603.06875). Its Boltzmann law `p_β ∝ exp(−βE)` is exactly the Gaussian mixture
//! `Σ_k w_k N(m_k, β⁻¹ I)` with `w_k ∝ exp(β‖m_k‖²/2)`, which [`exact_samples`] draws directly.
//! [`entropy_inflection`] picks β\* from the memory alone (the published rule).
//!
//! ```
//! use satool::ndarray::array; // the ndarray (0.16) of the core, re-exported
//! use satool::{entropy_inflection, exact_samples, novelty, run_chains, stream, Kernel, Memory, Params, Protocol};
//!
//! // four unit-norm patterns in d = 3, one per column
//! let x = array![[1.0, 0.0, 0.0, 0.6], [0.0, 1.0, 0.0, 0.8], [0.0, 0.0, 1.0, 0.0]];
//! let mem = Memory::new(x)?;
//! let beta = entropy_inflection(&mem).beta_star;
//!
//! // 30 ULA chains of the published protocol, at α = 0.01
//! let run = run_chains(&mem, Params::new(0.01, beta)?, Kernel::Ula, &Protocol::default(), 7, "ula")?;
//! assert_eq!(run.states.dim(), (3, 30 * 30));
//!
//! // 1000 i.i.d. draws of the same law, and how far each lies from its nearest stored pattern
//! let (samples, _components) = exact_samples(&mem, beta, 1000, &mut stream(7, "exact"))?;
//! let nov = novelty(&mem, samples.view());
//! assert!(nov.iter().all(|&v| (0.0..=2.0).contains(&v)));
//! # Ok::<(), satool::Error>(())
//! ```
//!
//! Every random draw comes from a named stream of one seed ([`stream`]), and chains run in fixed
//! groups, so results are the same bits whatever the thread count. The samplers run in f64 or
//! f32 ([`Precision`]); metrics are always f64.
//!
//! Arrays are [`ndarray`] 0.16 arrays, re-exported as `satool::ndarray`: a crate that uses
//! `satool::ndarray::Array2` instead of depending on ndarray itself always has the version the
//! core was built with (a separate `ndarray = "0.17"` would be a second, incompatible type).

#![deny(missing_docs)]

mod beta;
mod diagnostics;
mod error;
mod interrupt;
mod kernels;
mod memory;
mod metrics;
mod rng;
mod sampler;

/// The ndarray crate (0.16) the core's arrays come from: use `satool::ndarray` to build memories
/// and read samples without a second ndarray version.
pub use ndarray;

pub use beta::{
    entropy_inflection, mean_entropy, refined_beta_star, snr, EntropyCurve, OperatingPoints, BETA_GRID_MAX,
    BETA_GRID_MIN, BETA_GRID_POINTS, BETA_STAR_REFINED_RULE, BETA_STAR_RULE,
};
pub use diagnostics::{convergence, Convergence};
pub use error::{Error, Result};
pub use interrupt::{check_interrupt, interrupt_requested, request_interrupt, InterruptRequest};
pub use kernels::{f64_fma_peak_gflops, Precision, Real, ENV_SWITCHES, ONE_PASS_RULE};
pub use memory::{attention_weights, energies, entropy, softmax_in_place, Memory};
pub use metrics::{
    diversity, diversity_estimate, estimate, memory_metrics, novelty, sample_blocks, DiversityStream, Estimate,
    MemoryMetrics, MemoryMetricsStream, Novelty, SAMPLE_BLOCK, SE_GROUPS,
};
pub use rng::{stream, Rng};
pub use sampler::{
    centred_rolling_mean, exact_samples, exact_samples_parallel, fit_transitions, generate_sequential,
    mixture_log_weights, mixture_weights, quantile_labels, run_chains, simulate_labels, ChainRun, Kernel, Params,
    Protocol, Regimes, Sequential, SequentialRun, PUBLISHED_FIVE,
};
