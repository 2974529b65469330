//! `satool protein --all-families`: every record of a multi-alignment Stockholm file (such as a
//! slice of Pfam-A.seed), in parallel, one summary row per family and one sub-directory each. A
//! family that fails (unreadable record, too few sequences, …) reports its error in its row and
//! does not stop the others.

use crate::input_err;
use crate::output::{atomic::Staging, table};
use crate::progress::Progress;
use crate::protein::{run_record, HmmerMode, ProteinJob};
use crate::report::ReportTarget;
use anyhow::{Context, Result};
use rayon::prelude::*;
use satool_protein as prot;
use serde::Serialize;
use std::io::Read;
use std::time::Instant;

#[derive(Debug, Serialize)]
#[allow(non_snake_case)]
pub struct FamilyRow {
    pub id: Option<String>,
    pub accession: Option<String>,
    pub K: Option<usize>,
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

#[derive(Debug, Serialize)]
pub struct FamiliesResults {
    pub families: Vec<FamilyRow>,
}

/// The file's text, gunzipped when it starts with the gzip magic bytes.
fn read_text(path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| input_err!("{}: {e}", path.display()))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| input_err!("{}: not valid gzip text: {e}", path.display()))?;
        Ok(s)
    } else {
        String::from_utf8(bytes).map_err(|_| input_err!("{}: not UTF-8 text", path.display()))
    }
}

/// Parses each record on its own, so one bad record does not hide the others. Each record's
/// text is preceded by as many empty lines as came before it, so errors keep the file's line numbers.
fn records(path: &std::path::Path) -> Result<Vec<Result<prot::Alignment, String>>> {
    let text = read_text(path)?;
    let source = path.display().to_string();
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].trim_start().starts_with("# STOCKHOLM")).collect();
    if starts.is_empty() {
        // No header anywhere: let the reader produce its error.
        return Err(prot::parse_stockholm(&text, &source)
            .err()
            .map_or_else(|| input_err!("{source}: no '# STOCKHOLM 1.0' header"), anyhow::Error::new));
    }
    Ok(starts
        .iter()
        .enumerate()
        .map(|(n, &a)| {
            let b = starts.get(n + 1).copied().unwrap_or(lines.len());
            let padded = "\n".repeat(a) + &lines[a..b].join("\n") + "\n";
            match prot::parse_stockholm(&padded, &source) {
                Ok(v) => v.into_iter().next().ok_or_else(|| format!("{source}:{}: empty record", a + 1)),
                Err(e) => Err(e.to_string()),
            }
        })
        .collect())
}

/// A directory name for record `i`: its ID when it has one, made file-system safe.
fn dir_name(i: usize, aln: Option<&prot::Alignment>) -> String {
    let id = aln.and_then(|a| a.id.clone()).unwrap_or_else(|| "record".into());
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    format!("{:03}_{safe}", i + 1)
}

