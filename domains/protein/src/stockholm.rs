//! Stockholm 1.0 alignments: reader (plain or gzip) and a minimal writer.
//!
//! The reader accepts every record of a file (`# STOCKHOLM 1.x` … `//`), in order:
//! interleaved blocks (separated by blank lines) append to the same name; `#=GF`, `#=GS`,
//! `#=GR`, `#=GC` and other `#` lines may appear anywhere and are ignored except `#=GF ID`
//! and `#=GF AC`; gap characters are `.`, `-` and `~` (kept as written); names may contain
//! `/`, `|` and anything else but whitespace; CRLF line endings are accepted.
//!
//! **Residue case.** All residues are uppercased, as the published pipeline does. Lowercase
//! letters mark insert columns in some files (HMMER output); the column gap filter of
//! [`crate::clean()`] then decides which columns survive, exactly as in the published code.
//!
//! A record is rejected — with the file, the line and the problem — when it has no header,
//! no closing `//`, no sequences, rows of unequal length, a name used twice within one block,
//! a character that is not a letter, gap or `*`, or when ≥ 90% of its residue letters are
//! A/C/G/T/U/N (a nucleotide alignment, not a protein family).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use crate::input::{is_sequence_char, numbered_lines, read_text};
use crate::ProteinError;

/// Share of residue letters in `ACGTUN` at or above which a record is called nucleotide.
/// Protein families sit far below it (A+C+G+T+N ≈ 26% of residues in UniProt).
const NUCLEOTIDE_SHARE: f64 = 0.9;

/// One Stockholm record.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// `#=GF ID` (e.g. `RRM_1`), if present.
    pub id: Option<String>,
    /// `#=GF AC` (e.g. `PF00076.29`), if present.
    pub accession: Option<String>,
    /// Sequence names in order of first appearance (e.g. `ROC_HUMAN/8-79`).
    pub names: Vec<String>,
    /// Aligned rows, uppercased, gaps as written; all of equal length.
    pub rows: Vec<Vec<u8>>,
    /// 1-based line of the record's `# STOCKHOLM` header.
    pub first_line: usize,
    /// Where the record was read from (a file path or a caller-given label), for messages.
    pub source: String,
}

impl Alignment {
    /// Number of sequences.
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    /// Number of alignment columns.
    pub fn width(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
    }

    /// `'ID'` when the record has an ID, otherwise `at line N`; used in messages.
    pub fn label(&self) -> String {
        record_label(self.id.as_deref(), self.first_line)
    }
}

fn record_label(id: Option<&str>, first_line: usize) -> String {
    match id {
        Some(id) => format!("'{id}'"),
        None => format!("at line {first_line}"),
    }
}

/// Reads every record of a Stockholm file (plain or gzip-compressed), in file order.
pub fn read_stockholm(path: &Path) -> Result<Vec<Alignment>, ProteinError> {
    let text = read_text(path)?;
    parse_stockholm(&text, &path.display().to_string())
}

/// Parses every record of Stockholm text; `source` names the input in error messages.
pub fn parse_stockholm(text: &str, source: &str) -> Result<Vec<Alignment>, ProteinError> {
    let mut records = Vec::new();
    let mut open: Option<RecordBuilder> = None;
    for (line_no, line) in numbered_lines(text) {
        let trimmed = line.trim();
        let Some(rec) = open.as_mut() else {
            if trimmed.is_empty() {
                continue;
            }
            if !is_header(trimmed) {
                return Err(ProteinError::MissingHeader {
                    file: source.to_string(),
                    line: line_no,
                    found: shorten(trimmed),
                });
            }
            open = Some(RecordBuilder::new(line_no, source));
            continue;
        };
        if trimmed == "//" {
            let finished = open.take().expect("record is open");
            records.push(finished.finish(line_no)?);
        } else if is_header(trimmed) {
            return Err(ProteinError::UnterminatedRecord {
                file: source.to_string(),
                line: rec.first_line,
                reason: format!("a new '# STOCKHOLM' header follows on line {line_no}"),
            });
        } else if trimmed.is_empty() {
            rec.block_names.clear();
        } else if let Some(rest) = trimmed.strip_prefix("#=GF") {
            rec.annotation(rest);
        } else if !trimmed.starts_with('#') {
            rec.sequence_line(trimmed, line_no)?;
        }
    }
    if let Some(rec) = open {
        return Err(ProteinError::UnterminatedRecord {
            file: source.to_string(),
            line: rec.first_line,
            reason: "end of file reached".to_string(),
        });
    }
    if records.is_empty() {
        return Err(ProteinError::NoRecords { file: source.to_string() });
    }
    Ok(records)
}

fn is_header(trimmed: &str) -> bool {
    trimmed.starts_with("# STOCKHOLM 1.")
}

/// A line excerpt short enough for a one-line message.
fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

/// A record being read.
struct RecordBuilder {
    source: String,
    first_line: usize,
    id: Option<String>,
    accession: Option<String>,
    names: Vec<String>,
    rows: Vec<Vec<u8>>,
    /// Line that last extended each row (named in length errors).
    last_line: Vec<usize>,
    index: HashMap<String, usize>,
    /// Names seen in the current block, with their line: a second use is a duplicate.
    block_names: HashMap<String, usize>,
}

impl RecordBuilder {
    fn new(first_line: usize, source: &str) -> Self {
        RecordBuilder {
            source: source.to_string(),
            first_line,
            id: None,
            accession: None,
            names: Vec::new(),
            rows: Vec::new(),
            last_line: Vec::new(),
            index: HashMap::new(),
            block_names: HashMap::new(),
        }
    }

