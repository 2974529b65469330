//! Warnings for results too weak to trust, printed on stderr and listed in results.json: a family
//! too small for its encoding and metrics to mean much, and sample sets that are mostly repeats or
//! near-copies of stored sequences (a generator that copies scores well on every column).

use super::generate::Generated;
use super::methods::{ProteinMethod, Recipe, Temperature};
use super::results::MethodResult;
use std::collections::HashSet;

/// Families with at most this many sequences, or columns, get a warning.
pub const MIN_FAMILY: usize = 10;
/// A sample set with fewer distinct sequences than this share is mostly repeats.
pub const MIN_UNIQUE_SHARE: f64 = 0.5;
/// A sample set with more near-copies (> 90% identical to a stored sequence) than this share.
pub const MAX_NEAR_COPY_SHARE: f64 = 0.25;
/// Chains whose energy R̂ exceeds this, or whose bulk ESS is below [`MIN_ESS`], have not mixed.
/// Not Vehtari et al.'s 1.01: that is for long chains, and the published protocol keeps 30 states
/// per chain, where R̂ itself is noisy — i.i.d. draws laid out as 30 chains × 30 give R̂ > 1.01
/// in 13% of runs and > 1.025 in 0.1% (20 000 replicates), and healthy families under the
/// protocol reach 1.026 (PF00076 and fn3, seeds 1–6, ULA and MALA at β_gen and β_ret). The
/// conventions state this once; the warning is for R̂ beyond what the protocol itself gives.
pub const MAX_RHAT: f64 = 1.03;
/// See [`MAX_RHAT`] (Vehtari et al. 2021's floor).
pub const MIN_ESS: f64 = 100.0;

/// The convention that states the protocol's R̂ spread once, with the thresholds warned at.
pub fn convergence_convention() -> String {
    format!(
        "convergence: energy R̂ and bulk ESS over the chains' kept states; with 30 kept per chain R̂ is noisy by itself (i.i.d. draws in that layout exceed 1.01 in 13% of runs, 1.025 in 0.1%), so a warning says R̂ > {MAX_RHAT} or ESS < {MIN_ESS}"
    )
}
/// An `--evaluate` file with more than this share of its sequences holding residues at fewer than
/// half of the columns: identity counts the residues a sequence has, so fragments (or another
/// family's sequences, aligned by hmmalign to a few columns) read as near-copies.
pub const MAX_FRAGMENT_SHARE: f64 = 0.25;

/// A sampler generation row with less than this share of its samples inside the natural
/// nearest-neighbour identity band.
pub const MIN_BAND_SHARE: f64 = 0.5;

/// The warnings for a family of `k` sequences × `l` columns and its generated sets. Only the
/// sampler's generation rows (exact, MALA, SA at β_gen) and `--evaluate` files are judged on
/// repeats and copies: the retrieval rows stay next to stored sequences by design, the baselines
/// repeat by design (bootstrap redraws K memories 150 times, convex combinations
/// decode to the consensus), and the `condition` row is the stored sequences themselves.
pub(super) fn warnings(k: usize, l: usize, generated: &[Generated], rows: &[MethodResult]) -> Vec<String> {
    let mut out = Vec::new();
    if k <= MIN_FAMILY {
        out.push(format!(
            "K = {k} sequences: too few to trust the encoding and the metrics (warned at K ≤ {MIN_FAMILY})"
        ));
    }
    if l <= MIN_FAMILY {
        out.push(format!("L = {l} columns: too few to trust the metrics (warned at L ≤ {MIN_FAMILY})"));
    }
    // Retrieval rows (β_ret) stay next to stored sequences by design; generation rows must not.
    let judged = |id: &str| match id.parse::<ProteinMethod>() {
        Ok(m) => {
            matches!(m.recipe(), Recipe::Exact(Temperature::Generation) | Recipe::Chains(Temperature::Generation, _))
        }
        Err(_) => id != "condition",
    };
    for (g, r) in generated.iter().zip(rows).filter(|(g, _)| judged(&g.id)) {
        let sampler = g.id.parse::<ProteinMethod>().is_ok();
        if let (true, Some(share)) = (sampler, r.nn_band_share) {
            if share < MIN_BAND_SHARE {
                out.push(format!(
                    "{}: only {:.0}% of its sequences lie in the natural nearest-neighbour identity band (their \
                     identity to the nearest stored sequence vs each member's to its nearest other member: \
                     parameters.nn_identity_band; warned below {:.0}%)",
                    g.id,
                    100.0 * share,
                    100.0 * MIN_BAND_SHARE
                ));
            }
        }
        let n = g.seqs.len().max(1);
        let unique = g.seqs.iter().collect::<HashSet<_>>().len() as f64 / n as f64;
        if unique < MIN_UNIQUE_SHARE {
            out.push(format!(
                "{}: only {:.0}% of its {} sequences are distinct (warned below {:.0}%)",
                g.id,
                100.0 * unique,
                g.seqs.len(),
                100.0 * MIN_UNIQUE_SHARE
            ));
        }
        if !sampler {
            out.extend(fragment_warning(&g.id, &g.seqs, l));
            if g.read_unchecked {
                out.push(super::generate::unchecked_warning(&g.id, g.seqs.len()));
            }
            if g.names.is_none() {
                out.push(format!(
                    "{}: its sequence names are not all distinct and non-empty, so its output files name the \
                     sequences {} … in the file's order; give every sequence its own name to keep them",
                    g.id,
                    g.name(0)
                ));
            }
        }
        if r.frac_over_90 > MAX_NEAR_COPY_SHARE {
            out.push(format!(
                "{}: {:.0}% of its sequences are > 90% identical to a stored one (near-copies; warned above {:.0}%)",
                g.id,
                100.0 * r.frac_over_90,
                100.0 * MAX_NEAR_COPY_SHARE
            ));
        }
    }
    let unmixed: Vec<String> = generated
        .iter()
        .filter_map(|g| Some((g.id.as_str(), g.convergence?)))
        .filter(|(_, c)| c.rhat > MAX_RHAT || c.ess_bulk < MIN_ESS)
        .map(|(id, c)| format!("{id} {:.3} ({:.0})", c.rhat, c.ess_bulk))
        .collect();
    if !unmixed.is_empty() {
        out.push(format!(
            "energy R̂ (bulk ESS) over the 30 chains: {} — warned above R̂ {MAX_RHAT} (beyond the published \
             protocol's own spread) or below ESS {MIN_ESS}: the chains may not have forgotten their starts; \
             longer chains (--samples) reduce it",
            unmixed.join(", ")
        ));
    }
    out
}

/// The warning for an `--evaluate` file (`id`) whose sequences mostly cover fewer than half of the
/// `l` columns with residues (see [`MAX_FRAGMENT_SHARE`]).
fn fragment_warning(id: &str, seqs: &[Vec<u8>], l: usize) -> Option<String> {
    let mut residues: Vec<usize> =
        seqs.iter().map(|s| s.iter().filter(|&&c| !satool_protein::is_gap(c)).count()).collect();
    let short = residues.iter().filter(|&&n| 2 * n < l).count() as f64 / seqs.len().max(1) as f64;
    if short <= MAX_FRAGMENT_SHARE {
        return None;
    }
    residues.sort_unstable();
    Some(format!(
        "{id}: {:.0}% of its sequences have residues at fewer than half of the {l} columns (median {} residues): \
         identity counts the residues a sequence has, so fragments or another family's sequences read as \
         near-copies (warned above {:.0}%)",
        100.0 * short,
        residues[residues.len() / 2],
        100.0 * MAX_FRAGMENT_SHARE
    ))
}
