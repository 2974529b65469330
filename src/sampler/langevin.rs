//! ULA (Algorithm 1) and MALA (Algorithm 2) steps for a batch of chains held as rows.
//!
//! One step for the whole batch is two matrix-matrix products and a row softmax; all buffers are
//! allocated once per batch, none inside the step loop. MALA keeps the attention of the current
//! state, so a proposal costs the same single attention evaluation as a ULA step.

use crate::error::{check, Error, Result};
use crate::kernels::Real;
use crate::memory::{axpbypcz, energy_from_lse, Attention, Memory};
use crate::rng::Rng;
use ndarray::{Array2, Zip};
use rand::Rng as _;
use rand_distr::StandardNormal;

/// Which Langevin kernel to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// Unadjusted Langevin: `ξ ← (1−α)ξ + α X p(ξ) + sqrt(2α/β) ε`.
    Ula,
    /// Metropolis-adjusted Langevin with the same proposal.
    Mala,
}

/// Step size α and inverse temperature β of a Langevin run, validated when built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub(crate) alpha: f64,
    pub(crate) beta: f64,
}

impl Params {
    /// Requires 0 < α < 1 (the update `(1−α)ξ + α X p(ξ)` contracts) and a finite β > 0.
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        check(alpha > 0.0 && alpha < 1.0, "alpha", alpha, "0 < alpha < 1")?;
        check(beta > 0.0 && beta.is_finite(), "beta", beta, "a finite beta > 0")?;
        Ok(Params { alpha, beta })
    }
    /// The step size α.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// The inverse temperature β.
    pub fn beta(&self) -> f64 {
        self.beta
    }
    /// Noise scale per step, `sqrt(2α/β)`.
    pub fn sigma(&self) -> f64 {
        (2.0 * self.alpha / self.beta).sqrt()
    }
}

/// A batch of chains (rows of `xi`) with the buffers its steps reuse, in working precision `T`.
pub struct Batch<T: Real = f64> {
    pub xi: Array2<T>,
    cur: Attention<T>,
    energy: Vec<f64>,
    eps: Array2<T>,
    // MALA proposal buffers.
    prop: Array2<T>,
    prop_att: Attention<T>,
    pub accepted: u64,
    pub proposed: u64,
}

/// Fills `a` with standard normals (Ziggurat, from `rand_distr`; drawn in f64 whatever `T`,
/// so both precisions consume the random stream identically).
pub fn fill_normal<T: Real>(a: &mut Array2<T>, rng: &mut Rng) {
    for v in a.iter_mut() {
        *v = T::from_f64(rng.sample(StandardNormal));
    }
}

/// An error naming the first row whose attention logsumexp is not finite: a NaN logit (a NaN or
/// infinite state, or `β mᵀξ` overflowing) makes it NaN, so no NaN reaches the chains as a weight.
fn check_lse(lse: &[f64], beta: f64, what: &str) -> Result<()> {
    match lse.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(r) => Err(Error::NonFinite(format!(
            "the attention logsumexp of chain {r} at {what} is {} (β = {beta}): a NaN logit or an overflow of β·mᵀξ",
            lse[r]
        ))),
    }
}

impl<T: Real> Batch<T> {
    /// A batch starting at the rows of `init` (n × d); an error when a start's attention is not
    /// finite.
    pub fn new(mem: &Memory<T>, p: Params, init: Array2<T>) -> Result<Self> {
        let n = init.nrows();
        let mut cur = Attention::new(n, mem);
        cur.compute(mem, p.beta, init.view());
        check_lse(&cur.lse, p.beta, "its start")?;
        let energy = init.outer_iter().zip(&cur.lse).map(|(x, &l)| energy_from_lse(x, l, p.beta)).collect();
        Ok(Batch {
            eps: Array2::zeros(init.raw_dim()),
            prop: Array2::zeros(init.raw_dim()),
            prop_att: Attention::new(n, mem),
            xi: init,
            cur,
            energy,
            accepted: 0,
            proposed: 0,
        })
    }

    /// Attention weights of the current states, recomputed (MALA does not carry them across
    /// accepted proposals: copying K weights per accept would cost more than this occasional GEMM).
    pub fn current_weights(&mut self, mem: &Memory<T>, p: Params) -> &Array2<T> {
        self.cur.weights(mem, p.beta, self.xi.view());
        &self.cur.probs
    }

    /// One step where consecutive blocks of `group` rows draw from their own stream `rngs[g]`,
    /// in the same order as if each block were a batch of its own: a joint batch gives the same
    /// chains, bit for bit, as separate group batches, with one pass over the memory per product.
    /// An error ([`Error::NonFinite`]) when a state's attention or a MALA ratio is not finite,
    /// [`Error::Interrupted`] when the host asked to stop.
    pub fn step_groups(
        &mut self,
        mem: &Memory<T>,
        p: Params,
        kernel: Kernel,
        rngs: &mut [Rng],
        group: usize,
    ) -> Result<()> {
        crate::check_interrupt()?;
        let d = self.eps.ncols().max(1);
        let eps = self.eps.as_slice_mut().expect("eps is in standard layout");
        let fill = |(block, rng): (&mut [T], &mut Rng)| {
            for v in block {
                *v = T::from_f64(rng.sample(StandardNormal));
            }
        };
        if rngs.len() > 1 && eps.len() >= 1 << 12 {
            use rayon::prelude::*;
            eps.par_chunks_mut(group * d).zip(rngs.par_iter_mut()).for_each(fill);
        } else {
            eps.chunks_mut(group * d).zip(rngs.iter_mut()).for_each(fill);
        }
        match kernel {
            Kernel::Ula => {
                axpbypcz(&mut self.xi, 1.0 - p.alpha, p.alpha, &self.cur.att, p.sigma(), &self.eps);
                self.cur.compute(mem, p.beta, self.xi.view());
                check_lse(&self.cur.lse, p.beta, "a ULA step")
            }
            Kernel::Mala => self.mala_step(mem, p, rngs, group),
        }
    }

