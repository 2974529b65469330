//! Output directories written atomically. Every file goes to a hidden staging directory beside
//! the target, `<parent>/.<name>.satool-partial-<pid>/`, which is renamed into place in one step
//! only when the whole run has succeeded: a failed or interrupted run leaves nothing, and a
//! reader never sees half a result. With `--force` an existing directory is replaced whole (moved
//! aside, the new one renamed in, the old one removed), never merged with the new files.
//!
//! An exclusive lock on `<parent>/.<name>.satool-lock`, held from [`Staging::new`] to the commit,
//! makes a second run into the same directory fail at once; the lock file is removed with the
//! lock. Staging directories of runs that were killed (their pid no longer exists) are removed,
//! with a note, by the next run into the same directory. Parent folders that do not exist are
//! created for the staging directory and removed again if the run fails.

use crate::shutdown::{self, Registration, Removal};
use anyhow::{anyhow, bail, Context, Result};
use std::fs;
use std::path::{Component, Path, PathBuf};

/// An output directory being written: files go to [`Staging::path`] and appear in the target
/// only at [`Staging::commit`].
pub struct Staging {
    dir: PathBuf,
    tmp: PathBuf,
    force: bool,
    /// Parent folders this run created, outermost first.
    created: Vec<PathBuf>,
    lock: Option<DirLock>,
    committed: bool,
    _registrations: Vec<Registration>,
}

/// Where the staging, lock and set-aside paths of `dir` live.
struct Names {
    parent: PathBuf,
    name: String,
}

impl Names {
    fn of(dir: &Path) -> Result<Names> {
        // An existing directory by its real path (so `--out .` has a name and a parent).
        let dir = if dir.exists() {
            fs::canonicalize(dir).with_context(|| format!("--out {}: cannot resolve the path", dir.display()))?
        } else if dir.components().any(|c| matches!(c, Component::ParentDir)) {
            std::path::absolute(dir).with_context(|| format!("--out {}: cannot resolve the path", dir.display()))?
        } else {
            dir.to_path_buf()
        };
        let name = match dir.file_name().map(|n| n.to_string_lossy().into_owned()) {
            Some(n) if !dir.ends_with("..") => n,
            _ => bail!("--out {}: name a directory", dir.display()),
        };
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(Names { parent, name })
    }
    fn partial_prefix(&self) -> String {
        format!(".{}.satool-partial-", self.name)
    }
    fn old_prefix(&self) -> String {
        format!(".{}.satool-old-", self.name)
    }
    fn tmp(&self) -> PathBuf {
        self.parent.join(format!("{}{}", self.partial_prefix(), std::process::id()))
    }
    fn old(&self) -> PathBuf {
        self.parent.join(format!("{}{}", self.old_prefix(), std::process::id()))
    }
    fn lock(&self) -> PathBuf {
        self.parent.join(format!(".{}.satool-lock", self.name))
    }
}

impl Staging {
    /// Claims `dir`: locks it against concurrent runs, removes what killed runs left, and
    /// refuses an existing non-empty directory unless `force`. Nothing appears at `dir` before
    /// [`Staging::commit`].
    pub fn new(dir: &Path, force: bool) -> Result<Self> {
        shutdown::critical(|| Self::claim(dir, force))
    }

    fn claim(dir: &Path, force: bool) -> Result<Self> {
        if dir.exists() && !dir.is_dir() {
            bail!("--out {}: exists and is not a directory", dir.display());
        }
        let names = Names::of(dir)?;
        if force && dir.is_dir() {
            refuse_to_replace(dir, &names.parent.join(&names.name))?;
        }
        let mut st = Staging {
            // The real path of an existing directory (a symlink to it stays a symlink).
            dir: names.parent.join(&names.name),
            tmp: names.tmp(),
            force,
            created: Vec::new(),
            lock: None,
            committed: false,
            _registrations: Vec::new(),
        };
        // Missing parents, outermost first (dropped again if anything below fails).
        let missing: Vec<PathBuf> = names
            .parent
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
            .map(Path::to_path_buf)
            .collect();
        for p in missing.into_iter().rev() {
            fs::create_dir(&p).with_context(|| format!("--out {}: cannot create {}", dir.display(), p.display()))?;
            st._registrations.push(shutdown::remove_on_signal(&p, Removal::EmptyDir));
            st.created.push(p);
        }
        let lock_path = names.lock();
        st.lock = Some(DirLock::acquire(&lock_path).map_err(|e| match e {
            LockError::Busy => anyhow!(
                "--out {}: another satool run is writing this directory (it holds {}); wait for it to finish or choose another directory",
                dir.display(),
                lock_path.display()
            ),
            LockError::Io(e) => anyhow!("--out {}: cannot lock {}: {e}", dir.display(), lock_path.display()),
        })?);
        st._registrations.push(shutdown::remove_on_signal(&lock_path, Removal::File));
        // What killed runs left: staging and set-aside directories beside the target, and the
        // staging directory inside it of earlier versions (`.satool-partial-<pid>`).
        shutdown::remove_stale(&names.parent, &names.partial_prefix(), "");
        shutdown::remove_stale(&names.parent, &names.old_prefix(), "");
        if dir.is_dir() {
            shutdown::remove_stale(dir, ".satool-partial-", "");
            let non_empty =
                fs::read_dir(dir).with_context(|| format!("--out {}: cannot list", dir.display()))?.next().is_some();
            if non_empty && !force {
                bail!(
                    "--out {}: directory exists and is not empty (use --force to replace it with this run's output)",
                    dir.display()
                );
            }
        }
        if st.tmp.exists() {
            // Left by an earlier process with this pid.
            let _ = fs::remove_dir_all(&st.tmp);
        }
        fs::create_dir(&st.tmp)
            .with_context(|| format!("--out {}: cannot create {}", dir.display(), st.tmp.display()))?;
        st._registrations.push(shutdown::remove_on_signal(&st.tmp, Removal::Tree));
        Ok(st)
    }