pub fn run(job: &ProteinJob, command_line: &str, progress: &Progress) -> Result<FamiliesResults> {
    if job.hmm.is_some() {
        return Err(input_err!("--all-families builds one HMM per family with hmmbuild; --hmm cannot be used with it"));
    }
    if job.family.is_some() || !job.evaluate.is_empty() || job.condition.is_some() {
        return Err(input_err!("--all-families cannot be combined with --family, --evaluate or a condition"));
    }
    let mut top = job.out.as_ref().map(|o| Staging::new(o, job.force)).transpose().map_err(|e| input_err!("{e:#}"))?;
    // One report per family, in the same sub-directory names as --out, plus an index.
    let mut top_report = ReportTarget::prepare(job.report.as_deref(), job.out.as_deref(), job.force)?;
    let recs = records(&job.stockholm)?;
    progress.line(&format!("{} records in {}; running them in parallel", recs.len(), job.stockholm.display()));
    let names: Vec<String> = recs.iter().enumerate().map(|(i, r)| dir_name(i, r.as_ref().ok())).collect();
    let dirs: Vec<Option<(String, std::path::PathBuf)>> =
        names.iter().map(|name| top.as_mut().map(|st| (name.clone(), st.path(name)))).collect();
    let report_dirs: Vec<Option<std::path::PathBuf>> = names
        .iter()
        .map(|name| match &mut top_report {
            Some(ReportTarget::Own(st)) => Some(st.path(name)),
            _ => None,
        })
        .collect();
    let quiet = Progress::hidden();
    let rows: Vec<FamilyRow> = recs
        .par_iter()
        .zip(dirs)
        .zip(report_dirs)
        .map(|((rec, dir), report_dir)| {
            let t0 = Instant::now();
            let failed = |aln: Option<&prot::Alignment>, e: String| FamilyRow {
                id: aln.and_then(|a| a.id.clone()),
                accession: aln.and_then(|a| a.accession.clone()),
                K: None,
                L: None,
                d: None,
                beta_star: None,
                novelty: None,
                kl_composition: None,
                kl_position: None,
                mi_r: None,
                hmm_pass: None,
                seconds: t0.elapsed().as_secs_f64(),
                directory: None,
                error: Some(e),
            };
            let aln = match rec {
                Ok(a) => a,
                Err(e) => return failed(None, e.clone()),
            };
            let staging = match dir.as_ref().map(|(_, d)| Staging::new(d, false)).transpose() {
                Ok(s) => s,
                Err(e) => return failed(Some(aln), format!("{e:#}")),
            };
            let report = match (&top_report, report_dir) {
                (Some(ReportTarget::IntoOut), _) => Some(ReportTarget::IntoOut),
                (_, Some(d)) => match Staging::new(&d, false) {
                    Ok(st) => Some(ReportTarget::Own(st)),
                    Err(e) => return failed(Some(aln), format!("{e:#}")),
                },
                _ => None,
            };
            match run_record(job, aln, staging, report, command_line, &quiet) {
                Err(e) => failed(Some(aln), format!("{e:#}")),
                Ok(out) => {
                    let p = &out.results.parameters;
                    let gen = out.results.methods.iter().find(|m| m.id == "sa_gen");
                    FamilyRow {
                        id: aln.id.clone(),
                        accession: aln.accession.clone(),
                        K: Some(p.K),
                        L: Some(p.L),
                        d: Some(p.d),
                        beta_star: Some(p.beta_star),
                        novelty: gen.map(|m| m.novelty.mean),
                        kl_composition: gen.map(|m| m.kl_composition),
                        kl_position: gen.map(|m| m.kl_position),
                        mi_r: gen.and_then(|m| m.mi_r),
                        hmm_pass: gen.and_then(|m| m.hmm_pass),
                        seconds: t0.elapsed().as_secs_f64(),
                        directory: dir.map(|(n, _)| n),
                        error: None,
                    }
                }
            }
        })
        .collect();
    let results = FamiliesResults { families: rows };
    if let Some(target) = top_report {
        target.write(&index_report(&results, &names, job.hmmer), top.as_mut())?;
    }
    if let Some(mut st) = top {
        st.write("families.json", crate::output::to_json(&results)?.as_bytes())?;
        st.write("command.txt", format!("{command_line}\n").as_bytes())?;
        st.commit().context("writing --out")?;
    }
    Ok(results)
}

/// The `--report` index of a whole-database run: the summary table with a link per family.
fn index_report(r: &FamiliesResults, dirs: &[String], hmmer: HmmerMode) -> crate::report::Report {
    let mut links = String::from("| record | report |\n|---|---|\n");
    for (f, d) in r.families.iter().zip(dirs) {
        let name = f.id.clone().unwrap_or_else(|| "—".into());
        match &f.error {
            None => links += &format!("| {name} | [{d}/report.md]({d}/report.md) |\n"),
            Some(e) => links += &format!("| {name} | failed: {} |\n", e.replace('|', "\\|")),
        }
    }
    crate::report::Report {
        title: "satool protein report — whole-database run".into(),
        command: crate::report::invoked_command(),
        header: String::new(),
        table: crate::report::markdown_table(summary_table(r, hmmer, false)),
        notes: vec![format!("Each family's own report, with its figures:\n\n{links}")],
        figures: vec![],
    }
}

/// One row per family (columns from its sa_gen row); `timing` adds the seconds column.
fn summary_table(r: &FamiliesResults, hmmer: HmmerMode, timing: bool) -> comfy_table::Table {
    let rows = r
        .families
        .iter()
        .map(|f| {
            let hmm = if hmmer == HmmerMode::Off { "off".to_string() } else { table::pct(f.hmm_pass) };
            let mut row = vec![
                f.id.clone().unwrap_or_else(|| "—".into()),
                f.accession.clone().unwrap_or_else(|| "—".into()),
                f.K.map_or("—".into(), |v| v.to_string()),
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

pub fn render(r: &FamiliesResults, hmmer: HmmerMode) -> String {
    let ok = r.families.iter().filter(|f| f.error.is_none()).count();
    format!(
        "satool protein --all-families: {} records, {ok} ran, {} failed (columns from the sa_gen row)\n{}",
        r.families.len(),
        r.families.len() - ok,
        summary_table(r, hmmer, true)
    )
}
