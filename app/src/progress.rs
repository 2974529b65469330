//! Progress on stderr: one-line messages and `indicatif` bars for the long stages (the methods'
//! chains and VAE training, sequential generation, hmmsearch, evaluation). Drawn only when stderr
//! is a terminal and `--quiet` is off; otherwise every call is a no-op, so piped and CI output
//! stays clean and results (stdout) are never mixed with progress.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

pub struct Progress {
    visible: bool,
    /// Notes (what a long run will cost) print unless `--quiet`, terminal or not.
    notes: bool,
    /// Warnings go to stderr (the command line, `--quiet` or not); a library caller (Python)
    /// reads them from the results instead.
    warnings: bool,
}

impl Progress {
    /// Visible when stderr is a terminal and not `quiet`; warnings always printed.
    pub fn for_stderr(quiet: bool) -> Self {
        Progress { visible: !quiet && std::io::stderr().is_terminal(), notes: !quiet, warnings: true }
    }

    /// Nothing on stderr, warnings included: the caller reports them from the results.
    pub fn hidden() -> Self {
        Progress { visible: false, notes: false, warnings: false }
    }

    /// A line the user should see before a long run (an estimate), even when stderr is not a
    /// terminal, wrapped at 100 columns; nothing with `--quiet` or from the Python package.
    pub fn note(&self, msg: &str) {
        if self.notes {
            eprintln!("{}", crate::output::table::wrap_lines(msg, crate::output::table::TEXT_WIDTH));
        }
    }

    /// A warning, `warning: {msg}` on stderr (not for [`Progress::hidden`]).
    pub fn warn(&self, msg: &str) {
        if self.warnings {
            eprintln!("warning: {msg}");
        }
    }

    /// A one-line message.
    pub fn line(&self, msg: &str) {
        if self.visible {
            eprintln!("satool: {msg}");
        }
    }

    /// A bar over `items` that run in parallel; its message lists the ones still running.
    pub fn stage(&self, name: &str, items: &[String]) -> Stage {
        let bar = if self.visible {
            let b = ProgressBar::with_draw_target(Some(items.len() as u64), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("satool: {prefix} [{bar:24}] {pos}/{len} {elapsed:>4}  {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.set_prefix(name.to_string());
            b.enable_steady_tick(std::time::Duration::from_millis(200));
            b
        } else {
            ProgressBar::hidden()
        };
        Stage { bar, running: Mutex::new(Vec::new()) }
    }
}

/// One stage's bar: call `start` and `finish` around each item (from any thread).
pub struct Stage {
    bar: ProgressBar,
    running: Mutex<Vec<String>>,
}

impl Stage {
    pub fn start(&self, item: &str) {
        let mut r = self.running.lock().unwrap_or_else(|e| e.into_inner());
        r.push(item.to_string());
        self.bar.set_message(format!("running: {}", r.join(", ")));
    }

    pub fn finish(&self, item: &str) {
        let mut r = self.running.lock().unwrap_or_else(|e| e.into_inner());
        r.retain(|x| x != item);
        self.bar.set_message(if r.is_empty() { String::new() } else { format!("running: {}", r.join(", ")) });
        self.bar.inc(1);
    }

    /// Runs `f` with `item` marked running.
    pub fn run<T>(&self, item: &str, f: impl FnOnce() -> T) -> T {
        let _item = StageItem::new(self, item);
        f()
    }
}

/// Marks one item running for as long as it lives (for work with early returns).
pub struct StageItem<'a> {
    stage: &'a Stage,
    item: String,
}

impl<'a> StageItem<'a> {
    pub fn new(stage: &'a Stage, item: &str) -> Self {
        stage.start(item);
        StageItem { stage, item: item.to_string() }
    }
}

impl Drop for StageItem<'_> {
    fn drop(&mut self) {
        self.stage.finish(&self.item);
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_progress_runs_the_work() {
        let p = Progress::hidden();
        let s = p.stage("x", &["a".into(), "b".into()]);
        assert_eq!(s.run("a", || 2) + s.run("b", || 3), 5);
        assert!(s.running.lock().unwrap().is_empty());
    }
}
