//! `satool bench` smoke test: it runs, and its numbers are positive and consistent.

mod common;
use common::*;

#[test]
fn quick_bench_reports_every_shape() {
    let v = json(&satool(&["bench", "--quick", "--no-numpy", "--no-end-to-end", "--json", "--quiet"], &[]));
    let shapes = v["shapes"].as_array().unwrap();
    let names: Vec<&str> = shapes.iter().map(|s| s["shape"].as_str().unwrap()).collect();
    assert_eq!(names, ["protein", "image", "finance"]);
    for s in shapes {
        let (d, k, c) = (f(s, "d"), f(s, "k"), f(s, "chains"));
        let ula = f(s, "ula_steps_per_s");
        assert!(ula > 0.0 && f(s, "mala_steps_per_s") > 0.0 && f(s, "exact_samples_per_s") > 0.0);
        assert!((f(s, "ula_gflops") - ula * 4.0 * d * k * c / 1e9).abs() < 1e-6 * f(s, "ula_gflops"));
        assert!(s["numpy_batched_steps_per_s"].is_null(), "--no-numpy skips the reference");
    }
    assert!(v["end_to_end"].as_array().unwrap().is_empty());
}

/// Outside the repository the end-to-end rows have no fixtures: exit 2 at once, saying where to
/// run it (before, exit 1 after a child failed, its message lost behind its peak-memory line).
#[test]
fn bench_outside_the_repository_says_where_to_run_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_satool"))
        .args(["bench", "--quick", "--no-python", "--no-numpy"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("fixtures: no such directory") && stderr(&o).contains("--no-end-to-end"),
        "{}",
        stderr(&o)
    );
}
