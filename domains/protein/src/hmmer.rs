//! HMMER validation (as published): build a profile with `hmmbuild`, score sequences with
//! `hmmsearch --tblout OUT -E 1000 --noali HMM FASTA`, parse the tblout and summarise.
//!
//! E-values depend on the number of sequences searched (no `-Z`); bit scores do not.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// How long a tool may run. While it runs, its process group is registered with
/// `satool_io::process`, so an interrupted satool stops it too.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunLimits {
    /// Wall-clock limit; when it expires the tool and its whole process group are killed.
    pub timeout: Option<Duration>,
    /// Polled while the tool runs: when it returns true (a host asked the run to stop, e.g.
    /// Ctrl-C in Python) the group is killed and the run fails with `ErrorKind::Interrupted`.
    pub stop: Option<fn() -> bool>,
}

/// How a child run with [`spawn_with_deadline`] ended.
#[derive(Debug)]
pub enum Finished {
    /// It exited by itself (any leftover process of its group was then killed).
    Exited { status: std::process::ExitStatus, stderr: Vec<u8> },
    /// The time limit expired; the child and its process group were killed.
    TimedOut,
}

/// Most stderr kept from a child (the rest is read and dropped so the child never blocks).
const STDERR_KEEP: u64 = 1 << 20;

/// Runs `cmd` (stdin and stdout null, stderr captured) as the leader of a new process group,
/// waiting at most `limits.timeout`. On expiry the whole group is killed (SIGKILL) and reaped; after a
/// normal exit, any process the child left behind in its group is killed too, so nothing is
/// orphaned. The one place satool starts external tools.
pub fn spawn_with_deadline(mut cmd: Command, limits: &RunLimits) -> std::io::Result<Finished> {
    use std::io::Read;
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd.spawn()?;
    let pid = child.id();
    // A signal to satool stops the child's group too (SIGINT/TERM/HUP handling in the app).
    let _registered = satool_io::process::register_child(pid);
    let pipe = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = (&mut pipe).take(STDERR_KEEP).read_to_end(&mut kept);
            let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        }
        kept
    });
    let deadline = limits.timeout.map(|t| Instant::now() + t);
    let mut pause = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(e) => {
                kill_group(pid);
                let _ = child.wait();
                return Err(e);
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break None;
        }
        if limits.stop.is_some_and(|stop| stop()) {
            kill_group(pid);
            let _ = child.wait();
            return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "stopped: the run was asked to stop"));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    };
    // The group outlives its leader while any member lives: stop whatever is left.
    kill_group(pid);
    if status.is_none() {
        let _ = child.wait();
    }
    let stderr = reader.join().unwrap_or_default();
    Ok(match status {
        Some(status) => Finished::Exited { status, stderr },
        None => Finished::TimedOut,
    })
}

