//! Interrupted runs leave nothing behind: SIGINT, SIGTERM and SIGHUP stop the registered child
//! processes ([`satool_io::process`]), remove the staging directories, lock files and the
//! run's private temporary directory, and exit with 130, 143 or 129 (128 + the signal number).
//!
//! Code that creates something a signal must remove registers it with [`remove_on_signal`] for
//! as long as it should be removed; code that moves results into place runs inside [`critical`],
//! which a signal waits for, so a commit is never cut in half and nothing is created after the
//! cleanup.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// What a signal does with a registered path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// Remove the directory and everything in it (a staging or temporary directory).
    Tree,
    /// Remove the directory only if it is empty (a parent folder the run created).
    EmptyDir,
    /// Remove the file (a lock file).
    File,
}

struct Entry {
    key: u64,
    path: PathBuf,
    removal: Removal,
}

static PATHS: Mutex<(u64, Vec<Entry>)> = Mutex::new((0, Vec::new()));
/// Held by commits and by the signal handler, which keeps it until the process exits.
static CRITICAL: Mutex<()> = Mutex::new(());
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// The run's private temporary directory (TMPDIR of the run and of its children).
static PRIVATE_TMP: Mutex<Option<PathBuf>> = Mutex::new(None);

fn paths() -> std::sync::MutexGuard<'static, (u64, Vec<Entry>)> {
    PATHS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps a path registered until dropped.
#[derive(Debug)]
#[must_use = "the path is unregistered when the guard is dropped"]
pub struct Registration {
    key: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        paths().1.retain(|e| e.key != self.key);
    }
}

/// Registers `path` to be removed (as `removal` says) if a signal interrupts the run while the
/// returned guard lives. On a signal, trees and files go first, then empty directories, the most
/// recently registered first.
pub fn remove_on_signal(path: &Path, removal: Removal) -> Registration {
    let mut p = paths();
    let key = p.0;
    p.0 += 1;
    p.1.push(Entry { key, path: path.to_path_buf(), removal });
    Registration { key }
}

/// Runs `f` with signal handling held off: a signal that arrives meanwhile is handled when `f`
/// returns (and then nothing new can start). Used to create and commit output directories.
/// Must not be nested.
pub fn critical<T>(f: impl FnOnce() -> T) -> T {
    let _held = CRITICAL.lock().unwrap_or_else(|e| e.into_inner());
    f()
}

/// Installs the handler of SIGINT, SIGTERM and SIGHUP (on a thread of its own) and gives the
/// run a private temporary directory, `$TMPDIR/satool-<pid>`, as its and its children's TMPDIR,
/// so that a signal or [`finish`] removes whatever temporary files the run made. Directories of
/// that name left by runs that no longer exist are removed with a note. Call once, at the start
/// of `main`, before any other thread runs.
pub fn install() {
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let base = std::env::temp_dir();
    remove_stale(&base, "satool-", "");
    let own = base.join(format!("satool-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&own);
    // An unusable TMPDIR stays as it is: whatever needs it reports the problem.
    if std::fs::create_dir(&own).is_ok() {
        // Single-threaded still (see above), so changing the environment is sound.
        std::env::set_var("TMPDIR", &own);
        *PRIVATE_TMP.lock().unwrap_or_else(|e| e.into_inner()) = Some(own);
    }
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
            Ok(mut signals) => {
                std::thread::spawn(move || {
                    if let Some(sig) = signals.forever().next() {
                        interrupted(sig);
                    }
                });
            }
            Err(e) => eprintln!("warning: cannot install the signal handler ({e}); an interrupted run may leave files"),
        }
    }
}

/// A new temporary directory (removed when dropped) in the run's TMPDIR; a TMPDIR that does not
/// exist or cannot be written is an input error naming it.
pub fn temp_dir() -> anyhow::Result<tempfile::TempDir> {
    tempfile::tempdir().map_err(|e| {
        crate::input_err!(
            "TMPDIR {}: cannot create a temporary directory there ({e}); set TMPDIR to a writable directory",
            std::env::temp_dir().display()
        )
    })
}

/// Removes the private temporary directory at the end of a run (normal or interrupted). After a
/// signal, a thread of the run may still be writing its last file there (a FASTA for an
/// hmmsearch the handler refused to start), which makes one `remove_dir_all` fail on the
/// non-empty directory: hence a removal that tries again (`remove_tree`).
pub fn finish() {
    if let Some(dir) = PRIVATE_TMP.lock().unwrap_or_else(|e| e.into_inner()).take() {
        remove_tree(&dir);
    }
}

