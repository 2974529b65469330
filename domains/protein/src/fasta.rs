//! FASTA output (for HMMER and users) and aligned-FASTA input (for `--evaluate`).
//!
//! Writing uses the `bio` crate's writer (60-column lines). Reading is our own small parser
//! because every error must name the line: `bio`'s reader does not track line numbers.

use std::path::Path;

use bio::io::fasta;

use crate::input::{is_gap, is_sequence_char, numbered_lines};
use crate::ProteinError;
use satool_io::text::TextError;
use std::borrow::Cow;

/// Width of sequence lines in written FASTA.
pub const FASTA_LINE_WIDTH: usize = 60;

/// Writes `(name, sequence)` records as FASTA, 60 residues per line; with `strip_gaps`, the gap
/// characters `.`, `-`, `~` are removed first (HMMER wants raw sequences). The name becomes the
/// whole header line after `>`.
pub fn write_fasta(path: &Path, records: &[(String, Vec<u8>)], strip_gaps: bool) -> Result<(), ProteinError> {
    let mut writer = FastaWriter::create(path, strip_gaps)?;
    for (name, seq) in records {
        writer.write(name, seq)?;
    }
    writer.finish()
}

/// A FASTA file written record by record (as [`write_fasta`] writes them), so large outputs
/// need not be held in memory.
pub struct FastaWriter {
    path: std::path::PathBuf,
    writer: fasta::Writer<std::fs::File>,
    strip_gaps: bool,
    buf: Vec<u8>,
}

impl FastaWriter {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path, strip_gaps: bool) -> Result<Self, ProteinError> {
        let file = std::fs::File::create(path).map_err(|e| ProteinError::io(path, "cannot create", e))?;
        let mut writer = fasta::Writer::new(file);
        writer.set_linewrap(Some(FASTA_LINE_WIDTH));
        Ok(FastaWriter { path: path.to_path_buf(), writer, strip_gaps, buf: Vec::new() })
    }

    /// Appends one record (`name` is the whole header line after `>`).
    pub fn write(&mut self, name: &str, seq: &[u8]) -> Result<(), ProteinError> {
        let seq = if self.strip_gaps {
            self.buf.clear();
            self.buf.extend(seq.iter().copied().filter(|&c| !is_gap(c)));
            &self.buf[..]
        } else {
            seq
        };
        self.writer.write(name, None, seq).map_err(|e| ProteinError::io(&self.path, "cannot write", e))
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<(), ProteinError> {
        self.writer.flush().map_err(|e| ProteinError::io(&self.path, "cannot write", e))
    }
}

/// Reads FASTA whose sequences are aligned to the L cleaned columns of a family (plain or
/// gzip). Residues are uppercased; the name is the first word of the header. Every sequence
/// must have exactly `expected_len` characters (gaps included). The file is parsed as it is
/// read and the first bad record stops it.
pub fn read_aligned_fasta(path: &Path, expected_len: usize) -> Result<Vec<(String, Vec<u8>)>, ProteinError> {
    let file = path.display().to_string();
    let records = parse_fasta_lines(file_lines(path)?, &file, false, |r| aligned(r, &file, expected_len))?;
    Ok(records.into_iter().map(|r| (r.name, r.seq)).collect())
}

/// One FASTA record as read: the name (the header's first word), the header's line, and the
/// sequence (whitespace removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastaRecord {
    pub name: String,
    pub line: usize,
    pub seq: Vec<u8>,
}

/// Reads FASTA records (plain or gzip) without a length rule: residues uppercased unless
/// `keep_case` (A2M marks insertions in lowercase). Every record must be non-empty and hold only
/// letters, gaps (`.`, `-`, `~`) and `*`. The file is parsed as it is read.
pub fn read_fasta(path: &Path, keep_case: bool) -> Result<Vec<FastaRecord>, ProteinError> {
    parse_fasta_lines(file_lines(path)?, &path.display().to_string(), keep_case, |_| Ok(()))
}

