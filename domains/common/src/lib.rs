//! The statistics satool's sampler core, its domains and its app share, one definition each,
//! with the NumPy/SciPy conventions the reports name ([`stats`]). Text input and child processes
//! are in `satool-io`.

pub mod stats;
