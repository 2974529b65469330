//! The child processes a run has started, so that an interrupted run (SIGINT, SIGTERM, SIGHUP)
//! can stop them before it exits instead of leaving them orphaned.
//!
//! Whoever spawns a long-running child registers it for as long as it runs:
//!
//! ```no_run
//! use std::os::unix::process::CommandExt;
//! let mut child = std::process::Command::new("hmmsearch").process_group(0).spawn()?;
//! // Its own process group (pgid = its pid), so that its children are stopped with it.
//! let _registered = satool_io::process::register_child(child.id());
//! let status = child.wait()?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The command line's signal handler calls [`stop_children`]; a child registered after that is
//! stopped at once.

use std::sync::Mutex;

/// What the registry holds: the registered ids, and whether a shutdown has begun.
struct Registry {
    children: Vec<(u64, u32)>,
    next: u64,
    closed: bool,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry { children: Vec::new(), next: 0, closed: false });

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps a child registered until dropped (drop it once the child has been waited for).
#[derive(Debug)]
#[must_use = "the child is unregistered when the guard is dropped"]
pub struct ChildGuard {
    key: u64,
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        registry().children.retain(|&(k, _)| k != self.key);
    }
}

/// Registers a child by its process id, which is also its process-group id when it was spawned
/// with `process_group(0)`: a shutdown signals the group (the child and everything it started),
/// or the process alone when no such group exists. After [`stop_children`] has run, the child
/// is stopped at once.
pub fn register_child(pid: u32) -> ChildGuard {
    let mut r = registry();
    let key = r.next;
    r.next += 1;
    if r.closed {
        stop(&[pid]);
    } else {
        r.children.push((key, pid));
    }
    ChildGuard { key }
}

/// The registered children, oldest first.
pub fn registered_children() -> Vec<u32> {
    registry().children.iter().map(|&(_, pid)| pid).collect()
}

/// Stops every registered child (SIGTERM to its process group, then SIGKILL after 100 ms) and
/// closes the registry, so that a child registered later is stopped at once. Returns how many
/// were registered. Meant for a shutdown; there is no way back.
pub fn stop_children() -> usize {
    let mut r = registry();
    r.closed = true;
    let pids: Vec<u32> = r.children.iter().map(|&(_, pid)| pid).collect();
    stop(&pids);
    pids.len()
}

/// Whether [`stop_children`] has run.
pub fn shutting_down() -> bool {
    registry().closed
}

#[cfg(unix)]
fn stop(pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let signal_all = |sig: libc::c_int| {
        for &pid in pids {
            let Ok(pid) = libc::pid_t::try_from(pid) else { continue };
            if pid <= 1 {
                continue;
            }
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe {
                // The group first; a child that is not a group leader gets the signal alone.
                if libc::kill(-pid, sig) != 0 {
                    libc::kill(pid, sig);
                }
            }
        }
    };
    signal_all(libc::SIGTERM);
    std::thread::sleep(std::time::Duration::from_millis(100));
    signal_all(libc::SIGKILL);
}

#[cfg(not(unix))]
fn stop(_pids: &[u32]) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn registered_children_come_and_go_with_their_guards() {
        let a = register_child(4_000_000);
        let b = register_child(4_000_001);
        assert!(registered_children().ends_with(&[4_000_000, 4_000_001]));
        drop(a);
        assert!(!registered_children().contains(&4_000_000));
        drop(b);
        assert!(!registered_children().contains(&4_000_001));
    }
}
