//! HMMER validation (SPEC §2 "HMMER"): build a profile with `hmmbuild`, score sequences with
//! `hmmsearch --tblout OUT -E 1000 --noali HMM FASTA`, parse the tblout and summarise.
//!
//! E-values depend on the number of sequences searched (no `-Z`); bit scores do not.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use satool_common::stats::median;

use crate::ProteinError;

/// Full-sequence E-value below which a sequence counts as a family member.
pub const PASS_EVALUE: f64 = 0.01;
/// Number of stderr lines kept in a tool-failure message.
const STDERR_TAIL_LINES: usize = 6;

/// Locates an executable: `tool` itself when it contains a path separator, else the first
/// match on `PATH`.
pub fn find(tool: &str) -> Option<PathBuf> {
    if tool.contains(std::path::MAIN_SEPARATOR) {
        let p = PathBuf::from(tool);
        return is_executable(&p).then_some(p);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(tool)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// Runs a tool; a failure to start or a non-zero exit becomes [`ProteinError::ToolFailed`]
/// carrying the last lines of its stderr.
fn run(program: &Path, args: &[&std::ffi::OsStr]) -> Result<(), ProteinError> {
    let tool = program.display().to_string();
    let out = Command::new(program).args(args).output().map_err(|e| ProteinError::ToolFailed {
        tool: tool.clone(),
        status: "could not start".into(),
        stderr_tail: e.to_string(),
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(STDERR_TAIL_LINES)..].join(" | ");
    Err(ProteinError::ToolFailed {
        tool,
        status: out.status.to_string(),
        stderr_tail: if tail.is_empty() { "(no stderr output)".into() } else { tail },
    })
}

/// `hmmbuild --amino --informat stockholm OUT_HMM STO`: builds a protein profile from a
/// Stockholm alignment with one record (see [`crate::write_stockholm`]). The format is stated
/// because hmmbuild's guesser otherwise accepts almost any text as some alignment.
pub fn hmmbuild(hmmbuild: &Path, sto: &Path, out_hmm: &Path) -> Result<(), ProteinError> {
    run(
        hmmbuild,
        &["--amino".as_ref(), "--informat".as_ref(), "stockholm".as_ref(), out_hmm.as_os_str(), sto.as_os_str()],
    )
}

/// One tblout row: the best full-sequence hit of a target.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HmmHit {
    /// Target sequence name (column 1).
    pub target: String,
    /// Full-sequence E-value (column 5).
    pub evalue: f64,
    /// Full-sequence bit score (column 6).
    pub bitscore: f64,
}

/// Parsed hits of one hmmsearch run, in tblout order.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct HmmsearchHits {
    /// One row per target, in table order.
    pub hits: Vec<HmmHit>,
}

/// Runs exactly `hmmsearch --tblout TBLOUT -E 1000 --noali HMM FASTA` (stdout discarded)
/// and parses the table.
pub fn hmmsearch(hmmsearch: &Path, hmm: &Path, fasta: &Path, tblout: &Path) -> Result<HmmsearchHits, ProteinError> {
    run(
        hmmsearch,
        &[
            "--tblout".as_ref(),
            tblout.as_os_str(),
            "-E".as_ref(),
            "1000".as_ref(),
            "--noali".as_ref(),
            hmm.as_os_str(),
            fasta.as_os_str(),
        ],
    )?;
    let text = std::fs::read_to_string(tblout).map_err(|e| ProteinError::io(tblout, "cannot read", e))?;
    parse_tblout(&text, &tblout.display().to_string())
}

/// Parses an hmmsearch `--tblout` table: `#` and blank lines skipped; column 1 target name,
/// column 5 full-sequence E-value, column 6 full-sequence bit score.
pub fn parse_tblout(text: &str, source: &str) -> Result<HmmsearchHits, ProteinError> {
    let mut hits = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let err = |problem: String| ProteinError::Tblout { file: source.to_string(), line: i + 1, problem };
        let cols: Vec<&str> = trimmed.split_whitespace().collect();
        if cols.len() < 6 {
            return Err(err(format!("expected at least 6 columns, found {}", cols.len())));
        }
        let number = |idx: usize, what: &str| -> Result<f64, ProteinError> {
            cols[idx]
                .parse::<f64>()
                .ok()
                .filter(|v| !v.is_nan())
                .ok_or_else(|| err(format!("column {} ({what}) is '{}', not a number", idx + 1, cols[idx])))
        };
        let evalue = number(4, "full-sequence E-value")?;
        let bitscore = number(5, "full-sequence bit score")?;
        if evalue < 0.0 {
            return Err(err(format!("column 5 (full-sequence E-value) is negative: {evalue}")));
        }
        hits.push(HmmHit { target: cols[0].to_string(), evalue, bitscore });
    }
    Ok(HmmsearchHits { hits })
}

/// HMMER summary of n searched sequences.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HmmSummary {
    /// Number of sequences searched (the `names` given to [`summarize`]).
    pub n: usize,
    /// How many of them have a hit in the table.
    pub n_hits: usize,
    /// Fraction of the n sequences with E < 0.01 (0 when n = 0).
    pub pass_fraction: f64,
    /// Median E-value over all n, a sequence without a hit counting as +∞; `None` when that
    /// median is not finite (or n = 0).
    pub median_evalue: Option<f64>,
    /// Median bit score over all n, a sequence without a hit counting as −∞; `None` when
    /// that median is not finite (or n = 0).
    pub median_bitscore: Option<f64>,
}

/// Summarises hits for the searched sequences `names` (a name listed twice in the table keeps
/// its smallest E-value; table rows for names not in `names` are ignored).
pub fn summarize(hits: &HmmsearchHits, names: &[String]) -> HmmSummary {
    let mut best: HashMap<&str, &HmmHit> = HashMap::new();
    for h in &hits.hits {
        best.entry(h.target.as_str())
            .and_modify(|b| {
                if h.evalue < b.evalue {
                    *b = h;
                }
            })
            .or_insert(h);
    }
    let found: Vec<Option<&HmmHit>> = names.iter().map(|n| best.get(n.as_str()).copied()).collect();
    let n = names.len();
    let n_hits = found.iter().flatten().count();
    let passed = found.iter().flatten().filter(|h| h.evalue < PASS_EVALUE).count();
    let evalues: Vec<f64> = found.iter().map(|h| h.map_or(f64::INFINITY, |h| h.evalue)).collect();
    let scores: Vec<f64> = found.iter().map(|h| h.map_or(f64::NEG_INFINITY, |h| h.bitscore)).collect();
    HmmSummary {
        n,
        n_hits,
        pass_fraction: if n == 0 { 0.0 } else { passed as f64 / n as f64 },
        median_evalue: median(&evalues).filter(|m| m.is_finite()),
        median_bitscore: median(&scores).filter(|m| m.is_finite()),
    }
}
