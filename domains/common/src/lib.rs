//! What satool's sampler core, its domains and its app share, one definition each: statistics
//! with the NumPy/SciPy conventions the reports name ([`stats`]), the text-input layer every
//! reader uses ([`text`]), and the registry of child processes a shutdown stops ([`process`]).

pub mod process;
pub mod stats;
#[cfg(feature = "text")]
pub mod text;
