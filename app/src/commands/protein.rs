//! `satool protein`: one family, or every record of a file with `--all-families` (one report per
//! family plus an index).

use crate::input_err;
use crate::output::atomic::{commit_all, Staging};
use crate::progress::Progress;
use crate::protein::families::{self, FamiliesResults, FamilyRow};
use crate::protein::{self, ProteinJob, ProteinRun};
use crate::report::{self, ReportTarget};
use anyhow::{Context, Result};
use rayon::prelude::*;
use satool_protein as prot;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Runs the job on one family: `--out` and `--report` are checked before any work and written
/// only when the whole run succeeded.
pub fn run(job: &ProteinJob, command_line: &str, progress: &Progress) -> Result<ProteinRun> {
    let out = job.out.as_ref().map(|o| Staging::new(o, job.force)).transpose().map_err(|e| input_err!("{e:#}"))?;
    let report = ReportTarget::prepare(job.report.as_deref(), job.out.as_deref(), job.force)?;
    let run = protein::run(job, out.is_some(), progress)?;
    finish(&run, report, out, command_line, progress)?;
    Ok(run)
}

/// Writes the `--out` files of a finished run and draws its report, then commits the output
/// directories (both or neither).
fn finish(
    run: &ProteinRun,
    report: Option<ReportTarget>,
    mut out: Option<Staging>,
    command_line: &str,
    progress: &Progress,
) -> Result<()> {
    if let Some(st) = out.as_mut() {
        protein::render::write_out(st, run, command_line)?;
    }
    let mut report_staging = None;
    if let Some(target) = report {
        progress.line("drawing the report figures");
        report_staging = target.write(&report::protein::build(run)?, out.as_mut())?;
    }
    // Both or neither.
    commit_all(report_staging.into_iter().chain(out).collect())?;
    Ok(())
}

/// `--all-families`: every record in parallel, each into its own sub-directory of `--out` and
/// `--report` (named by [`families::dir_name`]); a family that fails reports its error in its
/// row. The index report and families.json go to the top directories.
pub fn all_families(job: &ProteinJob, command_line: &str, progress: &Progress) -> Result<FamiliesResults> {
    families::check_job(job)?;
    let mut top = job.out.as_ref().map(|o| Staging::new(o, job.force)).transpose().map_err(|e| input_err!("{e:#}"))?;
    let mut top_report = ReportTarget::prepare(job.report.as_deref(), job.out.as_deref(), job.force)?;
    let records = families::read_records(&job.stockholm)?;
    progress.line(&format!("{} records in {}; running them in parallel", records.len(), job.stockholm.display()));
    let names: Vec<String> = records.iter().enumerate().map(|(i, r)| families::dir_name(i, r.as_ref().ok())).collect();
    let out_dirs: Vec<Option<(String, PathBuf)>> =
        names.iter().map(|name| top.as_mut().map(|st| (name.clone(), st.path(name)))).collect();
    let report_dirs: Vec<Option<PathBuf>> = names
        .iter()
        .map(|name| match &mut top_report {
            Some(ReportTarget::Own(st)) => Some(st.path(name)),
            _ => None,
        })
        .collect();
    let quiet = Progress::for_stderr(true);
    let row_method = families::summary_method(&job.methods);
    let rows: Vec<FamilyRow> = records
        .par_iter()
        .zip(out_dirs)
        .zip(report_dirs)
        .map(|((record, out_dir), report_dir)| {
            let t0 = Instant::now();
            let aln = match record {
                Ok(a) => a,
                Err(b) => {
                    return FamilyRow::failed(
                        b.id.clone(),
                        b.accession.clone(),
                        b.error.clone(),
                        t0.elapsed().as_secs_f64(),
                    )
                }
            };
            let into_out = matches!(top_report, Some(ReportTarget::IntoOut));
            let dirs = FamilyDirs { out: out_dir.as_ref().map(|(_, d)| d.as_path()), report: report_dir, into_out };
            // A panic in one record becomes its row's internal error; the others go on.
            match families::catch_panic(|| run_family(job, aln, dirs, command_line, &quiet)) {
                Ok(run) => FamilyRow::ran(&run, row_method, t0.elapsed().as_secs_f64(), out_dir.map(|(name, _)| name)),
                Err(e) => {
                    let secs = t0.elapsed().as_secs_f64();
                    FamilyRow::failed(aln.id.clone(), aln.accession.clone(), format!("{e:#}"), secs)
                }
            }
        })
        .collect();
    let results = FamiliesResults {
        row_method: row_method.map(|m| m.id().to_string()),
        families: rows,
        extended: job.extended,
        holdout: job.holdout.is_some(),
    };
    let mut report_staging = None;
    if let Some(target) = top_report {
        report_staging = target.write(&report::protein::families_index(&results, &names, job.hmmer), top.as_mut())?;
    }
    if let Some(st) = &mut top {
        st.write("families.json", crate::output::to_json(&results)?.as_bytes())?;
        st.write("command.txt", format!("{command_line}\n").as_bytes())?;
    }
    // Both or neither.
    commit_all(report_staging.into_iter().chain(top).collect()).context("writing --out")?;
    Ok(results)
}

/// Where one family of `--all-families` writes: its staged sub-directories of `--out` and
/// `--report`, or its `--out` sub-directory for both when `--report` is `--out`.
struct FamilyDirs<'a> {
    out: Option<&'a Path>,
    report: Option<PathBuf>,
    into_out: bool,
}

/// Runs, reports and commits one family of `--all-families`.
fn run_family(
    job: &ProteinJob,
    aln: &prot::Alignment,
    dirs: FamilyDirs,
    command_line: &str,
    progress: &Progress,
) -> Result<ProteinRun> {
    let out = dirs.out.map(|d| Staging::new(d, false)).transpose()?;
    let report = match (dirs.into_out, dirs.report) {
        (true, _) => Some(ReportTarget::IntoOut),
        (false, Some(d)) => Some(ReportTarget::Own(Staging::new(&d, false)?)),
        (false, None) => None,
    };
    let run = protein::run_record(job, aln, out.is_some(), progress)?;
    finish(&run, report, out, command_line, progress)?;
    Ok(run)
}