    /// Where a file or sub-directory named `name` is staged (for tools such as hmmsearch that
    /// write files themselves, and for nested output directories).
    pub fn path(&mut self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let p = self.path(name);
        fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))
    }

    /// Renames the staged directory into place in one step (replacing the old directory whole
    /// with `--force`) and releases the lock; returns the paths of what it holds.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        shutdown::critical(|| self.swap_in())?;
        self.committed = true;
        let mut done: Vec<PathBuf> = fs::read_dir(&self.dir)
            .with_context(|| format!("cannot list {}", self.dir.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("cannot list {}", self.dir.display()))?;
        done.sort();
        Ok(done)
    }

    fn swap_in(&mut self) -> Result<()> {
        let (tmp, dir) = (&self.tmp, &self.dir);
        // Onto nothing or an empty directory, rename(2) replaces in one step; onto a non-empty
        // directory it fails, so a directory filled meanwhile is never lost.
        let first = match fs::rename(tmp, dir) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        let exists_non_empty = dir.is_dir() && fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(false);
        if !exists_non_empty {
            return Err(first).with_context(|| format!("cannot move {} to {}", tmp.display(), dir.display()));
        }
        if !self.force {
            bail!(
                "--out {}: the directory was filled by something else during this run; this run's output is not written (use --force to replace it)",
                dir.display()
            );
        }
        let old = Names::of(dir)?.old();
        let _aside = shutdown::remove_on_signal(&old, Removal::Tree);
        fs::rename(dir, &old)
            .with_context(|| format!("--force: cannot move the old {} aside to {}", dir.display(), old.display()))?;
        if let Err(e) = fs::rename(tmp, dir) {
            let back = fs::rename(&old, dir);
            return Err(anyhow!(e)).with_context(|| {
                format!(
                    "cannot move {} to {}{}",
                    tmp.display(),
                    dir.display(),
                    if back.is_ok() {
                        " (the old directory is back in place)".to_string()
                    } else {
                        format!(" (the old directory is at {})", old.display())
                    }
                )
            });
        }
        if let Err(e) = fs::remove_dir_all(&old) {
            eprintln!("warning: could not remove the replaced directory {}: {e}", old.display());
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
        // The lock file goes while the lock is still held, then the lock.
        drop(self.lock.take());
        if !self.committed {
            for p in self.created.iter().rev() {
                let _ = fs::remove_dir(p);
            }
        }
    }
}

/// `--force` replaces a directory whole, so it refuses the ones whose loss would not be a
/// previous run's output: the root, the home directory, and the current directory or one of
/// its parents.
fn refuse_to_replace(given: &Path, real: &Path) -> Result<()> {
    let cwd = std::env::current_dir().ok().and_then(|c| fs::canonicalize(c).ok());
    let home = std::env::var_os("HOME").and_then(|h| fs::canonicalize(h).ok());
    let why = if real.parent().is_none() {
        Some("it is the root directory")
    } else if home.as_deref() == Some(real) {
        Some("it is your home directory")
    } else if cwd.as_deref().is_some_and(|c| c.starts_with(real)) {
        Some("it holds the current directory")
    } else {
        None
    };
    match why {
        Some(why) => bail!(
            "--out {}: --force would replace this directory whole and {why}; choose a sub-directory",
            given.display()
        ),
        None => Ok(()),
    }
}

/// An exclusive lock on a lock file, removed (while still held) when dropped.
struct DirLock {
    path: PathBuf,
    _file: fs::File,
}

enum LockError {
    Busy,
    Io(std::io::Error),
}

