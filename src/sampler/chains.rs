//! The published multi-chain protocol: C chains started near stored patterns (distinct when
//! K ≥ C, drawn with replacement when K < C, as published), T steps,
//! burn-in, thinning; chains run in fixed groups, each group a batch with its own random stream,
//! so results are identical whatever the number of threads.

use super::langevin::{fill_normal, Batch, Kernel, Params};
use crate::error::{check, Result};
use crate::kernels::{Precision, Real};
use crate::memory::Memory;
use crate::rng::{stream, Rng};
use ndarray::{s, Array2};
use rand::seq::SliceRandom;
use rand::Rng as _;
use rayon::prelude::*;

/// Multi-chain protocol settings, validated when built; `Default` is the published one
/// (30 chains, 5000 steps, burn-in 2000, thinning 100, start jitter 0.01).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Protocol {
    pub(crate) chains: usize,
    pub(crate) steps: usize,
    pub(crate) burn_in: usize,
    pub(crate) thin: usize,
    /// Standard deviation of the Gaussian jitter added to each chain's starting pattern.
    pub(crate) init_noise: f64,
    /// Chains per batch; groups run in parallel. Fixed, so the streams never depend on threads.
    pub(crate) group_size: usize,
    /// Working precision of the chains (states are returned in f64 either way).
    pub(crate) precision: Precision,
}

impl Default for Protocol {
    fn default() -> Self {
        Protocol {
            chains: 30,
            steps: 5000,
            burn_in: 2000,
            thin: 100,
            init_noise: 0.01,
            group_size: 15,
            precision: Precision::F64,
        }
    }
}

impl Protocol {
    /// `chains` chains of `steps` steps each, keeping every `thin`-th state from step `burn_in`
    /// on. Requires chains ≥ 1, thin ≥ 1 and burn_in < steps (at least one kept state).
    pub fn new(chains: usize, steps: usize, burn_in: usize, thin: usize) -> Result<Self> {
        check(chains >= 1, "chains", chains as f64, "at least 1 chain")?;
        check(thin >= 1, "thin", thin as f64, "thin >= 1")?;
        check(burn_in < steps, "burn_in", burn_in as f64, "burn_in < steps (at least one kept state)")?;
        Ok(Protocol { chains, steps, burn_in, thin, ..Protocol::default() })
    }
    /// The same protocol with start jitter `sd` (the published 0.01; 0 starts on the patterns).
    pub fn with_init_noise(self, sd: f64) -> Result<Self> {
        check(sd >= 0.0 && sd.is_finite(), "init_noise", sd, "a finite init_noise >= 0")?;
        Ok(Protocol { init_noise: sd, ..self })
    }
    /// The same protocol with `n` chains per batch (the unit of parallel work; results do not
    /// depend on it apart from the streams, which are per group).
    pub fn with_group_size(self, n: usize) -> Result<Self> {
        check(n >= 1, "group_size", n as f64, "group_size >= 1")?;
        Ok(Protocol { group_size: n, ..self })
    }
    /// The same protocol in working precision `p` (f32 halves the memory traffic; states,
    /// energies and metrics stay f64).
    pub fn with_precision(self, p: Precision) -> Self {
        Protocol { precision: p, ..self }
    }
    /// Number of chains.
    pub fn chains(&self) -> usize {
        self.chains
    }
    /// Steps per chain.
    pub fn steps(&self) -> usize {
        self.steps
    }
    /// Steps before the first kept state.
    pub fn burn_in(&self) -> usize {
        self.burn_in
    }
    /// Loop indices t (0-based) whose resulting state is kept: burn_in, burn_in + thin, … < steps.
    pub fn recorded_steps(&self) -> Vec<usize> {
        (self.burn_in..self.steps).step_by(self.thin).collect()
    }
}

/// Thinned states of a multi-chain run.
#[derive(Debug, Clone)]
pub struct ChainRun {
    /// d × (chains · per_chain), chain-major: column `c * per_chain + j` is chain c's j-th kept state.
    pub states: Array2<f64>,
    /// Kept states per chain.
    pub per_chain: usize,
    /// Number of chains.
    pub chains: usize,
    /// Pattern each chain started from.
    pub starts: Vec<usize>,
    /// MALA acceptance rate over all chains and steps (None for ULA).
    pub acceptance: Option<f64>,
}

/// The published "5 per chain" selection: thinned indices of t = 2000, 2700, 3500, 4200, 4900.
pub const PUBLISHED_FIVE: [usize; 5] = [0, 7, 15, 22, 29];

