//! `satool protein`: a Pfam seed alignment → novel family sequences, compared with baselines
//! (SPEC §2).

use crate::baselines::{gmm, simple, vae};
use crate::input_err;
use crate::output::{atomic::Staging, finite, finite_opt, table};
use crate::progress::{Progress, StageItem};
use crate::report::protein::{GeneratedSet, ProteinReportInput};
use crate::report::ReportTarget;
use anyhow::{Context, Result};
use ndarray::Array2;
use rayon::prelude::*;
use satool::{
    entropy_inflection, estimate, exact_samples, mean_entropy, memory_metrics, run_chains, snr, stream, Estimate,
    Kernel, Memory, OperatingPoints, Params, Precision, Protocol, BETA_STAR_RULE, PUBLISHED_FIVE,
};
use satool_protein as prot;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Method ids in table order.
pub const METHODS: [&str; 12] = [
    "bootstrap",
    "gaussian",
    "convex",
    "gmm_pca",
    "vae",
    "profile",
    "exact_ret",
    "exact_gen",
    "mala_ret",
    "sa_ret",
    "mala_gen",
    "sa_gen",
];

/// Samples per method (30 chains × 5).
pub const N_SAMPLES: usize = 150;

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

#[derive(Debug, Clone)]
pub struct ProteinJob {
    pub stockholm: PathBuf,
    pub family: Option<String>,
    pub hmm: Option<PathBuf>,
    pub hmmer: HmmerMode,
    pub out: Option<PathBuf>,
    pub force: bool,
    pub seed: u64,
    pub alpha: f64,
    pub precision: Precision,
    pub extended: bool,
    pub condition: Option<NameCondition>,
    pub evaluate: Vec<PathBuf>,
    pub methods: Vec<String>,
    /// `--report DIR`: Markdown report with SVG figures.
    pub report: Option<PathBuf>,
}

/// Conditional generation on a subfamily: the memory keeps only the matching sequences (the
/// paper's −∞ logit bias outside the subset); metrics are computed against the subset and,
/// under `vs_family`, against the whole family.
#[derive(Debug, Clone)]
pub enum NameCondition {
    /// Sequence names matching a regular expression.
    Regex(String),
    /// Exact sequence names (e.g. read from --condition-file).
    Names(Vec<String>),
}

impl NameCondition {
    fn describe(&self) -> String {
        match self {
            NameCondition::Regex(r) => format!("sequences whose name matches /{r}/"),
            NameCondition::Names(n) => format!("{} listed sequence names", n.len()),
        }
    }

    fn select(&self, names: &[String]) -> Result<Vec<usize>> {
        Ok(match self {
            NameCondition::Regex(r) => {
                let re = regex::Regex::new(r)
                    .map_err(|e| input_err!("--condition-names: invalid regular expression: {e}"))?;
                (0..names.len()).filter(|&i| re.is_match(&names[i])).collect()
            }
            NameCondition::Names(list) => {
                // A listed name matches with or without its /start-end suffix.
                let bare = |n: &str| n.split('/').next().unwrap_or(n).to_string();
                (0..names.len())
                    .filter(|&i| list.iter().any(|l| *l == names[i] || bare(l) == bare(&names[i])))
                    .collect()
            }
        })
    }
}

/// The conventions every number of the table depends on, printed and stored with the results.
pub const CONVENTIONS: [&str; 7] = [
    "samples: 150 per method; chains: 30 × 5000 steps, burn-in 2000, thin 100, kept t = 2000, 2700, 3500, 4200, 4900",
    "± is the SE over 30 consecutive groups of 5 samples (one group per chain)",
    "energy E(ξ) = ½‖ξ‖² − logsumexp(β Xᵀξ)/β at β_ret for every method",
    "decoding x = Pξ + μ without rescaling, argmax per position ('-' if the block max < 1e-10)",
    "SeqID skips positions where either residue is a gap (any of . - ~); the published code skipped only '-'",
    "KL and Pos-KL: KL(natural ‖ generated), natural log, ε = 1e-10; MI r: 20 positions round(linspace(1, L, 20)), no APC",
    "HMMER: hmmsearch --tblout -E 1000 --noali; pass = full-sequence E < 0.01; E-values depend on the number of sequences searched",
];

