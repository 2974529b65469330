//! The HMM columns: hmmsearch of every row's sequences against the family's profile HMM (given
//! with `--hmm`, or built from the seed with hmmbuild), when HMMER is installed or required.

use super::generate::Generated;
use super::results::{HmmerInfo, MethodResult};
use super::{HmmerMode, ProteinJob};
use crate::input_err;
use crate::progress::{Progress, StageItem};
use anyhow::Result;
use rayon::prelude::*;
use satool_protein as prot;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default time limit of one hmmbuild or hmmsearch run: this many seconds …
pub const TIMEOUT_BASE_SECONDS: f64 = 60.0;
/// … plus this many per sequence it reads (seed sequences for hmmbuild, samples for hmmsearch).
pub const TIMEOUT_PER_SEQUENCE_SECONDS: f64 = 0.1;

/// The time limit of a run over `n` sequences: `--hmmer-timeout` when given, else the default.
fn timeout(job: &ProteinJob, n: usize) -> Duration {
    let s = job.hmmer_timeout.unwrap_or(TIMEOUT_BASE_SECONDS + TIMEOUT_PER_SEQUENCE_SECONDS * n as f64);
    Duration::from_secs_f64(s)
}

fn limits(job: &ProteinJob, n: usize) -> prot::hmmer::RunLimits {
    prot::hmmer::RunLimits { timeout: Some(timeout(job, n)), stop: Some(satool::interrupt_requested) }
}

/// Runs hmmsearch per method when HMMER is available (or required) and fills the HMM columns.
/// With `keep_files`, the files HMMER read and wrote are returned with the result, for `--out`.
pub(super) fn run_hmmer(
    job: &ProteinJob,
    aln: &prot::Alignment,
    generated: &[Generated],
    results: &mut [MethodResult],
    keep_files: bool,
    progress: &Progress,
) -> Result<HmmerInfo> {
    let work = Work { dir: crate::shutdown::temp_dir()?, kept: keep_files };
    let mut info = search(job, aln, generated, results, &work, progress)?;
    if keep_files {
        info.files = Some(work.dir);
    }
    Ok(info)
}

/// [`run_hmmer`] with its files in `work`.
fn search(
    job: &ProteinJob,
    aln: &prot::Alignment,
    generated: &[Generated],
    results: &mut [MethodResult],
    work: &Work,
    progress: &Progress,
) -> Result<HmmerInfo> {
    let (hmmsearch, hmm, hmm_named) = match setup(job, aln, work, progress)? {
        Setup::Ready { hmmsearch, hmm, named } => (hmmsearch, hmm, named),
        Setup::NotRun(info) => return Ok(info),
    };
    // Every job's working files are its own: ids are unique, and a repeated stem (which would
    // make two parallel hmmsearch runs share files) still gets its own names.
    let stems = work_stems(generated);
    let jobs: Vec<(usize, PathBuf, PathBuf)> = stems
        .iter()
        .enumerate()
        .map(|(i, stem)| (i, work.path(&format!("{stem}.fasta")), work.path(&format!("{stem}.hmmsearch.tbl"))))
        .collect();
    let ids: Vec<String> = generated.iter().map(|g| g.id.clone()).collect();
    let stage = progress.stage("hmmsearch", &ids);
    let summaries: Vec<Result<(prot::hmmer::HmmSummary, prot::hmmer::HmmsearchHits)>> = jobs
        .par_iter()
        .map(|(i, fasta, tbl)| -> Result<_> {
            let _item = StageItem::new(&stage, &generated[*i].id);
            let recs = generated[*i].fasta_records();
            prot::write_fasta(fasta, &recs, true)?;
            let hits = prot::hmmer::hmmsearch(&hmmsearch, &hmm, fasta, tbl, &limits(job, recs.len()))?;
            let names: Vec<String> = recs.into_iter().map(|(n, _)| n).collect();
            Ok((prot::hmmer::summarize(&hits, &names), hits))
        })
        .collect();
    let mut all_hits = Vec::with_capacity(summaries.len());
    for (r, s) in results.iter_mut().zip(summaries) {
        match s {
            Ok((s, hits)) => {
                all_hits.push(hits);
                r.hmm_pass = Some(s.pass_fraction);
                r.hmm_median_evalue = s.median_evalue;
                r.hmm_median_bitscore = s.median_bitscore;
            }
            Err(e) => {
                // The table says "not run": no table of this run stays in the output.
                for (_, _, tbl) in &jobs {
                    let _ = std::fs::remove_file(tbl);
                }
                return hmmer_failed(job, aln, e, progress);
            }
        }
    }
    Ok(HmmerInfo { status: "ran".into(), hmm: hmm_named, hits: all_hits, files: None })
}

/// HMMER ready to search (hmmsearch and the family's profile HMM), or why it is not run.
enum Setup {
    Ready { hmmsearch: PathBuf, hmm: PathBuf, named: Option<String> },
    NotRun(HmmerInfo),
}

