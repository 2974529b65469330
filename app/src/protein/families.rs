//! `satool protein --all-families`: every record of a multi-alignment Stockholm file (such as a
//! slice of Pfam-A.seed), one summary row per family and one sub-directory each. A family that
//! fails (unreadable record, too few sequences, …) reports its error in its row and does not
//! stop the others. The loop over the records is the command layer's (it also draws reports);
//! this module holds the pieces it uses: the records, the rows, the summary table.

use super::methods::{Recipe, Temperature};
use super::render::held_out_cells;
use super::{HmmerMode, ProteinJob, ProteinMethod, ProteinRun};
use crate::input_err;
use crate::output::table;
use anyhow::Result;
use satool_protein as prot;
use satool_protein::holdout::HeldOutSummary;
use serde::Serialize;
use std::path::Path;

/// The method whose row the summary reports for each family: the generator (`sa_gen`) when it
/// ran, else the first method run at the generation temperature, else the first method run.
pub fn summary_method(methods: &[ProteinMethod]) -> Option<ProteinMethod> {
    let at_generation = |m: &&ProteinMethod| {
        matches!(m.recipe(), Recipe::Exact(Temperature::Generation) | Recipe::Chains(Temperature::Generation, _))
    };
    methods
        .iter()
        .find(|&&m| m == ProteinMethod::SaGen)
        .or_else(|| methods.iter().find(at_generation))
        .or_else(|| methods.first())
        .copied()
}

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
    /// The method whose row the metrics below are (see [`summary_method`]); null when the family failed.
    pub row: Option<String>,
    pub novelty: Option<f64>,
    pub kl_composition: Option<f64>,
    pub kl_position: Option<f64>,
    pub mi_r: Option<f64>,
    pub hmm_pass: Option<f64>,
    /// Extended metrics of the same row (always here; printed with `--extended`).
    pub cij_r: Option<f64>,
    pub mi_r_apc: Option<f64>,
    pub frac_over_90: Option<f64>,
    /// `--holdout`: the same row against each family's held-out members (mean ± sd over folds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_out: Option<HeldOutSummary>,
    /// `--holdout`: the family's null, its training members against the held-out ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_out_null: Option<HeldOutSummary>,
    pub seconds: f64,
    /// The sub-directory holding this family's full results (with --out).
    pub directory: Option<String>,
    pub error: Option<String>,
}

impl FamilyRow {
    /// The row of a family that ran.
    pub fn ran(run: &ProteinRun, row: Option<ProteinMethod>, seconds: f64, directory: Option<String>) -> FamilyRow {
        let r = &run.results;
        let p = &r.parameters;
        let gen = row.and_then(|row| r.methods.iter().find(|m| m.id == row.id()));
        FamilyRow {
            id: r.input.family_id.clone(),
            accession: r.input.accession.clone(),
            K: Some(p.K),
            cleaned_sequences: p.cleaned_sequences,
            L: Some(p.L),
            d: Some(p.d),
            beta_star: Some(p.beta_star),
            row: gen.map(|m| m.id.clone()),
            novelty: gen.map(|m| m.novelty.mean),
            kl_composition: gen.map(|m| m.kl_composition),
            kl_position: gen.map(|m| m.kl_position),
            mi_r: gen.and_then(|m| m.mi_r),
            hmm_pass: gen.and_then(|m| m.hmm_pass),
            cij_r: gen.and_then(|m| m.cij_r),
            mi_r_apc: gen.and_then(|m| m.mi_r_apc),
            frac_over_90: gen.map(|m| m.frac_over_90),
            held_out: gen.and_then(|m| m.held_out),
            held_out_null: r.holdout.as_ref().map(|h| h.null),
            seconds,
            directory,
            error: None,
        }
    }

