//! What satool's domains and its app share besides the statistics: the text-input layer every
//! reader uses ([`text`]) and the registry of child processes a shutdown stops ([`process`]).
//! The sampler core depends on neither (its statistics are in `satool-common`).

pub mod process;
pub mod text;
