//! `satool protein`: a Pfam seed alignment → novel family sequences, compared with baselines
//! (the published protein protocol).
//!
//! The job returns data ([`ProteinRun`]: results.json, the generated sets with their scores,
//! HMMER's files when asked for) and writes nothing: the caller renders the text, draws the
//! report and writes the `--out` files ([`render::write_out`]).

pub mod calibrate;
mod evaluate;
pub mod families;
pub mod generate;
mod hmmer;
pub mod holdout;
pub mod index;
pub mod methods;
pub mod per_sequence;
pub mod render;
pub mod results;
pub mod score;
mod select;
mod warnings;

pub use methods::ProteinMethod;
pub use results::{FamilyEntropy, GeneratedSet, MethodResult, ProteinResults, ProteinRun};
pub use select::{
    check_max_sequences, parse_max_sequences, select_from, select_record, MaxSequences, NameCondition,
    DEFAULT_MAX_SEQUENCES,
};

use crate::input_err;
use crate::progress::Progress;
use anyhow::{Context, Result};
use generate::{FamilyModel, Generated};
use rayon::prelude::*;
use results::{conventions, ConditionInfo, InputInfo, Parameters};
use satool::{
    entropy_inflection, mean_entropy, refined_beta_star, snr, Memory, OperatingPoints, Precision,
    BETA_STAR_REFINED_RULE, BETA_STAR_RULE,
};
use satool_protein as prot;
use std::path::PathBuf;

/// Samples per method by default: the published 30 chains × 5.
pub const N_SAMPLES: usize = 150;

/// Random halves of the stored sequences that estimate each row's natural C_ij r (stream
/// "natural-cij" of `--seed`).
pub const NATURAL_CIJ_SPLITS: usize = 8;

/// How HMMER is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HmmerMode {
    /// Run when installed; otherwise warn and report "not run".
    Auto,
    /// Fail when HMMER is missing or fails.
    Require,
    /// Never run.
    Off,
}

/// A protein run as the command line describes it.
#[derive(Debug, Clone)]
pub struct ProteinJob {
    pub stockholm: PathBuf,
    pub family: Option<String>,
    pub hmm: Option<PathBuf>,
    pub hmmer: HmmerMode,
    /// `--hmmer-timeout`: seconds each hmmbuild/hmmsearch run may take (None: scaled by its input).
    pub hmmer_timeout: Option<f64>,
    pub out: Option<PathBuf>,
    pub force: bool,
    /// How every method samples and decodes (the family model carries it).
    pub sampling: Sampling,
    pub extended: bool,
    /// `--max-sequences`: keep a random this many cleaned sequences when more remain (None: all).
    pub max_sequences: Option<usize>,
    /// `--beta-gen` / `--beta-ret`: temperatures instead of round(2β*) / round(20β*).
    pub beta_gen: Option<f64>,
    pub beta_ret: Option<f64>,
    pub condition: Option<NameCondition>,
    pub evaluate: Vec<PathBuf>,
    /// Distinct methods, in the order their rows appear.
    pub methods: Vec<ProteinMethod>,
    /// `--report DIR`: Markdown report with SVG figures (drawn by the caller from the run).
    pub report: Option<PathBuf>,
    /// `--reweight X`: weight each stored sequence by 1/#(sequences ≥ X identical to it).
    pub reweight: Option<f64>,
    /// `--holdout F --holdout-folds k`: members kept out of the memory and scored against.
    pub holdout: Option<holdout::Holdout>,
}

/// How every method of a run samples and decodes: the part of a [`ProteinJob`] the family model
/// carries ([`FamilyModel::sampling`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    pub seed: u64,
    pub alpha: f64,
    pub precision: Precision,
    /// `--samples`: sequences per method.
    pub samples: usize,
    /// `--decode`: how memory-space samples become sequences.
    pub decode: prot::DecodeMethod,
    /// `--max-identity`: drop generated sequences more identical than this to a stored one.
    pub max_identity: Option<f64>,
}

