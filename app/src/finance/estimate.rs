//! What a `--scenarios` run will cost, said before it starts: each path method's time is
//! estimated from its path days and, for the chains, the attention products they compute (one
//! product of a state with the memory: K days × d dimensions), and said on stderr when the run
//! would take more than a minute, so that a user who asked for `sa_sequential` on ten thousand
//! paths knows before waiting.

use super::paths::PathSpec;
use super::{FinanceJob, FinanceMethod};
use satool::Protocol;

/// CPU seconds per path day of the resampling generators, drawing and scoring included
/// (measured as CPU time: 9 µs per day for `bootstrap` on sp500 (K = 8,312, 20 tickers), 36 µs
/// per unit of the weights below on all_stocks_5yr (K = 1,258, 467 tickers; the six default path
/// methods, 10,000 × 20 paths: 55 s of CPU); kept high so the estimate errs long).
const SECONDS_PER_DAY: f64 = 5.0e-5;

/// Attention multiply-adds per CPU second of the MALA/ULA chains (measured: 1.1e10,
/// `sa_sequential` on sp500, 100 × 20 paths, 6 s of CPU; kept low so the estimate errs long).
const PRODUCTS_PER_SECOND: f64 = 8.0e9;

/// A run whose estimate exceeds this many seconds is announced on stderr.
pub const ANNOUNCE_SECONDS: f64 = 60.0;

/// Estimated seconds of `method` for `spec` paths on a memory of `k` days × `d` dimensions, on
/// `cores` cores: path days × a per-day cost (relative weights as measured), plus the chains'
/// attention products (the sequential generators: `--inner-steps` MALA steps per path day; `sa`
/// its fixed pool).
pub fn seconds(method: FinanceMethod, inner_steps: usize, spec: PathSpec, k: usize, d: usize, cores: usize) -> f64 {
    let days = spec.n as f64 * spec.h as f64;
    let attention = k as f64 * d as f64;
    let per_core = |s: f64| s / cores.max(1) as f64;
    let chains = |products: f64| per_core(products / PRODUCTS_PER_SECOND);
    let resampled = |weight: f64| per_core(days * weight * SECONDS_PER_DAY);
    match method {
        FinanceMethod::Historical => 0.0,
        FinanceMethod::Bootstrap | FinanceMethod::BlockBootstrap | FinanceMethod::GarchFhs => resampled(1.0),
        FinanceMethod::SaPaths => resampled(1.5),
        FinanceMethod::Exact => resampled(3.0),
        FinanceMethod::Sa => {
            let p = Protocol::default();
            resampled(1.0) + chains((p.chains() * p.steps()) as f64 * attention)
        }
        FinanceMethod::SaSequential | FinanceMethod::SaRegime => {
            resampled(1.0) + chains(days * inner_steps as f64 * attention)
        }
    }
}

/// The per-method estimate lines when the run would take longer than [`ANNOUNCE_SECONDS`], else
/// none: for `--scenarios` paths (`spec`), or for the comparison run (`None`), whose path methods
/// each generate one series as long as the history's `k` days.
pub fn announce(job: &FinanceJob, spec: Option<PathSpec>, k: usize, d: usize, tickers: usize) -> Vec<String> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    // The comparison run's path methods: one series of the history's length.
    let generated = spec.unwrap_or(PathSpec::all(1, k));
    let per: Vec<(FinanceMethod, f64)> =
        job.methods.iter().map(|&m| (m, seconds(m, job.inner_steps, generated, k, d, cores))).collect();
    let total: f64 = per.iter().map(|p| p.1).sum();
    if total <= ANNOUNCE_SECONDS {
        return Vec::new();
    }
    let run = match spec {
        Some(p) => format!("--scenarios {} --horizon {}", p.n, p.h),
        None => "the run".to_string(),
    };
    let mut lines = vec![format!(
        "note: {run} on {k} days × {tickers} tickers is estimated to take {} on {cores} idle cores \
         (sa_sequential and sa_regime run --inner-steps MALA steps per generated day):",
        duration(total)
    )];
    lines.extend(per.iter().map(|(m, s)| format!("note:   {:<16} {}", m.id(), duration(*s))));
    lines
}

/// Seconds as "40 s", "12 min" or "3.5 h".
pub fn duration(s: f64) -> String {
    if s < 90.0 {
        format!("{:.0} s", s.max(1.0))
    } else if s < 5400.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_chains_dominate_and_resampling_scales_with_the_path_days() {
        let spec = PathSpec::all(10_000, 20);
        // all_stocks_5yr: 1,258 days × 467 tickers, 2 cores.
        let s = |m| seconds(m, 200, spec, 1258, 467, 2);
        assert_eq!(s(FinanceMethod::Historical), 0.0);
        assert!((s(FinanceMethod::Bootstrap) - 5.0).abs() < 1e-9, "{}", s(FinanceMethod::Bootstrap));
        assert!((s(FinanceMethod::Exact) - 15.0).abs() < 1e-9);
        // 2e5 path days × 200 steps × 587,486 products / 1.6e10 per second, plus the resampling.
        let seq = 2e5 * 200.0 * 1258.0 * 467.0 / 1.6e10 + 5.0;
        assert!((s(FinanceMethod::SaSequential) - seq).abs() < 1e-6, "{}", s(FinanceMethod::SaSequential));
        assert_eq!(duration(seq), "25 min");
        assert!((seconds(FinanceMethod::Exact, 200, spec, 1258, 467, 4) - 7.5).abs() < 1e-9);
    }

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        assert_eq!(duration(0.2), "1 s");
        assert_eq!(duration(40.0), "40 s");
        assert_eq!(duration(720.0), "12 min");
        assert_eq!(duration(12600.0), "3.5 h");
    }
}
