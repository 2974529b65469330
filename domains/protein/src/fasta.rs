//! FASTA output (for HMMER and users) and input (`--evaluate`, `--score`, `--condition-file`,
//! hmmalign's A2M), both through the `bio` crate: its writer (60-column lines) and its reader,
//! which reads through our checked line layer (`CheckedLines`) so that every error names its
//! line (bio's reader keeps no line numbers) and input stays within the text layer's limits.

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
    writer: fasta::Writer<Box<dyn std::io::Write + Send>>,
    strip_gaps: bool,
    buf: Vec<u8>,
}

impl FastaWriter {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path, strip_gaps: bool) -> Result<Self, ProteinError> {
        let file = std::fs::File::create(path).map_err(|e| ProteinError::io(path, "cannot create", e))?;
        Ok(Self::to_stream(Box::new(file), path, strip_gaps))
    }

    /// Writes to `out` (e.g. stdout); `name` names it in messages.
    pub fn to_stream(out: Box<dyn std::io::Write + Send>, name: &Path, strip_gaps: bool) -> Self {
        let mut writer = fasta::Writer::new(out);
        writer.set_linewrap(Some(FASTA_LINE_WIDTH));
        FastaWriter { path: name.to_path_buf(), writer, strip_gaps, buf: Vec::new() }
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
    let file = satool_io::text::shown(path).display().to_string();
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
    parse_fasta_lines(file_lines(path)?, &satool_io::text::shown(path).display().to_string(), keep_case, |_| Ok(()))
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
///
/// `bio`'s FASTA reader assembles the records; it reads through `CheckedLines`, our layer,
/// because `bio` keeps no line numbers and checks no characters: every error still names its
/// line, and the first bad line stops the read.
fn parse_fasta_lines<'a>(
    lines: impl Iterator<Item = Result<(usize, Cow<'a, str>), TextError>>,
    file: &str,
    keep_case: bool,
    mut check: impl FnMut(&FastaRecord) -> Result<(), ProteinError>,
) -> Result<Vec<FastaRecord>, ProteinError> {
    let checked = CheckedLines { lines, file, keep_case, current: None, out: Vec::new(), pos: 0 };
    let mut records = Vec::new();
    for record in fasta::Reader::new(checked).records() {
        let record = record.map_err(|e| unwrap_checked(e, file))?;
        // The checked header is `>name line`: bio's description is the header's line number.
        let line = record.desc().and_then(|d| d.parse().ok()).unwrap_or(0);
        let record = FastaRecord { name: record.id().to_string(), line, seq: record.seq().to_vec() };
        if record.seq.is_empty() {
            let problem = format!("sequence '{}' is empty", record.name);
            return Err(ProteinError::Fasta { file: file.to_string(), line, problem });
        }
        check(&record)?;
        records.push(record);
    }
    if records.is_empty() {
        return Err(ProteinError::EmptyFasta { file: file.to_string() });
    }
    Ok(records)
}

/// The error a `CheckedLines` stopped with, out of the `io::Error` bio passed on.
fn unwrap_checked(e: std::io::Error, file: &str) -> ProteinError {
    match e.into_inner().map(|inner| inner.downcast::<ProteinError>()) {
        Some(Ok(checked)) => *checked,
        Some(Err(other)) => ProteinError::io(Path::new(file), "cannot read", std::io::Error::other(other)),
        None => ProteinError::io(Path::new(file), "cannot read", std::io::Error::other("unknown read error")),
    }
}

/// FASTA lines checked before `bio` reads them: a header becomes `>name line` (its first word
/// and its line number, which bio's record then carries as its description), a sequence line
/// its residues without whitespace (uppercased unless `keep_case`); blank lines are dropped.
/// The first bad line (or read error) ends the stream with an `io::Error` holding the
/// [`ProteinError`] that names it.
struct CheckedLines<'f, I> {
    lines: I,
    file: &'f str,
    keep_case: bool,
    /// The name of the record being read (a sequence line needs one).
    current: Option<String>,
    /// The checked form of the line being handed out, and how much of it was.
    out: Vec<u8>,
    pos: usize,
}

impl<I> CheckedLines<'_, I> {
    /// Writes the checked form of line `line_no` into `out` (nothing for a blank line).
    fn check(&mut self, line_no: usize, line: &str) -> Result<(), ProteinError> {
        let err = |problem: String| ProteinError::Fasta { file: self.file.to_string(), line: line_no, problem };
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('>') {
            let Some(name) = header.split_whitespace().next() else {
                return Err(err("header line '>' has no sequence name".into()));
            };
            self.out.extend_from_slice(format!(">{name} {line_no}\n").as_bytes());
            self.current = Some(name.to_string());
        } else if trimmed.is_empty() {
        } else if let Some(name) = &self.current {
            if let Some(ch) = trimmed.chars().find(|&c| !is_sequence_char(c) && !c.is_whitespace()) {
                return Err(err(format!(
                    "invalid character '{ch}' in sequence '{name}' (allowed: letters, gaps '.', '-', '~', and '*')"
                )));
            }
            let residues = trimmed.bytes().filter(|b| !b.is_ascii_whitespace());
            if self.keep_case {
                self.out.extend(residues);
            } else {
                self.out.extend(residues.map(|b| b.to_ascii_uppercase()));
            }
            self.out.push(b'\n');
        } else {
            let shown: String = trimmed.chars().take(40).collect();
            return Err(err(format!("not FASTA: expected a '>' header line, found '{shown}'")));
        }
        Ok(())
    }
}

impl<'a, I> std::io::Read for CheckedLines<'_, I>
where
    I: Iterator<Item = Result<(usize, Cow<'a, str>), TextError>>,
{
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let stop = |e: ProteinError| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        while self.pos == self.out.len() {
            let Some(next) = self.lines.next() else { return Ok(0) };
            let (line_no, line) = next.map_err(|e| stop(e.into()))?;
            self.out.clear();
            self.pos = 0;
            self.check(line_no, &line).map_err(stop)?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
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
