//! Generation: each method's 150 samples from its own random stream, decoded to sequences; and
//! the extra rows that are not generated here (the conditioned subset, `--evaluate` files).

use super::methods::{ProteinMethod, Recipe};
use super::N_SAMPLES;
use crate::baselines::{gmm, simple, vae};
use anyhow::Result;
use ndarray::Array2;
use satool::{exact_samples, run_chains, stream, Memory, OperatingPoints, Params, Precision, Protocol, PUBLISHED_FIVE};
use satool_protein as prot;
use std::path::Path;
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
    /// The whole family's nearest-neighbour identity band (each member's best match to another).
    pub nn_band: Option<[f64; 2]>,
    /// Pair statistics of `stored`, computed once for the extended metrics.
    pub couplings: prot::extended::Couplings,
    /// `--decode`: how memory-space samples become sequences.
    pub decode: prot::DecodeMethod,
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
    /// The row's sequences as FASTA records named `<id>_<n>` (`:` of file rows made `_`).
    pub fn fasta_records(&self) -> Vec<(String, Vec<u8>)> {
        let prefix = self.file_stem();
        self.seqs.iter().enumerate().map(|(i, s)| (format!("{prefix}_{}", i + 1), s.clone())).collect()
    }

    /// The stem of the row's files in `--out`.
    pub fn file_stem(&self) -> String {
        self.id.replace(':', "_")
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
        Recipe::Natural => {
            // The stored sequences themselves; their memory-space points are the memories.
            let (latent, picked) = simple::bootstrap(mem, n, &mut rng);
            (latent, Some(picked.iter().map(|&k| f.stored[k].clone()).collect()), None)
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
    let seqs = seqs.unwrap_or_else(|| decode(method, f, &latent));
    Ok(Generated {
        id: id.into(),
        label: method.label(&f.ops),
        latent,
        seqs,
        acceptance,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Decodes a method's samples with `--decode` at the method's β (β_gen for the baselines, which
/// have none), drawing from the stream `decode:<method id>`.
fn decode(method: ProteinMethod, f: &FamilyModel, latent: &Array2<f64>) -> Vec<Vec<u8>> {
    let beta = match method.recipe() {
        Recipe::Exact(t) | Recipe::Chains(t, _) => t.beta(&f.ops),
        _ => f.ops.beta_gen,
    };
    let decoder = prot::Decoder::new(f.decode, &f.enc, f.mem.x(), &f.stored, beta);
    decoder.decode(latent.view(), &mut stream(f.seed, &format!("decode:{}", method.id())))
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

/// Sequences from a FASTA file aligned to the cleaned columns, scored as an extra row.
pub(super) fn from_file(path: &Path, f: &FamilyModel) -> Result<Generated> {
    let t0 = Instant::now();
    let records = prot::read_aligned_fasta(path, f.clean.seqs[0].len())?;
    let seqs: Vec<Vec<u8>> = records.into_iter().map(|(_, s)| s).collect();
    let stem = path.file_stem().map_or_else(|| "evaluate".into(), |s| s.to_string_lossy().into_owned());
    let stem = stem.strip_suffix(".aligned").unwrap_or(&stem).to_string();
    Ok(Generated {
        id: format!("file:{stem}"),
        label: format!("{} (file)", path.display()),
        latent: f.enc.project(&seqs),
        seqs,
        acceptance: None,
        seconds: t0.elapsed().as_secs_f64(),
    })
}