#[derive(Debug, Serialize)]
pub struct ProteinResults {
    pub domain: &'static str,
    pub input: InputInfo,
    /// Present for conditional runs.
    pub condition: Option<ConditionInfo>,
    pub parameters: Parameters,
    pub conventions: Vec<&'static str>,
    pub hmmer: HmmerInfo,
    pub methods: Vec<MethodResult>,
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
    pub beta_retrieval: f64,
    pub beta_generation: f64,
    pub snr_retrieval: f64,
    pub snr_generation: f64,
    pub alpha: f64,
    pub precision: Precision,
    pub seed: u64,
    /// The natural family's nearest-neighbour identity range (each member's best match to another).
    pub nn_identity_band: Option<[f64; 2]>,
}

#[derive(Debug, Serialize)]
pub struct HmmerInfo {
    /// "ran", "not run: …".
    pub status: String,
    pub hmm: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MethodResult {
    pub id: String,
    pub label: String,
    pub n: usize,
    pub novelty: Estimate,
    pub diversity: Estimate,
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
    pub mi_r_all: Option<f64>,
    pub mi_r_apc: Option<f64>,
    pub cij_r: Option<f64>,
    pub mean_pairwise_identity: Option<f64>,
    pub frac_over_90: f64,
    /// Conditional runs only: metrics against the whole family.
    pub vs_family: Option<VsFamily>,
    pub seconds: f64,
}

/// One method's output before evaluation.
struct Generated {
    id: String,
    label: String,
    /// Memory-space samples (d × n).
    latent: Array2<f64>,
    /// Aligned sequences (length L).
    seqs: Vec<Vec<u8>>,
    acceptance: Option<f64>,
    seconds: f64,
}

/// Everything the methods need about the family.
struct Family {
    clean: prot::CleanAlignment,
    enc: prot::Encoding,
    mem: Memory,
    beta_ret: f64,
    beta_gen: f64,
    alpha: f64,
    seed: u64,
    precision: Precision,
    /// The sequences generated sets are scored against: the family, or the conditioned subset.
    stored: Vec<Vec<u8>>,
    /// The whole family when `stored` is a conditioned subset.
    whole: Option<Vec<Vec<u8>>>,
    /// Pair statistics of `stored`, computed once for the extended metrics.
    couplings: prot::extended::Couplings,
}

fn label(id: &str, f: &Family) -> String {
    let (r, g) = (f.beta_ret, f.beta_gen);
    match id {
        "bootstrap" => "Bootstrap".into(),
        "gaussian" => "Gaussian perturbation".into(),
        "convex" => "Random convex comb.".into(),
        "gmm_pca" => "GMM-PCA".into(),
        "vae" => "VAE (latent 8)".into(),
        "profile" => "Profile (independent sites)".into(),
        "exact_ret" => format!("Exact mixture β={r}"),
        "exact_gen" => format!("Exact mixture β={g}"),
        "mala_ret" => format!("MALA β={r}"),
        "sa_ret" => format!("SA β={r} (retrieval)"),
        "mala_gen" => format!("MALA β={g}"),
        "sa_gen" => format!("SA β={g} (generation)"),
        _ => id.into(),
    }
}

/// Generates one method's samples from its own random stream.
fn generate(id: &str, f: &Family) -> Result<Generated> {
    let t0 = Instant::now();
    let mut rng = stream(f.seed, id);
    let (mem, n) = (&f.mem, N_SAMPLES);
    let chains = |beta: f64, kernel: Kernel| -> Result<_> {
        let run = run_chains(
            mem,
            Params::new(f.alpha, beta)?,
            kernel,
            &Protocol::default().with_precision(f.precision),
            f.seed,
            id,
        );
        Ok((run.select(&PUBLISHED_FIVE), run.acceptance))
    };
    let (latent, seqs, acceptance) = match id {
        "profile" => {
            let seqs = simple::independent_columns(&f.stored, n, &mut rng);
            (f.enc.project(&seqs), Some(seqs), None)
        }
        _ => {
            let (latent, acc) = match id {
                "bootstrap" => (simple::bootstrap(mem, n, &mut rng).0, None),
                "gaussian" => {
                    let sigma = Params::new(f.alpha, f.beta_ret)?.sigma();
                    (simple::gaussian_perturbation(mem, n, sigma, &mut rng), None)
                }
                "convex" => (simple::convex_combination(mem, n, &mut rng), None),
                "gmm_pca" => (gmm::gmm_pca_sample(mem.x(), n, &gmm::GmmPcaConfig::default(), &mut rng)?.samples, None),
                "vae" => (vae::vae_sample(mem.x(), n, &vae::VaeConfig::default(), &mut rng)?.samples, None),
                "exact_ret" => (exact_samples(mem, f.beta_ret, n, &mut rng)?.0, None),
                "exact_gen" => (exact_samples(mem, f.beta_gen, n, &mut rng)?.0, None),
                "mala_ret" => chains(f.beta_ret, Kernel::Mala)?,
                "sa_ret" => chains(f.beta_ret, Kernel::Ula)?,
                "mala_gen" => chains(f.beta_gen, Kernel::Mala)?,
                "sa_gen" => chains(f.beta_gen, Kernel::Ula)?,
                other => return Err(input_err!("unknown method '{other}' (known: {})", METHODS.join(", "))),
            };
            (latent, None, acc)
        }
    };
    let seqs = seqs.unwrap_or_else(|| f.enc.decode(latent.view()));
    Ok(Generated { id: id.into(), label: label(id, f), latent, seqs, acceptance, seconds: t0.elapsed().as_secs_f64() })
}

/// Sequences from a FASTA file aligned to the cleaned columns, scored as an extra row.
fn from_file(path: &Path, f: &Family) -> Result<Generated> {
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

fn evaluate(g: &Generated, f: &Family) -> Result<MethodResult> {
    let t0 = Instant::now();
    let stored = &f.stored;
    let couplings = prot::extended::Couplings::of(&g.seqs).compare(&f.couplings);
    let mm = memory_metrics(&f.mem, g.latent.view(), f.beta_ret);
    let sid = estimate(&prot::seq_identity(&g.seqs, stored));
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
        diversity: check("diversity", &mm.diversity)?,
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
        mi_r_all: finite_opt(&format!("MI r (all pairs) of {id}"), couplings.0)?,
        mi_r_apc: finite_opt(&format!("MI r (APC) of {id}"), couplings.1)?,
        cij_r: finite_opt(&format!("C_ij r of {id}"), couplings.2)?,
        mean_pairwise_identity: finite_opt(
            &format!("pairwise identity of {id}"),
            prot::extended::mean_pairwise_identity(&g.seqs),
        )?,
        frac_over_90: prot::extended::fraction_over(&g.seqs, stored, 0.9),
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
        seconds: g.seconds + t0.elapsed().as_secs_f64(),
    })
}