impl ChainRun {
    /// Keeps thinned indices `keep` of every chain (chain-major), e.g. `PUBLISHED_FIVE` → 150 samples
    /// (of a run that kept at least 30 states per chain, such as the published protocol).
    ///
    /// # Panics
    /// If an index is not below the states kept per chain.
    pub fn select(&self, keep: &[usize]) -> Array2<f64> {
        if let Some(&t) = keep.iter().find(|&&t| t >= self.per_chain) {
            panic!("ChainRun::select: index {t}, but each chain kept {} states", self.per_chain);
        }
        let d = self.states.nrows();
        let mut out = Array2::zeros((d, self.chains * keep.len()));
        for c in 0..self.chains {
            for (j, &t) in keep.iter().enumerate() {
                out.column_mut(c * keep.len() + j).assign(&self.states.column(c * self.per_chain + t));
            }
        }
        out
    }

    /// R̂ and bulk ESS of the energy at `beta` over every kept state of every chain (None with
    /// fewer than 4 kept states per chain or a constant energy).
    pub fn energy_convergence(&self, mem: &Memory, beta: f64) -> Option<crate::Convergence> {
        let e = crate::memory::energies(mem, beta, self.states.view());
        let chains: Vec<&[f64]> = e.chunks(self.per_chain).collect();
        crate::diagnostics::convergence(&chains)
    }
}

/// Starting patterns: with K ≥ C, C distinct patterns (the first C of one random
/// permutation); with fewer patterns than chains, C independent uniform draws with replacement,
/// as the published code does (`run_protein_hmm_validation.jl` L557).
pub fn starting_patterns(k: usize, chains: usize, rng: &mut Rng) -> Vec<usize> {
    if k >= chains {
        let mut perm: Vec<usize> = (0..k).collect();
        perm.shuffle(rng);
        perm.truncate(chains);
        perm
    } else {
        (0..chains).map(|_| rng.random_range(0..k)).collect()
    }
}

/// Runs the protocol with `kernel` at `params`, in the protocol's working precision; `label`
/// names the random streams (`seed`, label). An error ([`crate::Error::NonFinite`]) when a state's
/// attention or a MALA ratio is not finite (e.g. β so large that `β mᵀξ` overflows).
pub fn run_chains(
    mem: &Memory,
    params: Params,
    kernel: Kernel,
    proto: &Protocol,
    seed: u64,
    label: &str,
) -> Result<ChainRun> {
    match proto.precision {
        Precision::F64 => run_chains_mode(mem, params, kernel, proto, seed, label, joint_batch(mem)),
        Precision::F32 => {
            let mem = mem.to_precision::<f32>();
            run_chains_mode(&mem, params, kernel, proto, seed, label, joint_batch(&mem))
        }
    }
}

/// Large memories run all chains as one batch, so each attention evaluation streams the memory
/// once for every chain (one-pass memories split it into segments over the cores; two-pass ones
/// split each product's output); small ones run the chain groups in parallel (less
/// synchronisation). Both give the same bits: the groups keep their own random streams, and
/// every row's attention depends on that row only.
fn joint_batch<T: Real>(mem: &Memory<T>) -> bool {
    mem.one_pass() || mem.d() * mem.k() * std::mem::size_of::<T>() >= 8 << 20
}

