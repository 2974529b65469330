//! What satool's sampler core, its domains and its app share, one definition each: statistics
//! with the NumPy/SciPy conventions the reports name ([`stats`]) and the text-input layer every
//! reader uses ([`text`]).

pub mod stats;
#[cfg(feature = "text")]
pub mod text;
