//! The finance methods, listed once: their ids (the `--methods` values, the JSON `id`, the
//! scenario file names and the random stream names), their table order and their labels.

use super::FinanceJob;
use crate::input_err;
use anyhow::Result;
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A way of producing return scenarios: the reference, two bootstraps, or one of the samplers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FinanceMethod {
    /// The historical days themselves (the reference every other method is compared with).
    Historical,
    /// Days drawn i.i.d. with replacement.
    Bootstrap,
    /// Stationary block bootstrap, which keeps some of the day-to-day dependence.
    BlockBootstrap,
    /// GARCH(1,1) filtered historical simulation: per-ticker fits, residual days resampled jointly.
    GarchFhs,
    /// I.i.d. draws of the Boltzmann law (the Gaussian mixture), projected onto the history.
    Exact,
    /// The i.i.d. pool of ULA chains.
    Sa,
    /// Algorithm 3: a warm-started MALA chain emitting one day per inner run.
    SaSequential,
    /// Algorithm 3 restricted to the days of a simulated volatility regime path.
    SaRegime,
    /// Volatility-state paths: each day a fresh exact draw of the mixture law restricted to the
    /// historical days whose volatility state is nearest the path's (no momentum, clustering kept).
    SaPaths,
}

impl FinanceMethod {
    /// Every method, in table order (also the default of `--methods`).
    pub const ALL: [FinanceMethod; 9] = [
        FinanceMethod::Historical,
        FinanceMethod::Bootstrap,
        FinanceMethod::BlockBootstrap,
        FinanceMethod::GarchFhs,
        FinanceMethod::Exact,
        FinanceMethod::Sa,
        FinanceMethod::SaSequential,
        FinanceMethod::SaRegime,
        FinanceMethod::SaPaths,
    ];

    /// The default of `--methods` with `--scenarios`: the reference and the path generators whose
    /// cost grows with N·H draws only. `sa`, `sa_sequential` and `sa_regime` run only when named
    /// (the sequential ones run a chain of `--inner-steps` MALA steps per path day).
    pub const PATHS_DEFAULT: [FinanceMethod; 6] = [
        FinanceMethod::Historical,
        FinanceMethod::Bootstrap,
        FinanceMethod::BlockBootstrap,
        FinanceMethod::GarchFhs,
        FinanceMethod::Exact,
        FinanceMethod::SaPaths,
    ];

    /// The id: what `--methods` takes, the JSON `id`, the `<id>.csv` name and the random stream
    /// name (changing one changes the draws).
    pub fn id(self) -> &'static str {
        match self {
            FinanceMethod::Historical => "historical",
            FinanceMethod::Bootstrap => "bootstrap",
            FinanceMethod::BlockBootstrap => "block_bootstrap",
            FinanceMethod::GarchFhs => "garch_fhs",
            FinanceMethod::Exact => "exact",
            FinanceMethod::Sa => "sa",
            FinanceMethod::SaSequential => "sa_sequential",
            FinanceMethod::SaRegime => "sa_regime",
            FinanceMethod::SaPaths => "sa_paths",
        }
    }

    /// The ids of [`FinanceMethod::ALL`], comma-separated (for help texts and error messages).
    pub fn id_list() -> String {
        FinanceMethod::ALL.map(FinanceMethod::id).join(", ")
    }

    /// The table's method column, with the parameters that tell runs apart.
    pub fn label(self, job: &FinanceJob) -> String {
        match self {
            FinanceMethod::Historical if job.condition.is_some() => "Conditioned days (reference)".into(),
            FinanceMethod::Historical => "Historical (reference)".into(),
            FinanceMethod::Bootstrap => "Bootstrap (i.i.d. days)".into(),
            FinanceMethod::BlockBootstrap => "Stationary block bootstrap".into(),
            FinanceMethod::GarchFhs => "GARCH(1,1) filtered hist. sim.".into(),
            FinanceMethod::Exact => format!("Exact mixture β={}", job.beta),
            FinanceMethod::Sa => format!("SA β={} (i.i.d. pool)", job.beta),
            FinanceMethod::SaSequential => format!("SA sequential MALA β={}", job.beta_sequential),
            FinanceMethod::SaRegime => {
                format!("SA regime-switching β={} ({} vol regimes)", job.beta_sequential, job.regimes)
            }
            FinanceMethod::SaPaths => format!("SA vol-state paths β={} (fresh draw/day)", job.beta),
        }
    }

    /// Whether `--as-of` starts this method's paths from the state of that day (the others draw
    /// their days as without it: unconditional; the block bootstrap by design).
    pub fn starts_as_of(self) -> bool {
        matches!(self, FinanceMethod::SaPaths | FinanceMethod::GarchFhs | FinanceMethod::Exact)
    }

    /// Parses `--methods`: every id known, none twice (a repeated id would run and print twice).
    pub fn parse_list(ids: &[String]) -> Result<Vec<FinanceMethod>> {
        let mut methods = Vec::with_capacity(ids.len());
        for id in ids {
            let method: FinanceMethod = id.parse().map_err(|e: UnknownMethod| input_err!("--methods: {e}"))?;
            if methods.contains(&method) {
                return Err(input_err!("--methods: '{id}' given twice"));
            }
            methods.push(method);
        }
        Ok(methods)
    }
}

/// An id that names no finance method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMethod(pub String);

impl fmt::Display for UnknownMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown method '{}' (valid: {})", self.0, FinanceMethod::id_list())
    }
}

impl std::error::Error for UnknownMethod {}

impl FromStr for FinanceMethod {
    type Err = UnknownMethod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FinanceMethod::ALL.into_iter().find(|m| m.id() == s).ok_or_else(|| UnknownMethod(s.to_string()))
    }
}

impl fmt::Display for FinanceMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Serialised as its id, so results.json names methods as `--methods` does.
impl Serialize for FinanceMethod {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ids_round_trip_and_are_distinct() {
        for (i, m) in FinanceMethod::ALL.iter().enumerate() {
            assert_eq!(m.id().parse::<FinanceMethod>(), Ok(*m));
            assert!(FinanceMethod::ALL[i + 1..].iter().all(|o| o.id() != m.id()));
        }
        assert_eq!(serde_json::to_string(&FinanceMethod::SaRegime).unwrap(), "\"sa_regime\"");
    }

    #[test]
    fn parse_list_keeps_the_given_order() {
        let got = FinanceMethod::parse_list(&strings(&["sa", "historical"])).unwrap();
        assert_eq!(got, [FinanceMethod::Sa, FinanceMethod::Historical]);
    }

    #[test]
    fn parse_list_rejects_unknown_and_repeated_ids() {
        let unknown = FinanceMethod::parse_list(&strings(&["sa", "foo"])).unwrap_err().to_string();
        assert_eq!(
            unknown,
            "--methods: unknown method 'foo' (valid: historical, bootstrap, block_bootstrap, garch_fhs, exact, \
             sa, sa_sequential, sa_regime, sa_paths)"
        );
        let twice = FinanceMethod::parse_list(&strings(&["sa", "bootstrap", "sa"])).unwrap_err().to_string();
        assert_eq!(twice, "--methods: 'sa' given twice");
    }
}
