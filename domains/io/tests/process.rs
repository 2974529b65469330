//! The child registry with real processes: a shutdown stops a registered child's whole process
//! group, and a child registered after the shutdown began is stopped at once.
#![cfg(unix)]

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::Duration;

use satool_io::process::{register_child, registered_children, shutting_down, stop_children};

fn group_alive(pgid: u32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks for existence.
    unsafe { libc::kill(-(pgid as i32), 0) == 0 }
}

#[test]
fn stop_children_stops_each_registered_group_and_later_ones_at_once() {
    // A shell in its own group with a grandchild, as hmmbuild/hmmsearch wrappers may have.
    // The grandchild touches `marker` if it lives out its minute.
    let marker = std::env::temp_dir().join(format!("satool-process-test-{}", std::process::id()));
    let script = format!("(sleep 60; touch '{}') & wait", marker.display());
    let mut child = Command::new("sh").args(["-c", &script]).process_group(0).spawn().unwrap();
    let guard = register_child(child.id());
    assert_eq!(registered_children(), [child.id()]);
    assert!(!shutting_down());
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(stop_children(), 1);
    let status = child.wait().unwrap();
    assert!(!status.success());
    // The grandchild (same group) is gone too, stopped, not at the end of its minute.
    while group_alive(child.id()) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!marker.exists(), "the child's group survived the shutdown");
    drop(guard);
    assert!(registered_children().is_empty());
    // Registered after the shutdown: stopped at once.
    let mut late = Command::new("sleep").arg("60").process_group(0).spawn().unwrap();
    let _g = register_child(late.id());
    // `sleep 60` that ran out its minute would succeed
    assert!(!late.wait().unwrap().success());
}