/// Finds hmmsearch and the profile HMM (`--hmm`, or hmmbuild of the seed into `work`), following
/// `--hmmer`: off and a missing tool in `auto` give [`Setup::NotRun`], `require` an error.
fn setup(job: &ProteinJob, aln: &prot::Alignment, work: &Work, progress: &Progress) -> Result<Setup> {
    const INSTALL: &str = "install HMMER (Debian/Ubuntu: apt-get install hmmer; conda: conda install -c bioconda hmmer; macOS: brew install hmmer)";
    if job.hmmer == HmmerMode::Off {
        return Ok(Setup::NotRun(HmmerInfo {
            status: "not run (--hmmer off)".into(),
            hmm: None,
            hits: Vec::new(),
            files: None,
        }));
    }
    let missing = |tool: &str| -> Result<Setup> {
        let msg = format!("{tool} not found on PATH; {INSTALL}");
        if job.hmmer == HmmerMode::Require {
            return Err(input_err!("--hmmer require: {msg}"));
        }
        progress.warn(&format!("{}: HMMER columns not run: {msg}", super::family_label(aln)));
        Ok(Setup::NotRun(HmmerInfo {
            status: format!("not run ({tool} not found)"),
            hmm: None,
            hits: Vec::new(),
            files: None,
        }))
    };
    let Some(hmmsearch) = prot::hmmer::find("hmmsearch") else { return missing("hmmsearch") };
    // results.json names the HMM as the user will find it: the --hmm file, `family.hmm` in the
    // output directory (a path relative to it: the staging directory is renamed away), or
    // nothing when it was built in a temporary directory that is gone after the run.
    let (hmm, named) = match &job.hmm {
        Some(h) => (h.clone(), Some(h.display().to_string())),
        None => {
            let Some(hmmbuild) = prot::hmmer::find("hmmbuild") else { return missing("hmmbuild") };
            let sto = work.path(STO_FILE);
            prot::write_stockholm(aln, &sto)?;
            let out = work.path(HMM_FILE);
            progress.line("building a profile HMM from the seed with hmmbuild");
            if let Err(e) = prot::hmmer::hmmbuild(&hmmbuild, &sto, &out, &limits(job, aln.n_rows())) {
                return hmmer_failed(job, aln, e.into(), progress).map(Setup::NotRun);
            }
            (out, work.kept.then(|| HMM_FILE.to_string()))
        }
    };
    Ok(Setup::Ready { hmmsearch, hmm, named })
}

/// hmmsearch hits of `records` (aligned or not; written ungapped) against the family's profile
/// HMM, in a temporary directory, following `--hmmer` (None when it is not run); for `--score`.
pub(super) fn hits_of(
    job: &ProteinJob,
    aln: &prot::Alignment,
    records: &[(String, Vec<u8>)],
    progress: &Progress,
) -> Result<Option<prot::hmmer::HmmsearchHits>> {
    let work = Work { dir: crate::shutdown::temp_dir()?, kept: false };
    let (hmmsearch, hmm) = match setup(job, aln, &work, progress)? {
        Setup::Ready { hmmsearch, hmm, .. } => (hmmsearch, hmm),
        Setup::NotRun(_) => return Ok(None),
    };
    let (fasta, tbl) = (work.path("score.fasta"), work.path("score.hmmsearch.tbl"));
    prot::write_fasta(&fasta, records, true)?;
    match prot::hmmer::hmmsearch(&hmmsearch, &hmm, &fasta, &tbl, &limits(job, records.len())) {
        Ok(hits) => Ok(Some(hits)),
        Err(e) => hmmer_failed(job, aln, e.into(), progress).map(|_| None),
    }
}

/// Name of the seed alignment written for hmmbuild (in `--out` when given).
pub const STO_FILE: &str = "family.sto";
/// Name of the profile HMM hmmbuild writes (in `--out` when given); results.json names it by
/// this path, relative to the output directory.
pub const HMM_FILE: &str = "family.hmm";

/// The stem of each row's hmmsearch working files: its file stem, with `.2`, `.3`, … added to a
/// stem already taken (never expected, since row ids are unique, but two parallel runs must not
/// share files).
fn work_stems(generated: &[Generated]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    generated
        .iter()
        .map(|g| {
            let stem = g.file_stem();
            let mut candidate = stem.clone();
            let mut n = 1;
            while !seen.insert(candidate.clone()) {
                n += 1;
                candidate = format!("{stem}.{n}");
            }
            candidate
        })
        .collect()
}

/// Where HMMER's inputs and outputs go: a temporary directory, whose files go to `--out` when
/// `kept` (results.json then names the HMM built there by its name in `--out`).
struct Work {
    dir: tempfile::TempDir,
    kept: bool,
}

