//! Protein domain of satool: a Pfam seed alignment in, unit-norm memories out, and generated
//! sequences scored against the family. Knows nothing of the sampler.
//!
//! Pipeline: [`read_stockholm`] (or [`StockholmFile`], record by record) → [`clean()`] →
//! [`encode()`] (one-hot, PCA to 95%, memory matrix) → the core samples ξ →
//! [`Encoding::decode`] (or a [`decode`] decoder) → [`metrics`] and [`hmmer`].

pub mod alphabet;
pub mod clean;
pub mod decode;
pub mod encode;
pub mod error;
pub mod extended;
pub mod fasta;
pub mod fitness;
pub mod hmmer;
pub mod holdout;
mod input;
pub mod metrics;
pub mod stockholm;
pub mod two_sample;
pub mod weights;

pub use alphabet::{residue_index, ALPHABET, N_AA};
pub use clean::{clean, CleanAlignment};
pub use decode::{DecodeMethod, Decoder};
pub use encode::{encode, one_hot, Encoding};
pub use error::ProteinError;
pub use fasta::{
    parse_aligned_fasta, parse_fasta, read_aligned_fasta, read_fasta, write_fasta, FastaRecord, FastaWriter,
};
pub use hmmer::{parse_tblout, summarize, HmmHit, HmmSummary, HmmsearchHits};
pub use input::is_gap;
pub use metrics::{
    composition, kl_composition, kl_position, mi_correlation, mi_matrix, nearest, pearson, position_frequencies,
    published_mi_positions, seq_identity, upper_triangle, valid_fraction,
};
pub use stockholm::{
    parse_stockholm, read_stockholm, write_stockholm, write_stockholm_rf, Alignment, RecordSpan, StockholmFile,
    StockholmRecords,
};
pub use weights::sequence_weights;
