//! Generation: each method's 150 samples from its own random stream, decoded to sequences; and
//! the extra rows that are not generated here (the conditioned subset, `--evaluate` files).

use super::methods::{ProteinMethod, Recipe};
use super::N_SAMPLES;
use crate::baselines::{gmm, simple, vae};
use anyhow::Result;
use ndarray::Array2;
use satool::{exact_samples, run_chains, stream, Memory, OperatingPoints, Params, Precision, Protocol, PUBLISHED_FIVE};
use satool_protein as prot;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

/// Everything the methods need about the family.
pub(super) struct FamilyModel {
    pub clean: prot::CleanAlignment,
    pub enc: prot::Encoding,
    /// The memories sampled from: the family's, or the conditioned subset's.
    pub mem: Memory,
    pub ops: OperatingPoints,
    pub alpha: f64,
    pub seed: u64,
    pub precision: Precision,
    /// The sequences generated sets are scored against: the family, or the conditioned subset.
    pub stored: Vec<Vec<u8>>,
    /// The whole family when `stored` is a conditioned subset.
    pub whole: Option<Vec<Vec<u8>>>,
    /// Pair statistics of `stored`, computed once for the extended metrics.
    pub couplings: prot::extended::Couplings,
}

/// One row's output before evaluation.
pub(super) struct Generated {
    pub id: String,
    pub label: String,
    /// Memory-space samples (d × n).
    pub latent: Array2<f64>,
    /// Aligned sequences (length L).
    pub seqs: Vec<Vec<u8>>,
    pub acceptance: Option<f64>,
    pub seconds: f64,
}

impl Generated {
    /// The row's sequences as FASTA records named `<id>_<n>` (`:` and `/` of file rows made `_`).
    pub fn fasta_records(&self) -> Vec<(String, Vec<u8>)> {
        let prefix = self.file_stem();
        self.seqs.iter().enumerate().map(|(i, s)| (format!("{prefix}_{}", i + 1), s.clone())).collect()
    }

    /// The stem of the row's files in `--out`.
    pub fn file_stem(&self) -> String {
        file_stem_of(&self.id)
    }
}