/// Sends SIGKILL to process group `pgid` (no error when it is already gone).
#[cfg(unix)]
fn kill_group(pgid: u32) {
    if let Ok(pgid) = libc::pid_t::try_from(pgid) {
        if pgid > 0 {
            // SAFETY: kill(2) with a negative pid only sends a signal; it touches no memory.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

#[cfg(not(unix))]
fn kill_group(_pgid: u32) {}

/// Runs a tool within `limits`; a failure to start or a non-zero exit becomes
/// [`ProteinError::ToolFailed`] carrying the last lines of its stderr, an expired time limit
/// [`ProteinError::ToolTimedOut`].
fn run(program: &Path, args: &[&std::ffi::OsStr], limits: &RunLimits) -> Result<(), ProteinError> {
    run_in(program, args, None, limits)
}

/// [`run`] with the working directory `cwd` (None: satool's own).
fn run_in(
    program: &Path,
    args: &[&std::ffi::OsStr],
    cwd: Option<&Path>,
    limits: &RunLimits,
) -> Result<(), ProteinError> {
    let tool = program.display().to_string();
    let mut cmd = Command::new(program);
    cmd.args(args);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let (status, stderr) = match spawn_with_deadline(cmd, limits) {
        Err(e) => {
            return Err(ProteinError::ToolFailed { tool, status: "could not start".into(), stderr_tail: e.to_string() })
        }
        Ok(Finished::TimedOut) => {
            return Err(ProteinError::ToolTimedOut { tool, seconds: limits.timeout.unwrap_or_default().as_secs_f64() })
        }
        Ok(Finished::Exited { status, stderr }) => (status, stderr),
    };
    if status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&stderr);
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(STDERR_TAIL_LINES)..].join(" | ");
    Err(ProteinError::ToolFailed {
        tool,
        status: status.to_string(),
        stderr_tail: if tail.is_empty() { "(no stderr output)".into() } else { tail },
    })
}

/// `hmmbuild --amino --informat stockholm OUT_HMM STO`: builds a protein profile from a
/// Stockholm alignment with one record (see [`crate::write_stockholm`]). The format is stated
/// because hmmbuild's guesser otherwise accepts almost any text as some alignment.
pub fn hmmbuild(hmmbuild: &Path, sto: &Path, out_hmm: &Path, limits: &RunLimits) -> Result<(), ProteinError> {
    run(
        hmmbuild,
        &["--amino".as_ref(), "--informat".as_ref(), "stockholm".as_ref(), out_hmm.as_os_str(), sto.as_os_str()],
        limits,
    )
}

/// Checks a profile HMM file before a run relies on it, as hmmsearch will read it: a HMMER
/// format line first (`HMMER3/f`, or HMMER2's), the amino alphabet (`ALPH amino`), a closing
/// `//`, and one profile only (hmmsearch searches every profile of a file, so hits against any
/// would count). Reads up to the second profile's `NAME` line at most. `FILE:LINE: problem` on
/// failure.
pub fn check_profile_file(path: &Path) -> Result<(), ProteinError> {
    let file = satool_io::text::shown(path).display().to_string();
    let fail = |line: usize, problem: String| ProteinError::MalformedLine { file: file.clone(), line, problem };
    let mut names: Vec<String> = Vec::new();
    let (mut header, mut closed, mut last) = (false, false, 0);
    for item in satool_io::text::TextReader::open(path)?.lines() {
        let (n, line) = item?;
        let t = line.trim();
        last = n;
        closed |= t == "//";
        if !header {
            if t.is_empty() {
                continue;
            }
            if !t.starts_with("HMMER") {
                let shown: String = t.chars().take(40).collect();
                return Err(fail(
                    n,
                    format!("not a profile HMM: expected a format line such as 'HMMER3/f', found '{shown}'"),
                ));
            }
            header = true;
        } else if let Some(name) = t.strip_prefix("NAME ") {
            names.push(name.trim().to_string());
            if names.len() > 1 {
                return Err(fail(
                    n,
                    format!(
                        "a second profile ('{}' after '{}'); hmmsearch would count hits against either: give one (hmmfetch FILE NAME > one.hmm)",
                        names[1], names[0]
                    ),
                ));
            }
        } else if let Some(alph) = t.strip_prefix("ALPH ").map(str::trim) {
            if !alph.eq_ignore_ascii_case("amino") {
                return Err(fail(
                    n,
                    format!("a profile of the {alph} alphabet; a protein family needs an amino profile"),
                ));
            }
        }
    }
    if !header {
        return Err(ProteinError::InvalidArgument(format!("{file}: not a profile HMM: the file is empty")));
    }
    if !closed {
        return Err(fail(last, "the profile ends without its closing '//' (a cut file?)".to_string()));
    }
    Ok(())
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

/// Runs `hmmbuild --hand`: the match states are the `#=GC RF` columns marked `x` (see
/// [`crate::write_stockholm_rf`]).
pub fn hmmbuild_hand(hmmbuild: &Path, sto: &Path, out_hmm: &Path, limits: &RunLimits) -> Result<(), ProteinError> {
    run(
        hmmbuild,
        &[
            "--amino".as_ref(),
            "--hand".as_ref(),
            "--informat".as_ref(),
            "stockholm".as_ref(),
            out_hmm.as_os_str(),
            sto.as_os_str(),
        ],
        limits,
    )
}

/// Runs `hmmalign --outformat A2M` of `fasta` to `hmm`, writing `out`.
pub fn hmmalign_a2m(
    hmmalign: &Path,
    hmm: &Path,
    fasta: &Path,
    out: &Path,
    limits: &RunLimits,
) -> Result<(), ProteinError> {
    run(
        hmmalign,
        &[
            "--amino".as_ref(),
            "--outformat".as_ref(),
            "A2M".as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
            hmm.as_os_str(),
            fasta.as_os_str(),
        ],
        limits,
    )
}

/// The match-state columns of an A2M sequence: its uppercase letters and `-` (insertions are
/// lowercase letters and `.`).
pub fn a2m_match_columns(seq: &[u8]) -> Vec<u8> {
    seq.iter().copied().filter(|c| c.is_ascii_uppercase() || *c == b'-').collect()
}

/// Runs exactly `hmmsearch --tblout TBLOUT -E 1000 --noali HMM FASTA` (stdout discarded)
/// within `limits`, and parses the table. hmmsearch runs in the directory of `tblout`, and the
/// files there are named without it, so that the table's header (which quotes the command and
/// the files) does not name a directory that is renamed afterwards (a staging directory).
pub fn hmmsearch(
    hmmsearch: &Path,
    hmm: &Path,
    fasta: &Path,
    tblout: &Path,
    limits: &RunLimits,
) -> Result<HmmsearchHits, ProteinError> {
    let dir = tblout.parent().filter(|d| !d.as_os_str().is_empty());
    // A path as seen from `dir`: its file name when it is in `dir`, else absolute.
    let from_dir = |p: &Path| -> std::path::PathBuf {
        match (dir, p.file_name()) {
            (Some(d), Some(name)) if p.parent() == Some(d) => name.into(),
            _ => std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()),
        }
    };
    let program = std::path::absolute(hmmsearch).unwrap_or_else(|_| hmmsearch.to_path_buf());
    let (hmm_arg, fasta_arg, tbl_arg) = (from_dir(hmm), from_dir(fasta), from_dir(tblout));
    run_in(
        &program,
        &[
            "--tblout".as_ref(),
            tbl_arg.as_os_str(),
            "-E".as_ref(),
            "1000".as_ref(),
            "--noali".as_ref(),
            hmm_arg.as_os_str(),
            fasta_arg.as_os_str(),
        ],
        dir,
        limits,
    )?;
    if dir.is_some() {
        drop_current_dir_line(tblout)?;
    }
    // The shared reader, parsed as it is read: bounded line length and file size, one-line
    // message on excess, the first bad line the error.
    let lines = satool_io::text::TextReader::open(tblout)?.lines();
    parse_tblout_lines(lines.map(|l| l.map(|(n, t)| (n, std::borrow::Cow::Owned(t)))), &tblout.display().to_string())
}

/// Removes the `# Current dir:` line hmmsearch writes at the end of its table: the files the
/// table names are relative to the directory it is in, which may be renamed (a staging
/// directory becoming the output directory).
fn drop_current_dir_line(tblout: &Path) -> Result<(), ProteinError> {
    use std::io::{BufRead, BufWriter, Write};
    let tmp = tblout.with_extension("tbl.tmp");
    let io = |what: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |e| ProteinError::io(&p, what, e)
    };
    let input = std::fs::File::open(tblout).map_err(io("cannot read", tblout))?;
    let mut out = BufWriter::new(std::fs::File::create(&tmp).map_err(io("cannot write", &tmp))?);
    let mut line = Vec::new();
    let mut reader = std::io::BufReader::new(input);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(io("cannot read", tblout))? == 0 {
            break;
        }
        if !line.starts_with(b"# Current dir:") {
            out.write_all(&line).map_err(io("cannot write", &tmp))?;
        }
    }
    out.flush().map_err(io("cannot write", &tmp))?;
    drop(out);
    std::fs::rename(&tmp, tblout).map_err(io("cannot write", tblout))
}