impl DirLock {
    fn acquire(path: &Path) -> std::result::Result<DirLock, LockError> {
        // A run that held the lock removes the file before releasing it: a lock taken on a
        // file that is no longer at `path` is worth nothing, so open and lock again.
        for _ in 0..100 {
            let file =
                fs::OpenOptions::new().create(true).truncate(false).write(true).open(path).map_err(LockError::Io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => return Err(LockError::Busy),
                Err(fs::TryLockError::Error(e)) => return Err(LockError::Io(e)),
            }
            if same_file(&file, path) {
                return Ok(DirLock { path: path.to_path_buf(), _file: file });
            }
        }
        Err(LockError::Busy)
    }
}

#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &fs::File, path: &Path) -> bool {
    path.exists()
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn failed_run_leaves_nothing_and_non_empty_dir_needs_force() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        {
            let mut s = Staging::new(&out, false).unwrap();
            s.write("a.txt", b"x").unwrap();
            assert!(!out.exists(), "nothing appears before the commit");
            // dropped without commit
        }
        assert!(!out.exists(), "a failed run must not leave the directory it created");
        assert!(names(root.path()).is_empty(), "no staging directory or lock file left: {:?}", names(root.path()));
        let mut s = Staging::new(&out, false).unwrap();
        s.write("a.txt", b"x").unwrap();
        assert_eq!(s.commit().unwrap(), vec![out.join("a.txt")]);
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"x");
        assert_eq!(names(&out), ["a.txt"], "no staging directory left behind");
        assert_eq!(names(root.path()), ["out"], "no lock file left behind");
        assert!(Staging::new(&out, false).is_err());
        assert!(Staging::new(&out, true).is_ok());
    }

    #[test]
    fn force_replaces_the_old_directory_whole() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        fs::create_dir_all(out.join("sub")).unwrap();
        fs::write(out.join("stale.txt"), b"old").unwrap();
        fs::write(out.join("a.txt"), b"old").unwrap();
        let mut s = Staging::new(&out, true).unwrap();
        s.write("a.txt", b"new").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&out), ["a.txt"], "stale files of the old run are gone");
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"new");
        assert_eq!(names(root.path()), ["out"]);
    }

    #[test]
    fn a_second_claim_fails_at_once_while_the_first_holds_the_lock() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let first = Staging::new(&out, false).unwrap();
        let e = Staging::new(&out, true).err().expect("the directory is locked");
        assert!(format!("{e:#}").contains("another satool run is writing this directory"), "{e:#}");
        drop(first);
        assert!(Staging::new(&out, false).is_ok(), "the lock is released with the staging");
    }

    #[test]
    fn a_directory_filled_during_the_run_is_not_overwritten_without_force() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let mut s = Staging::new(&out, false).unwrap();
        s.write("a.txt", b"mine").unwrap();
        fs::create_dir(&out).unwrap();
        fs::write(out.join("theirs.txt"), b"theirs").unwrap();
        let e = s.commit().unwrap_err();
        assert!(format!("{e:#}").contains("filled by something else"), "{e:#}");
        assert_eq!(names(&out), ["theirs.txt"]);
        assert_eq!(names(root.path()), ["out"], "the staging directory is removed");
    }

    #[test]
    fn missing_parents_are_removed_when_the_run_fails_and_kept_when_it_commits() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("a/b/c");
        drop(Staging::new(&out, false).unwrap());
        assert!(names(root.path()).is_empty(), "{:?}", names(root.path()));
        let mut s = Staging::new(&out, false).unwrap();
        s.write("x", b"1").unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read(out.join("x")).unwrap(), b"1");
        assert_eq!(names(&root.path().join("a/b")), ["c"]);
    }

    #[test]
    fn force_never_replaces_the_current_directory_or_its_parents() {
        let cwd = std::env::current_dir().unwrap();
        for dir in [Path::new("."), cwd.parent().unwrap()] {
            let e = Staging::new(dir, true).err().expect("refused");
            assert!(format!("{e:#}").contains("--force would replace this directory whole"), "{e:#}");
        }
        assert!(Staging::new(Path::new("/"), true).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_output_directory_is_replaced_where_it_points() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::write(real.join("old.txt"), b"old").unwrap();
        std::os::unix::fs::symlink(&real, root.path().join("link")).unwrap();
        let mut s = Staging::new(&root.path().join("link"), true).unwrap();
        s.write("new.txt", b"new").unwrap();
        s.commit().unwrap();
        assert!(fs::symlink_metadata(root.path().join("link")).unwrap().file_type().is_symlink());
        assert_eq!(names(&real), ["new.txt"]);
    }

    #[test]
    fn staging_of_a_dead_process_is_removed_by_the_next_run() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let stale = root.path().join(".out.satool-partial-99999999");
        fs::create_dir_all(stale.join("x")).unwrap();
        // An earlier version's staging directory inside the target.
        fs::create_dir_all(out.join(".satool-partial-99999998")).unwrap();
        let mut s = Staging::new(&out, false).unwrap();
        assert!(!stale.exists() && !out.join(".satool-partial-99999998").exists());
        s.write("a", b"1").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&out), ["a"]);
    }
}
