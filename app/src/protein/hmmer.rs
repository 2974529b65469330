//! The HMM columns: hmmsearch of every row's sequences against the family's profile HMM (given
//! with `--hmm`, or built from the seed with hmmbuild), when HMMER is installed or required.

use super::generate::Generated;
use super::results::{HmmerInfo, MethodResult};
use super::{HmmerMode, ProteinJob};
use crate::input_err;
use crate::output::atomic::Staging;
use crate::progress::{Progress, StageItem};
use anyhow::Result;
use rayon::prelude::*;
use satool_protein as prot;
use std::path::PathBuf;

/// Runs hmmsearch per method when HMMER is available (or required) and fills the HMM columns.
pub(super) fn run_hmmer(
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
            let stem = g.file_stem();
            (i, work.path(&format!("{stem}.fasta")), work.path(&format!("{stem}.hmmsearch.tbl")))
        })
        .collect();
    let ids: Vec<String> = generated.iter().map(|g| g.id.clone()).collect();
    let stage = progress.stage("hmmsearch", &ids);
    let summaries: Vec<Result<prot::hmmer::HmmSummary>> = jobs
        .par_iter()
        .map(|(i, fasta, tbl)| -> Result<_> {
            let _item = StageItem::new(&stage, &generated[*i].id);
            let recs = generated[*i].fasta_records();
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