/// Runs the job on the record `--family` selects; with `keep_files` the run keeps HMMER's files
/// for `--out`.
pub fn run(job: &ProteinJob, keep_files: bool, progress: &Progress) -> Result<ProteinRun> {
    let aln = select_record(&job.stockholm, job.family.as_deref())?;
    run_record(job, &aln, keep_files, progress)
}

/// The family a message is about: the input and the record, `PATH, record 'ID'` (or `PATH, record
/// at line N` without an ID), so that warnings of `--all-families` say whose they are.
pub fn family_label(aln: &prot::Alignment) -> String {
    format!("{}, record {}", aln.source, aln.label())
}

/// What a run knows about its family besides the model: the numbers of the header.
pub struct FamilyFacts {
    entropy: FamilyEntropy,
    condition: Option<ConditionInfo>,
    /// Sequences left after cleaning, when `--max-sequences` removed some.
    cleaned_k: Option<usize>,
    beta_star_refined: f64,
    pairwise_identity: Option<f64>,
    /// M_eff = Σ_k w_k, when `--reweight` weighted the memories.
    m_eff: Option<f64>,
}

/// Cleans, caps and encodes the record, builds the memory (the condition's subset when given)
/// and the operating temperatures. With `--holdout`, from the training members of fold 0.
pub fn family_model(job: &ProteinJob, aln: &prot::Alignment) -> Result<(FamilyModel, FamilyFacts)> {
    family_model_fold(job, aln, 0).map(|(fam, facts, _)| (fam, facts))
}

/// The members a `--holdout` fold keeps out of the memory (aligned to the cleaned columns).
pub type HeldOutMembers = Vec<Vec<u8>>;

/// [`family_model`] of held-out fold `fold` (`--holdout`): built from that fold's training
/// members; its held-out members are returned with it (None without `--holdout`).
pub fn family_model_fold(
    job: &ProteinJob,
    aln: &prot::Alignment,
    fold: usize,
) -> Result<(FamilyModel, FamilyFacts, Option<HeldOutMembers>)> {
    let clean = prot::clean(aln)?;
    if clean.k() < select::MIN_SEQUENCES {
        return Err(input_err!(
            "{}: record {}: {} sequence(s) remain after cleaning; at least {} are needed (two span a single PCA direction)",
            aln.source,
            aln.label(),
            clean.k(),
            select::MIN_SEQUENCES
        ));
    }
    let (clean, cleaned_k) = select::cap_sequences(clean, job.max_sequences);
    let (clean, held_out) = match job.holdout {
        None => (clean, None),
        Some(h) => {
            let split = h.splits(clean.k())?.swap_remove(fold);
            let held: Vec<Vec<u8>> = split.held_out.iter().map(|&i| clean.seqs[i].clone()).collect();
            (clean.keep_sequences(&split.train), Some(held))
        }
    };
    let enc = prot::encode(&clean, 0.95).map_err(|e| input_err!("{}: {e}", aln.source))?;
    let mem = Memory::new(enc.memory.clone()).context("memory matrix")?;
    let (mem, m_eff) = match job.reweight {
        None => (mem, None),
        Some(x) => {
            let (bias, m_eff) = log_weight_bias(&prot::sequence_weights(&clean.seqs, x));
            (mem.with_log_weights(&bias).context("sequence weights")?, Some(m_eff))
        }
    };
    let curve = entropy_inflection(&mem);
    let beta_star_refined = refined_beta_star(&mem);
    let published = OperatingPoints::from_beta_star(curve.beta_star);
    let ops = OperatingPoints {
        beta_gen: job.beta_gen.unwrap_or(published.beta_gen),
        beta_ret: job.beta_ret.unwrap_or(published.beta_ret),
        ..published
    };
    // A condition keeps the family's encoding and temperatures but only the matching memories.
    // The entropy figure describes the whole family, before any condition.
    let entropy = FamilyEntropy {
        family_k: mem.k(),
        at_generation: mean_entropy(&mem, ops.beta_gen),
        at_retrieval: mean_entropy(&mem, ops.beta_ret),
        curve,
    };
    let (mem, stored, whole, condition) = match &job.condition {
        None => (mem, (clean.seqs.clone(), clean.names.clone()), None, None),
        Some(c) => {
            let idx = c.select(&clean.names)?;
            if idx.len() < 2 {
                return Err(input_err!(
                    "{}: the condition ({}) matches {} of the {} cleaned sequences; at least 2 are needed",
                    job.stockholm.display(),
                    c.describe(),
                    idx.len(),
                    clean.names.len()
                ));
            }
            let info = ConditionInfo {
                description: c.describe(),
                sequences: idx.iter().map(|&i| clean.names[i].clone()).collect(),
            };
            let subset = idx.iter().map(|&i| clean.seqs[i].clone()).collect();
            (mem.subset(&idx)?, (subset, info.sequences.clone()), Some(clean.seqs.clone()), Some(info))
        }
    };
    let nn_band = prot::extended::nn_identity_bands(&clean.seqs);
    let pairwise_identity = prot::extended::mean_pairwise_identity(&clean.seqs);
    let (stored, stored_names) = stored;
    let calibration = match job.sampling.decode {
        prot::DecodeMethod::Calibrated => Some(calibrate::calibrate(&clean, ops.beta_gen)?),
        _ => None,
    };
    let sampling = Sampling { decode: calibration.as_ref().map_or(job.sampling.decode, |c| c.decode), ..job.sampling };
    let fam = FamilyModel {
        stored_names,
        nn_band,
        clean,
        enc,
        mem,
        ops,
        sampling,
        calibration,
        couplings: prot::extended::Couplings::of(&stored, true),
        natural_cij: prot::extended::NaturalCij::of(
            &stored,
            NATURAL_CIJ_SPLITS,
            &mut satool::stream(job.sampling.seed, "natural-cij"),
        ),
        stored,
        whole,
    };
    let facts = FamilyFacts { entropy, condition, cleaned_k, beta_star_refined, pairwise_identity, m_eff };
    Ok((fam, facts, held_out))
}

