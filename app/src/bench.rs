//! `satool bench`: sampler throughput on the three reference shapes, end-to-end run times and
//! peak memory, with a NumPy reference run in the same invocation so results are ratios (the
//! machines are shared and noisy; absolute numbers alone mean little).

use crate::output::table;
use anyhow::{bail, Context, Result};
use ndarray::Array2;
use rand::Rng as _;
use rand_distr::StandardNormal;
use satool::{exact_samples, exact_samples_parallel, run_chains, stream, Kernel, Memory, Params, Precision, Protocol};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub struct BenchJob {
    pub quick: bool,
    pub numpy: bool,
    pub numpy_script: PathBuf,
    pub fixtures: PathBuf,
    pub end_to_end: bool,
    /// The interpreter the Python package row runs with (None: the row is skipped).
    pub python: Option<PathBuf>,
    pub python_script: PathBuf,
}

/// Chains in every throughput measurement (the published protocol).
pub const CHAINS: usize = 30;

#[derive(Debug, Serialize)]
pub struct ShapeResult {
    pub shape: &'static str,
    pub d: usize,
    pub k: usize,
    pub chains: usize,
    pub steps: usize,
    pub ula_steps_per_s: f64,
    pub ula_gflops: f64,
    pub ula_f32_steps_per_s: f64,
    /// ULA with the two-pass attention evaluation, where the shape runs in one pass.
    pub ula_two_pass_steps_per_s: Option<f64>,
    pub mala_steps_per_s: f64,
    pub exact_samples_per_s: f64,
    pub numpy_per_chain_steps_per_s: Option<f64>,
    pub numpy_batched_steps_per_s: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct EndToEnd {
    pub name: &'static str,
    pub command: String,
    pub seconds: f64,
    pub peak_rss_mib: Option<f64>,
}

/// The Python package (`import satool`) beside the Rust core on the same calls, timed in the same
/// bench run: the Python side by bench/python_api.py in a child interpreter, the core here.
#[derive(Debug, Serialize)]
pub struct PythonRow {
    pub interpreter: String,
    pub satool: String,
    /// `Memory.sample(150, beta=25, method="ula", chains=30)`, protein shape (59 × 68), best of reps.
    pub ula_seconds: f64,
    /// The same published protocol through `run_chains` in this process.
    pub core_ula_seconds: f64,
    /// `Memory.from_columns(randn(64, 500)).sample(100_000, beta=8, method="exact")`, best of reps.
    pub exact_100k_seconds: f64,
    pub core_exact_100k_seconds: f64,
}

#[derive(Debug, Serialize)]
pub struct BenchResults {
    pub machine: String,
    pub threads: usize,
    /// The machine's f64 FMA throughput on all rayon threads at once (register-only loop).
    pub f64_peak_gflops: Option<f64>,
    pub numpy: Option<String>,
    pub shapes: Vec<ShapeResult>,
    pub end_to_end: Vec<EndToEnd>,
    pub python: Option<PythonRow>,
    /// The paths row (with the end-to-end runs).
    pub paths: Option<PathsBench>,
}

/// Random unit-norm patterns (d × K), seeded.
fn random_memory(d: usize, k: usize) -> Memory {
    let mut rng = stream(0, "bench/memory");
    let mut x = Array2::from_shape_simple_fn((d, k), || rng.sample::<f64, _>(StandardNormal));
    for mut c in x.columns_mut() {
        let n = c.dot(&c).sqrt();
        c /= n;
    }
    Memory::new(x).expect("random memory is valid")
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t0 = Instant::now();
    let v = f();
    (v, t0.elapsed().as_secs_f64())
}

/// Ensemble steps per second of `kernel` (one step advances all chains), best of `reps`.
fn chain_rate(mem: &Memory, precision: Precision, kernel: Kernel, steps: usize, reps: usize) -> f64 {
    // one kept state (the last), so the time is the steps'
    let proto = Protocol::new(CHAINS, steps, steps - 1, steps).expect("valid bench protocol").with_precision(precision);
    let p = Params::new(0.01, 25.0).expect("valid bench parameters");
    (0..reps)
        .map(|_| steps as f64 / time(|| run_chains(mem, p, kernel, &proto, 0, "bench").expect("finite chains")).1)
        .fold(0.0, f64::max)
}

fn numpy_rates(job: &BenchJob, d: usize, k: usize, steps: usize) -> Result<(f64, f64, String)> {
    // Some machines set these to pin OpenBLAS to older kernels (half the rate at the finance
    // shape); the reference runs with NumPy's own choice.
    let out = Command::new(python())
        .arg(&job.numpy_script)
        .args([d, k, CHAINS, steps].map(|v| v.to_string()))
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE")
        .output()
        .with_context(|| format!("cannot run python3 {}", job.numpy_script.display()))?;
    if !out.status.success() {
        bail!("NumPy reference failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("NumPy reference printed no JSON")?;
    let f = |key: &str| v[key].as_f64().with_context(|| format!("NumPy reference: no {key}"));
    let blas = v["blas"].as_str().unwrap_or("unknown");
    Ok((f("per_chain")?, f("batched")?, format!("{}; BLAS: {blas}", v["numpy"].as_str().unwrap_or("?"))))
}

/// The variable naming the Python interpreter of the reference scripts.
pub const PYTHON_ENV: &str = "SATOOL_BENCH_PYTHON";

/// The Python interpreter of the reference scripts: `SATOOL_BENCH_PYTHON`, else `python3`.
fn python() -> String {
    std::env::var(PYTHON_ENV).unwrap_or_else(|_| "python3".into())
}

/// Paths per run and days per path of the paths row.
pub const PATHS_N: usize = 10_000;
pub const PATHS_H: usize = 20;

/// The paths row: satool's default path generator end to end against `arch`'s GARCH(1,1)-FHS
/// simulation of the same N × H on the same panel.
#[derive(Debug, Serialize)]
pub struct PathsBench {
    pub n: usize,
    pub h: usize,
    pub command: String,
    pub satool_seconds: f64,
    pub satool_peak_rss_mib: Option<f64>,
    /// arch's fit + simulation seconds (reading the panel excluded), when it ran.
    pub arch: Option<ArchFhs>,
    /// Why arch did not run.
    pub arch_error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ArchFhs {
    pub seconds: f64,
    pub fit_seconds: f64,
    pub simulate_seconds: f64,
    pub arch: String,
    pub d: usize,
    pub k: usize,
}

/// Runs the paths row: the panel is written once by satool (historical.csv, the returns after
/// its reader's filters), then `satool finance … --methods sa_paths --scenarios N --horizon H`
/// is timed end to end (no --out: the paths stay in memory, as arch's do), then arch_fhs.py.
fn paths_bench(job: &BenchJob, progress: &crate::progress::Progress) -> Result<PathsBench> {
    let prices = job.fixtures.join("all_stocks_5yr.csv.gz").display().to_string();
    let scratch = tempfile::tempdir()?;
    let base = ["finance", "--prices", &prices, "--drop-suspect", "--quiet"].map(String::from);
    let panel: Vec<String> = base
        .iter()
        .cloned()
        .chain(["--methods", "historical", "--scenarios", "1", "--horizon", "2", "--out"].map(String::from))
        .chain([scratch.path().join("panel").display().to_string()])
        .collect();
    run_self(&panel)?;
    let n = PATHS_N;
    let args: Vec<String> = base
        .iter()
        .cloned()
        .chain(["--methods".into(), "sa_paths".into(), "--scenarios".into(), n.to_string()])
        .chain(["--horizon".into(), PATHS_H.to_string(), "--json".into()])
        .collect();
    progress.line(&format!("paths: satool sa_paths {n} × {PATHS_H}"));
    let (secs, rss) = run_self(&args)?;
    progress.line(&format!("paths: arch GARCH-FHS {n} × {PATHS_H} (bench/arch_fhs.py)"));
    let script = job.numpy_script.with_file_name("arch_fhs.py");
    let csv = scratch.path().join("panel").join("historical.csv");
    let (arch, arch_error) = match arch_fhs(&script, &csv, n) {
        Ok(a) => (Some(a), None),
        Err(e) => {
            eprintln!("warning: arch GARCH-FHS reference not run: {e:#} (pip install arch pandas)");
            (None, Some(format!("{e:#}")))
        }
    };
    Ok(PathsBench {
        n,
        h: PATHS_H,
        command: format!("satool {}", args.join(" ")),
        satool_seconds: secs,
        satool_peak_rss_mib: rss,
        arch,
        arch_error,
    })
}

fn arch_fhs(script: &Path, csv: &Path, n: usize) -> Result<ArchFhs> {
    let out = Command::new(python())
        .arg(script)
        .arg(csv)
        .args([n, PATHS_H].map(|v| v.to_string()))
        .output()
        .with_context(|| format!("cannot run {} {}", python(), script.display()))?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("failed"));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("arch_fhs.py printed no JSON")?;
    let f = |key: &str| v[key].as_f64().with_context(|| format!("arch_fhs.py: no {key}"));
    Ok(ArchFhs {
        seconds: f("seconds")?,
        fit_seconds: f("fit_seconds")?,
        simulate_seconds: f("simulate_seconds")?,
        arch: v["arch"].as_str().unwrap_or("?").to_string(),
        d: f("d")? as usize,
        k: f("k")? as usize,
    })
}

/// The paths row as text.
fn render_paths(p: &PathsBench) -> String {
    let arch = match (&p.arch, &p.arch_error) {
        (Some(a), _) => format!(
            "arch {} GARCH(1,1)-FHS (bench/arch_fhs.py, d={} K={}): {:.2} s (fit {:.2} s, simulate {:.2} s); satool ÷ arch time {:.2}× ({})",
            a.arch,
            a.d,
            a.k,
            a.seconds,
            a.fit_seconds,
            a.simulate_seconds,
            p.satool_seconds / a.seconds,
            if p.satool_seconds <= a.seconds { "satool faster" } else { "arch faster" }
        ),
        (None, e) => format!("arch GARCH-FHS: not run ({})", e.as_deref().unwrap_or("?")),
    };
    format!(
        "paths, {} × {} days on all_stocks_5yr (--drop-suspect): satool sa_paths end to end {:.2} s{}; {arch}\n  {}\n",
        p.n,
        p.h,
        p.satool_seconds,
        p.satool_peak_rss_mib.map_or(String::new(), |m| format!(", peak RSS {m:.0} MiB")),
        p.command
    )
}

/// The Python package's timings (bench/python_api.py) and the core's on the same calls.
fn python_row(job: &BenchJob, interpreter: &Path) -> Result<PythonRow> {
    let reps = if job.quick { 1 } else { 3 };
    let out = Command::new(interpreter)
        .arg(&job.python_script)
        .arg(reps.to_string())
        .output()
        .with_context(|| format!("cannot run {}", interpreter.display()))?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("the Python script failed"));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("the Python script printed no JSON")?;
    let f = |key: &str| v[key].as_f64().with_context(|| format!("Python row: no {key}"));
    let best = |f: &dyn Fn()| (0..reps).map(|_| time(f).1).fold(f64::INFINITY, f64::min);
    // the same shapes and calls, in this process
    let mut rng = stream(0, "bench/python");
    let unit = |d: usize, k: usize, rng: &mut satool::Rng| {
        let mut x = Array2::from_shape_simple_fn((d, k), || rng.sample::<f64, _>(StandardNormal));
        for mut c in x.columns_mut() {
            let n = c.dot(&c).sqrt();
            c /= n;
        }
        x
    };
    let protein = Memory::new(unit(59, 68, &mut rng)).context("protein-shape memory")?;
    let params = Params::new(0.01, 25.0).context("bench parameters")?;
    let core_ula = best(&|| {
        run_chains(&protein, params, Kernel::Ula, &Protocol::default(), 1, "ula").expect("finite chains");
    });
    let big = Memory::new(Array2::from_shape_simple_fn((64, 500), || rng.sample::<f64, _>(StandardNormal)))
        .context("64 × 500 memory")?;
    let core_exact = best(&|| {
        exact_samples(&big, 8.0, 100_000, &mut stream(1, "exact")).expect("valid exact bench call");
    });
    Ok(PythonRow {
        interpreter: interpreter.display().to_string(),
        satool: v["satool"].as_str().unwrap_or("?").to_string(),
        ula_seconds: f("ula_seconds")?,
        core_ula_seconds: core_ula,
        exact_100k_seconds: f("exact_100k_seconds")?,
        core_exact_100k_seconds: core_exact,
    })
}

/// Environment variable that makes `satool` print its peak RSS on stderr as it exits.
pub const PEAK_RSS_ENV: &str = "SATOOL_REPORT_PEAK_RSS";
/// The stderr line prefix of that report.
const PEAK_RSS_LINE: &str = "satool-peak-rss-kib: ";

/// Prints this process's peak resident set (VmHWM, Linux) on stderr when `SATOOL_REPORT_PEAK_RSS` is
/// `1`: `satool bench` reads it from its end-to-end children.
pub fn report_peak_rss() {
    if std::env::var_os(PEAK_RSS_ENV).is_none_or(|v| v != "1") {
        return;
    }
    let hwm = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines().find_map(|l| {
            l.strip_prefix("VmHWM:").and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
    });
    if let Some(kib) = hwm {
        eprintln!("{PEAK_RSS_LINE}{kib}");
    }
}

/// Runs this binary with `args`; returns wall seconds and the child's own peak RSS in MiB
/// (reported by the child itself; None where /proc is missing).
fn run_self(args: &[String]) -> Result<(f64, Option<f64>)> {
    let exe = std::env::current_exe()?;
    let t0 = Instant::now();
    let out = Command::new(&exe)
        .args(args)
        .env(PEAK_RSS_ENV, "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()?;
    let secs = t0.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        // The child's own message (its last line but the peak-memory report); its bad input is ours.
        let said = stderr.lines().rev().find(|l| !l.starts_with(PEAK_RSS_LINE)).unwrap_or("");
        let e = anyhow::anyhow!("satool {} failed ({}): {said}", args.join(" "), out.status);
        return Err(if out.status.code() == Some(2) { crate::input_err!("{e}") } else { e });
    }
    let kib = stderr.lines().find_map(|l| l.strip_prefix(PEAK_RSS_LINE)?.parse::<f64>().ok());
    Ok((secs, kib.map(|k| k / 1024.0)))
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores, {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

/// The end-to-end row of a fixed decode on fn3, and the same run with `--decode calibrated`: their
/// ratio is what the calibration adds to a run.
const DECODE_NORM_ROW: &str = "protein fn3 (PF00041) 1,000 generated sequences, --decode norm (no HMMER)";
const DECODE_CALIBRATED_ROW: &str = "protein fn3 (PF00041) 1,000 generated sequences, --decode calibrated (no HMMER)";

/// The end-to-end rows: the default runs and the 10,000-sequence runs as child processes,
/// each timed with its own peak RSS.
fn end_to_end(job: &BenchJob, progress: &crate::progress::Progress) -> Result<Vec<EndToEnd>> {
    let mut e2e = Vec::new();
    let fx = |f: &str| job.fixtures.join(f).display().to_string();
    // The 10,000-sequence runs write their scored files (FASTA, a2m, TSV) here, as users get them.
    let scratch = tempfile::tempdir()?;
    let out = |m: &str| scratch.path().join(m).display().to_string();
    let per_10k = |m: &str| -> Vec<String> {
        let a = ["protein", "--stockholm", &fx("PF00076.sto"), "--hmmer", "off", "--methods", m, "--samples"];
        a.iter().map(|s| s.to_string()).chain(["10000".into(), "--out".into(), out(m)]).collect()
    };
    let per_decode = |decode: &str| -> Vec<String> {
        let a = ["protein", "--stockholm", &fx("stockholm/PF00041_fn3.sto"), "--hmmer", "off", "--methods", "sa_gen"];
        a.iter()
            .map(|s| s.to_string())
            .chain(["--samples".into(), "1000".into(), "--decode".into(), decode.into()])
            .collect()
    };
    let runs: [(&'static str, Vec<String>); 6] = [
        (
            "finance all_stocks_5yr (default run, --drop-suspect)",
            vec!["finance".into(), "--prices".into(), fx("all_stocks_5yr.csv.gz"), "--drop-suspect".into()],
        ),
        (
            "protein PF00076 (12 methods, no HMMER)",
            vec!["protein".into(), "--stockholm".into(), fx("PF00076.sto"), "--hmmer".into(), "off".into()],
        ),
        ("protein PF00076 exact_gen, 10,000 sequences (decoded, scored, written; no HMMER)", per_10k("exact_gen")),
        ("protein PF00076 sa_gen, 10,000 sequences (decoded, scored, written; no HMMER)", per_10k("sa_gen")),
        (DECODE_NORM_ROW, per_decode("norm")),
        (DECODE_CALIBRATED_ROW, per_decode("calibrated")),
    ];
    for (name, mut args) in runs {
        if job.quick && (name.starts_with("finance") || name.contains("sa_gen")) {
            continue;
        }
        args.extend(["--json".into(), "--quiet".into()]);
        progress.line(&format!("end to end: {name}"));
        let (secs, rss) = run_self(&args)?;
        e2e.push(EndToEnd {
            name,
            command: format!("satool {}", args.join(" ")).replace(&scratch.path().display().to_string(), "$TMPDIR"),
            seconds: secs,
            peak_rss_mib: rss,
        });
    }
    Ok(e2e)
}

pub fn run(job: &BenchJob, progress: &crate::progress::Progress) -> Result<BenchResults> {
    // The end-to-end rows read the repository's fixtures: say so at once, not after a child fails.
    if job.end_to_end && !job.fixtures.is_dir() {
        return Err(crate::input_err!(
            "{}: no such directory: the end-to-end rows run on the repository's fixtures; run satool bench \
             from the repository root, or give --no-end-to-end",
            job.fixtures.display()
        ));
    }
    let scale = if job.quick { 5 } else { 1 };
    let shapes: [(&'static str, usize, usize, usize); 3] =
        [("protein", 59, 68, 5000), ("image", 784, 100, 1000), ("finance", 424, 2766, 200)];
    // End-to-end runs first: a child's peak RSS counts the parent's pages at spawn time
    // (vfork), so they must run while this process is still small.
    let e2e = if job.end_to_end { end_to_end(job, progress)? } else { Vec::new() };
    let paths = if job.end_to_end && !job.quick {
        progress.line("end to end: paths");
        Some(paths_bench(job, progress)?)
    } else {
        None
    };
    let mut numpy_version = None;
    let mut numpy = job.numpy;
    if numpy && !job.numpy_script.is_file() {
        eprintln!(
            "warning: NumPy reference not run: {}: no such file (run satool bench from the repository root)",
            job.numpy_script.display()
        );
        numpy = false;
    }
    let mut results = Vec::new();
    for (name, d, k, steps) in shapes {
        let steps = (steps / scale).max(20);
        progress.line(&format!("{name} shape (d={d}, K={k}, C={CHAINS}): {steps} steps"));
        let mem = random_memory(d, k);
        let reps = if job.quick { 1 } else { 3 };
        let ula = chain_rate(&mem, Precision::F64, Kernel::Ula, steps, reps);
        let mala = chain_rate(&mem, Precision::F64, Kernel::Mala, steps, reps);
        // (the f32 rate includes converting the memory once per run: K·d values, < 0.1% here)
        let ula_f32 = chain_rate(&mem, Precision::F32, Kernel::Ula, steps, reps);
        let ula_two_pass =
            mem.one_pass().then(|| chain_rate(&mem.two_pass(), Precision::F64, Kernel::Ula, steps, reps));
        // 10⁶ samples, or fewer so the result stays under ~0.5 GB.
        let n_exact = (60_000_000 / d).min(1_000_000) / scale;
        let (_, secs) = time(|| exact_samples_parallel(&mem, 25.0, n_exact, 0, "bench/exact"));
        let (pc, bt) = if numpy {
            match numpy_rates(job, d, k, steps) {
                Ok((pc, bt, v)) => {
                    numpy_version = Some(v);
                    (Some(pc), Some(bt))
                }
                Err(e) => {
                    // Once: what failed for one shape fails for the others.
                    let hint = if format!("{e:#}").contains("No module named") { " (pip install numpy)" } else { "" };
                    eprintln!("warning: NumPy reference not run: {e:#}{hint}");
                    numpy = false;
                    (None, None)
                }
            }
        } else {
            (None, None)
        };
        results.push(ShapeResult {
            shape: name,
            d,
            k,
            chains: CHAINS,
            steps,
            ula_steps_per_s: ula,
            ula_gflops: ula * 4.0 * (d * k * CHAINS) as f64 / 1e9,
            ula_f32_steps_per_s: ula_f32,
            ula_two_pass_steps_per_s: ula_two_pass,
            mala_steps_per_s: mala,
            exact_samples_per_s: n_exact as f64 / secs,
            numpy_per_chain_steps_per_s: pc,
            numpy_batched_steps_per_s: bt,
        });
    }
    let python = job.python.as_deref().and_then(|py| {
        progress.line(&format!("Python package ({})", py.display()));
        python_row(job, py)
            .map_err(|e| {
                eprintln!("warning: Python package row not run: {e:#} (scripts/test installs it into target/pyenv)")
            })
            .ok()
    });
    progress.line("f64 FMA peak");
    let peak = satool::f64_fma_peak_gflops();
    Ok(BenchResults {
        machine: machine(),
        threads: rayon::current_num_threads(),
        f64_peak_gflops: peak,
        numpy: numpy_version,
        shapes: results,
        end_to_end: e2e,
        python,
        paths,
    })
}

fn ratio(a: f64, b: Option<f64>) -> String {
    b.map_or_else(|| "—".into(), |b| format!("{:.1}×", a / b))
}

pub fn render(r: &BenchResults) -> String {
    let rows = r
        .shapes
        .iter()
        .map(|s| {
            vec![
                s.shape.to_string(),
                format!("d={} K={} C={}", s.d, s.k, s.chains),
                format!("{:.0}", s.ula_steps_per_s),
                format!("{:.1}", s.ula_gflops),
                s.ula_two_pass_steps_per_s
                    .map_or_else(|| "—".into(), |t| format!("{t:.0} ({:.2}×)", s.ula_steps_per_s / t)),
                format!("{:.0}", s.mala_steps_per_s),
                format!("{:.2e}", s.exact_samples_per_s),
                table::opt(s.numpy_per_chain_steps_per_s, 1),
                table::opt(s.numpy_batched_steps_per_s, 1),
                ratio(s.ula_steps_per_s, s.numpy_per_chain_steps_per_s),
                ratio(s.ula_steps_per_s, s.numpy_batched_steps_per_s),
                format!("{:.0}", s.ula_f32_steps_per_s),
                ratio(s.ula_f32_steps_per_s, s.numpy_batched_steps_per_s),
            ]
        })
        .collect();
    let t = table::table(
        &[
            "shape",
            "size",
            "ULA steps/s",
            "ULA GFLOP/s",
            "ULA two-pass (one-pass gain)",
            "MALA steps/s",
            "exact samples/s",
            "NumPy per-chain",
            "NumPy batched",
            "ULA ÷ per-chain",
            "ULA ÷ batched",
            "ULA f32 steps/s",
            "f32 ÷ batched (f64)",
        ],
        rows,
    );
    let mut s = format!(
        "satool bench — {} (rayon threads: {}; NumPy {})\nsteps/s = ensemble steps per second (all {} chains advance one step); GFLOP/s = 4·d·K·C per step;\nmemories with {} take the one-pass attention (src/fused.rs), also timed with the two-pass one\n{t}\n",
        r.machine,
        r.threads,
        r.numpy.as_deref().unwrap_or("not run"),
        CHAINS,
        satool::ONE_PASS_RULE
    );
    if let Some(peak) = r.f64_peak_gflops {
        s += &format!("f64 FMA peak of this machine (register-only loop, {} threads): {peak:.1} GFLOP/s\n", r.threads);
        for sh in &r.shapes {
            let numpy = sh.numpy_batched_steps_per_s.map(|b| b * 4.0 * (sh.d * sh.k * sh.chains) as f64 / 1e9);
            s += &format!(
                "  {}: ULA f64 at {:.0}% of peak{}\n",
                sh.shape,
                100.0 * sh.ula_gflops / peak,
                numpy.map_or(String::new(), |n| format!(
                    "; NumPy batched at {:.0}% ({n:.1} GFLOP/s), so ULA ÷ batched cannot exceed {:.2}× here",
                    100.0 * n / peak,
                    peak / n
                ))
            );
        }
    }
    if let Some(p) = &r.paths {
        s += &render_paths(p);
    }
    for e in &r.end_to_end {
        s += &format!(
            "{}: {:.2} s{}\n  {}\n",
            e.name,
            e.seconds,
            e.peak_rss_mib.map_or(String::new(), |m| format!(", peak RSS {m:.0} MiB")),
            e.command
        );
    }
    s += &decode_ratio_line(r);
    if let Some(p) = &r.python {
        s += &format!(
            "Python package (satool {} under {}), each call best of its runs, beside the Rust core on the same call in this process:\n  \
             Memory.from_columns(59 × 68).sample(150, beta=25, method=\"ula\", chains=30) (published 30 chains × 5000 steps): {:.3} s vs core {:.3} s (Python ÷ core {:.2}×)\n  \
             Memory.from_columns(randn(64, 500)).sample(100_000, beta=8, method=\"exact\"): {:.3} s vs core {:.3} s (Python ÷ core {:.2}×)\n",
            p.satool,
            p.interpreter,
            p.ula_seconds,
            p.core_ula_seconds,
            p.ula_seconds / p.core_ula_seconds,
            p.exact_100k_seconds,
            p.core_exact_100k_seconds,
            p.exact_100k_seconds / p.core_exact_100k_seconds
        );
    }
    s
}

/// The run time of `--decode calibrated` over `--decode norm` on fn3, when both rows ran.
fn decode_ratio_line(r: &BenchResults) -> String {
    let row = |name: &str| r.end_to_end.iter().find(|e| e.name == name).map(|e| e.seconds);
    match (row(DECODE_NORM_ROW), row(DECODE_CALIBRATED_ROW)) {
        (Some(fixed), Some(calibrated)) => format!(
            "--decode calibrated ÷ norm on fn3: run time {:.2}× (what the calibration adds)\n",
            calibrated / fixed
        ),
        _ => String::new(),
    }
}

/// Where the benchmark expects the repository's files.
pub fn default_paths() -> (PathBuf, PathBuf) {
    (Path::new("bench/numpy_ref.py").to_path_buf(), Path::new("fixtures").to_path_buf())
}

/// The interpreter of the Python package row: `--python`, else scripts/test's environment
/// (target/pyenv) when it exists, else `python3`.
pub fn default_python() -> PathBuf {
    let pyenv = Path::new("target/pyenv/bin/python");
    if pyenv.exists() {
        pyenv.to_path_buf()
    } else {
        PathBuf::from("python3")
    }
}
