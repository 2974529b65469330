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
//!
//! A target that exists and cannot be renamed — a mount point (a container volume, a tmpfs) or a
//! directory in a parent the user cannot write — is committed *into*: the staging directory and
//! the lock are `<dir>/.satool-partial-<pid>/` and `<dir>/.satool-lock`, and the commit moves the
//! staged entries into the directory (with `--force`, after moving the old entries aside; they
//! come back if the commit fails). [`commit_all`] commits several directories (`--out` and
//! `--report`) together or not at all.

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
    /// Staged inside the target, whose entries the commit moves (see the module doc).
    inside: bool,
    committed: bool,
    _registrations: Vec<Registration>,
}

/// What a commit changed, until [`Undo::finish`] makes it final or [`Undo::undo`] takes it back.
enum Undo {
    /// The staging directory became the target (which did not exist or was empty).
    Renamed { tmp: PathBuf, dir: PathBuf },
    /// The old target went aside, then the staging directory became the target.
    Replaced { tmp: PathBuf, dir: PathBuf, old: PathBuf },
    /// The staged entries (`moved`) went into the target; its old entries, if any, into `old`.
    Moved {
        tmp: PathBuf,
        dir: PathBuf,
        moved: Vec<std::ffi::OsString>,
        old: Option<(PathBuf, Vec<std::ffi::OsString>)>,
    },
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
        let real = names.parent.join(&names.name);
        if force && dir.is_dir() {
            refuse_to_replace(dir, &real)?;
        }
        let inside = dir.is_dir() && (is_mount_point(&real) || !writable(&names.parent));
        if inside {
            return Self::claim_inside(dir, real, force);
        }
        let mut st = Staging {
            // The real path of an existing directory (a symlink to it stays a symlink).
            dir: real,
            tmp: names.tmp(),
            force,
            created: Vec::new(),
            lock: None,
            inside: false,
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
        st.lock = Some(lock_for(dir, &lock_path)?);
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
        st.create_tmp(dir)?;
        Ok(st)
    }

    /// Creates the staging directory (`given` names the target in messages) and checks the space
    /// free where it is.
    fn create_tmp(&mut self, given: &Path) -> Result<()> {
        if self.tmp.exists() {
            // Left by an earlier process with this pid.
            let _ = fs::remove_dir_all(&self.tmp);
        }
        fs::create_dir(&self.tmp)
            .with_context(|| format!("--out {}: cannot create {}", given.display(), self.tmp.display()))?;
        self._registrations.push(shutdown::remove_on_signal(&self.tmp, Removal::Tree));
        check_space(given, &self.tmp)
    }

    /// Claims an existing directory that cannot be renamed (see the module doc): the lock and
    /// the staging directory go inside it.
    fn claim_inside(dir: &Path, real: PathBuf, force: bool) -> Result<Self> {
        let lock_path = real.join(INSIDE_LOCK);
        let lock = lock_for(dir, &lock_path)?;
        let mut st = Staging {
            tmp: real.join(format!("{INSIDE_PARTIAL}{}", std::process::id())),
            dir: real,
            force,
            created: Vec::new(),
            lock: Some(lock),
            inside: true,
            committed: false,
            _registrations: vec![shutdown::remove_on_signal(&lock_path, Removal::File)],
        };
        shutdown::remove_stale(&st.dir, INSIDE_PARTIAL, "");
        shutdown::remove_stale(&st.dir, INSIDE_OLD, "");
        if !force && !own_entries(&st.dir)?.is_empty() {
            bail!(
                "--out {}: directory exists and is not empty (use --force to replace its content with this run's output)",
                dir.display()
            );
        }
        st.create_tmp(dir)?;
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

    /// Moves the staged output into place (replacing the old content whole with `--force`) and
    /// releases the lock; returns the paths of what the directory holds.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        Ok(commit_all(vec![self])?.pop().unwrap_or_default())
    }