impl Work {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn hmmer_failed(job: &ProteinJob, aln: &prot::Alignment, e: anyhow::Error, progress: &Progress) -> Result<HmmerInfo> {
    crate::shutdown::wait_if_interrupted();
    let timed_out = e.chain().find_map(|c| match c.downcast_ref::<prot::ProteinError>() {
        Some(prot::ProteinError::ToolTimedOut { tool, seconds }) => Some((tool.clone(), *seconds)),
        _ => None,
    });
    if let Some((tool, seconds)) = timed_out {
        let tool = std::path::Path::new(&tool).file_name().map_or(tool.clone(), |n| n.to_string_lossy().into_owned());
        if job.hmmer == HmmerMode::Require {
            return Err(input_err!(
                "--hmmer require: {tool} did not finish within {seconds} s and was stopped; \
                 raise the limit with --hmmer-timeout SECONDS, or skip HMMER with --hmmer off"
            ));
        }
        progress.warn(&format!(
            "{}: HMMER columns not run: {tool} did not finish within {seconds} s and was stopped (--hmmer-timeout)",
            super::family_label(aln)
        ));
        return Ok(HmmerInfo {
            status: format!("not run (timeout after {seconds} s)"),
            hmm: None,
            hits: Vec::new(),
            files: None,
        });
    }
    if job.hmmer == HmmerMode::Require {
        return Err(e.context("--hmmer require: HMMER failed"));
    }
    progress.warn(&format!("{}: HMMER columns not run: {e:#}", super::family_label(aln)));
    Ok(HmmerInfo { status: format!("not run (failed: {e})"), hmm: None, hits: Vec::new(), files: None })
}

/// The family's cleaned sequences in the seed's columns, with `#=GC RF` marking the L kept
/// columns: `hmmbuild --hand` on it gives a model whose match states are satool's columns.
pub(super) fn write_rf_stockholm(aln: &prot::Alignment, clean: &prot::CleanAlignment, path: &Path) -> Result<()> {
    prot::write_stockholm_rf(&member_rows(aln, clean), Some(&clean.kept_columns), path)?;
    Ok(())
}

/// The seed's rows of the members `clean` keeps, in every column of the seed (with `--holdout`:
/// the training members, which hmmbuild then builds the profile HMM from).
pub(super) fn member_rows(aln: &prot::Alignment, clean: &prot::CleanAlignment) -> prot::Alignment {
    prot::Alignment {
        names: clean.kept_rows.iter().map(|&i| aln.names[i].clone()).collect(),
        rows: clean.kept_rows.iter().map(|&i| aln.rows[i].clone()).collect(),
        ..aln.clone()
    }
}

/// Aligns unaligned `--evaluate` sequences (from `file`) to the family's cleaned columns:
/// hmmbuild --hand on the RF Stockholm, then hmmalign; the match states are the columns.
pub(super) fn align_to_family(
    job: &ProteinJob,
    aln: &prot::Alignment,
    clean: &prot::CleanAlignment,
    file: &Path,
    records: &[prot::FastaRecord],
) -> Result<Vec<Vec<u8>>> {
    let why = |what: &str| {
        input_err!(
            "{}: the sequences are unaligned (no gap characters, lengths other than the {} cleaned or {} seed \
             columns); aligning them needs {what}",
            satool_io::text::shown(file).display(),
            clean.len(),
            clean.n_input_cols
        )
    };
    if job.hmmer == HmmerMode::Off {
        return Err(why("HMMER's hmmalign, which --hmmer off disables"));
    }
    let (Some(hmmbuild), Some(hmmalign)) = (prot::hmmer::find("hmmbuild"), prot::hmmer::find("hmmalign")) else {
        return Err(why("HMMER's hmmbuild and hmmalign on PATH (Debian/Ubuntu: apt-get install hmmer)"));
    };
    let dir = crate::shutdown::temp_dir()?;
    let (sto, hmm, fasta, a2m) = ["rf.sto", "rf.hmm", "input.fasta", "aligned.a2m"].map(|n| dir.path().join(n)).into();
    write_rf_stockholm(aln, clean, &sto)?;
    let limits = limits(job, records.len() + clean.k());
    prot::hmmer::hmmbuild_hand(&hmmbuild, &sto, &hmm, &limits)?;
    let plain: Vec<(String, Vec<u8>)> = records.iter().map(|r| (r.name.clone(), r.seq.clone())).collect();
    prot::write_fasta(&fasta, &plain, true)?;
    prot::hmmer::hmmalign_a2m(&hmmalign, &hmm, &fasta, &a2m, &limits)?;
    let aligned = prot::read_fasta(&a2m, true)?;
    if aligned.len() != records.len() || aligned.iter().zip(records).any(|(a, r)| a.name != r.name) {
        anyhow::bail!(
            "hmmalign returned {} sequences for the {} of {}",
            aligned.len(),
            records.len(),
            satool_io::text::shown(file).display()
        );
    }
    aligned
        .iter()
        .map(|a| {
            let cols = prot::hmmer::a2m_match_columns(&a.seq);
            if cols.len() == clean.len() {
                Ok(cols)
            } else {
                anyhow::bail!("hmmalign gave '{}' {} match columns, expected {}", a.name, cols.len(), clean.len())
            }
        })
        .collect()
}