    /// The row of a family that failed, named by its record's ID and AC when they are known.
    pub fn failed(id: Option<String>, accession: Option<String>, error: String, seconds: f64) -> FamilyRow {
        FamilyRow {
            id,
            accession,
            K: None,
            cleaned_sequences: None,
            L: None,
            d: None,
            beta_star: None,
            row: None,
            novelty: None,
            kl_composition: None,
            kl_position: None,
            mi_r: None,
            hmm_pass: None,
            cij_r: None,
            mi_r_apc: None,
            frac_over_90: None,
            held_out: None,
            held_out_null: None,
            seconds,
            directory: None,
            error: Some(error),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FamiliesResults {
    /// The method whose row each family's metrics come from (see [`summary_method`]).
    pub row_method: Option<String>,
    pub families: Vec<FamilyRow>,
    /// `--extended`: the summary table adds C_ij r, MI r (APC) and the share > 90% identical.
    #[serde(skip)]
    pub extended: bool,
    /// `--holdout`: the summary table adds the row's and the null's held-out scores.
    #[serde(skip)]
    pub holdout: bool,
}

/// A record that could not be read, named by the ID and AC its lines gave before the problem.
#[derive(Debug, Clone)]
pub struct BrokenRecord {
    pub id: Option<String>,
    pub accession: Option<String>,
    pub error: String,
}

/// Runs one record's work, turning a panic into an internal-error result (so one record cannot
/// end a whole-database run).
pub fn catch_panic<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Err(anyhow::anyhow!("internal error (a bug in satool, please report it): panic: {what}"))
    })
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

/// Every record of the file, each read on its own (a broken one is its error, as text, with its
/// ID and AC when its lines gave them). A file with no record at all — unreadable, empty, or
/// without any `# STOCKHOLM` header — is the error.
pub fn read_records(path: &Path) -> Result<Vec<Result<prot::Alignment, BrokenRecord>>> {
    let file = prot::StockholmFile::open(path)?;
    let mut reader = file.records();
    let mut records: Vec<Result<prot::Alignment, (prot::ProteinError, BrokenRecord)>> = Vec::new();
    while let Some(r) = reader.next() {
        let (id, accession) = reader.last_names();
        records.push(r.map_err(|e| {
            let broken = BrokenRecord {
                id: id.map(str::to_string),
                accession: accession.map(str::to_string),
                error: e.to_string(),
            };
            (e, broken)
        }));
    }
    let not_a_record = |r: &Result<_, (prot::ProteinError, BrokenRecord)>| {
        matches!(r, Err((prot::ProteinError::MissingHeader { .. } | prot::ProteinError::NoRecords { .. }, _)))
    };
    if records.iter().all(not_a_record) {
        if let Some(Err((e, _))) = records.pop() {
            return Err(e.into());
        }
    }
    Ok(records.into_iter().map(|r| r.map_err(|(_, b)| b)).collect())
}

/// A directory name for record `i`: its ID when it has one, made file-system safe.
pub fn dir_name(i: usize, aln: Option<&prot::Alignment>) -> String {
    let id = aln.and_then(|a| a.id.clone()).unwrap_or_else(|| "record".into());
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    format!("{:03}_{safe}", i + 1)
}

/// One row per family (columns from its [`summary_method`] row); `timing` adds the seconds
/// column, `r.extended` C_ij r, MI r (APC) and the share of samples > 90% identical to a natural one.
/// With `error_notes`, a failed record's error cell is a note number, `(N)`, and `error_notes`
/// gives the messages (a long message would widen the whole table); else the message itself.
pub fn summary_table(r: &FamiliesResults, hmmer: HmmerMode, timing: bool, error_notes: bool) -> comfy_table::Table {
    let mut failed = 0;
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
            ];
            if r.extended {
                row.extend([table::opt(f.cij_r, 3), table::opt(f.mi_r_apc, 3), table::pct(f.frac_over_90)]);
            }
            if r.holdout {
                let [id, _, auc] = held_out_cells(f.held_out.as_ref());
                let [null_id, _, null_auc] = held_out_cells(f.held_out_null.as_ref());
                row.extend([id, null_id, auc, null_auc]);
            }
            row.push(hmm);
            if timing {
                row.push(format!("{:.1}", f.seconds));
            }
            row.push(match &f.error {
                Some(_) if error_notes => {
                    failed += 1;
                    format!("({failed})")
                }
                e => e.clone().unwrap_or_default(),
            });
            row
        })
        .collect();
    let mut header = vec!["ID", "AC", "K", "L", "d", "β*", "novelty", "KL", "Pos-KL", "MI r"];
    if r.extended {
        header.extend(["C_ij r", "MI r APC", ">90% id"]);
    }
    if r.holdout {
        header.extend(["ho id", "null ho id", "ho AUC", "null ho AUC"]);
    }
    header.push("HMM pass");
    if timing {
        header.push("s");
    }
    header.push("error");
    table::table(&header, rows)
}