/// The numbered lines of a file, read as they are parsed.
fn file_lines(
    path: &Path,
) -> Result<impl Iterator<Item = Result<(usize, Cow<'static, str>), TextError>>, ProteinError> {
    Ok(satool_io::text::TextReader::open(path)?.lines().map(|l| l.map(|(n, t)| (n, Cow::Owned(t)))))
}

/// [`read_fasta`] on text already in memory (`file` names it in messages).
pub fn parse_fasta(text: &str, file: &str, keep_case: bool) -> Result<Vec<FastaRecord>, ProteinError> {
    parse_fasta_lines(numbered_lines(text).map(|(n, l)| Ok((n, Cow::Borrowed(l)))), file, keep_case, |_| Ok(()))
}

/// The FASTA parser over numbered lines; `check` sees each record when it is complete (a record
/// it refuses stops the parse).
fn parse_fasta_lines<'a>(
    lines: impl Iterator<Item = Result<(usize, Cow<'a, str>), TextError>>,
    file: &str,
    keep_case: bool,
    mut check: impl FnMut(&FastaRecord) -> Result<(), ProteinError>,
) -> Result<Vec<FastaRecord>, ProteinError> {
    let file = file.to_string();
    let err = |line: usize, problem: String| ProteinError::Fasta { file: file.clone(), line, problem };
    let mut complete = |r: &FastaRecord| -> Result<(), ProteinError> {
        if r.seq.is_empty() {
            return Err(err(r.line, format!("sequence '{}' is empty", r.name)));
        }
        check(r)
    };
    let mut records: Vec<FastaRecord> = Vec::new();
    for l in lines {
        let (line_no, line) = l?;
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('>') {
            let Some(name) = header.split_whitespace().next() else {
                return Err(err(line_no, "header line '>' has no sequence name".into()));
            };
            if let Some(last) = records.last() {
                complete(last)?;
            }
            records.push(FastaRecord { name: name.to_string(), line: line_no, seq: Vec::new() });
        } else if trimmed.is_empty() {
            continue;
        } else if let Some(FastaRecord { name, seq, .. }) = records.last_mut() {
            if let Some(ch) = trimmed.chars().find(|&c| !is_sequence_char(c) && !c.is_whitespace()) {
                return Err(err(
                    line_no,
                    format!(
                        "invalid character '{ch}' in sequence '{name}' (allowed: letters, gaps '.', '-', '~', and '*')"
                    ),
                ));
            }
            let bytes = trimmed.bytes().filter(|b| !b.is_ascii_whitespace());
            if keep_case {
                seq.extend(bytes);
            } else {
                seq.extend(bytes.map(|b| b.to_ascii_uppercase()));
            }
        } else {
            let shown: String = trimmed.chars().take(40).collect();
            return Err(err(line_no, format!("not FASTA: expected a '>' header line, found '{shown}'")));
        }
    }
    match records.last() {
        None => return Err(ProteinError::EmptyFasta { file }),
        Some(last) => complete(last)?,
    }
    Ok(records)
}

/// The length rule of [`read_aligned_fasta`].
fn aligned(r: &FastaRecord, file: &str, expected_len: usize) -> Result<(), ProteinError> {
    if r.seq.len() == expected_len {
        return Ok(());
    }
    Err(ProteinError::Fasta {
        file: file.to_string(),
        line: r.line,
        problem: format!(
            "sequence '{}' (line {}) has length {}; --evaluate needs sequences aligned to the {expected_len} cleaned columns (expected {expected_len})",
            r.name,
            r.line,
            r.seq.len()
        ),
    })
}

/// [`read_aligned_fasta`] on text already in memory (`file` names it in messages); the entry
/// point of the fuzzer.
pub fn parse_aligned_fasta(
    text: &str,
    file: &str,
    expected_len: usize,
) -> Result<Vec<(String, Vec<u8>)>, ProteinError> {
    let lines = numbered_lines(text).map(|(n, l)| Ok((n, Cow::Borrowed(l))));
    let records = parse_fasta_lines(lines, file, false, |r| aligned(r, file, expected_len))?;
    Ok(records.into_iter().map(|r| (r.name, r.seq)).collect())
}