pub(crate) fn run_chains_mode<T: Real>(
    mem: &Memory<T>,
    params: Params,
    kernel: Kernel,
    proto: &Protocol,
    seed: u64,
    label: &str,
    joint: bool,
) -> Result<ChainRun> {
    let starts = starting_patterns(mem.k(), proto.chains, &mut stream(seed, &format!("{label}/starts")));
    let recorded = proto.recorded_steps();
    let per_chain = recorded.len();
    let group_size = proto.group_size.max(1);
    let groups: Vec<(usize, &[usize])> = starts.chunks(group_size).enumerate().collect();
    // Each group's stream draws its initial noise first, exactly as a group batch would.
    let init_group = |g: usize, group_starts: &[usize]| -> (Rng, Array2<T>) {
        let mut rng = stream(seed, &format!("{label}/group{g}"));
        let mut init = Array2::zeros((group_starts.len(), mem.d()));
        fill_normal(&mut init, &mut rng);
        init.mapv_inplace(|v: T| v * T::from_f64(proto.init_noise));
        for (mut row, &k) in init.rows_mut().into_iter().zip(group_starts) {
            row.zip_mut_with(&mem.pattern(k), |a, &b| *a = *a + b);
        }
        (rng, init)
    };
    let run = |mut rngs: Vec<Rng>, init: Array2<T>| -> Result<(Array2<T>, u64, u64)> {
        let mut batch = Batch::new(mem, params, init)?;
        let rows = batch.xi.nrows();
        let mut kept = Array2::zeros((rows * per_chain, mem.d()));
        let mut next = 0;
        for t in 0..proto.steps {
            batch.step_groups(mem, params, kernel, &mut rngs, group_size)?;
            if next < per_chain && t == recorded[next] {
                for (c, row) in batch.xi.outer_iter().enumerate() {
                    kept.row_mut(c * per_chain + next).assign(&row);
                }
                next += 1;
            }
        }
        Ok((kept, batch.accepted, batch.proposed))
    };
    let results: Vec<(Array2<T>, u64, u64)> = if joint {
        let (rngs, inits): (Vec<Rng>, Vec<Array2<T>>) = groups.iter().map(|&(g, st)| init_group(g, st)).unzip();
        let views: Vec<_> = inits.iter().map(|a| a.view()).collect();
        vec![run(rngs, ndarray::concatenate(ndarray::Axis(0), &views).expect("groups share d"))?]
    } else {
        groups
            .par_iter()
            .map(|&(g, st)| {
                let (rng, init) = init_group(g, st);
                run(vec![rng], init)
            })
            .collect::<Result<_>>()?
    };
    let mut states = Array2::zeros((mem.d(), proto.chains * per_chain));
    let (mut acc, mut prop, mut col) = (0, 0, 0);
    for (kept, a, p) in results {
        let n = kept.nrows();
        states.slice_mut(s![.., col..col + n]).assign(&kept.t().mapv(T::to_f64));
        col += n;
        acc += a;
        prop += p;
    }
    let acceptance = (kernel == Kernel::Mala && prop > 0).then(|| acc as f64 / prop as f64);
    Ok(ChainRun { states, per_chain, chains: proto.chains, starts, acceptance })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(d: usize, k: usize) -> Memory {
        let mut rng = stream(9, "mem");
        let mut x = Array2::<f64>::zeros((d, k));
        fill_normal(&mut x, &mut rng);
        for mut c in x.columns_mut() {
            let n = c.dot(&c).sqrt();
            c /= n;
        }
        Memory::new(x).unwrap()
    }

    /// K ≥ C: distinct patterns, from the same stream use as always (one shuffle of 0..K).
    /// K < C: independent draws with replacement (values repeat without a cyclic pattern),
    /// reproducible from the seed.
    #[test]
    fn starts_are_distinct_when_k_ge_c_and_drawn_with_replacement_otherwise() {
        let draw = |k: usize, seed: u64| starting_patterns(k, 30, &mut stream(seed, "t/starts"));
        let distinct = draw(68, 3);
        let mut sorted = distinct.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 30, "distinct when K ≥ C");
        let mut perm: Vec<usize> = (0..68).collect();
        perm.shuffle(&mut stream(3, "t/starts"));
        assert_eq!(distinct, perm[..30], "the first C of one permutation");

        let starts = draw(5, 3);
        assert_eq!(starts, draw(5, 3), "reproducible from the seed");
        assert_ne!(starts, draw(5, 4), "another seed, other starts");
        assert_eq!(starts.len(), 30);
        assert!(starts.iter().all(|&s| s < 5));
        let counts: Vec<usize> = (0..5).map(|k| starts.iter().filter(|&&s| s == k).count()).collect();
        assert_ne!(counts, vec![6; 5], "not one permutation cycled: {counts:?}");
        // A cycled permutation would repeat with period K; independent draws do not.
        assert!((0..25).any(|i| starts[i] != starts[i + 5]), "no period-5 cycle: {starts:?}");
        // Over many seeds the counts vary as multinomial draws do (a cycle gives 6 each, always).
        let uneven = (0..50).filter(|&s| (0..5).any(|k| draw(5, s).iter().filter(|&&x| x == k).count() != 6)).count();
        assert!(uneven > 40, "{uneven} of 50 seeds uneven");
    }

    /// The joint batch and the group batches are the same chains, bit for bit, for both kernels,
    /// both precisions, uneven groups and any thread count (products split across threads).
    #[test]
    fn joint_and_group_batches_agree_bit_for_bit() {
        let mem = memory(48, 6000); // 2·7·48·6000 flops: products split across threads
        let proto = Protocol { chains: 7, steps: 60, burn_in: 20, thin: 10, group_size: 3, ..Protocol::default() };
        let p = Params::new(0.01, 8.0).unwrap();
        for kernel in [Kernel::Ula, Kernel::Mala] {
            let groups = run_chains_mode(&mem, p, kernel, &proto, 4, "t", false).unwrap();
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let joint = pool.install(|| run_chains_mode(&mem, p, kernel, &proto, 4, "t", true)).unwrap();
                assert_eq!(joint.states, groups.states, "{kernel:?}, {threads} threads");
                assert_eq!(joint.acceptance, groups.acceptance);
            }
            let m32 = mem.to_precision::<f32>();
            let (g, j) = (
                run_chains_mode(&m32, p, kernel, &proto, 4, "t", false).unwrap(),
                run_chains_mode(&m32, p, kernel, &proto, 4, "t", true).unwrap(),
            );
            assert_eq!(g.states, j.states, "f32 {kernel:?}");
        }
    }
}