/// The logit bias `ln(w_k K / M_eff)` of sequence weights `w` (scaled to mean 1, so a family of
/// distinct sequences keeps the unweighted energy exactly), and M_eff = Σ_k w_k.
fn log_weight_bias(w: &[f64]) -> (Vec<f64>, f64) {
    let m_eff: f64 = w.iter().sum();
    let k = w.len() as f64;
    (w.iter().map(|&v| (v * k / m_eff).ln()).collect(), m_eff)
}

/// The rows of a run before scoring: every method's, the conditioned sequences' (first, for a
/// conditional run) and every `--evaluate` file's.
struct Rows {
    generated: Vec<Generated>,
    /// Samples `--max-identity` dropped per method (empty without it).
    removed: Vec<(String, usize)>,
    /// Methods whose every sample `--max-identity` dropped (left out of `generated`).
    emptied: Vec<String>,
    /// Methods that could not run on this family, each with its error.
    failed: Vec<String>,
}

/// Bytes a streamed row holds per sample until the run returns: its sequence and name, its
/// scores and the text written from them. Measured on PF00076 with exact_gen (peak RSS between
/// 100,000 and 300,000 samples): 293 bytes at L = 71 and 1,002 at L = 568 (its columns repeated
/// 8 times), about 190 + 1.4·L; counted as 256 + 2·L.
fn streamed_bytes(l: u64) -> u64 {
    256 + 2 * l
}

/// Bytes per sample the Python package's `Family.generate` holds besides the row: a str per
/// name, sequence and nearest member, the floats, the list and DataFrame slots. Measured as for
/// `streamed_bytes`, in the interpreter: 1,117 bytes at L = 71 and 3,188 at L = 568 in all,
/// about 630 + 2.8·L more than the command line; counted as 768 + 3·L.
pub fn python_columns_bytes(l: usize) -> u64 {
    768 + 3 * l as u64
}