/// Parses an hmmsearch `--tblout` table: `#` and blank lines skipped; column 1 target name,
/// column 5 full-sequence E-value, column 6 full-sequence bit score.
pub fn parse_tblout(text: &str, source: &str) -> Result<HmmsearchHits, ProteinError> {
    let lines = text.lines().enumerate().map(|(i, l)| Ok((i + 1, std::borrow::Cow::Borrowed(l))));
    parse_tblout_lines(lines, source)
}

/// [`parse_tblout`] over numbered lines.
fn parse_tblout_lines<'a>(
    lines: impl Iterator<Item = Result<(usize, std::borrow::Cow<'a, str>), satool_io::text::TextError>>,
    source: &str,
) -> Result<HmmsearchHits, ProteinError> {
    let mut hits = Vec::new();
    for l in lines {
        let (line_no, line) = l?;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let err = |problem: String| ProteinError::Tblout { file: source.to_string(), line: line_no, problem };
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Whether a process is still alive (a zombie counts as gone).
    fn alive(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
    }

    /// A run asked to stop kills its child at the next poll (a hanging `sleep` would otherwise
    /// hold this test for 1000 s) and fails with `Interrupted`.
    #[test]
    fn a_stop_request_kills_the_child() {
        let mut cmd = Command::new("sleep");
        cmd.arg("1000");
        let limits = RunLimits { timeout: None, stop: Some(|| true) };
        let e = spawn_with_deadline(cmd, &limits).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted);
    }

    /// A child that starts a grandchild and hangs is killed at the deadline with its whole
    /// group (it leads its own), is registered for cleanup only while it runs, and no process is
    /// left behind.
    #[test]
    fn deadline_kills_the_child_and_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("grandchild.pid");
        let mut cmd = Command::new("sh");
        let childfile = dir.path().join("child.stat");
        cmd.arg("-c").arg(format!(
            "cat /proc/$$/stat > {}; sleep 1000 & echo $! > {}; wait",
            childfile.display(),
            pidfile.display()
        ));
        let limits = RunLimits { timeout: Some(Duration::from_millis(500)), stop: None };
        // `sleep 1000` ends only by the deadline
        let finished = spawn_with_deadline(cmd, &limits).unwrap();
        assert!(matches!(finished, Finished::TimedOut), "{finished:?}");
        let grandchild: u32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        let gone = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            !alive(grandchild)
        });
        assert!(gone, "grandchild {grandchild} survived");
        // /proc/PID/stat: "pid (comm) state ppid pgrp …" — the child leads its own group
        let stat = std::fs::read_to_string(&childfile).unwrap();
        let pid: u32 = stat.split_whitespace().next().unwrap().parse().unwrap();
        let pgrp: u32 = stat.rsplit(')').next().unwrap().split_whitespace().nth(2).unwrap().parse().unwrap();
        assert_eq!(pid, pgrp);
        assert!(!alive(pid), "child {pid} survived");
        assert!(!satool_io::process::registered_children().contains(&pid), "still registered");
    }

    /// A quick tool is not disturbed: its exit status and stderr come back.
    #[test]
    fn a_tool_within_its_limit_reports_its_exit() {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg("echo oops >&2; exit 3");
        let limits = RunLimits { timeout: Some(Duration::from_secs(60)), stop: None };
        match spawn_with_deadline(cmd, &limits).unwrap() {
            Finished::Exited { status, stderr } => {
                assert_eq!(status.code(), Some(3));
                assert_eq!(stderr, b"oops\n");
            }
            other => panic!("{other:?}"),
        }
        let err = run(
            Path::new("/bin/sh"),
            &["-c".as_ref(), "sleep 5".as_ref()],
            &RunLimits { timeout: Some(Duration::from_millis(100)), stop: None },
        )
        .unwrap_err();
        assert!(matches!(err, ProteinError::ToolTimedOut { .. }), "{err}");
    }
}