    /// Puts the staged output in place, keeping what is needed to take it back.
    fn swap_in(&mut self) -> Result<Undo> {
        if self.inside {
            return self.move_in();
        }
        let (tmp, dir) = (self.tmp.clone(), self.dir.clone());
        // Onto nothing or an empty directory, rename(2) replaces in one step; onto a non-empty
        // directory it fails, so a directory filled meanwhile is never lost.
        let first = match fs::rename(&tmp, &dir) {
            Ok(()) => return Ok(Undo::Renamed { tmp, dir }),
            Err(e) => e,
        };
        let exists_non_empty = dir.is_dir() && fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(false);
        if !exists_non_empty {
            return Err(first).with_context(|| format!("cannot move {} to {}", tmp.display(), dir.display()));
        }
        if !self.force {
            bail!(
                "--out {}: the directory was filled by something else during this run; this run's output is not written (use --force to replace it)",
                dir.display()
            );
        }
        let old = Names::of(&dir)?.old();
        fs::rename(&dir, &old)
            .with_context(|| format!("--force: cannot move the old {} aside to {}", dir.display(), old.display()))?;
        if let Err(e) = fs::rename(&tmp, &dir) {
            let back = fs::rename(&old, &dir);
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
        Ok(Undo::Replaced { tmp, dir, old })
    }

    /// The commit of a directory staged inside itself: its old entries (with `--force`) go
    /// aside, the staged entries move in; on failure everything moves back.
    fn move_in(&mut self) -> Result<Undo> {
        let (tmp, dir) = (self.tmp.clone(), self.dir.clone());
        let existing = own_entries(&dir)?;
        let mut undo = Undo::Moved { tmp: tmp.clone(), dir: dir.clone(), moved: Vec::new(), old: None };
        if !existing.is_empty() {
            if !self.force {
                bail!(
                    "--out {}: the directory was filled by something else during this run; this run's output is not written (use --force to replace it)",
                    dir.display()
                );
            }
            let aside = dir.join(format!("{INSIDE_OLD}{}", std::process::id()));
            fs::create_dir(&aside).with_context(|| format!("--force: cannot create {}", aside.display()))?;
            let mut gone = Vec::new();
            for name in existing {
                if let Err(e) = fs::rename(dir.join(&name), aside.join(&name)) {
                    let _ = move_entries(&aside, &dir, &gone);
                    let _ = fs::remove_dir(&aside);
                    return Err(anyhow!(e))
                        .with_context(|| format!("--force: cannot move {} aside", dir.join(&name).display()));
                }
                gone.push(name);
            }
            if let Undo::Moved { old, .. } = &mut undo {
                *old = Some((aside, gone));
            }
        }
        let staged: Vec<std::ffi::OsString> = fs::read_dir(&tmp)
            .and_then(|d| d.map(|e| e.map(|e| e.file_name())).collect())
            .with_context(|| format!("cannot list {}", tmp.display()))?;
        for name in staged {
            if let Err(e) = fs::rename(tmp.join(&name), dir.join(&name)) {
                let msg = format!("cannot move {} into {}", tmp.join(&name).display(), dir.display());
                undo.undo();
                return Err(anyhow!(e)).context(msg);
            }
            if let Undo::Moved { moved, .. } = &mut undo {
                moved.push(name);
            }
        }
        Ok(undo)
    }
}

/// Commits every staging directory or none: each is put in place in turn, and if one fails the
/// ones before it are taken back (the old content of a `--force`d directory included) before the
/// error is returned. Returns, per directory, the paths of what it holds.
pub fn commit_all(mut stagings: Vec<Staging>) -> Result<Vec<Vec<PathBuf>>> {
    shutdown::critical(|| {
        let mut done: Vec<Undo> = Vec::new();
        for st in &mut stagings {
            match st.swap_in() {
                Ok(u) => done.push(u),
                Err(e) => {
                    for u in done.into_iter().rev() {
                        u.undo();
                    }
                    return Err(e);
                }
            }
        }
        for u in done {
            u.finish();
        }
        for st in &mut stagings {
            st.committed = true;
        }
        Ok(())
    })?;
    let mut all = Vec::new();
    for st in &stagings {
        let mut done: Vec<PathBuf> = fs::read_dir(&st.dir)
            .with_context(|| format!("cannot list {}", st.dir.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<Vec<_>>>()
            .with_context(|| format!("cannot list {}", st.dir.display()))?;
        done.retain(|p| !is_own_name(p.file_name().unwrap_or_default()));
        done.sort();
        all.push(done);
    }
    Ok(all)
}

impl Undo {
    /// Takes the commit back: the target as it was, the staged output back in staging (which
    /// the [`Staging`]'s drop then removes). Best effort: a step that fails is reported.
    fn undo(self) {
        let warn = |what: &str, r: std::io::Result<()>| {
            if let Err(e) = r {
                eprintln!("warning: while taking back a failed commit, could not {what}: {e}");
            }
        };
        match self {
            Undo::Renamed { tmp, dir } => warn(&format!("move {} back", dir.display()), fs::rename(&dir, &tmp)),
            Undo::Replaced { tmp, dir, old } => {
                warn(&format!("move {} back", dir.display()), fs::rename(&dir, &tmp));
                warn(&format!("restore {} from {}", dir.display(), old.display()), fs::rename(&old, &dir));
            }
            Undo::Moved { tmp, dir, moved, old } => {
                warn(&format!("move the new entries of {} back", dir.display()), move_entries(&dir, &tmp, &moved));
                if let Some((aside, names)) = old {
                    warn(&format!("restore the old entries of {}", dir.display()), move_entries(&aside, &dir, &names));
                    let _ = fs::remove_dir(&aside);
                }
            }
        }
    }

    /// Makes the commit final: removes the replaced content and an emptied staging directory.
    fn finish(self) {
        let remove = |old: &Path| {
            if let Err(e) = fs::remove_dir_all(old) {
                eprintln!("warning: could not remove the replaced content {}: {e}", old.display());
            }
        };
        match self {
            Undo::Renamed { .. } => {}
            Undo::Replaced { old, .. } => remove(&old),
            Undo::Moved { tmp, old, .. } => {
                if let Some((aside, _)) = old {
                    remove(&aside);
                }
                let _ = fs::remove_dir(&tmp);
            }
        }
    }
}

/// Staging and lock names of a directory staged inside itself.
const INSIDE_PARTIAL: &str = ".satool-partial-";
const INSIDE_OLD: &str = ".satool-old-";
const INSIDE_LOCK: &str = ".satool-lock";

/// Whether an entry name is satool's own bookkeeping inside a target (staging, set-aside, lock).
fn is_own_name(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n == INSIDE_LOCK || n.starts_with(INSIDE_PARTIAL) || n.starts_with(INSIDE_OLD))
}

/// The entries of `dir` other than satool's own bookkeeping.
fn own_entries(dir: &Path) -> Result<Vec<std::ffi::OsString>> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir).with_context(|| format!("--out {}: cannot list", dir.display()))? {
        let name = e.with_context(|| format!("--out {}: cannot list", dir.display()))?.file_name();
        if !is_own_name(&name) {
            v.push(name);
        }
    }
    Ok(v)
}

