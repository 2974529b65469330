//! satool core: stochastic attention (Langevin sampling on the modern Hopfield energy) and the
//! machinery shared by every domain — memory, energy and attention, β selection, samplers, the
//! multi-chain protocol, generic baselines and metrics, output, and the command line.

pub mod baselines;
pub mod bench;
pub mod beta;
pub mod cli;
pub mod error;
pub mod families;
pub mod finance;
pub mod fused;
pub mod linalg;
pub mod memory;
pub mod metrics;
pub mod output;
pub mod packed;
pub mod progress;
pub mod protein;
pub mod real;
pub mod report;
pub mod rng;
pub mod sampler;
