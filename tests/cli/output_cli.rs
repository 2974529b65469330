//! Output and input handling: signals stop a run and leave nothing,
//! the `--out` commit is one rename under a lock, inputs are read within limits, and error
//! messages are one safe line. Signal and lock tests run the real binary as child processes,
//! with a slow fake `hmmsearch` on PATH to catch them mid-run.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Files and folders directly in `dir`, sorted.
fn ls(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir) {
        Ok(d) => d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => vec![],
    };
    v.sort();
    v
}

/// A test's sandbox: a bin/ with a fake `hmmsearch` that records its pid in `started`, waits
/// until the test creates `release` (or `seconds` pass: a run the test never releases ends) and
/// fails (so `--hmmer auto` goes on without it), a tmp/ for TMPDIR, and the output root.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new(seconds: u32) -> Sandbox {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        for d in ["bin", "tmp", "runs"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        let (started, release) = (dir.path().join("started"), dir.path().join("release"));
        let script = format!(
            "#!/bin/sh\necho $$ >> '{}'\ni=0\nwhile [ ! -e '{}' ] && [ $i -lt {} ]; do sleep 0.05; i=$((i+1)); done\nexit 1\n",
            started.display(),
            release.display(),
            seconds * 20
        );
        let exe = dir.path().join("bin/hmmsearch");
        std::fs::write(&exe, script).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        Sandbox { dir }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn out(&self) -> PathBuf {
        self.path("runs/out")
    }
    /// `satool protein` on PF00076 (one method, the given HMM) with these extra arguments, started
    /// in the background with the fake HMMER first on PATH and TMPDIR in the sandbox.
    fn spawn(&self, extra: &[&str]) -> Child {
        let mut args = vec![
            "protein".to_string(),
            "--stockholm".into(),
            fixture("PF00076.sto"),
            "--hmm".into(),
            fixture("PF00076.hmm"),
            "--methods".into(),
            "bootstrap".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        Command::new(env!("CARGO_BIN_EXE_satool"))
            .args(&args)
            .current_dir(root())
            .env("PATH", format!("{}:/usr/bin:/bin", self.path("bin").display()))
            .env("TMPDIR", self.path("tmp"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start satool")
    }
    /// Waits until the fake hmmsearch has started (the run is then mid-way, its output staged);
    /// fails if `child` ends first.
    fn wait_started(&self, child: &mut Child) -> Vec<i32> {
        loop {
            if let Ok(s) = std::fs::read_to_string(self.path("started")) {
                let pids: Vec<i32> = s.lines().filter_map(|l| l.trim().parse().ok()).collect();
                if !pids.is_empty() {
                    return pids;
                }
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("satool ended ({status}) before the fake hmmsearch started");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    /// Lets the fake hmmsearch end.
    fn release(&self) {
        std::fs::write(self.path("release"), "").unwrap();
    }
}

fn kill(child: &Child, sig: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

/// Waits for the child with a time limit; returns its exit code and stderr.
fn finish(child: Child) -> (Option<i32>, String) {
    let o = child.wait_with_output().unwrap();
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn sigterm_sigint_and_sighup_stop_the_run_and_leave_nothing() {
    for (sig, code) in [(libc::SIGTERM, 143), (libc::SIGINT, 130), (libc::SIGHUP, 129)] {
        let sb = Sandbox::new(30);
        let out = sb.out();
        let report = sb.path("runs/report");
        let mut child = sb.spawn(&["--out", out.to_str().unwrap(), "--report", report.to_str().unwrap()]);
        sb.wait_started(&mut child);
        let staged: Vec<String> = ls(&sb.path("runs"));
        assert!(staged.iter().any(|n| n.starts_with(".out.satool-partial-")), "staging exists mid-run: {staged:?}");
        kill(&child, sig);
        // the fake hmmsearch is never released: the run ends by the signal, with its exit code
        let (status, err) = finish(child);
        assert_eq!(status, Some(code), "signal {sig}: {err}");
        assert!(err.contains("interrupted"), "{err}");
        assert!(ls(&sb.path("runs")).is_empty(), "signal {sig} left {:?}", ls(&sb.path("runs")));
        assert!(ls(&sb.path("tmp")).is_empty(), "signal {sig} left temporary files {:?}", ls(&sb.path("tmp")));
    }
}

#[test]
fn without_out_a_signal_removes_the_temporary_directory() {
    let sb = Sandbox::new(30);
    let mut child = sb.spawn(&[]);
    sb.wait_started(&mut child);
    assert!(!ls(&sb.path("tmp")).is_empty(), "hmmsearch works in a temporary directory");
    kill(&child, libc::SIGINT);
    let (status, err) = finish(child);
    assert_eq!(status, Some(130), "{err}");
    assert!(ls(&sb.path("tmp")).is_empty(), "left {:?}", ls(&sb.path("tmp")));
}

#[test]
fn a_killed_runs_staging_is_removed_by_the_next_run() {
    let sb = Sandbox::new(30);
    let out = sb.out();
    let mut child = sb.spawn(&["--out", out.to_str().unwrap()]);
    let fake = sb.wait_started(&mut child);
    kill(&child, libc::SIGKILL);
    let pid = child.id();
    let _ = finish(child);
    for p in fake {
        // SAFETY: as above. The orphaned fake hmmsearch (SIGKILL cannot be handled).
        unsafe { libc::kill(p, libc::SIGKILL) };
    }
    let left = ls(&sb.path("runs"));
    assert!(left.contains(&format!(".out.satool-partial-{pid}")), "{left:?}");
    assert_eq!(ls(&sb.path("tmp")), [format!("satool-{pid}")], "the killed run's private TMPDIR");
    // And an earlier version's staging directory inside the target.
    std::fs::create_dir_all(out.join(".satool-partial-99999999/x")).unwrap();
    let tmp = sb.path("tmp").display().to_string();
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &fixture("PF00076.sto"),
            "--hmmer",
            "off",
            "--methods",
            "bootstrap",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("TMPDIR", &tmp)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("note: removed") && err.contains(&format!("process {pid} no longer exists")), "{err}");
    assert!(err.contains("process 99999999 no longer exists"), "{err}");
    assert_eq!(ls(&sb.path("runs")), ["out"]);
    assert!(ls(&out).iter().all(|n| !n.starts_with('.')), "{:?}", ls(&out));
    assert!(ls(&sb.path("tmp")).is_empty(), "stale TMPDIR left: {:?}", ls(&sb.path("tmp")));
    assert!(ls(&out).contains(&"results.json".to_string()));
}

#[test]
fn a_concurrent_run_into_the_same_directory_fails_at_once() {
    // The first run sits in hmmsearch until released; the others must not wait for it (were
    // they to wait for the lock, they would wait for the release, which comes after them).
    let sb = Sandbox::new(120);
    let out = sb.out();
    let mut first = sb.spawn(&["--out", out.to_str().unwrap(), "--json"]);
    sb.wait_started(&mut first);
    let sto = fixture("PF00076.sto");
    for force in [false, true] {
        let mut args = vec!["protein", "--stockholm", &sto];
        let out_s = out.to_str().unwrap();
        args.extend(["--hmmer", "off", "--methods", "gaussian", "--seed", "2", "--out", out_s]);
        if force {
            args.push("--force");
        }
        let o = satool(&args, &[]);
        assert_input_error(&o, "another satool run is writing this directory");
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
        assert!(first.try_wait().unwrap().is_none(), "refused while the first run holds the lock");
    }
    sb.release();
    let o = first.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(without_timings(v), without_timings(written), "the first run's output is the one in place");
    assert!(out.join("bootstrap.fasta").exists() && !out.join("gaussian.fasta").exists());
    assert_eq!(ls(&sb.path("runs")), ["out"], "no lock file or staging left");
}

#[test]
fn many_concurrent_runs_never_both_succeed_into_one_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let children: Vec<Child> = (0..4)
        .map(|seed| {
            Command::new(env!("CARGO_BIN_EXE_satool"))
                .args(["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--methods", "bootstrap"])
                .args(["--seed", &seed.to_string(), "--out", out.to_str().unwrap()])
                .current_dir(root())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let codes: Vec<Option<i32>> = children.into_iter().map(|c| finish(c).0).collect();
    assert_eq!(codes.iter().filter(|c| **c == Some(0)).count(), 1, "exactly one run writes the directory: {codes:?}");
    assert!(codes.iter().all(|c| *c == Some(0) || *c == Some(2)), "{codes:?}");
    assert_eq!(ls(dir.path()), ["out"]);
}

#[test]
fn force_replaces_the_old_directory_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("old_sub")).unwrap();
    std::fs::write(out.join("stale.fasta"), ">x\nA\n").unwrap();
    std::fs::write(out.join("results.json"), "{}").unwrap();
    let args = [
        "protein",
        "--stockholm",
        &fixture("PF00076.sto"),
        "--hmmer",
        "off",
        "--methods",
        "bootstrap",
        "--out",
        out.to_str().unwrap(),
    ];
    let o = satool(&args, &[]);
    assert_input_error(&o, "--force");
    let mut forced = args.to_vec();
    forced.push("--force");
    let o = satool(&forced, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        ls(&out),
        [
            "bootstrap.a2m",
            "bootstrap.aligned.fasta",
            "bootstrap.fasta",
            "bootstrap.tsv",
            "command.txt",
            "family.cleaned.sto",
            "results.json"
        ]
    );
    assert_eq!(ls(dir.path()), ["out"]);
}

#[test]
fn report_into_out_and_beside_it_still_commit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let rep = dir.path().join("rep");
    let base = ["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--methods", "bootstrap,sa_gen"];
    let mut args = base.to_vec();
    args.extend(["--out", out.to_str().unwrap(), "--report", out.to_str().unwrap()]);
    let o = satool(&args, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("report.md").exists() && out.join("results.json").exists());
    let mut args = base.to_vec();
    args.extend(["--out", out.to_str().unwrap(), "--force", "--report", rep.to_str().unwrap()]);
    let o = satool(&args, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(rep.join("report.md").exists() && !out.join("report.md").exists(), "--force replaced out whole");
    assert_eq!(ls(dir.path()), ["out", "rep"]);
}

#[test]
fn a_failed_run_into_missing_parents_leaves_no_folders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a/b/c");
    let bad = dir.path().join("bad.fasta");
    std::fs::write(&bad, ">x\nACD\n").unwrap();
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &fixture("PF00076.sto"),
            "--hmmer",
            "off",
            "--methods",
            "bootstrap",
            "--evaluate",
            bad.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_input_error(&o, "bad.fasta");
    assert_eq!(ls(dir.path()), ["bad.fasta"], "a/b/ must not stay behind");
}

#[test]
fn endless_inputs_stop_at_the_line_limit() {
    let zero = "/dev/zero";
    let cases: Vec<Vec<&str>> = vec![vec!["protein", "--stockholm", zero], vec!["finance", "--prices", zero]];
    let sto = fixture("PF00076.sto");
    let more: Vec<Vec<&str>> = vec![
        vec!["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "bootstrap", "--evaluate", zero],
        vec!["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "bootstrap", "--condition-file", zero],
    ];
    for args in cases.iter().chain(&more) {
        // an endless input that were not stopped at the limit would not end (nor this test)
        let o = satool(args, &[]);
        assert_input_error(&o, "/dev/zero: cannot read: line 1 is longer than the input limit of 1 MiB");
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_naming_it() {
    let o = satool(&["protein", "--stockholm", &fixture("PF00076.sto")], &[("SATOOL_MAX_INPUT_BYTES", "1000")]);
    assert_input_error(&o, "PF00076.sto: cannot read: larger than the input limit of 1000 bytes");
    assert!(stderr(&o).contains("SATOOL_MAX_INPUT_BYTES"));
    let o = satool(&["finance", "--prices", &fixture("sp500.csv")], &[("SATOOL_MAX_LINE_BYTES", "16")]);
    assert_input_error(&o, "sp500.csv: cannot read: line 1 is longer than the input limit of 16 bytes");
}

/// A `SATOOL_*` variable the tool cannot use is an input error naming it and its value, before
/// anything runs — never silently the default.
#[test]
fn an_unusable_environment_variable_is_refused_naming_it() {
    let sto = fixture("PF00076.sto");
    let args = ["protein", "--stockholm", &sto, "--methods", "bootstrap", "--hmmer", "off", "--quiet"];
    for (name, value) in [
        ("SATOOL_MAX_INPUT_BYTES", "4GB"),
        ("SATOOL_MAX_INPUT_BYTES", "0"),
        ("SATOOL_MAX_LINE_BYTES", "-1"),
        ("SATOOL_MAX_LINE_BYTES", ""),
    ] {
        let o = satool(&args, &[(name, value)]);
        assert_input_error(&o, &format!("{name}=\"{value}\" is not a positive whole number of bytes"));
    }
    for name in ["SATOOL_NO_AVX512", "SATOOL_TWO_PASS", "SATOOL_NO_PACKED_KERNEL", "SATOOL_REPORT_PEAK_RSS"] {
        let o = satool(&args, &[(name, "yes")]);
        assert_input_error(&o, &format!("{name}=\"yes\" is not a switch: set it to 1 (on) or 0 (off)"));
        assert!(satool(&args, &[(name, "0")]).status.success(), "{name}=0 is off");
    }
    let o = satool(&args, &[("SATOOL_MAX_MEMORY_BYTES", "lots")]);
    assert_input_error(&o, "SATOOL_MAX_MEMORY_BYTES: 'lots' is not a positive number of bytes");
    let o = satool(&args, &[("SATOOL_MAX_INPUT_BYTES", " 50000000 ")]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn an_invalid_regex_is_one_line_naming_the_option() {
    let o = satool(&["protein", "--stockholm", &fixture("PF00076.sto"), "--condition-names", "(abc"], &[]);
    assert_input_error(&o, "--condition-names '(abc': invalid regular expression: unclosed group");
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn control_characters_in_messages_are_escaped() {
    let o = satool(&["protein", "--stockholm", "no\x1b[31mfile\x07.sto"], &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "raw control characters reached the terminal: {err:?}");
    assert!(err.contains("no\\x1b[31mfile\\x07.sto"), "{err}");
    // The I/O cause is said once, not twice.
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

// ---- inputs inside outputs, mount points, streamed readers, signals during HMMER ----

/// `--out` (or `--report`) that is or holds an input is refused with exit 2 before anything is
/// touched, with or without `--force`: a symlinked path, a hard link and the directory itself.
#[test]
fn an_output_directory_holding_an_input_is_refused_and_nothing_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    let prices = victim.join("sp500.csv");
    std::fs::copy(fixture("sp500.csv"), &prices).unwrap();
    let sto = victim.join("fam.sto");
    std::fs::copy(fixture("PF00076.sto"), &sto).unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("alias")).unwrap();
    let linked = dir.path().join("linked.csv");
    std::fs::hard_link(&prices, &linked).unwrap();
    let (v, alias, p, l, s) = (
        victim.to_str().unwrap(),
        dir.path().join("alias").display().to_string(),
        prices.to_str().unwrap(),
        linked.to_str().unwrap(),
        sto.to_str().unwrap(),
    );
    let seed = fixture("PF00076.sto");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["finance", "--prices", p, "--methods", "bootstrap", "--out", v, "--force"], "--out"),
        (vec!["finance", "--prices", p, "--methods", "bootstrap", "--out", &alias, "--force"], "--out"),
        (vec!["finance", "--prices", l, "--methods", "bootstrap", "--out", v, "--force"], "--out"),
        (vec!["finance", "--prices", p, "--methods", "bootstrap", "--report", v, "--force"], "--report"),
        (vec!["protein", "--stockholm", s, "--hmmer", "off", "--methods", "bootstrap", "--out", v, "--force"], "--out"),
        (vec!["protein", "--stockholm", &seed, "--hmmer", "off", "--evaluate", p, "--out", v], "--out"),
    ];
    for (args, option) in cases {
        let o = satool(&args, &[]);
        assert_input_error(&o, &format!("{option} "));
        assert!(stderr(&o).contains("holds the input"), "{args:?}: {}", stderr(&o));
        assert_eq!(ls(&victim), ["fam.sto", "sp500.csv"], "{args:?} changed the directory");
        assert_eq!(std::fs::read(&prices).unwrap(), std::fs::read(fixture("sp500.csv")).unwrap());
    }
    assert_eq!(ls(dir.path()), ["alias", "linked.csv", "victim"], "no staging or lock left");
}

/// Unmounts a tmpfs when dropped.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// `--out` on a directory that cannot be renamed — a mount point (a tmpfs, when the tests run as
/// root and may mount), else a directory in a parent this user cannot write — is committed into:
/// a first run fills the empty directory, a `--force` run replaces its content, and the
/// directory itself stays (still mounted).
#[test]
fn out_on_a_mount_point_or_in_a_read_only_parent_is_committed_into() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().join("parent");
    let out = parent.join("vol");
    std::fs::create_dir_all(&out).unwrap();
    // SAFETY: geteuid has no preconditions.
    let root_user = unsafe { libc::geteuid() } == 0;
    let mounted = root_user
        && Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
            .arg(&out)
            .status()
            .is_ok_and(|s| s.success());
    let _guard = mounted.then(|| Mounted(out.clone()));
    if !mounted {
        assert!(!root_user, "as root the test mounts a tmpfs (mount failed)");
        std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let dev = |p: &Path| std::os::unix::fs::MetadataExt::dev(&std::fs::metadata(p).unwrap());
    let dev0 = dev(&out);
    let out_s = out.to_str().unwrap();
    let args = ["finance", "--prices", &fixture("sp500.csv"), "--methods", "bootstrap", "--out", out_s];
    let o = satool(&args, &[]);
    assert!(o.status.success(), "into an empty mount point: {}", stderr(&o));
    assert_eq!(ls(&out), ["bootstrap.csv", "command.txt", "per_ticker.csv", "results.json", "tickers.csv"]);
    std::fs::write(out.join("stale.txt"), "old").unwrap();
    let o = satool(&args, &[]);
    assert_input_error(&o, "not empty");
    let mut forced = args.to_vec();
    forced[4] = "exact";
    forced.push("--force");
    let o = satool(&forced, &[]);
    assert!(o.status.success(), "--force into a mount point: {}", stderr(&o));
    assert_eq!(ls(&out), ["command.txt", "exact.csv", "per_ticker.csv", "results.json", "tickers.csv"]);
    assert_eq!(dev(&out), dev0, "the directory itself was not replaced");
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(ls(&parent), ["vol"], "no staging or lock left beside it");
}

/// A gzip stream that decompresses to far more than its size (24 copies of one 64 MiB member:
/// 1.5 GiB of lines), under an address-space limit of 1 GiB: the readers parse as they read, so
/// they stop at the first bad line long before the limit; a reader that held the whole text would
/// abort. /dev/urandom likewise.
#[test]
fn garbage_and_endless_inputs_fail_at_their_first_bad_line_in_bounded_memory() {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let line = b"garbage line, with, some, commas\n";
    for _ in 0..(64 << 20) / line.len() {
        member.write_all(line).unwrap();
    }
    let member = member.finish().unwrap();
    let gz = dir.path().join("garbage.csv.gz");
    std::fs::write(&gz, member.repeat(24)).unwrap();
    let (g, sto) = (gz.to_str().unwrap(), fixture("PF00076.sto"));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["finance", "--prices", g], "garbage.csv.gz:2: column 'garbage line'"),
        (vec!["protein", "--stockholm", g], "garbage.csv.gz:1: missing '# STOCKHOLM 1.0' header"),
        (vec!["protein", "--stockholm", &sto, "--hmmer", "off", "--evaluate", g], "garbage.csv.gz:1: not FASTA"),
        (vec!["finance", "--prices", "/dev/urandom"], "/dev/urandom:"),
        (vec!["protein", "--stockholm", "/dev/urandom"], "/dev/urandom:"),
    ];
    for (args, needle) in cases {
        let mut c = Command::new(env!("CARGO_BIN_EXE_satool"));
        c.args(&args).current_dir(root());
        // SAFETY: setrlimit is async-signal-safe and touches only the child's limits.
        unsafe {
            c.pre_exec(|| {
                let lim = libc::rlimit { rlim_cur: 1 << 30, rlim_max: 1 << 30 };
                if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let o = c.output().unwrap();
        assert_input_error(&o, needle);
    }
}

/// Signals at spread-out moments of runs with the real hmmsearch: whenever it lands, the run either finished or stopped with 128 + the signal,
/// and no staging directory, lock or temporary file is left.
#[test]
fn signals_at_random_moments_during_hmmsearch_leave_nothing() {
    require_hmmer();
    // A fixed pseudo-random sequence of delays (ms), so a failure can be replayed.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for (i, sig) in
        [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGTERM, libc::SIGINT].into_iter().enumerate()
    {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = Duration::from_millis(20 + x % 400);
        let sb = Sandbox::new(2);
        let (out, report) = (sb.out(), sb.path("runs/report"));
        let mut args = vec![
            "--out",
            out.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--methods",
            "bootstrap,exact_gen",
        ];
        // The real hmmsearch (the sandbox's fake one is left off PATH).
        args.extend(["--hmmer", "require"]);
        let mut c = Command::new(env!("CARGO_BIN_EXE_satool"));
        c.args(["protein", "--stockholm", &fixture("PF00076.sto"), "--hmm", &fixture("PF00076.hmm")])
            .args(&args)
            .current_dir(root())
            .env("TMPDIR", sb.path("tmp"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let child = c.spawn().unwrap();
        std::thread::sleep(delay);
        // SAFETY: kill(2) has no memory-safety preconditions (the child may have exited).
        unsafe { libc::kill(child.id() as i32, sig) };
        let (status, err) = finish(child);
        assert!(
            status == Some(0) || status == Some(128 + sig),
            "case {i} (signal {sig} after {delay:?}): exit {status:?}: {err}"
        );
        let left: Vec<String> = ls(&sb.path("runs")).into_iter().filter(|n| n.starts_with('.')).collect();
        assert!(left.is_empty(), "case {i} (signal {sig} after {delay:?}) left {left:?}: {err}");
        for d in [&out, &report] {
            assert!(ls(d).iter().all(|n| !n.starts_with('.')), "case {i}: {:?} in {}", ls(d), d.display());
        }
        assert!(ls(&sb.path("tmp")).is_empty(), "case {i} left temporary files {:?}", ls(&sb.path("tmp")));
    }
}

/// A fake `hmmsearch` in a new bin/ of `dir` whose table is `table` (a shell here-document body;
/// `$TBL` is the --tblout argument, `$FASTA` the sequence file), plus a line naming its working
/// directory as the real one does.
fn fake_hmmsearch(dir: &Path, table: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        "#!/bin/sh\nTBL=$2\nfor a; do FASTA=$a; done\ncat > \"$TBL\" <<END\n{table}\n# Target file: $FASTA\n# Current dir: $(pwd)\nEND\n"
    );
    let exe = bin.join("hmmsearch");
    std::fs::write(&exe, script).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// The committed hmmsearch tables name no staging directory, and a table that does not parse
/// (the HMM columns then say "not run") is not committed.
#[test]
fn committed_hmmsearch_tables_name_no_staging_path_and_garbage_ones_are_not_committed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = |bin: &Path, out: &Path| {
        let path = format!("{}:/usr/bin:/bin", bin.display());
        let args = ["protein", "--stockholm", &fixture("PF00076.sto"), "--hmm", &fixture("PF00076.hmm")];
        let mut c = Command::new(env!("CARGO_BIN_EXE_satool"));
        c.args(args).args(["--methods", "bootstrap", "--json", "--out", out.to_str().unwrap()]);
        c.current_dir(root()).env("PATH", path).output().unwrap()
    };
    let good = "bootstrap_1 - RRM_1 PF00076.29 1e-12 41.0 0.0 1.1e-12 40.9 0.0 1.0 1 0 0 1 1 1 1 -";
    let o = run(&fake_hmmsearch(&dir.path().join("good"), good), &out);
    let v = json(&o);
    assert_eq!(v["hmmer"]["status"], "ran", "{v}");
    let tbl = std::fs::read_to_string(out.join("bootstrap.hmmsearch.tbl")).unwrap();
    assert!(tbl.contains("bootstrap_1") && tbl.contains("# Target file: bootstrap.fasta"), "{tbl}");
    assert!(!tbl.contains("satool-partial") && !tbl.contains("Current dir"), "{tbl}");
    let out2 = dir.path().join("out2");
    let o = run(&fake_hmmsearch(&dir.path().join("bad"), "this is not a table"), &out2);
    let v = json(&o);
    assert!(v["hmmer"]["status"].as_str().unwrap().starts_with("not run"), "{v}");
    assert!(!out2.join("bootstrap.hmmsearch.tbl").exists(), "{:?}", ls(&out2));
}
