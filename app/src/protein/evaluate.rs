//! Evaluation: one row's metrics against the stored sequences (and the whole family for
//! conditional runs). Every number is checked finite before it can reach results.json.

use super::generate::{FamilyModel, Generated};
use super::results::{MethodResult, VsFamily};
use crate::output::{finite, finite_opt};
use anyhow::Result;
use satool::{estimate, Estimate};
use satool_protein as prot;
use std::time::Instant;

/// Scores one row; the HMM columns are filled later by the HMMER step.
pub(super) fn evaluate(g: &Generated, f: &FamilyModel) -> Result<MethodResult> {
    let t0 = Instant::now();
    let stored = &f.stored;
    let couplings = f.couplings.compare(&g.seqs);
    let mm = &g.memory;
    let nearest: Vec<f64> = g.scores.nearest.iter().map(|&(_, x)| x).collect();
    let sid = estimate(&nearest);
    let share_in = |[lo, hi]: [f64; 2]| {
        nearest.iter().filter(|&&x| (lo..=hi).contains(&x)).count() as f64 / nearest.len().max(1) as f64
    };
    let in_band = f.nn_band.map(|b| share_in(b.min_max));
    let in_central_band = f.nn_band.map(|b| share_in(b.central_90));
    let pairwise = prot::extended::pairwise_identity(&g.seqs);
    let id = &g.id;
    let check = |name: &str, e: &Estimate| -> Result<Estimate> {
        Ok(Estimate {
            mean: finite(&format!("{name} of {id}"), e.mean)?,
            se: finite_opt(&format!("{name} SE of {id}"), e.se)?,
        })
    };
    Ok(MethodResult {
        id: g.id.clone(),
        label: g.label.clone(),
        n: g.seqs.len(),
        novelty: check("novelty", &mm.novelty)?,
        // A pair mean: one sample has no pair (the core's 0 would read as "all alike").
        diversity: (g.seqs.len() >= 2).then(|| check("diversity", &mm.diversity)).transpose()?,
        energy: check("energy", &mm.energy)?,
        seq_identity: finite(&format!("SeqID of {id}"), sid.mean)?,
        seq_identity_se: finite_opt(&format!("SeqID SE of {id}"), sid.se)?,
        kl_composition: finite(&format!("KL of {id}"), prot::kl_composition(stored, &g.seqs))?,
        kl_position: finite(&format!("Pos-KL of {id}"), prot::kl_position(stored, &g.seqs))?,
        mi_r: finite_opt(&format!("MI r of {id}"), prot::mi_correlation(stored, &g.seqs))?,
        valid_fraction: finite(&format!("valid fraction of {id}"), prot::valid_fraction(&g.seqs))?,
        hmm_pass: None,
        hmm_median_evalue: None,
        hmm_median_bitscore: None,
        acceptance: g.acceptance,
        convergence: g.convergence,
        mi_r_all: finite_opt(&format!("MI r (all pairs) of {id}"), couplings.mi_all)?,
        mi_r_apc: finite_opt(&format!("MI r (APC) of {id}"), couplings.mi_apc)?,
        cij_r: finite_opt(&format!("C_ij r of {id}"), couplings.cij)?,
        natural_cij_r: finite_opt(
            &format!("natural C_ij r of {id}"),
            f.natural_cij.map(|n| n.expected_r(g.seqs.len())),
        )?,
        mean_pairwise_identity: finite_opt(&format!("pairwise identity of {id}"), pairwise.mean)?,
        pairwise_identity_sampled_pairs: pairwise.sampled_pairs,
        frac_over_90: nearest.iter().filter(|&&x| x > 0.9).count() as f64 / nearest.len().max(1) as f64,
        nn_band_share: in_band,
        nn_band_share_5_95: in_central_band,
        vs_family: match &f.whole {
            None => None,
            Some(w) => Some(VsFamily {
                seq_identity: finite(
                    &format!("SeqID vs family of {id}"),
                    estimate(&prot::seq_identity(&g.seqs, w)).mean,
                )?,
                kl_composition: finite(&format!("KL vs family of {id}"), prot::kl_composition(w, &g.seqs))?,
                kl_position: finite(&format!("Pos-KL vs family of {id}"), prot::kl_position(w, &g.seqs))?,
                mi_r: finite_opt(&format!("MI r vs family of {id}"), prot::mi_correlation(w, &g.seqs))?,
            }),
        },
        held_out: None,
        seconds: g.seconds + t0.elapsed().as_secs_f64(),
    })
}
