//! `satool protein --all-families`: every record of a multi-alignment Stockholm file (such as a
//! slice of Pfam-A.seed), one summary row per family and one sub-directory each. A family that
//! fails (unreadable record, too few sequences, …) reports its error in its row and does not
//! stop the others. The loop over the records is the command layer's (it also draws reports);
//! this module holds the pieces it uses: the records, the rows, the summary table.

use super::{HmmerMode, ProteinJob, ProteinMethod, ProteinRun};
use crate::input_err;
use crate::output::table;
use anyhow::Result;
use satool_protein as prot;
use serde::Serialize;
use std::path::Path;

/// The method whose row the summary reports for each family: the generator.
pub const SUMMARY_METHOD: ProteinMethod = ProteinMethod::SaGen;

#[derive(Debug, Serialize)]
#[allow(non_snake_case)]
pub struct FamilyRow {
    pub id: Option<String>,
    pub accession: Option<String>,
    pub K: Option<usize>,
    /// Sequences left after cleaning when `--max-sequences` kept a random K of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleaned_sequences: Option<usize>,
    pub L: Option<usize>,
    pub d: Option<usize>,
    pub beta_star: Option<f64>,
    /// The `sa_gen` row's metrics (null when the family failed or `sa_gen` was not run).
    pub novelty: Option<f64>,
    pub kl_composition: Option<f64>,
    pub kl_position: Option<f64>,
    pub mi_r: Option<f64>,
    pub hmm_pass: Option<f64>,
    pub seconds: f64,
    /// The sub-directory holding this family's full results (with --out).
    pub directory: Option<String>,
    pub error: Option<String>,
}

impl FamilyRow {
    /// The row of a family that ran.
    pub fn ran(run: &ProteinRun, seconds: f64, directory: Option<String>) -> FamilyRow {
        let r = &run.results;
        let p = &r.parameters;
        let gen = r.methods.iter().find(|m| m.id == SUMMARY_METHOD.id());
        FamilyRow {
            id: r.input.family_id.clone(),
            accession: r.input.accession.clone(),
            K: Some(p.K),
            cleaned_sequences: p.cleaned_sequences,
            L: Some(p.L),
            d: Some(p.d),
            beta_star: Some(p.beta_star),
            novelty: gen.map(|m| m.novelty.mean),
            kl_composition: gen.map(|m| m.kl_composition),
            kl_position: gen.map(|m| m.kl_position),
            mi_r: gen.and_then(|m| m.mi_r),
            hmm_pass: gen.and_then(|m| m.hmm_pass),
            seconds,
            directory,
            error: None,
        }
    }

    /// The row of a family that failed (`aln` is `None` when its record could not be read).
    pub fn failed(aln: Option<&prot::Alignment>, error: String, seconds: f64) -> FamilyRow {
        FamilyRow {
            id: aln.and_then(|a| a.id.clone()),
            accession: aln.and_then(|a| a.accession.clone()),
            K: None,
            cleaned_sequences: None,
            L: None,
            d: None,
            beta_star: None,
            novelty: None,
            kl_composition: None,
            kl_position: None,
            mi_r: None,
            hmm_pass: None,
            seconds,
            directory: None,
            error: Some(error),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FamiliesResults {
    pub families: Vec<FamilyRow>,
}

/// Refuses the options that name one family's inputs (clap enforces this too).
pub fn check_job(job: &ProteinJob) -> Result<()> {
    if job.hmm.is_some() {
        return Err(input_err!("--all-families builds one HMM per family with hmmbuild; --hmm cannot be used with it"));
    }
    if job.family.is_some() || !job.evaluate.is_empty() || job.condition.is_some() {
        return Err(input_err!("--all-families cannot be combined with --family, --evaluate or a condition"));
    }
    Ok(())
}

/// Every record of the file, each read on its own (a broken one is its error, as text). A file
/// with no record at all — unreadable, empty, or without any `# STOCKHOLM` header — is the error.
pub fn read_records(path: &Path) -> Result<Vec<Result<prot::Alignment, String>>> {
    let file = prot::StockholmFile::open(path)?;
    let mut records: Vec<Result<prot::Alignment, prot::ProteinError>> = file.records().collect();
    let not_a_record = |r: &Result<_, prot::ProteinError>| {
        matches!(r, Err(prot::ProteinError::MissingHeader { .. } | prot::ProteinError::NoRecords { .. }))
    };
    if records.iter().all(not_a_record) {
        if let Some(Err(e)) = records.pop() {
            return Err(e.into());
        }
    }
    Ok(records.into_iter().map(|r| r.map_err(|e| e.to_string())).collect())
}

/// A directory name for record `i`: its ID when it has one, made file-system safe.
pub fn dir_name(i: usize, aln: Option<&prot::Alignment>) -> String {
    let id = aln.and_then(|a| a.id.clone()).unwrap_or_else(|| "record".into());
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    format!("{:03}_{safe}", i + 1)
}

/// One row per family (columns from its sa_gen row); `timing` adds the seconds column.
pub fn summary_table(r: &FamiliesResults, hmmer: HmmerMode, timing: bool) -> comfy_table::Table {
    let rows = r
        .families
        .iter()
        .map(|f| {
            let hmm = if hmmer == HmmerMode::Off { "off".to_string() } else { table::pct(f.hmm_pass) };
            let mut row = vec![
                f.id.clone().unwrap_or_else(|| "—".into()),
                f.accession.clone().unwrap_or_else(|| "—".into()),
                match (f.K, f.cleaned_sequences) {
                    (Some(k), Some(of)) => format!("{k} of {of}"),
                    (k, _) => k.map_or("—".into(), |v| v.to_string()),
                },
                f.L.map_or("—".into(), |v| v.to_string()),
                f.d.map_or("—".into(), |v| v.to_string()),
                table::opt(f.beta_star, 3),
                table::opt(f.novelty, 3),
                table::opt(f.kl_composition, 3),
                table::opt(f.kl_position, 2),
                table::opt(f.mi_r, 3),
                hmm,
                f.error.clone().unwrap_or_default(),
            ];
            if timing {
                row.insert(11, format!("{:.1}", f.seconds));
            }
            row
        })
        .collect();
    let mut header = vec!["ID", "AC", "K", "L", "d", "β*", "novelty", "KL", "Pos-KL", "MI r", "HMM pass", "error"];
    if timing {
        header.insert(11, "s");
    }
    table::table(&header, rows)
}

/// The terminal summary of a whole-database run.
pub fn render(r: &FamiliesResults, hmmer: HmmerMode) -> String {
    let ok = r.families.iter().filter(|f| f.error.is_none()).count();
    format!(
        "satool protein --all-families: {} records, {ok} ran, {} failed (columns from the {SUMMARY_METHOD} row)\n{}",
        r.families.len(),
        r.families.len() - ok,
        summary_table(r, hmmer, true)
    )
}
