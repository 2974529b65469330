//! satool core.
