//! The crate's error type. Every message is one line, `FILE:LINE: problem` where a line
//! applies, `FILE: problem` otherwise, so a user can jump straight to the culprit.

use std::path::PathBuf;

/// Everything that can go wrong while reading, cleaning, encoding or scoring a protein family.
#[derive(Debug, thiserror::Error)]
pub enum ProteinError {
    /// The file could not be opened, read, decompressed or written.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// The first non-blank line of a Stockholm record is not `# STOCKHOLM 1.x`.
    #[error("{file}:{line}: missing '# STOCKHOLM 1.0' header (found '{found}')")]
    MissingHeader { file: String, line: usize, found: String },

    /// The file holds no Stockholm record at all (empty or only blank lines).
    #[error("{file}: no Stockholm record found (the file is empty)")]
    NoRecords { file: String },

    /// A record starts but its closing `//` never comes.
    #[error("{file}:{line}: record starting here has no closing '//' ({reason})")]
    UnterminatedRecord { file: String, line: usize, reason: String },

    /// A record ends without a single sequence line.
    #[error("{file}:{line}: empty record: no sequence lines before '//'")]
    EmptyRecord { file: String, line: usize },

    /// A line that should be `name residues` is not.
    #[error("{file}:{line}: {problem}")]
    MalformedLine { file: String, line: usize, problem: String },

    /// A sequence name occurs twice within one block.
    #[error("{file}:{line}: duplicated sequence name '{name}' (already used on line {first_line} of the same block)")]
    DuplicateName { file: String, line: usize, name: String, first_line: usize },

    /// Aligned rows of one record differ in length.
    #[error("{file}:{line}: rows of unequal length: '{name_a}' has {len_a} columns but '{name_b}' has {len_b}")]
    UnequalRows { file: String, line: usize, name_a: String, len_a: usize, name_b: String, len_b: usize },

    /// A character that is neither a letter, a gap (`.`, `-`, `~`) nor `*`.
    #[error(
        "{file}:{line}: invalid character '{ch}' in sequence '{name}' (allowed: letters, gaps '.', '-', '~', and '*')"
    )]
    BadCharacter { file: String, line: usize, name: String, ch: char },

    /// The residues are nucleotides, not amino acids.
    #[error("{file}:{line}: alignment {record} looks like RNA/DNA, not protein: {percent:.1}% of its residue letters are A/C/G/T/U/N")]
    NucleotideAlphabet { file: String, line: usize, record: String, percent: f64 },

    /// Cleaning left fewer than 2 sequences or 2 columns.
    #[error("{file}:{line}: too little left after cleaning (columns with > 50% gaps, then sequences with > 30% gaps removed): {rows} of {input_rows} sequences x {cols} of {input_cols} columns; need at least 2 of each")]
    TooSmallAfterCleaning { file: String, line: usize, rows: usize, cols: usize, input_rows: usize, input_cols: usize },

    /// Invalid argument to the encoder (e.g. a variance target outside (0, 1]).
    #[error("{0}")]
    InvalidArgument(String),

    /// The linear-algebra backend failed.
    #[error("PCA failed: {0}")]
    Linalg(String),

    /// A FASTA file is not FASTA, or one of its records is unusable.
    #[error("{file}:{line}: {problem}")]
    Fasta { file: String, line: usize, problem: String },

    /// A FASTA file holds no records.
    #[error("{file}: not FASTA: no '>' record found")]
    EmptyFasta { file: String },

    /// An external tool (hmmbuild, hmmsearch) could not run or exited with an error.
    #[error("{tool} failed ({status}): {stderr_tail}")]
    ToolFailed { tool: String, status: String, stderr_tail: String },

    /// An external tool (hmmbuild, hmmsearch) did not finish within its time limit; it and its
    /// process group were killed.
    #[error("{tool} did not finish within {seconds} s and was stopped (with every process it started)")]
    ToolTimedOut { tool: String, seconds: f64 },

    /// A line of an hmmsearch `--tblout` file could not be parsed.
    #[error("{file}:{line}: malformed tblout line: {problem}")]
    Tblout { file: String, line: usize, problem: String },
}

impl From<satool_io::text::TextError> for ProteinError {
    /// Keeps this crate's wording of read errors.
    fn from(e: satool_io::text::TextError) -> Self {
        use satool_io::text::TextError;
        match e {
            TextError::Read { path, source } => ProteinError::io(path, "cannot read", source),
            TextError::Gzip { path, source } => ProteinError::io(path, "cannot decompress gzip input", source),
        }
    }
}

impl ProteinError {
    pub(crate) fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        ProteinError::Io { path: path.into(), action, source }
    }
}