/// Generates one method's samples from its own random stream (named by the method's id).
pub(super) fn generate(method: ProteinMethod, f: &FamilyModel) -> Result<Generated> {
    let t0 = Instant::now();
    let id = method.id();
    let mut rng = stream(f.seed, id);
    let (mem, n) = (&f.mem, N_SAMPLES);
    let (latent, seqs, acceptance) = match method.recipe() {
        Recipe::IndependentColumns => {
            // The one method that samples sequences directly; its latent is their projection.
            let seqs = simple::independent_columns(&f.stored, n, &mut rng);
            (f.enc.project(&seqs), Some(seqs), None)
        }
        Recipe::Bootstrap => (simple::bootstrap(mem, n, &mut rng).0, None, None),
        Recipe::GaussianPerturbation => {
            let sigma = Params::new(f.alpha, f.ops.beta_ret)?.sigma();
            (simple::gaussian_perturbation(mem, n, sigma, &mut rng), None, None)
        }
        Recipe::ConvexCombination => (simple::convex_combination(mem, n, &mut rng), None, None),
        Recipe::GmmPca => {
            (gmm::gmm_pca_sample(mem.x(), n, &gmm::GmmPcaConfig::default(), &mut rng)?.samples, None, None)
        }
        Recipe::Vae => (vae::vae_sample(mem.x(), n, &vae::VaeConfig::default(), &mut rng)?.samples, None, None),
        Recipe::Exact(t) => (exact_samples(mem, t.beta(&f.ops), n, &mut rng)?.0, None, None),
        Recipe::Chains(t, kernel) => {
            let params = Params::new(f.alpha, t.beta(&f.ops))?;
            let run = run_chains(mem, params, kernel, &Protocol::default().with_precision(f.precision), f.seed, id);
            (run.select(&PUBLISHED_FIVE), None, run.acceptance)
        }
    };
    let seqs = seqs.unwrap_or_else(|| f.enc.decode(latent.view()));
    Ok(Generated {
        id: id.into(),
        label: method.label(&f.ops),
        latent,
        seqs,
        acceptance,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// The conditioned sequences themselves, as the reference row of a conditional run.
pub(super) fn condition_reference(f: &FamilyModel) -> Generated {
    Generated {
        id: "condition".into(),
        label: "Conditioned sequences (reference)".into(),
        latent: f.enc.project(&f.stored),
        seqs: f.stored.clone(),
        acceptance: None,
        seconds: 0.0,
    }
}

/// The row ids of `--evaluate` files, in order: `file:<stem>` (the name without its extension
/// and a trailing `.aligned`), unique and the same on every run with the same arguments. Files
/// whose stems collide keep as many of their parent folders as it takes to tell them apart
/// (`file:a/x`, `file:b/x`); a file given twice (or two names that still collide as file names)
/// gets `_2`, `_3`, … in the order given.
pub(super) fn evaluate_ids(paths: &[PathBuf]) -> Vec<String> {
    let stem = |p: &Path| {
        let s = p.file_stem().map_or_else(|| "evaluate".into(), |s| s.to_string_lossy().into_owned());
        s.strip_suffix(".aligned").unwrap_or(&s).to_string()
    };
    // The folders of each path, innermost first (`.` left out).
    let folders = |p: &Path| -> Vec<String> {
        p.parent()
            .map(|d| {
                d.components()
                    .filter(|c| !matches!(c, Component::CurDir))
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .rev()
                    .collect()
            })
            .unwrap_or_default()
    };
    let named = |p: &Path, depth: usize| {
        let mut parts: Vec<String> = folders(p).into_iter().take(depth).collect();
        parts.reverse();
        parts.push(stem(p));
        parts.join("/")
    };
    let mut ids: Vec<String> = paths
        .iter()
        .map(|p| {
            let clashes: Vec<&PathBuf> = paths.iter().filter(|q| stem(q) == stem(p)).collect();
            // The fewest folders that tell this file from every other with its stem.
            let deepest = clashes.iter().map(|q| folders(q).len()).max().unwrap_or(0);
            let depth = (0..=deepest)
                .find(|&d| clashes.iter().all(|q| *q == p || named(q, d) != named(p, d)))
                .unwrap_or(deepest);
            format!("file:{}", named(p, depth))
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for id in &mut ids {
        let base = id.clone();
        let mut n = 1;
        while !seen.insert(file_stem_of(id)) {
            n += 1;
            *id = format!("{base}_{n}");
        }
    }
    ids
}

/// The stem of a row's files in `--out`: its id with `:` and `/` made `_`.
fn file_stem_of(id: &str) -> String {
    id.replace([':', '/', '\\'], "_")
}

/// Sequences from a FASTA file aligned to the cleaned columns, scored as an extra row with the
/// id [`evaluate_ids`] gave it.
pub(super) fn from_file(path: &Path, id: String, f: &FamilyModel) -> Result<Generated> {
    let t0 = Instant::now();
    let records = prot::read_aligned_fasta(path, f.clean.seqs[0].len())?;
    let seqs: Vec<Vec<u8>> = records.into_iter().map(|(_, s)| s).collect();
    Ok(Generated {
        id,
        label: format!("{} (file)", path.display()),
        latent: f.enc.project(&seqs),
        seqs,
        acceptance: None,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(paths: &[&str]) -> Vec<String> {
        evaluate_ids(&paths.iter().map(PathBuf::from).collect::<Vec<_>>())
    }

    #[test]
    fn evaluate_ids_are_unique_and_short() {
        assert_eq!(ids(&["runs/a.aligned.fasta", "b.fasta"]), ["file:a", "file:b"]);
        assert_eq!(ids(&["x/a/s.fasta", "y/b/s.fasta", "t.fa"]), ["file:a/s", "file:b/s", "file:t"]);
        assert_eq!(ids(&["p/a/s.fasta", "q/a/s.fasta"]), ["file:p/a/s", "file:q/a/s"]);
        assert_eq!(ids(&["./s.fasta", "a/s.fasta"]), ["file:s", "file:a/s"]);
        assert_eq!(ids(&["s.fasta", "s.fasta"]), ["file:s", "file:s_2"]);
        assert_eq!(ids(&["a/s.fasta", "a_s.fasta"]), ["file:s", "file:a_s"]);
        assert_eq!(ids(&["a/s.fasta", "b/s.fasta", "a_s.fasta"]), ["file:a/s", "file:b/s", "file:a_s_2"]);
    }
}
