//! The library's error type: what a caller passed does not satisfy the method's requirements.

use thiserror::Error;

/// An invalid argument of the sampler core, named with the value and the requirement it fails.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A numeric parameter outside its domain (β ≤ 0, α ∉ (0, 1), zero chains, …).
    #[error("{name} = {value} is out of range: {requirement}")]
    Parameter {
        /// The parameter's name as it appears in the API (`beta`, `alpha`, `chains`, …).
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// What the value must satisfy.
        requirement: &'static str,
    },
    /// A memory matrix the energy is not defined for (too few patterns, a non-finite entry).
    #[error("invalid memory: {0}")]
    Memory(String),
    /// A memory subset or label mask that leaves a state with no pattern to attend to.
    #[error("invalid mask: {0}")]
    Mask(String),
    /// A sampler met a NaN or infinite value (an attention logit, a logsumexp, a MALA acceptance
    /// ratio): the parameters put the chains outside the range of f64 (e.g. β so large that
    /// `β mᵀξ` overflows). Never a silent weight of 0 or an accepted proposal.
    #[error("non-finite value: {0}")]
    NonFinite(String),
    /// The host asked the run to stop ([`crate::request_interrupt`]).
    #[error("interrupted")]
    Interrupted,
}

/// `Result` with the library's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `Ok(value)` when `ok` holds, else a [`Error::Parameter`].
pub(crate) fn check(ok: bool, name: &'static str, value: f64, requirement: &'static str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Parameter { name, value, requirement })
    }
}
