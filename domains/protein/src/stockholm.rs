//! Stockholm 1.0 alignments: reader (plain or gzip) and a minimal writer.
//!
//! The reader accepts every record of a file (`# STOCKHOLM 1.x` … `//`), in order, one at a
//! time ([`StockholmRecords`]) or all at once ([`read_stockholm`]):
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
//! a name starting with `//` (the end of a record to HMMER), a character that is not a letter, gap or `*`, or when ≥ 90% of its residue letters are
//! A/C/G/T/U/N (a nucleotide alignment, not a protein family).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use satool_io::text::TextError;

use crate::input::{is_sequence_char, numbered_lines};
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

/// Reads every record of a Stockholm file (plain or gzip-compressed), in file order; the first
/// unreadable record is the error. [`StockholmFile`] reads them one at a time instead.
pub fn read_stockholm(path: &Path) -> Result<Vec<Alignment>, ProteinError> {
    StockholmFile::open(path)?.records().collect()
}

/// Parses every record of Stockholm text; `source` names the input in error messages. The first
/// unreadable record is the error; [`StockholmRecords`] reads them one at a time instead.
pub fn parse_stockholm(text: &str, source: &str) -> Result<Vec<Alignment>, ProteinError> {
    StockholmRecords::new(text, source).collect()
}

/// A Stockholm file (plain or gzip) whose records are read one by one as the file is read: only
/// the record being read is held, whatever the file's size.
///
/// ```no_run
/// # fn main() -> Result<(), satool_protein::ProteinError> {
/// let file = satool_protein::StockholmFile::open("Pfam-A.seed.gz".as_ref())?;
/// for record in file.records() {
///     match record {
///         Ok(alignment) => println!("{:?}: {} sequences", alignment.id, alignment.n_rows()),
///         Err(e) => eprintln!("skipped: {e}"),
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub struct StockholmFile {
    lines: satool_io::text::Lines,
    source: String,
}

impl StockholmFile {
    /// Opens the file; only a file that cannot be opened fails here (a read error later is an
    /// item of [`StockholmFile::records`]).
    pub fn open(path: &Path) -> Result<Self, ProteinError> {
        let lines = satool_io::text::TextReader::open(path)?.lines();
        Ok(StockholmFile { lines, source: satool_io::text::shown(path).display().to_string() })
    }

    /// The file's records, in file order.
    pub fn records(self) -> StockholmRecords<'static> {
        let mut lines = self.lines;
        let numbered = std::iter::from_fn(move || {
            let line = lines.next()?;
            Some(line.map(|(n, text)| (n, lines.offset(), Cow::Owned(text))))
        });
        StockholmRecords::from_lines(Box::new(numbered), &self.source)
    }

    /// The path the file was read from, as messages name it.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl std::fmt::Debug for StockholmFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StockholmFile").field("source", &self.source).finish_non_exhaustive()
    }
}

/// Numbered lines, each with the byte offset just past it (its line ending included), borrowed
/// from text in memory or owned when read from a file; a read error ends them.
type LineIter<'a> = Box<dyn Iterator<Item = Result<(usize, u64, Cow<'a, str>), TextError>> + 'a>;

/// Where a record lies in its text: the byte offset of its header line, its length in bytes
/// (through the line ending of its `//`, or up to the next header), and its first line's number.
/// For a plain file the offset is a file offset: the record can be read again by seeking there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordSpan {
    pub offset: u64,
    pub length: u64,
    pub first_line: usize,
}

/// The lines a record reader consumes, with one line of look-ahead; a read error ends them and
/// is kept for the reader to report.
struct LineSource<'a> {
    inner: LineIter<'a>,
    peeked: Option<(usize, u64, Cow<'a, str>)>,
    error: Option<TextError>,
    /// The byte offset just past the last line consumed.
    consumed: u64,
}

impl<'a> LineSource<'a> {
    fn fill(&mut self) {
        if self.peeked.is_none() && self.error.is_none() {
            match self.inner.next() {
                Some(Ok(l)) => self.peeked = Some(l),
                Some(Err(e)) => self.error = Some(e),
                None => {}
            }
        }
    }

    /// The next line's number and trimmed text, without consuming it.
    fn peek(&mut self) -> Option<(usize, &str)> {
        self.fill();
        self.peeked.as_ref().map(|(n, _, l)| (*n, l.trim()))
    }

    fn next(&mut self) -> Option<(usize, Cow<'a, str>)> {
        self.fill();
        let (n, end, line) = self.peeked.take()?;
        self.consumed = end;
        Some((n, line))
    }
}