/// Renames the entries `names` of `from` into `to`, stopping at the first failure.
fn move_entries(from: &Path, to: &Path, names: &[std::ffi::OsString]) -> std::io::Result<()> {
    for n in names {
        fs::rename(from.join(n), to.join(n))?;
    }
    Ok(())
}

/// Whether `dir` (a real path) is a mount point: on another device than its parent, or listed in
/// `/proc/self/mountinfo` (a bind mount of the same file system).
fn is_mount_point(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Some(Ok(b))) = (fs::metadata(dir), dir.parent().map(fs::metadata)) {
            if a.dev() != b.dev() {
                return true;
            }
        }
    }
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else { return false };
    info.lines().filter_map(|l| l.split(' ').nth(4)).any(|m| Path::new(&unescape_mount(m)) == dir)
}

/// A mount point as `/proc/self/mountinfo` writes it: space, tab, newline and backslash as
/// three octal digits (`\040`).
fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            out.push(
                (u32::from(b[i + 1] - b'0') * 64 + u32::from(b[i + 2] - b'0') * 8 + u32::from(b[i + 3] - b'0')) as u8,
            );
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether this process may create entries in `dir`.
fn writable(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else { return false };
        // SAFETY: `c` is a valid NUL-terminated path; access(2) only reads it.
        unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        true
    }
}

