//! Protein domain.