/// The records of Stockholm text, one per item, read the way easel's Stockholm reader does: each
/// item stops at its record's `//`, so the next item starts afresh. A broken record is one `Err`
/// (with its file line) and reading resumes after it — past its `//`, or at the next
/// `# STOCKHOLM` header when that comes first — so it never hides the records after it. Content
/// outside any record is an `Err` of its own ([`ProteinError::MissingHeader`]) — and, before the
/// first record, the last item: text that does not start with a header is not Stockholm, and is
/// not read further. Text without a single record yields one [`ProteinError::NoRecords`]; a read
/// error (a line over the input limit, a corrupt gzip stream) is the last item.
pub struct StockholmRecords<'a> {
    lines: LineSource<'a>,
    source: String,
    /// Whether anything (record or error) has been yielded; if not at the end, the text is empty.
    yielded: bool,
    /// Whether a `# STOCKHOLM` header has been read.
    seen_header: bool,
    /// Nothing more to yield.
    done: bool,
    /// `#=GF ID` and `#=GF AC` of the record the last item came from.
    last_names: (Option<String>, Option<String>),
    /// Where the last item's lines lie in the text.
    last_span: RecordSpan,
}

impl<'a> StockholmRecords<'a> {
    /// The records of `text`; `source` names the input in error messages.
    pub fn new(text: &'a str, source: &str) -> Self {
        Self::starting_at_line(text, source, 1)
    }

    /// The records of `text` cut from a larger file whose line `first_line` is the text's first
    /// (a record read again through an index): messages and [`Alignment::first_line`] give the
    /// file's line numbers.
    pub fn starting_at_line(text: &'a str, source: &str, first_line: usize) -> Self {
        let mut end = 0u64;
        let lines = numbered_lines(text).map(move |(n, l)| {
            // The raw line: numbered_lines dropped its '\r' (if any) and its '\n'.
            let cr = text.as_bytes().get(end as usize + l.len()) == Some(&b'\r');
            end = (end + l.len() as u64 + u64::from(cr) + 1).min(text.len() as u64);
            Ok((n + first_line - 1, end, Cow::Borrowed(l)))
        });
        Self::from_lines(Box::new(lines), source)
    }

    fn from_lines(lines: LineIter<'a>, source: &str) -> Self {
        StockholmRecords {
            lines: LineSource { inner: lines, peeked: None, error: None, consumed: 0 },
            source: source.to_string(),
            yielded: false,
            seen_header: false,
            done: false,
            last_names: (None, None),
            last_span: RecordSpan::default(),
        }
    }

    /// Where the last item's lines lie in the text (a record, broken or not, or content outside
    /// any record); offsets count from the start of the text read (a file's BOM included).
    pub fn last_span(&self) -> RecordSpan {
        self.last_span
    }

    /// `#=GF ID` and `#=GF AC` of the record the last item came from, broken records included
    /// (their annotation lines are read to the record's end); `(None, None)` after content outside
    /// any record. Lets a caller name a record it could not read.
    pub fn last_names(&self) -> (Option<&str>, Option<&str>) {
        (self.last_names.0.as_deref(), self.last_names.1.as_deref())
    }

    /// Reads the record whose header is on `first_line`, remembering its ID and AC.
    fn read_named_record(&mut self, first_line: usize) -> Result<Alignment, ProteinError> {
        let mut rec = RecordBuilder::new(first_line, &self.source);
        let result = self.read_record(&mut rec);
        self.last_names = (rec.id.take(), rec.accession.take());
        result
    }

    /// Reads the record `rec` starts, through its closing `//`.
    fn read_record(&mut self, rec: &mut RecordBuilder) -> Result<Alignment, ProteinError> {
        let first_line = rec.first_line;
        while let Some((line_no, trimmed)) = self.lines.peek() {
            if is_header(trimmed) {
                // Left unread: it starts the next record.
                return Err(ProteinError::UnterminatedRecord {
                    file: self.source.clone(),
                    line: first_line,
                    reason: format!("a new '# STOCKHOLM' header follows on line {line_no}"),
                });
            }
            let Some((_, line)) = self.lines.next() else { break };
            let trimmed = line.trim();
            let step = if trimmed == "//" {
                // The builder is consumed; its ID and AC stay behind for `last_names`.
                let mut done = RecordBuilder::new(first_line, &self.source);
                done.id.clone_from(&rec.id);
                done.accession.clone_from(&rec.accession);
                return std::mem::replace(rec, done).finish(line_no);
            } else if trimmed.is_empty() {
                rec.block_names.clear();
                Ok(())
            } else if let Some(rest) = trimmed.strip_prefix("#=GF") {
                rec.annotation(rest);
                Ok(())
            } else if !trimmed.starts_with('#') {
                rec.sequence_line(trimmed, line_no)
            } else {
                Ok(())
            };
            if let Err(e) = step {
                self.skip_rest_of_record(rec);
                return Err(e);
            }
        }
        Err(ProteinError::UnterminatedRecord {
            file: self.source.clone(),
            line: first_line,
            reason: "end of file reached".to_string(),
        })
    }