fn fasta_records(g: &Generated) -> Vec<(String, Vec<u8>)> {
    let prefix = g.id.replace(':', "_");
    g.seqs.iter().enumerate().map(|(i, s)| (format!("{prefix}_{}", i + 1), s.clone())).collect()
}

/// Selects the record to model: the only one, or the one named by `--family` (ID or accession).
fn select_family(mut records: Vec<prot::Alignment>, path: &Path, family: Option<&str>) -> Result<prot::Alignment> {
    let names = |r: &[prot::Alignment]| -> String {
        r.iter()
            .map(|a| format!("{} ({})", a.id.as_deref().unwrap_or("?"), a.accession.as_deref().unwrap_or("no AC")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match family {
        Some(want) => {
            let matches = |a: &prot::Alignment| {
                a.id.as_deref() == Some(want)
                    || a.accession.as_deref().is_some_and(|ac| ac == want || ac.split('.').next() == Some(want))
            };
            let i = records.iter().position(matches).ok_or_else(|| {
                input_err!("{}: no record with ID or AC '{want}' (records: {})", path.display(), names(&records))
            })?;
            Ok(records.swap_remove(i))
        }
        None if records.len() == 1 => Ok(records.pop().unwrap()),
        None => Err(input_err!(
            "{}: holds {} alignments; choose one with --family ID_OR_AC (records: {})",
            path.display(),
            records.len(),
            names(&records)
        )),
    }
}

/// The run's result plus the files it writes.
pub struct ProteinOutput {
    pub results: ProteinResults,
    pub table: String,
    pub header: String,
}

/// Runs the whole protein job. `progress` receives one-line progress messages (stderr).
pub fn run(job: &ProteinJob, command_line: &str, progress: &Progress) -> Result<ProteinOutput> {
    let staging = job.out.as_ref().map(|o| Staging::new(o, job.force)).transpose().map_err(|e| input_err!("{e:#}"))?;
    let report = ReportTarget::prepare(job.report.as_deref(), job.out.as_deref(), job.force)?;
    let records = prot::read_stockholm(&job.stockholm)?;
    let aln = select_family(records, &job.stockholm, job.family.as_deref())?;
    run_record(job, &aln, staging, report, command_line, progress)
}

/// Runs the job on one alignment record, writing into `staging` when given.
pub(crate) fn run_record(
    job: &ProteinJob,
    aln: &prot::Alignment,
    mut staging: Option<Staging>,
    report: Option<ReportTarget>,
    command_line: &str,
    progress: &Progress,
) -> Result<ProteinOutput> {
    let clean = prot::clean(aln)?;
    let enc = prot::encode(&clean, 0.95).map_err(|e| input_err!("{}: {e}", aln.source))?;
    let mem = Memory::new(enc.memory.clone()).context("memory matrix")?;
    let curve = entropy_inflection(&mem);
    let beta_star = curve.beta_star;
    let OperatingPoints { beta_ret, beta_gen, .. } = OperatingPoints::from_beta_star(beta_star);
    // A condition keeps the family's encoding and temperatures but only the matching memories.
    // The report's entropy figure describes the whole family, before any condition.
    let report_entropy =
        job.report.as_ref().map(|_| (mem.k(), (mean_entropy(&mem, beta_gen), mean_entropy(&mem, beta_ret))));
    let (mem, stored, whole, condition) = match &job.condition {
        None => (mem, clean.seqs.clone(), None, None),
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
            (mem.subset(&idx)?, subset, Some(clean.seqs.clone()), Some(info))
        }
    };
    let fam = Family {
        clean,
        enc,
        mem,
        beta_ret,
        beta_gen,
        alpha: job.alpha,
        seed: job.seed,
        precision: job.precision,
        couplings: prot::extended::Couplings::of(&stored),
        stored,
        whole,
    };
    let (k, l, d) = (fam.stored.len(), fam.stored[0].len(), fam.mem.d());

    // Methods and --evaluate files are independent: run them in parallel, each on its own stream.
    for m in &job.methods {
        if !METHODS.contains(&m.as_str()) {
            return Err(input_err!("--methods: unknown method '{m}' (known: {})", METHODS.join(", ")));
        }
    }
    progress.line(&format!("generating {} methods × {N_SAMPLES} samples (K={k}, L={l}, d={d})", job.methods.len()));
    let stage = progress.stage("methods", &job.methods);
    let mut generated: Vec<Generated> =
        job.methods.par_iter().map(|m| stage.run(m, || generate(m, &fam))).collect::<Result<_>>()?;
    drop(stage);
    if condition.is_some() {
        // The conditioned sequences themselves, as the reference row.
        generated.insert(
            0,
            Generated {
                id: "condition".into(),
                label: "Conditioned sequences (reference)".into(),
                latent: fam.enc.project(&fam.stored),
                seqs: fam.stored.clone(),
                acceptance: None,
                seconds: 0.0,
            },
        );
    }
    for p in &job.evaluate {
        generated.push(from_file(p, &fam)?);
    }
    let ids: Vec<String> = generated.iter().map(|g| g.id.clone()).collect();
    let stage = progress.stage("metrics", &ids);
    let mut results: Vec<MethodResult> =
        generated.par_iter().map(|g| stage.run(&g.id, || evaluate(g, &fam))).collect::<Result<_>>()?;
    drop(stage);

    let hmmer = run_hmmer(job, aln, &generated, &mut results, staging.as_mut(), progress)?;

    let parameters = Parameters {
        K: k,
        L: l,
        d,
        variance_retained: fam.enc.variance_retained,
        beta_star,
        beta_star_rule: BETA_STAR_RULE,
        beta_retrieval: beta_ret,
        beta_generation: beta_gen,
        snr_retrieval: snr(job.alpha, beta_ret, d),
        snr_generation: snr(job.alpha, beta_gen, d),
        alpha: job.alpha,
        precision: job.precision,
        seed: job.seed,
        nn_identity_band: prot::extended::nn_identity_band(&fam.clean.seqs),
    };
    let results = ProteinResults {
        domain: "protein",
        condition,
        input: InputInfo {
            path: job.stockholm.display().to_string(),
            family_id: aln.id.clone(),
            accession: aln.accession.clone(),
        },
        parameters,
        conventions: CONVENTIONS.to_vec(),
        hmmer,
        methods: results,
    };
    let header = header(&results, &fam);
    let mut table = render_table(&results, true).to_string();
    if job.extended {
        table = format!(
            "{table}\n\nextended metrics (natural nearest-neighbour identity band {}):\n{}",
            band(&results),
            render_extended(&results)
        );
    }
    if let (Some(target), Some((family_k, entropy_gen_ret))) = (report, report_entropy) {
        progress.line("drawing the report figures");
        let input = ProteinReportInput {
            results: &results,
            command: crate::report::invoked_command(),
            header: &header,
            table_markdown: crate::report::markdown_table(render_table(&results, false)),
            curve: &curve,
            family_k,
            entropy_gen_ret,
            natural: &fam.stored,
            generated: generated.iter().map(|g| GeneratedSet { id: &g.id, seqs: &g.seqs }).collect(),
        };
        target.write(&crate::report::protein::build(&input)?, staging.as_mut())?;
    }
    if let Some(mut st) = staging {
        st.write("results.json", crate::output::to_json(&results)?.as_bytes())?;
        for g in &generated {
            let stem = g.id.replace(':', "_");
            let recs = fasta_records(g);
            prot::write_fasta(&st.path(&format!("{stem}.aligned.fasta")), &recs, false)?;
            prot::write_fasta(&st.path(&format!("{stem}.fasta")), &recs, true)?;
        }
        st.write("command.txt", format!("{command_line}\n").as_bytes())?;
        st.commit()?;
    }
    Ok(ProteinOutput { results, table, header })
}

/// Runs hmmsearch per method when HMMER is available (or required) and fills the HMM columns.
fn run_hmmer(
    job: &ProteinJob,
    aln: &prot::Alignment,
    generated: &[Generated],
    results: &mut [MethodResult],
    staging: Option<&mut Staging>,
    progress: &Progress,
) -> Result<HmmerInfo> {
    const INSTALL: &str = "install HMMER (Debian/Ubuntu: apt-get install hmmer; conda: conda install -c bioconda hmmer; macOS: brew install hmmer)";
    if job.hmmer == HmmerMode::Off {
        return Ok(HmmerInfo { status: "not run (--hmmer off)".into(), hmm: None });
    }
    let missing = |tool: &str| -> Result<HmmerInfo> {
        let msg = format!("{tool} not found on PATH; {INSTALL}");
        if job.hmmer == HmmerMode::Require {
            return Err(input_err!("--hmmer require: {msg}"));
        }
        eprintln!("warning: HMMER columns not run: {msg}");
        Ok(HmmerInfo { status: format!("not run ({tool} not found)"), hmm: None })
    };
    let Some(hmmsearch) = prot::hmmer::find("hmmsearch") else { return missing("hmmsearch") };
    // Work in the staging directory when there is one, else in a temporary directory.
    let mut work = match staging {
        Some(s) => Work::Out(s),
        None => Work::Tmp(tempfile::tempdir()?),
    };
    let hmm = match &job.hmm {
        Some(h) => h.clone(),
        None => {
            let Some(hmmbuild) = prot::hmmer::find("hmmbuild") else { return missing("hmmbuild") };
            let sto = work.path("family.sto");
            prot::write_stockholm(aln, &sto)?;
            let out = work.path("family.hmm");
            progress.line("building a profile HMM from the seed with hmmbuild");
            if let Err(e) = prot::hmmer::hmmbuild(&hmmbuild, &sto, &out) {
                return hmmer_failed(job, e.into());
            }
            out
        }
    };
    let jobs: Vec<(usize, PathBuf, PathBuf)> = generated
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let stem = g.id.replace(':', "_");
            (i, work.path(&format!("{stem}.fasta")), work.path(&format!("{stem}.hmmsearch.tbl")))
        })
        .collect();
    let ids: Vec<String> = generated.iter().map(|g| g.id.clone()).collect();
    let stage = progress.stage("hmmsearch", &ids);
    let summaries: Vec<Result<prot::hmmer::HmmSummary>> = jobs
        .par_iter()
        .map(|(i, fasta, tbl)| -> Result<_> {
            let _item = StageItem::new(&stage, &generated[*i].id);
            let recs = fasta_records(&generated[*i]);
            prot::write_fasta(fasta, &recs, true)?;
            let hits = prot::hmmer::hmmsearch(&hmmsearch, &hmm, fasta, tbl)?;
            let names: Vec<String> = recs.into_iter().map(|(n, _)| n).collect();
            Ok(prot::hmmer::summarize(&hits, &names))
        })
        .collect();
    for (r, s) in results.iter_mut().zip(summaries) {
        match s {
            Ok(s) => {
                r.hmm_pass = Some(s.pass_fraction);
                r.hmm_median_evalue = s.median_evalue;
                r.hmm_median_bitscore = s.median_bitscore;
            }
            Err(e) => return hmmer_failed(job, e),
        }
    }
    Ok(HmmerInfo { status: "ran".into(), hmm: Some(hmm.display().to_string()) })
}

