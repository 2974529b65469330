//! Finance domain.
