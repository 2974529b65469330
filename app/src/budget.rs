//! The memory a run may plan to hold, checked before it allocates: a size a user gives (paths ×
//! days × tickers) whose arrays would not fit is refused at once with the estimate and the
//! option that lowers it, instead of failing (or being killed) after minutes of work.

use anyhow::Result;

/// Environment variable: the bytes a run may plan to hold (default: the memory the system
/// reports available, `MemAvailable` of `/proc/meminfo` within any cgroup limit; 16 GiB where
/// that is unknown).
pub const MEMORY_VAR: &str = "SATOOL_MAX_MEMORY_BYTES";

/// The budget in bytes (see [`MEMORY_VAR`]); a value that is not a positive integer is an input
/// error naming the variable.
pub fn memory_budget() -> Result<u64> {
    if let Ok(v) = std::env::var(MEMORY_VAR) {
        return match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(crate::input_err!("{MEMORY_VAR}: '{v}' is not a positive number of bytes")),
        };
    }
    Ok(available().unwrap_or(16 << 30))
}

/// `MemAvailable` of `/proc/meminfo`, in bytes, or less when a cgroup (v2) memory limit leaves
/// less (a container).
fn available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    let system = kb.checked_mul(1024)?;
    let read = |f: &str| std::fs::read_to_string(format!("/sys/fs/cgroup/{f}")).ok()?.trim().parse::<u64>().ok();
    Some(match (read("memory.max"), read("memory.current")) {
        (Some(max), Some(cur)) => system.min(max.saturating_sub(cur)),
        _ => system,
    })
}

/// The most threads a run starts, and the cores it counts them for: four per core (more buys
/// nothing and, in the thousands, fails to spawn).
pub fn max_threads() -> (usize, usize) {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    (4 * cores, cores)
}

/// The product of `factors`, or `None` when it overflows a u64.
pub fn checked_product(factors: &[u64]) -> Option<u64> {
    factors.iter().try_fold(1u64, |acc, &f| acc.checked_mul(f))
}

/// Refuses a planned allocation of `values` f64 values (`None`: more than a u64 counts) over
/// the budget: `what` says what they are, `lower` which options make them fewer.
pub fn check_f64s(values: Option<u64>, what: &str, lower: &str) -> Result<()> {
    check_bytes(values.and_then(|v| v.checked_mul(8)), &format!("{what} (8 bytes per value)"), lower)
}

/// Refuses a planned allocation of `bytes` (`None`: more than a u64 counts) over the budget.
pub fn check_bytes(bytes: Option<u64>, what: &str, lower: &str) -> Result<()> {
    let budget = memory_budget()?;
    match bytes {
        Some(b) if b <= budget => Ok(()),
        _ => Err(crate::input_err!(
            "{what} would take {}, more than the {} this run may use; lower {lower} (or set {MEMORY_VAR})",
            bytes.map_or_else(|| "more than 16 EiB".to_string(), human),
            human(budget)
        )),
    }
}

/// Bytes as "1.5 GiB", "300 MiB", "12 KiB" or "100 bytes".
pub fn human(n: u64) -> String {
    for (unit, size) in
        [("EiB", 1u64 << 60), ("PiB", 1 << 50), ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
    {
        if n >= size {
            return format!("{:.1} {unit}", n as f64 / size as f64);
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_overflow_to_none_and_sizes_read_as_bytes() {
        assert_eq!(checked_product(&[10, 20, 30]), Some(6000));
        assert_eq!(checked_product(&[u64::MAX, 2]), None);
        assert_eq!(human(1536 << 20), "1.5 GiB");
        assert_eq!(human(100), "100 bytes");
        let e = check_f64s(None, "the paths", "--scenarios").unwrap_err().to_string();
        assert!(e.contains("more than 16 EiB") && e.contains("lower --scenarios"), "{e}");
        assert!(check_f64s(Some(1000), "x", "y").is_ok());
    }
}