/// The first line of a whole-database run's summary: how many records ran and which row each
/// family's metrics come from.
pub fn headline(r: &FamiliesResults) -> String {
    let ok = r.families.iter().filter(|f| f.error.is_none()).count();
    format!(
        "satool protein --all-families: {} records, {ok} ran, {} failed (row: {})",
        r.families.len(),
        r.families.len() - ok,
        r.row_method.as_deref().unwrap_or("—"),
    )
}

/// The terminal summary of a whole-database run.
pub fn render(r: &FamiliesResults, hmmer: HmmerMode) -> String {
    format!("{}\n{}", headline(r), summary_table(r, hmmer, true, true))
        + &holdout_caption(r).map_or(String::new(), |c| format!("\n{}", table::wrap(&c, 100, "", "")))
        + &error_notes(r)
}

/// With `--holdout`, what the held-out columns measure.
pub fn holdout_caption(r: &FamiliesResults) -> Option<String> {
    r.holdout.then(|| {
        "ho id: mean identity of the row's samples to their nearest held-out member (null: of the training members); \
     ho AUC: a classifier telling the held-out members from the row's samples (0.5: it cannot; null: from the \
     training members); mean±sd over --holdout-folds"
            .to_string()
    })
}

/// The failed records' errors, numbered as [`summary_table`] notes them, each wrapped at 100
/// columns; empty when every record ran.
fn error_notes(r: &FamiliesResults) -> String {
    let failed = r.families.iter().filter_map(|f| Some((f.id.as_deref().unwrap_or("—"), f.error.as_deref()?)));
    let mut s = String::new();
    for (n, (id, error)) in failed.enumerate() {
        let first = format!("({}) ", n + 1);
        s += "\n";
        s += &table::wrap(&format!("{id}: {error}"), 100, &first, &" ".repeat(first.len()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic in one record's work is that record's internal error, not the end of the run.
    #[test]
    fn a_panic_becomes_an_internal_error() {
        let e = catch_panic::<()>(|| panic!("slice out of range")).unwrap_err();
        assert!(e.to_string().contains("internal error") && e.to_string().contains("slice out of range"), "{e}");
        let e = catch_panic::<()>(|| std::panic::panic_any(format!("formatted {}", 7))).unwrap_err();
        assert!(e.to_string().contains("formatted 7"), "{e}");
        assert_eq!(catch_panic(|| Ok(3)).unwrap(), 3);
        assert!(catch_panic::<()>(|| Err(anyhow::anyhow!("plain"))).unwrap_err().to_string() == "plain");
    }

    #[test]
    fn the_summary_row_is_the_first_generator_run() {
        use ProteinMethod::*;
        assert_eq!(summary_method(&ProteinMethod::ALL), Some(SaGen));
        assert_eq!(summary_method(&[Profile, ExactGen, MalaGen]), Some(ExactGen));
        assert_eq!(summary_method(&[Bootstrap, Profile]), Some(Bootstrap));
        assert_eq!(summary_method(&[]), None);
    }
}
