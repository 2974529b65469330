//! Helpers shared by the CLI integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    // app/ is one level below the repository root, which holds fixtures/ and reports/
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("app/ has a parent").to_path_buf()
}

pub fn fixture(name: &str) -> String {
    root().join("fixtures").join(name).display().to_string()
}

/// Runs the satool binary with `args` (and extra environment variables).
pub fn satool(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_satool"));
    c.args(args).current_dir(root());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run satool")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `text` with every run of whitespace as one space: prose the terminal output wraps, read back
/// as one line (compare with a needle written on one line).
pub fn unwrapped(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses `--json` output, failing with stderr on a non-zero exit.
pub fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "satool failed ({:?}): {}", o.status.code(), stderr(o));
    serde_json::from_slice(&o.stdout).expect("valid JSON on stdout")
}

/// The method object with this id.
pub fn method<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["methods"].as_array().unwrap().iter().find(|m| m["id"] == id).unwrap_or_else(|| panic!("no method {id}"))
}

pub fn f(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

/// Removes every "seconds" field (timings are the only non-reproducible values).
pub fn without_timings(mut v: serde_json::Value) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                o.remove("seconds");
                o.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

/// Panics, saying how to install HMMER, unless `hmmsearch`, `hmmbuild`, `hmmalign` and `hmmemit`
/// run: the tests that need HMMER fail without it (CI installs it; they never skip).
pub fn require_hmmer() {
    for tool in ["hmmsearch", "hmmbuild", "hmmalign", "hmmemit"] {
        let runs = Command::new(tool).arg("-h").output().is_ok_and(|o| o.status.success());
        assert!(runs, "{tool} not on PATH: this test needs HMMER 3 (Debian/Ubuntu: apt-get install hmmer; macOS: brew install hmmer)");
    }
}

/// A bad-input run: exit code 2, a one-line message naming what is wrong, no panic text.
pub fn assert_input_error(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "expected exit 2, stderr: {err}");
    assert!(!err.contains("panicked"), "panic text reached the user: {err}");
    assert!(err.contains(needle), "stderr should mention {needle:?}: {err}");
}