/// Where HMMER's inputs and outputs go: the run's staged output, or a temporary directory.
enum Work<'a> {
    Out(&'a mut Staging),
    Tmp(tempfile::TempDir),
}

impl Work<'_> {
    fn path(&mut self, name: &str) -> PathBuf {
        match self {
            Work::Out(s) => s.path(name),
            Work::Tmp(t) => t.path().join(name),
        }
    }
}

fn hmmer_failed(job: &ProteinJob, e: anyhow::Error) -> Result<HmmerInfo> {
    if job.hmmer == HmmerMode::Require {
        return Err(e.context("--hmmer require: HMMER failed"));
    }
    eprintln!("warning: HMMER columns not run: {e:#}");
    Ok(HmmerInfo { status: format!("not run (failed: {e})"), hmm: None })
}

fn header(r: &ProteinResults, f: &Family) -> String {
    let p = &r.parameters;
    let mut h = String::new();
    let fam = match (&r.input.family_id, &r.input.accession) {
        (Some(id), Some(ac)) => format!("{id} ({ac})"),
        (Some(id), None) => id.clone(),
        (None, Some(ac)) => ac.clone(),
        (None, None) => "unnamed".into(),
    };
    h += &format!("satool protein — {}  family {fam}\n", r.input.path);
    h += &format!(
        "K = {} sequences, L = {} columns (from {} × {}), d = {} PCA components ({:.2}% variance)\n",
        p.K,
        p.L,
        f.clean.n_input_rows,
        f.clean.n_input_cols,
        p.d,
        100.0 * p.variance_retained
    );
    h += &format!(
        "β* = {:.4} [{}]\nβ_ret = round(20β*) = {}, β_gen = round(2β*) = {}, α = {}, SNR = {:.4} / {:.4}, √d = {:.2}, seed = {}\n",
        p.beta_star,
        p.beta_star_rule,
        p.beta_retrieval,
        p.beta_generation,
        p.alpha,
        p.snr_retrieval,
        p.snr_generation,
        (p.d as f64).sqrt(),
        p.seed
    );
    if let Some(c) = &r.condition {
        h += &format!(
            "condition: {} — {} of {} sequences; rows are scored against them (against the whole family under `vs_family` in results.json)\n",
            c.description,
            c.sequences.len(),
            f.clean.seqs.len()
        );
    }
    h += &format!("HMMER: {}\n", r.hmmer.status);
    h += "conventions:\n";
    for c in &r.conventions {
        h += &format!("  - {c}\n");
    }
    h
}