/// Refuses, before any work, a file system with less than 1 MiB free where the output is staged
/// (the smallest result directories take a few kB; the large ones are the user's to size).
fn check_space(given: &Path, staged: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(staged.as_os_str().as_bytes()) else { return Ok(()) };
        // SAFETY: statvfs(3) writes only into `st`, a properly sized zeroed struct.
        let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c.as_ptr(), &mut st) } == 0 {
            let free = (st.f_bavail as u64).saturating_mul(st.f_frsize as u64);
            if free < 1 << 20 {
                bail!(
                    "--out {}: its file system has only {free} bytes free; free some space or choose another directory",
                    given.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (given, staged);
    Ok(())
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

/// Refuses an output directory (`option` names it: `--out`, `--report`) that is, or holds, one
/// of the run's input files or directories: `--force` would delete it, and even without
/// `--force` a run must not write where it reads. Compares real paths (symlinks resolved) and,
/// for the same directory seen through another path (a bind mount, a hard-linked file), device
/// and inode of every input and of every folder above it. `inputs` pairs each path with the
/// option that gave it; inputs that do not exist are skipped (their reader reports them).
pub fn refuse_inputs_inside(option: &str, dir: &Path, inputs: &[(&str, &Path)]) -> Result<()> {
    let Ok(real_dir) = fs::canonicalize(dir) else { return Ok(()) };
    let Ok(dir_meta) = fs::metadata(&real_dir) else { return Ok(()) };
    for &(input_option, input) in inputs {
        let Ok(real) = fs::canonicalize(input) else { continue };
        let inside = real.starts_with(&real_dir) || real.ancestors().any(|a| same_inode(a, &dir_meta));
        let linked = !inside && holds_a_link_to(&real_dir, &real);
        if inside || linked {
            let how = if real == real_dir { "is" } else { "holds" };
            bail!(
                "{option} {}: the directory {how} the input {input_option} {}, which writing the output there could destroy; nothing was changed (choose another {option} directory)",
                dir.display(),
                input.display(),
            );
        }
    }
    Ok(())
}

/// Whether `path` is the file or directory `meta` describes (same device and inode).
#[cfg(unix)]
fn same_inode(path: &Path, meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
}

#[cfg(not(unix))]
fn same_inode(_path: &Path, _meta: &fs::Metadata) -> bool {
    false
}

/// Whether the top level of `dir` holds a hard link to the regular file `input` (an entry with
/// its device and inode). Only the top level is listed: an output directory is small, and a
/// deeper link would be a copy the user made on purpose inside a previous run's output.
#[cfg(unix)]
fn holds_a_link_to(dir: &Path, input: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = fs::metadata(input) else { return false };
    if !m.is_file() || m.nlink() < 2 {
        return false;
    }
    let Ok(entries) = fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| e.metadata().is_ok_and(|em| em.dev() == m.dev() && em.ino() == m.ino()))
}

#[cfg(not(unix))]
fn holds_a_link_to(_dir: &Path, _input: &Path) -> bool {
    false
}

/// The lock of the target `given` at `lock_path`, or why it cannot be taken.
fn lock_for(given: &Path, lock_path: &Path) -> Result<DirLock> {
    DirLock::acquire(lock_path).map_err(|e| match e {
        LockError::Busy => anyhow!(
            "--out {}: another satool run is writing this directory (it holds {}); wait for it to finish or choose another directory",
            given.display(),
            lock_path.display()
        ),
        LockError::Io(e) => anyhow!("--out {}: cannot lock {}: {e}", given.display(), lock_path.display()),
    })
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
    fn a_pair_commits_together_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        // `a` replaces an old directory (--force); `b` is filled by something else meanwhile.
        fs::create_dir(&a).unwrap();
        fs::write(a.join("old.txt"), b"old").unwrap();
        let mut sa = Staging::new(&a, true).unwrap();
        sa.write("new.txt", b"new").unwrap();
        let mut sb = Staging::new(&b, false).unwrap();
        sb.write("mine.txt", b"mine").unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(b.join("theirs.txt"), b"theirs").unwrap();
        let e = commit_all(vec![sa, sb]).unwrap_err();
        assert!(format!("{e:#}").contains("filled by something else"), "{e:#}");
        assert_eq!(names(&a), ["old.txt"], "the first commit is taken back, the old content restored");
        assert_eq!(fs::read(a.join("old.txt")).unwrap(), b"old");
        assert_eq!(names(&b), ["theirs.txt"]);
        assert_eq!(names(root.path()), ["a", "b"], "no staging, set-aside or lock left");
        // A fresh first directory is removed again.
        let (c, d) = (root.path().join("c"), root.path().join("d"));
        let sc = Staging::new(&c, false).unwrap();
        let sd = Staging::new(&d, false).unwrap();
        fs::create_dir(&d).unwrap();
        fs::write(d.join("theirs.txt"), b"theirs").unwrap();
        assert!(commit_all(vec![sc, sd]).is_err());
        assert_eq!(names(root.path()), ["a", "b", "d"]);
        // Both succeed together.
        let mut sc = Staging::new(&c, false).unwrap();
        sc.write("x", b"1").unwrap();
        let mut sb = Staging::new(&b, true).unwrap();
        sb.write("y", b"2").unwrap();
        let done = commit_all(vec![sc, sb]).unwrap();
        assert_eq!(done, [vec![c.join("x")], vec![b.join("y")]]);
    }

    #[test]
    fn a_directory_staged_inside_itself_is_committed_into_and_taken_back_on_failure() {
        let root = tempfile::tempdir().unwrap();
        let vol = root.path().join("vol");
        fs::create_dir_all(vol.join("old_sub")).unwrap();
        fs::write(vol.join("old.txt"), b"old").unwrap();
        // As for a mount point: staging and lock inside the target.
        assert!(Staging::claim_inside(&vol, vol.clone(), false).is_err(), "not empty without --force");
        let mut s = Staging::claim_inside(&vol, vol.clone(), true).unwrap();
        assert_eq!(names(root.path()), ["vol"], "nothing beside the target");
        s.write("new.txt", b"new").unwrap();
        // A second directory that fails to commit takes this one back.
        let other = root.path().join("other");
        let mut so = Staging::new(&other, false).unwrap();
        so.write("z", b"1").unwrap();
        fs::create_dir(&other).unwrap();
        fs::write(other.join("theirs"), b"x").unwrap();
        assert!(commit_all(vec![s, so]).is_err());
        assert_eq!(names(&vol), ["old.txt", "old_sub"], "the old entries are back, the staging gone");
        let mut s = Staging::claim_inside(&vol, vol.clone(), true).unwrap();
        s.write("new.txt", b"new").unwrap();
        assert_eq!(s.commit().unwrap(), vec![vol.join("new.txt")]);
        assert_eq!(names(&vol), ["new.txt"], "old entries, staging and lock gone");
        let mut s = Staging::claim_inside(&vol, vol.clone(), true).unwrap();
        s.write("newer.txt", b"2").unwrap();
        drop(s);
        assert_eq!(names(&vol), ["new.txt"], "a failed run leaves the content as it was");
    }

    #[test]
    fn mount_points_are_recognised() {
        assert!(is_mount_point(Path::new("/")) || !Path::new("/proc/self/mountinfo").exists());
        let root = tempfile::tempdir().unwrap();
        assert!(!is_mount_point(&fs::canonicalize(root.path()).unwrap().join("x")));
        assert_eq!(unescape_mount("/a\\040b\\134c"), "/a b\\c");
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