/// Once a signal has stopped the children, the interrupted work (a killed hmmsearch, a removed
/// staging directory) fails in ways that are not errors: the calling thread waits here for the
/// handler to exit the process with 128 + the signal instead of reporting them.
pub fn wait_if_interrupted() {
    if satool_io::process::shutting_down() {
        loop {
            std::thread::park();
        }
    }
}

/// The signal handler's work: waits for a commit in progress, stops the children, removes what
/// is registered and exits with 128 + `sig`, holding off any further commit.
fn interrupted(sig: i32) -> ! {
    let _held = CRITICAL.lock().unwrap_or_else(|e| e.into_inner());
    let children = satool_io::process::stop_children();
    let mut entries: Vec<(PathBuf, Removal)> =
        std::mem::take(&mut paths().1).into_iter().map(|e| (e.path, e.removal)).collect();
    entries.reverse();
    let mut removed = 0;
    for (path, removal) in entries.iter().filter(|(_, r)| *r != Removal::EmptyDir) {
        let ok = match removal {
            Removal::Tree => remove_tree(path),
            _ => std::fs::remove_file(path).is_ok(),
        };
        removed += usize::from(ok && *removal == Removal::Tree);
    }
    for (path, _) in entries.iter().filter(|(_, r)| *r == Removal::EmptyDir) {
        let _ = std::fs::remove_dir(path);
    }
    finish();
    let name = match sig {
        2 => "SIGINT",
        15 => "SIGTERM",
        1 => "SIGHUP",
        _ => "a signal",
    };
    let mut what = vec![];
    if children > 0 {
        what.push(format!("stopped {children} child process(es)"));
    }
    if removed > 0 {
        what.push("removed the partial output".to_string());
    }
    let what = if what.is_empty() { String::new() } else { format!("; {}", what.join(", ")) };
    eprintln!("\nsatool: interrupted by {name}{what}");
    std::process::exit(128 + sig);
}

/// Removes a directory tree that a thread of the run or a child stopping may still be writing
/// into (a file created between the listing and the `rmdir` makes one removal fail): tries again
/// until the path is gone, for up to about a second. Whether it existed and is gone.
fn remove_tree(path: &Path) -> bool {
    let mut existed = false;
    for _ in 0..100 {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return existed,
            Err(_) => return false,
            Ok(_) => existed = true,
        }
        if std::fs::remove_dir_all(path).is_ok() && std::fs::symlink_metadata(path).is_err() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

/// Whether a process with this id exists (on other systems than Unix: assumed so).
pub fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
        // SAFETY: kill(2) with signal 0 only checks for existence and permission.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Removes the entries of `dir` named `<prefix><pid><suffix>` whose process no longer exists
/// (left by a run that was killed), each with a note on stderr; returns how many.
pub fn remove_stale(dir: &Path, prefix: &str, suffix: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut n = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|s| s.strip_prefix(prefix))
            .and_then(|s| s.strip_suffix(suffix))
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let path = e.path();
        #[cfg(unix)]
        {
            // Only what this user owns: another user's run is not ours to judge.
            use std::os::unix::fs::MetadataExt;
            // SAFETY: geteuid has no preconditions.
            let me = unsafe { libc::geteuid() };
            if std::fs::symlink_metadata(&path).map(|m| m.uid() != me).unwrap_or(true) {
                continue;
            }
        }
        let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        if removed.is_ok() {
            eprintln!(
                "note: removed {}, left by an interrupted satool run (process {pid} no longer exists)",
                path.display()
            );
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// The run's temporary directory goes even while a thread is still writing its last files
    /// into it (as after a signal, when a worker writes the FASTA of an hmmsearch that will not
    /// start): one `remove_dir_all` then fails on a directory that is no longer empty.
    #[test]
    fn finish_removes_the_private_directory_while_a_thread_still_writes_into_it() {
        let root = tempfile::tempdir().unwrap();
        let own = root.path().join("satool-test");
        std::fs::create_dir(&own).unwrap();
        let work = own.join("work");
        std::fs::create_dir(&work).unwrap();
        *PRIVATE_TMP.lock().unwrap() = Some(own.clone());
        let writer = std::thread::spawn(move || {
            let t0 = Instant::now();
            let mut i = 0;
            // Writes for 100 ms (the files of a worker finishing its step), stopping early once
            // the directory is gone.
            while t0.elapsed() < Duration::from_millis(100) {
                if std::fs::write(work.join(format!("{i}.fasta")), b">s\nACDE\n").is_err() {
                    break;
                }
                i += 1;
            }
        });
        std::thread::sleep(Duration::from_millis(5));
        finish();
        writer.join().unwrap();
        assert!(!own.exists(), "left {:?}", std::fs::read_dir(&own).map(|d| d.count()));
    }
}