    /// `#=GF TAG value`: keeps ID and AC.
    fn annotation(&mut self, rest: &str) {
        let rest = rest.trim_start();
        let (tag, value) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        match tag {
            "ID" => self.id = Some(value.to_string()),
            "AC" => self.accession = Some(value.to_string()),
            _ => {}
        }
    }

    fn malformed(&self, line: usize, problem: String) -> ProteinError {
        ProteinError::MalformedLine { file: self.source.clone(), line, problem }
    }

    fn sequence_line(&mut self, trimmed: &str, line: usize) -> Result<(), ProteinError> {
        let mut fields = trimmed.split_whitespace();
        let name = fields.next().expect("a non-empty trimmed line has a field");
        let Some(residues) = fields.next() else {
            return Err(self.malformed(
                line,
                format!("sequence line '{}' has a name but no residues (expected 'name residues')", shorten(name)),
            ));
        };
        let extra = fields.count();
        if extra > 0 {
            return Err(self.malformed(
                line,
                format!(
                    "sequence line for '{name}' has {} fields; expected 'name residues' (no spaces inside a sequence)",
                    extra + 2
                ),
            ));
        }
        if let Some(&first_line) = self.block_names.get(name) {
            return Err(ProteinError::DuplicateName {
                file: self.source.clone(),
                line,
                name: name.to_string(),
                first_line,
            });
        }
        if let Some(ch) = residues.chars().find(|&c| !is_sequence_char(c)) {
            return Err(ProteinError::BadCharacter { file: self.source.clone(), line, name: name.to_string(), ch });
        }
        self.block_names.insert(name.to_string(), line);
        let idx = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.names.push(name.to_string());
                self.rows.push(Vec::new());
                self.last_line.push(line);
                self.index.insert(name.to_string(), self.rows.len() - 1);
                self.rows.len() - 1
            }
        };
        self.rows[idx].extend(residues.bytes().map(|b| b.to_ascii_uppercase()));
        self.last_line[idx] = line;
        Ok(())
    }

    /// Checks the finished record (closed by `//` on `end_line`).
    fn finish(self, end_line: usize) -> Result<Alignment, ProteinError> {
        let file = self.source.clone();
        if self.rows.is_empty() {
            return Err(ProteinError::EmptyRecord { file, line: end_line });
        }
        let width = self.rows[0].len();
        if let Some(b) = self.rows.iter().position(|r| r.len() != width) {
            return Err(ProteinError::UnequalRows {
                file,
                line: self.last_line[b],
                name_a: self.names[0].clone(),
                len_a: width,
                name_b: self.names[b].clone(),
                len_b: self.rows[b].len(),
            });
        }
        let (letters, nucleotides) = self
            .rows
            .iter()
            .flatten()
            .filter(|c| c.is_ascii_alphabetic())
            .fold((0usize, 0usize), |(l, n), c| (l + 1, n + usize::from(b"ACGTUN".contains(c))));
        if letters > 0 && nucleotides as f64 >= NUCLEOTIDE_SHARE * letters as f64 {
            return Err(ProteinError::NucleotideAlphabet {
                file,
                line: self.first_line,
                record: record_label(self.id.as_deref(), self.first_line),
                percent: 100.0 * nucleotides as f64 / letters as f64,
            });
        }
        Ok(Alignment {
            id: self.id,
            accession: self.accession,
            names: self.names,
            rows: self.rows,
            first_line: self.first_line,
            source: self.source,
        })
    }
}

/// Writes one alignment as a single-block Stockholm 1.0 file (ID and AC kept), e.g. to run
/// `hmmbuild` on one selected record.
pub fn write_stockholm(a: &Alignment, path: &Path) -> Result<(), ProteinError> {
    let width = a.width();
    if a.rows.is_empty() || a.names.len() != a.rows.len() {
        return Err(ProteinError::InvalidArgument(format!(
            "cannot write {}: {} names for {} rows",
            path.display(),
            a.names.len(),
            a.rows.len()
        )));
    }
    if let Some((name, row)) = a.names.iter().zip(&a.rows).find(|(_, r)| r.len() != width) {
        return Err(ProteinError::InvalidArgument(format!(
            "cannot write {}: row '{name}' has {} columns, expected {width}",
            path.display(),
            row.len()
        )));
    }
    if let Some(name) = a.names.iter().find(|n| n.is_empty() || n.contains(char::is_whitespace)) {
        return Err(ProteinError::InvalidArgument(format!(
            "cannot write {}: sequence name '{name}' is empty or contains whitespace",
            path.display()
        )));
    }
    let pad = a.names.iter().map(String::len).max().unwrap_or(0) + 2;
    let mut out = String::from("# STOCKHOLM 1.0\n");
    if let Some(id) = &a.id {
        out.push_str(&format!("#=GF ID   {id}\n"));
    }
    if let Some(ac) = &a.accession {
        out.push_str(&format!("#=GF AC   {ac}\n"));
    }
    for (name, row) in a.names.iter().zip(&a.rows) {
        out.push_str(&format!("{name:<pad$}{}\n", String::from_utf8_lossy(row)));
    }
    out.push_str("//\n");
    let mut file = std::fs::File::create(path).map_err(|e| ProteinError::io(path, "cannot create", e))?;
    file.write_all(out.as_bytes()).map_err(|e| ProteinError::io(path, "cannot write", e))
}