    fn mala_step(&mut self, mem: &Memory<T>, p: Params, rngs: &mut [Rng], group: usize) -> Result<()> {
        let (a, b, s) = (p.alpha, p.beta, p.sigma());
        // ξ* = μ(ξ) + σ ε
        self.prop.assign(&self.xi);
        axpbypcz(&mut self.prop, 1.0 - a, a, &self.cur.att, s, &self.eps);
        self.prop_att.compute(mem, b, self.prop.view());
        check_lse(&self.prop_att.lse, b, "a MALA proposal")?;
        for i in 0..self.xi.nrows() {
            let xs = self.prop.row(i);
            let e_new = energy_from_lse(xs, self.prop_att.lse[i], b);
            // ‖ξ − μ(ξ*)‖² with μ(ξ*) = (1−α)ξ* + α X p(ξ*)
            let mut back = 0.0;
            Zip::from(self.xi.row(i)).and(xs).and(self.prop_att.att.row(i)).for_each(|&x, &y, &t| {
                let r = x.to_f64() - ((1.0 - a) * y.to_f64() + a * t.to_f64());
                back += r * r;
            });
            // ‖ξ* − μ(ξ)‖² = σ²‖ε‖²
            let fwd = s * s * self.eps.row(i).iter().map(|e| e.to_f64() * e.to_f64()).sum::<f64>();
            let log_r = -b * (e_new - self.energy[i]) - b / (4.0 * a) * (back - fwd);
            // `f64::min` would turn a NaN ratio into 0, an acceptance.
            if log_r.is_nan() {
                return Err(Error::NonFinite(format!("the MALA log acceptance ratio of chain {i} is NaN (β = {b})")));
            }
            let u: f64 = rngs[i / group].random();
            self.proposed += 1;
            if u.ln() < log_r.min(0.0) {
                self.accepted += 1;
                self.xi.row_mut(i).assign(&xs);
                self.cur.att.row_mut(i).assign(&self.prop_att.att.row(i));
                self.cur.lse[i] = self.prop_att.lse[i];
                self.energy[i] = e_new;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::rng::stream;
    use ndarray::array;

    fn memory() -> Memory {
        Memory::new(array![[1.0, 0.0, 0.6], [0.0, 1.0, 0.8]]).unwrap()
    }

    /// `f64::min` drops a NaN, so `log u < min(0, NaN)` would accept the proposal: a NaN ratio
    /// must be an error instead.
    #[test]
    fn a_nan_mala_ratio_is_an_error_not_an_acceptance() {
        let (mem, p) = (memory(), Params::new(0.01, 4.0).unwrap());
        let mut batch = Batch::new(&mem, p, array![[1.0, 0.0], [0.0, 1.0]]).unwrap();
        let mut rngs = [stream(1, "nan")];
        batch.step_groups(&mem, p, Kernel::Mala, &mut rngs, 2).unwrap();
        batch.energy[1] = f64::NAN;
        let (xi, accepted) = (batch.xi.clone(), batch.accepted);
        let err = batch.step_groups(&mem, p, Kernel::Mala, &mut rngs, 2).unwrap_err();
        assert!(matches!(&err, Error::NonFinite(m) if m.contains("chain 1")), "{err}");
        assert_eq!(batch.xi.row(1), xi.row(1), "chain 1 did not move");
        assert!(batch.accepted <= accepted + 1, "no acceptance of chain 1");
    }

    /// A state whose logits overflow (β·mᵀξ = ∞ − ∞ in the softmax: NaN) stops the chains with
    /// an error naming the chain, at the start and after a step, for both kernels.
    #[test]
    fn a_nan_logit_is_an_error() {
        let (mem, huge) = (memory(), Params::new(0.01, 1e308).unwrap());
        let err = Batch::new(&mem, huge, array![[2.0, 0.0]]).err().expect("an error");
        assert!(matches!(&err, Error::NonFinite(m) if m.contains("chain 0") && m.contains("start")), "{err}");
        let p = Params::new(0.01, 4.0).unwrap();
        for kernel in [Kernel::Ula, Kernel::Mala] {
            let mut batch = Batch::new(&mem, p, array![[1.0, 0.0], [0.0, 1.0]]).unwrap();
            batch.xi[[0, 1]] = f64::NAN;
            batch.cur.att[[0, 1]] = f64::NAN;
            let err = batch.step_groups(&mem, p, kernel, &mut [stream(2, "nan")], 2).unwrap_err();
            assert!(matches!(&err, Error::NonFinite(m) if m.contains("chain 0")), "{kernel:?}: {err}");
        }
    }
}
