//! Convergence diagnostics of a multi-chain run: rank-normalised split-R̂ and bulk effective
//! sample size (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021), as Stan and ArviZ compute
//! them (`arviz.rhat(method="rank")`, `arviz.ess(method="bulk")`).

use ndarray::aview1;
use satool_common::stats::{median, sd};
use statrs::distribution::{ContinuousCDF, Normal};

/// R̂ and bulk ESS of one scalar traced over the chains.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Convergence {
    /// Rank-normalised split-R̂: the larger of the bulk and the folded (tail) value. Chains that
    /// agree give ≈ 1; the usual threshold is 1.01.
    pub rhat: f64,
    /// Bulk effective sample size (rank-normalised, split chains, Geyer's initial monotone
    /// sequence). The usual floor is 100.
    pub ess_bulk: f64,
}

/// R̂ and bulk ESS of `draws`, one slice per chain (equal lengths, at least 4 draws each, at
/// least 2 chains); `None` when there are too few draws, the draws are all equal, or a draw is
/// not finite.
pub fn convergence(draws: &[&[f64]]) -> Option<Convergence> {
    let n = draws.first()?.len();
    if draws.len() < 2 || n < 4 || draws.iter().any(|c| c.len() != n || c.iter().any(|v| !v.is_finite())) {
        return None;
    }
    let split = split_chains(draws);
    let bulk = z_scale(&split);
    let all: Vec<f64> = draws.iter().flat_map(|c| c.iter().copied()).collect();
    let med = median(&all)?;
    let folded: Vec<Vec<f64>> = draws.iter().map(|c| c.iter().map(|x| (x - med).abs()).collect()).collect();
    let folded_refs: Vec<&[f64]> = folded.iter().map(Vec::as_slice).collect();
    let tail = z_scale(&split_chains(&folded_refs));
    let rhat = rhat(&bulk)?.max(rhat(&tail)?);
    let ess_bulk = ess(&bulk)?;
    (rhat.is_finite() && ess_bulk.is_finite()).then_some(Convergence { rhat, ess_bulk })
}

/// Each chain's first and last halves as two chains (the middle draw of an odd length dropped).
fn split_chains(draws: &[&[f64]]) -> Vec<Vec<f64>> {
    let half = draws[0].len() / 2;
    let first = draws.iter().map(|c| c[..half].to_vec());
    let last = draws.iter().map(|c| c[c.len() - half..].to_vec());
    first.chain(last).collect()
}

/// Normal scores of the pooled ranks (average ranks for ties): Φ⁻¹((r − 3/8)/(S + 1/4)).
fn z_scale(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut pooled: Vec<(f64, usize)> = chains.iter().flatten().copied().zip(0..).collect();
    let size = pooled.len();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank = vec![0.0; size];
    let mut i = 0;
    while i < size {
        let mut j = i;
        while j + 1 < size && pooled[j + 1].0 == pooled[i].0 {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        for p in &pooled[i..=j] {
            rank[p.1] = average;
        }
        i = j + 1;
    }
    let normal = Normal::standard();
    let z: Vec<f64> = rank.iter().map(|r| normal.inverse_cdf((r - 0.375) / (size as f64 + 0.25))).collect();
    let n = chains[0].len();
    z.chunks(n).map(<[f64]>::to_vec).collect()
}

fn mean(x: &[f64]) -> f64 {
    satool_common::stats::mean(aview1(x))
}

/// Sample variance (divisor n − 1).
fn var(x: &[f64]) -> f64 {
    sd(aview1(x)).powi(2)
}

/// Gelman–Rubin R̂ of (already split) chains.
fn rhat(chains: &[Vec<f64>]) -> Option<f64> {
    let n = chains[0].len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let between = n * var(&means);
    let within = mean(&chains.iter().map(|c| var(c)).collect::<Vec<_>>());
    (within > 0.0).then(|| ((between / within + n - 1.0) / n).sqrt())
}

/// Autocovariance at lags 0..n of a centred chain, divisor n (as ArviZ's FFT version).
fn autocov(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let m = mean(x);
    let c: Vec<f64> = x.iter().map(|v| v - m).collect();
    (0..n).map(|t| c[..n - t].iter().zip(&c[t..]).map(|(a, b)| a * b).sum::<f64>() / n as f64).collect()
}

/// Effective sample size of (already split and normalised) chains: Geyer's initial positive
/// then initial monotone sequence on the multi-chain autocorrelation.
fn ess(chains: &[Vec<f64>]) -> Option<f64> {
    let (m, n) = (chains.len(), chains[0].len());
    let acov: Vec<Vec<f64>> = chains.iter().map(|c| autocov(c)).collect();
    let mean_at = |t: usize| acov.iter().map(|a| a[t]).sum::<f64>() / m as f64;
    let chain_means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let mean_var = mean_at(0) * n as f64 / (n as f64 - 1.0);
    let mut var_plus = mean_var * (n as f64 - 1.0) / n as f64;
    if m > 1 {
        var_plus += var(&chain_means);
    }
    if var_plus <= 0.0 {
        return None;
    }
    let rho = |t: usize| 1.0 - (mean_var - mean_at(t)) / var_plus;
    let mut rho_hat = vec![0.0; n];
    let (mut even, mut odd) = (1.0, rho(1));
    rho_hat[0] = even;
    rho_hat[1] = odd;
    // Indices as in ArviZ, where max_t may be −1 (no pair of lags was positive).
    let mut t: isize = 1;
    while t + 3 < n as isize && even + odd > 0.0 {
        even = rho(t as usize + 1);
        odd = rho(t as usize + 2);
        if even + odd >= 0.0 {
            rho_hat[t as usize + 1] = even;
            rho_hat[t as usize + 2] = odd;
        }
        t += 2;
    }
    let max_t = t - 2;
    let next = (max_t + 1) as usize;
    if even > 0.0 {
        rho_hat[next] = even;
    }
    let mut t: isize = 1;
    while t <= max_t - 2 {
        let u = t as usize;
        if rho_hat[u + 1] + rho_hat[u + 2] > rho_hat[u - 1] + rho_hat[u] {
            rho_hat[u + 1] = (rho_hat[u - 1] + rho_hat[u]) / 2.0;
            rho_hat[u + 2] = rho_hat[u + 1];
        }
        t += 2;
    }
    let total = (m * n) as f64;
    let tau = -1.0 + 2.0 * rho_hat[..next].iter().sum::<f64>() + rho_hat[next];
    let tau = tau.max(1.0 / total.log10());
    Some(total / tau)
}
