//! What a protein run returns: the results.json document, and the data behind the report's
//! figures (the generated sequences, the entropy curve).

use satool::{EntropyCurve, Estimate, Precision};
use serde::Serialize;

/// The conventions every number of the table depends on, printed and stored with the results;
/// the first two describe the sampling of `samples` sequences per method, the third (`convergence`)
/// how R̂ is read.
pub fn conventions(samples: usize, reweight: Option<f64>, convergence: String) -> Vec<String> {
    let sampling = if samples == super::N_SAMPLES {
        "samples: 150 per method; chains: 30 × 5000 steps, burn-in 2000, thin 100, kept t = 2000, 2700, 3500, 4200, 4900".to_string()
    } else {
        // The protocol chain_schedule builds, described from itself.
        let (protocol, keep) = super::generate::chain_schedule(samples).expect("a valid schedule for N ≥ 1");
        format!(
            "samples: {samples} per method; chains: {} × {} steps, burn-in {}, {} kept per chain, {} steps apart (the published thinning){}",
            protocol.chains(),
            protocol.steps(),
            protocol.burn_in(),
            keep.len(),
            super::generate::KEPT_SPACING,
            if samples.is_multiple_of(30) { "" } else { "; the first N in chain order" }
        )
    };
    let se = if samples.is_multiple_of(30) && samples >= 60 {
        format!(
            "0.617(6) = 0.617 ± 0.006: the SE over 30 consecutive groups of {} samples (one group per chain)",
            samples / 30
        )
    } else {
        "no SE: it needs a multiple of 30 samples, at least 60 (30 groups of 2 or more, one per chain)".to_string()
    };
    let mut v = vec![sampling, se, convergence];
    v.extend(
        [
        "energy E(ξ) = ½‖ξ‖² − logsumexp(β Xᵀξ)/β at β_ret for every method",
        "decoding: the decode line above; published = x = Pξ + μ without rescaling, argmax per position ('-' if the block max < 1e-10)",
        "SeqID skips positions where either residue is a gap (any of . - ~); the published code skipped only '-'",
        "KL and Pos-KL: KL(natural ‖ generated), natural log, ε = 1e-10 on frequencies (KL) and on per-position counts (Pos-KL); MI r: 20 positions round(linspace(1, L, 20)), no APC; C_ij r: connected correlations f_ij(a,b) − f_i(a)f_j(b), all column pairs and residue pairs",
        ">90% id: share of samples more than 90% identical to a stored sequence; natural: stored sequences drawn with replacement, the finite-sample reference of KL, Pos-KL, MI r and C_ij r (its novelty, SeqID and >90% id are 0, 1 and 100% by construction); bootstrap: stored memories, decoded",
        "HMMER: hmmsearch --tblout -E 1000 --noali; pass = full-sequence E < 0.01; E-values depend on the number of sequences searched",
        ]
        .map(String::from),
    );
    if let Some(x) = reweight {
        v.push(format!(
            "--reweight {x}: the sampled law is that of E(ξ) = ½‖ξ‖² − log Σ_k w_k exp(β m_kᵀξ)/β with w_k = 1/#(stored sequences ≥ {x} identical to k, itself included; identity over all L columns, gaps one state) scaled to mean 1; the energy column uses the same weighted energy"
        ));
    }
    v
}

/// One protein run: results.json plus what the text header and the report draw from.
pub struct ProteinRun {
    pub results: ProteinResults,
    /// The Stockholm record's size before cleaning (rows × columns).
    pub input_rows: usize,
    pub input_cols: usize,
    /// The whole family's entropy curve, before any condition.
    pub entropy: FamilyEntropy,
    /// The sequences every set is scored against: the family, or the conditioned subset.
    pub natural: Vec<Vec<u8>>,
    /// Each row's sequences, in table order.
    pub generated: Vec<GeneratedSet>,
    /// The names of `natural`.
    pub natural_names: Vec<String>,
    /// The record as read, and its cleaning (the `--out` files map sequences to its columns).
    pub seed: satool_protein::Alignment,
    pub clean: satool_protein::CleanAlignment,
}