    /// After an error inside a record: skips past its `//`, or up to the next header if one
    /// comes first (so that header still starts a record), still reading its ID and AC.
    fn skip_rest_of_record(&mut self, rec: &mut RecordBuilder) {
        while let Some((_, trimmed)) = self.lines.peek() {
            if is_header(trimmed) {
                return;
            }
            let Some((_, line)) = self.lines.next() else { return };
            let trimmed = line.trim();
            if trimmed == "//" {
                return;
            }
            if let Some(rest) = trimmed.strip_prefix("#=GF") {
                rec.annotation(rest);
            }
        }
    }

    /// After content outside any record: skips up to the next header.
    fn skip_to_header(&mut self) {
        while self.lines.peek().is_some_and(|(_, l)| !is_header(l)) {
            self.lines.next();
        }
    }

    /// The next item before a read error is taken into account.
    fn next_item(&mut self) -> Option<Result<Alignment, ProteinError>> {
        loop {
            let start = self.lines.consumed;
            let (line_no, line) = self.lines.next()?;
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            self.yielded = true;
            self.last_names = (None, None);
            let item = if !is_header(trimmed) {
                let err =
                    ProteinError::MissingHeader { file: self.source.clone(), line: line_no, found: shorten(trimmed) };
                if self.seen_header {
                    self.skip_to_header();
                } else {
                    self.done = true;
                }
                Err(err)
            } else {
                self.seen_header = true;
                self.read_named_record(line_no)
            };
            self.last_span = RecordSpan { offset: start, length: self.lines.consumed - start, first_line: line_no };
            return Some(item);
        }
    }
}

impl Iterator for StockholmRecords<'_> {
    type Item = Result<Alignment, ProteinError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.next_item();
        // A read error ends the records: it is the item (a record it cut short is not).
        if let Some(e) = self.lines.error.take() {
            self.done = true;
            self.yielded = true;
            self.last_names = (None, None);
            return Some(Err(e.into()));
        }
        if item.is_some() {
            return item;
        }
        self.done = true;
        if self.yielded {
            return None;
        }
        self.yielded = true;
        Some(Err(ProteinError::NoRecords { file: self.source.clone() }))
    }
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
        if name.starts_with("//") {
            // HMMER's reader (and so hmmbuild on the seed satool writes) ends the record here.
            return Err(self.malformed(
                line,
                format!(
                    "sequence name '{}' starts with '//', which ends the record for Stockholm readers such as HMMER's; rename the sequence",
                    shorten(name)
                ),
            ));
        }
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
    write_stockholm_rf(a, None, path)
}

/// As [`write_stockholm`], with a `#=GC RF` line marking the columns `rf` (0-based, e.g. the
/// columns cleaning kept) `x` and the others `.`, so `hmmbuild --hand` makes exactly those
/// columns its match states and `hmmalign` aligns new sequences to them.
pub fn write_stockholm_rf(a: &Alignment, rf: Option<&[usize]>, path: &Path) -> Result<(), ProteinError> {
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
    // A line starting with '#' is markup to every Stockholm reader: hmmbuild would drop the row;
    // one starting with '//' ends the record for HMMER.
    for (start, meaning) in [("#", "markup"), ("//", "the end of the record")] {
        if let Some(name) = a.names.iter().find(|n| n.starts_with(start)) {
            return Err(ProteinError::InvalidArgument(format!(
                "cannot write {}: sequence name '{name}' starts with '{start}', which Stockholm readers (hmmbuild, hmmalign) take for {meaning}",
                path.display()
            )));
        }
    }
    let pad = a.names.iter().map(String::len).max().unwrap_or(0) + 2;
    let mut out = String::from("# STOCKHOLM 1.0\n");
    if let Some(id) = &a.id {
        out.push_str(&format!("#=GF ID   {id}\n"));
    }
    if let Some(ac) = &a.accession {
        out.push_str(&format!("#=GF AC   {ac}\n"));
    }
    // Padded by hand: a format width (`{name:<pad$}`) panics beyond u16::MAX, and names may be
    // that long.
    for (name, row) in a.names.iter().zip(&a.rows) {
        out.push_str(name);
        out.extend(std::iter::repeat_n(' ', pad - name.len()));
        out.push_str(&String::from_utf8_lossy(row));
        out.push('\n');
    }
    if let Some(rf) = rf {
        let mut line = vec![b'.'; width];
        for &c in rf.iter().filter(|&&c| c < width) {
            line[c] = b'x';
        }
        let tag = "#=GC RF";
        out.push_str(tag);
        out.extend(std::iter::repeat_n(' ', pad.saturating_sub(tag.len()).max(1)));
        out.push_str(&String::from_utf8_lossy(&line));
        out.push('\n');
    }
    out.push_str("//\n");
    let mut file = std::fs::File::create(path).map_err(|e| ProteinError::io(path, "cannot create", e))?;
    file.write_all(out.as_bytes()).map_err(|e| ProteinError::io(path, "cannot write", e))
}