/// The comparison table; `timing` adds the seconds column (left out where output must be reproducible).
fn render_table(r: &ProteinResults, timing: bool) -> comfy_table::Table {
    let hmm_ran = r.hmmer.status == "ran";
    let rows = r
        .methods
        .iter()
        .map(|m| {
            let hmm = |v: String| if hmm_ran { v } else { "not run".to_string() };
            vec![
                m.id.clone(),
                m.label.clone(),
                table::est(&m.novelty, 3),
                table::est(&m.diversity, 3),
                table::est(&m.energy, 3),
                table::est(&Estimate { mean: m.seq_identity, se: m.seq_identity_se }, 3),
                format!("{:.3}", m.kl_composition),
                format!("{:.2}", m.kl_position),
                table::opt(m.mi_r, 3),
                format!("{:.3}", m.valid_fraction),
                hmm(table::pct(m.hmm_pass)),
                hmm(table::sci(m.hmm_median_evalue)),
                table::pct(m.acceptance),
                format!("{:.2}", m.seconds),
            ]
        })
        .collect();
    table::timed_table(
        &[
            "id",
            "method",
            "novelty",
            "diversity",
            "energy",
            "SeqID",
            "KL",
            "Pos-KL",
            "MI r",
            "valid",
            "HMM pass",
            "median E",
            "accept",
            "s",
        ],
        rows,
        timing,
    )
}

fn band(r: &ProteinResults) -> String {
    r.parameters.nn_identity_band.map_or_else(|| "—".into(), |[lo, hi]| format!("[{lo:.3}, {hi:.3}]"))
}

/// The second table of `--extended`: the coevolution community's checks.
fn render_extended(r: &ProteinResults) -> comfy_table::Table {
    let rows = r
        .methods
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                m.label.clone(),
                table::opt(m.mi_r, 3),
                table::opt(m.mi_r_all, 3),
                table::opt(m.mi_r_apc, 3),
                table::opt(m.cij_r, 3),
                table::opt(m.mean_pairwise_identity, 3),
                table::pct(Some(m.frac_over_90)),
                table::opt(m.hmm_median_bitscore, 1),
            ]
        })
        .collect();
    table::table(
        &[
            "id",
            "method",
            "MI r (20 pos)",
            "MI r (all)",
            "MI r (APC)",
            "C_ij r",
            "pairwise id",
            "> 90% id",
            "median bits",
        ],
        rows,
    )
}