/// The entropy curve the β* rule used, over the whole family's K memories, and the mean
/// attention entropy (nats) at the two operating temperatures.
pub struct FamilyEntropy {
    pub curve: EntropyCurve,
    /// K of the whole family (a condition keeps fewer memories but the family's temperatures).
    pub family_k: usize,
    pub at_generation: f64,
    pub at_retrieval: f64,
}

/// One row's generated (or evaluated) sequences.
pub struct GeneratedSet {
    pub id: String,
    /// Aligned to the cleaned columns.
    pub seqs: Vec<Vec<u8>>,
    /// The sequences' own names (`--evaluate` files whose names are distinct); None: `<id>_<n>`.
    pub names: Option<Vec<String>>,
    /// Per sequence: energy at `beta`, novelty, nearest stored sequence.
    pub scores: super::per_sequence::SampleScores,
    /// The row's β (its method's; β_gen for rows without one).
    pub beta: f64,
}

impl GeneratedSet {
    /// The stem of the row's files in `--out`.
    pub fn file_stem(&self) -> String {
        super::generate::file_stem_of(&self.id)
    }

    /// The name of sequence `i` in the row's files: its own, or `<stem>_<i + 1>`.
    pub fn name(&self, i: usize) -> String {
        super::generate::sequence_name(&self.id, self.names.as_deref(), i)
    }
}