/// Refuses, before any method runs, a `--samples` count whose rows would not fit in memory: a
/// row held whole keeps about 16·(d + L) bytes per sample (its points, sequences and scores;
/// measured on PF00076: 2.0 kB at d = 59, L = 71), a streamed row `streamed_bytes`; a caller
/// that holds more per sample (the Python package: [`python_columns_bytes`]) adds `extra`.
pub fn check_memory(methods: &[ProteinMethod], sampling: &Sampling, l: usize, d: usize, extra: u64) -> Result<()> {
    let n = sampling.samples as u64;
    let row = |m: ProteinMethod| {
        if generate::streamed(m, sampling.max_identity) {
            streamed_bytes(l as u64)
        } else {
            16 * (d + l) as u64
        }
    };
    let per_sample: u64 = methods.iter().map(|&m| row(m) + extra).sum();
    let bytes = crate::budget::checked_product(&[n, per_sample]);
    crate::budget::check_bytes(
        bytes,
        &format!("--samples {n}: the {} rows ({} × about {per_sample} bytes)", methods.len(), n),
        "--samples (or run fewer --methods; --max-identity holds its rows whole)",
    )
}

/// Generates the rows of a run: the methods in parallel (each on its own stream), after reading
/// and checking every `--evaluate` file.
fn generate_rows(
    job: &ProteinJob,
    aln: &prot::Alignment,
    fam: &FamilyModel,
    conditioned: bool,
    progress: &Progress,
) -> Result<Rows> {
    let (k, l, d) = (fam.stored.len(), fam.stored[0].len(), fam.mem.d());
    check_memory(&job.methods, &job.sampling, l, d, 0)?;
    // Every --evaluate file is read and checked before any method runs.
    let evaluated = read_evaluate_files(job, aln, fam)?;
    // Methods and --evaluate files are independent: run them in parallel, each on its own stream.
    progress.line(&format!(
        "generating {} methods × {} samples (K={k}, L={l}, d={d})",
        job.methods.len(),
        job.sampling.samples
    ));
    let ids: Vec<String> = job.methods.iter().map(|m| m.id().to_string()).collect();
    let stage = progress.stage("methods", &ids);
    let drawn: Vec<Result<Generated>> =
        job.methods.par_iter().map(|&m| stage.run(m.id(), || generate::generate(m, fam))).collect();
    drop(stage);
    // A method that cannot model this family (an input error: e.g. d = 1 after PCA) leaves the
    // table with its error as a warning, and the other rows run; a run with no row left fails.
    let (mut generated, mut failed, mut first_error) = (Vec::new(), Vec::new(), None);
    for (m, r) in job.methods.iter().zip(drawn) {
        match r {
            Ok(g) => generated.push(g),
            Err(e) if crate::error::exit_code(&e) == 2 => {
                failed.push(format!("{}: not run on this family: {}", m.id(), crate::error::message(&e)));
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    if let (true, Some(e)) = (generated.is_empty(), first_error) {
        return Err(e);
    }
    let removed: Vec<(String, usize)> = match job.sampling.max_identity {
        None => Vec::new(),
        Some(_) => generated
            .iter()
            .filter(|g| g.id != ProteinMethod::Natural.id())
            .map(|g| (g.id.clone(), g.removed))
            .collect(),
    };
    // A row the filter emptied has nothing to score: it leaves the table, with a warning.
    let emptied: Vec<String> = generated.iter().filter(|g| g.seqs.is_empty()).map(|g| g.id.clone()).collect();
    generated.retain(|g| !g.seqs.is_empty());
    if conditioned {
        generated.insert(0, generate::condition_reference(fam));
    }
    for ((p, id), (seqs, secs)) in job.evaluate.iter().zip(generate::evaluate_ids(&job.evaluate)).zip(evaluated) {
        generated.push(generate::from_sequences(p, id, fam, seqs, secs));
    }
    Ok(Rows { generated, removed, emptied, failed })
}

/// Runs the job on one alignment record; with `keep_files` the run keeps HMMER's files for `--out`.
pub fn run_record(
    job: &ProteinJob,
    aln: &prot::Alignment,
    keep_files: bool,
    progress: &Progress,
) -> Result<ProteinRun> {
    let (fam, facts, held_out) = family_model_fold(job, aln, 0)?;
    let (k, l) = (fam.stored.len(), fam.stored[0].len());

    let Rows { generated, removed, emptied, failed } =
        generate_rows(job, aln, &fam, facts.condition.is_some(), progress)?;
    let ids: Vec<String> = generated.iter().map(|g| g.id.clone()).collect();
    let stage = progress.stage("metrics", &ids);
    let mut rows: Vec<MethodResult> =
        generated.par_iter().map(|g| stage.run(&g.id, || evaluate::evaluate(g, &fam))).collect::<Result<_>>()?;
    drop(stage);
    let holdout = match held_out {
        None => None,
        Some(held) => Some(held_out_scores(job, aln, &fam, held, &generated, &mut rows, progress)?),
    };

    // With --holdout the profile HMM hmmbuild makes sees the training members only (fold 1's,
    // in the seed's columns), never the held-out ones.
    let hmm_seed = match job.holdout {
        None => std::borrow::Cow::Borrowed(aln),
        Some(_) => std::borrow::Cow::Owned(hmmer::member_rows(aln, &fam.clean)),
    };
    let hmmer = hmmer::run_hmmer(job, &hmm_seed, &generated, &mut rows, keep_files, progress)?;
    let mut warnings = warnings::warnings(k, l, &generated, &rows);
    if let (Some(_), Some(hmm)) = (job.holdout, &job.hmm) {
        warnings.push(format!(
            "--holdout with --hmm {}: the given profile HMM may have been built from the held-out members; without --hmm, hmmbuild builds one from the training members only",
            hmm.display()
        ));
    }
    if let Some(x) = job.sampling.max_identity {
        let want = job.sampling.samples;
        let short: Vec<String> = generated
            .iter()
            .filter(|g| g.id != ProteinMethod::Natural.id() && !g.id.starts_with("file:") && g.seqs.len() < want)
            .map(|g| format!("{} {} of {} drawn", g.id, g.seqs.len(), g.seqs.len() + g.removed))
            .collect();
        if !short.is_empty() {
            warnings.push(format!(
                "--max-identity {x}: fewer than the {want} sequences asked passed after drawing up to {} × {want} \
                 (passed of drawn: {}); a higher --max-identity keeps more",
                generate::MAX_DRAW_FACTOR,
                short.join(", ")
            ));
        }
    }
    if let (Some(x), false) = (job.sampling.max_identity, emptied.is_empty()) {
        warnings
            .push(format!("--max-identity {x} removed every sample of {}: left out of the table", emptied.join(", ")));
    }
    warnings.extend(failed);
    for w in &warnings {
        progress.warn(&format!("{}: {w}", family_label(aln)));
    }

    let parameters = parameters(job, &fam, &facts, removed);
    let FamilyFacts { entropy, condition, .. } = facts;
    let results = ProteinResults {
        domain: "protein",
        condition,
        input: InputInfo {
            path: job.stockholm.display().to_string(),
            family_id: aln.id.clone(),
            accession: aln.accession.clone(),
        },
        parameters,
        conventions: conventions(job.sampling.samples, job.reweight, warnings::convergence_convention()),
        hmmer,
        holdout,
        methods: rows,
        warnings,
    };
    Ok(ProteinRun {
        results,
        input_rows: fam.clean.n_input_rows,
        input_cols: fam.clean.n_input_cols,
        entropy,
        natural: fam.stored,
        generated: generated
            .into_iter()
            .map(|g| GeneratedSet {
                beta: generate::row_beta(&g.id, &fam.ops),
                id: g.id,
                seqs: g.seqs,
                names: g.names,
                scores: g.scores,
            })
            .collect(),
        natural_names: fam.stored_names,
        seed: aln.clone(),
        clean: fam.clean,
    })
}

/// The `--evaluate` files' names and sequences on the cleaned columns, with the seconds each took.
fn read_evaluate_files(
    job: &ProteinJob,
    aln: &prot::Alignment,
    fam: &FamilyModel,
) -> Result<Vec<(generate::Evaluated, f64)>> {
    job.evaluate
        .iter()
        .map(|p| -> Result<_> {
            let t0 = std::time::Instant::now();
            let align = |records: &[prot::FastaRecord]| hmmer::align_to_family(job, aln, &fam.clean, p, records);
            Ok((generate::read_evaluate(p, fam, &align)?, t0.elapsed().as_secs_f64()))
        })
        .collect()
}

/// `--holdout`: every row of fold 0 (the table's) and of the other folds (generated again)
/// scored against the held-out members; each row's summary goes into its result.
fn held_out_scores(
    job: &ProteinJob,
    aln: &prot::Alignment,
    fam: &FamilyModel,
    held: Vec<Vec<u8>>,
    generated: &[Generated],
    rows: &mut [MethodResult],
    progress: &Progress,
) -> Result<holdout::HoldoutInfo> {
    let h = job.holdout.expect("--holdout");
    progress.line(&format!("held-out evaluation: {} fold(s) of {} members", h.folds, held.len()));
    let (n_held, n_train) = (held.len(), fam.stored.len());
    let all: Vec<&Generated> = generated.iter().collect();
    let first = holdout::score_fold(0, held, &fam.stored, &all, fam.sampling.seed);
    let folds = holdout::all_folds(job, aln, first)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let (per_row, null) = holdout::summarize(&ids, &folds);
    for (row, s) in rows.iter_mut().zip(per_row) {
        row.held_out = s;
    }
    let auc = holdout::auc_settings();
    Ok(holdout::HoldoutInfo {
        fraction: h.fraction,
        folds: h.folds,
        held_out_per_fold: n_held,
        train_per_fold: n_train,
        split: format!(
            "floor({} × K) members per fold, {} disjoint folds, from stream \"{}\" of seed {} (not --seed: every seed holds out the same members); the memory, β* and every table column use the training members of fold 1; the other folds generate again",
            h.fraction,
            h.folds,
            holdout::HOLDOUT_STREAM,
            holdout::HOLDOUT_SEED
        ),
        // The folds two_sample_auc uses: no more than the sequences of a class.
        classifier: format!(
            "held-out members vs the row's samples: L2 logistic regression (C = {}) on 21-state one-hot columns, {} stratified folds, equal class sizes (the larger subsampled), {} draws; AUC mean over folds and draws (0.5: indistinguishable; with few held-out members the null row is the baseline)",
            auc.c,
            auc.folds.min(n_held),
            auc.draws
        ),
        null,
    })
}

/// The parameters results.json reports: the family's shape and temperatures, and the options.
fn parameters(job: &ProteinJob, fam: &FamilyModel, facts: &FamilyFacts, removed: Vec<(String, usize)>) -> Parameters {
    let (ops, cleaned_k) = (fam.ops, facts.cleaned_k);
    let (k, l, d) = (fam.stored.len(), fam.stored[0].len(), fam.mem.d());
    Parameters {
        K: k,
        L: l,
        d,
        variance_retained: fam.enc.variance_retained,
        beta_star: ops.beta_star,
        beta_star_rule: BETA_STAR_RULE,
        beta_star_refined: facts.beta_star_refined,
        beta_star_refined_rule: BETA_STAR_REFINED_RULE,
        beta_retrieval: ops.beta_ret,
        beta_generation: ops.beta_gen,
        beta_retrieval_rule: if job.beta_ret.is_some() { "--beta-ret" } else { "round(20β*)" },
        beta_generation_rule: if job.beta_gen.is_some() { "--beta-gen" } else { "round(2β*)" },
        samples: job.sampling.samples,
        snr_retrieval: snr(job.sampling.alpha, ops.beta_ret, d),
        snr_generation: snr(job.sampling.alpha, ops.beta_gen, d),
        alpha: job.sampling.alpha,
        precision: job.sampling.precision,
        seed: job.sampling.seed,
        max_sequences: cleaned_k.and(job.max_sequences),
        cleaned_sequences: cleaned_k,
        max_identity: job.sampling.max_identity,
        removed_over_max_identity: removed.into_iter().collect(),
        nn_identity_band: fam.nn_band.map(|b| b.min_max),
        nn_identity_band_5_95: fam.nn_band.map(|b| b.central_90),
        pairwise_identity: facts.pairwise_identity,
        decode: fam.sampling.decode.to_string(),
        decode_calibration: fam.calibration.clone(),
        reweight: job.reweight,
        m_eff: facts.m_eff,
    }
}
