//! The satool application over the sampler core (`satool`) and the domains: the command line,
//! the protein and finance jobs with their baselines, the reports, and the benchmark.
//!
//! Jobs return their results and generated sets; rendering (tables, reports) reads those.

pub mod baselines;
pub mod bench;
pub mod budget;
pub mod cli;
pub mod commands;
pub mod error;
pub mod finance;
pub mod help;
pub mod output;
pub mod params;
pub mod progress;
pub mod protein;
pub mod report;
pub mod shutdown;