#[derive(Debug, Serialize)]
pub struct ProteinResults {
    pub domain: &'static str,
    pub input: InputInfo,
    /// Present for conditional runs.
    pub condition: Option<ConditionInfo>,
    pub parameters: Parameters,
    pub conventions: Vec<String>,
    pub hmmer: HmmerInfo,
    /// `--holdout`: the held-out split and the natural null; each row's scores are its `held_out`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout: Option<super::holdout::HoldoutInfo>,
    pub methods: Vec<MethodResult>,
    /// Why some numbers should not be trusted (tiny family, repeated or copied samples); empty
    /// when there is nothing to say.
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ConditionInfo {
    pub description: String,
    pub sequences: Vec<String>,
}

/// A method's sequence metrics against the whole family, for conditional runs.
#[derive(Debug, Serialize)]
pub struct VsFamily {
    pub seq_identity: f64,
    pub kl_composition: f64,
    pub kl_position: f64,
    pub mi_r: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct InputInfo {
    pub path: String,
    pub family_id: Option<String>,
    pub accession: Option<String>,
}

#[derive(Debug, Serialize)]
#[allow(non_snake_case)]
pub struct Parameters {
    pub K: usize,
    pub L: usize,
    pub d: usize,
    pub variance_retained: f64,
    pub beta_star: f64,
    pub beta_star_rule: &'static str,
    /// The same criterion without the 50-point grid (reported, not used: β_ret and β_gen come
    /// from the published `beta_star`).
    pub beta_star_refined: f64,
    pub beta_star_refined_rule: &'static str,
    pub beta_retrieval: f64,
    pub beta_generation: f64,
    /// Where β_ret came from: "round(20β*)" (published) or "--beta-ret".
    pub beta_retrieval_rule: &'static str,
    /// Where β_gen came from: "round(2β*)" (published) or "--beta-gen".
    pub beta_generation_rule: &'static str,
    /// Sequences per method (`--samples`; 150 published).
    pub samples: usize,
    pub snr_retrieval: f64,
    pub snr_generation: f64,
    pub alpha: f64,
    pub precision: Precision,
    pub seed: u64,
    /// `--max-sequences`, present only when it applied: K is a random this many (stream
    /// "max-sequences" of the fixed seed 0, not `--seed`) of the `cleaned_sequences` left after cleaning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_sequences: Option<usize>,
    /// Sequences left after cleaning, before the cap (present only when the cap applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleaned_sequences: Option<usize>,
    /// `--max-identity`, when given: generated sequences more identical than this to a stored
    /// one were dropped; how many per row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_identity: Option<f64>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub removed_over_max_identity: std::collections::BTreeMap<String, usize>,
    /// The natural family's nearest-neighbour identity range (each member's best match to another).
    pub nn_identity_band: Option<[f64; 2]>,
    /// The central 90% of those identities: their 5% and 95% quantiles (NumPy's linear rule).
    pub nn_identity_band_5_95: Option<[f64; 2]>,
    /// The natural family's mean pairwise identity (the reference for each row's).
    pub pairwise_identity: Option<f64>,
    /// `--decode`: how memory-space samples became sequences (`published` = the paper's).
    pub decode: String,
    /// `--decode calibrated`: how the decode above was chosen for this family, and every
    /// candidate's scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_calibration: Option<super::calibrate::Calibration>,
    /// `--reweight X` when given: each stored sequence weighs 1/#(sequences ≥ X identical to it)
    /// in the energy (a logit bias), the exact law and β*; M_eff is the sum of the weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reweight: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub m_eff: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct HmmerInfo {
    /// "ran", "not run: …".
    pub status: String,
    pub hmm: Option<String>,
    /// Each row's hmmsearch hits, in row order, when HMMER ran (for the per-sequence files).
    #[serde(skip)]
    pub hits: Vec<satool_protein::hmmer::HmmsearchHits>,
    /// HMMER's files for `--out` (the seed for hmmbuild, the profile HMM it built, each row's
    /// hmmsearch table), when they were asked for and HMMER ran.
    #[serde(skip)]
    pub files: Option<tempfile::TempDir>,
}

impl HmmerInfo {
    /// Whether hmmsearch ran, i.e. the HMM columns hold numbers.
    pub fn ran(&self) -> bool {
        self.status == "ran"
    }
}

#[derive(Debug, Serialize)]
pub struct MethodResult {
    pub id: String,
    pub label: String,
    pub n: usize,
    pub novelty: Estimate,
    /// Mean 1 − cos over pairs of samples: `None` (null) for a row of fewer than two.
    pub diversity: Option<Estimate>,
    pub energy: Estimate,
    pub seq_identity: f64,
    pub seq_identity_se: Option<f64>,
    pub kl_composition: f64,
    pub kl_position: f64,
    pub mi_r: Option<f64>,
    pub valid_fraction: f64,
    pub hmm_pass: Option<f64>,
    pub hmm_median_evalue: Option<f64>,
    pub hmm_median_bitscore: Option<f64>,
    pub acceptance: Option<f64>,
    /// Chain methods: rank-normalised split-R̂ and bulk ESS of the energy (at the chains' β) over
    /// every kept state of the 30 chains (Vehtari et al. 2021, as ArviZ); describes the sampler's
    /// state, not the sequences.
    pub convergence: Option<satool::Convergence>,
    pub mi_r_all: Option<f64>,
    pub mi_r_apc: Option<f64>,
    pub cij_r: Option<f64>,
    /// The C_ij r that as many new members of the family as this row has sequences would reach
    /// against the stored ones (estimated from random halves of them): the honest level for
    /// `cij_r`; above it a row carries the members' own sampling noise, which only sequences
    /// near them share.
    pub natural_cij_r: Option<f64>,
    pub mean_pairwise_identity: Option<f64>,
    /// Present when the set has more than 2000 sequences: the mean pairwise identity is over this
    /// many pairs drawn with a fixed seed, not over every pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairwise_identity_sampled_pairs: Option<usize>,
    pub frac_over_90: f64,
    /// Share of samples whose identity to their nearest natural sequence lies inside the
    /// natural nearest-neighbour band (`parameters.nn_identity_band`), and inside its central 90%
    /// (`parameters.nn_identity_band_5_95`).
    pub nn_band_share: Option<f64>,
    pub nn_band_share_5_95: Option<f64>,
    /// Conditional runs only: metrics against the whole family.
    pub vs_family: Option<VsFamily>,
    /// `--holdout`: the row against the held-out members (mean ± sd over held-out folds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_out: Option<satool_protein::holdout::HeldOutSummary>,
    pub seconds: f64,
}
