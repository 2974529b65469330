//! Output directories written atomically: every file goes to a hidden staging directory inside
//! the target and is renamed into place only when the whole run has succeeded, so a failed run
//! leaves no partial files behind.

use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

pub struct Staging {
    dir: PathBuf,
    tmp: PathBuf,
    created_dir: bool,
    files: Vec<String>,
    committed: bool,
}

impl Staging {
    /// Prepares `dir`: refuses an existing non-empty directory unless `force`.
    pub fn new(dir: &Path, force: bool) -> Result<Self> {
        let created_dir = !dir.exists();
        if !created_dir {
            if !dir.is_dir() {
                bail!("--out {}: exists and is not a directory", dir.display());
            }
            let non_empty =
                fs::read_dir(dir).with_context(|| format!("--out {}: cannot list", dir.display()))?.next().is_some();
            if non_empty && !force {
                bail!(
                    "--out {}: directory exists and is not empty (use --force to overwrite its files)",
                    dir.display()
                );
            }
        }
        fs::create_dir_all(dir).with_context(|| format!("--out {}: cannot create directory", dir.display()))?;
        let tmp = dir.join(format!(".satool-partial-{}", std::process::id()));
        fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(Staging { dir: dir.to_path_buf(), tmp, created_dir, files: Vec::new(), committed: false })
    }

    /// Where a file named `name` is staged (for tools such as hmmsearch that write files themselves).
    pub fn path(&mut self, name: &str) -> PathBuf {
        if !self.files.iter().any(|f| f == name) {
            self.files.push(name.to_string());
        }
        self.tmp.join(name)
    }

    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let p = self.path(name);
        fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))
    }

    /// Moves every staged file into the output directory.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::new();
        for f in &self.files {
            let (from, to) = (self.tmp.join(f), self.dir.join(f));
            if from.exists() {
                fs::rename(&from, &to)
                    .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
                done.push(to);
            }
        }
        self.committed = true;
        let _ = fs::remove_dir_all(&self.tmp);
        Ok(done)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
            if self.created_dir {
                let _ = fs::remove_dir(&self.dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_run_leaves_nothing_and_non_empty_dir_needs_force() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        {
            let mut s = Staging::new(&out, false).unwrap();
            s.write("a.txt", b"x").unwrap();
            // dropped without commit
        }
        assert!(!out.exists(), "a failed run must not leave the directory it created");
        let mut s = Staging::new(&out, false).unwrap();
        s.write("a.txt", b"x").unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"x");
        assert_eq!(fs::read_dir(&out).unwrap().count(), 1, "no staging directory left behind");
        assert!(Staging::new(&out, false).is_err());
        assert!(Staging::new(&out, true).is_ok());
    }
}
