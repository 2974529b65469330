//! `satool protein index FILE`: a record index of a multi-record Stockholm file (the idea of
//! `esl-afetch --index`), and `--family` lookups that seek through it.
//!
//! The index, `FILE.satool-idx`, is a TSV table (one row per record: ordinal, ID, AC, byte offset
//! and length, first line, raw K × columns, and the error of a record that cannot be read) under a
//! first line that stamps the file it describes (size, modification time, a hash of its first
//! 64 KiB). Building it reads the file once, one record at a time; a lookup reads the index and
//! the one record it points to. A stale index (the file changed since) is refused. Only plain
//! files are indexed: offsets into a gzip stream cannot be sought to.

use crate::input_err;
use anyhow::{Context, Result};
use satool_protein as prot;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The index file's name: the indexed file's name with this suffix.
pub const SUFFIX: &str = ".satool-idx";
/// The first word of the index's first line: the format and its version.
const MAGIC: &str = "# satool-idx 1";
/// The leading bytes whose hash the stamp holds.
const HEAD_BYTES: u64 = 1 << 16;
/// The index's column header.
pub const COLUMNS: &str = "ordinal\tid\taccession\toffset\tlength\tfirst_line\tK\tcolumns\terror";

/// The index of `path`: `path` with [`SUFFIX`] appended.
pub fn index_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(SUFFIX);
    PathBuf::from(name)
}

/// One record of the index.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// 1-based, counting every record of the file (the `#N` of `--family`).
    pub ordinal: usize,
    pub id: Option<String>,
    pub accession: Option<String>,
    pub span: prot::RecordSpan,
    /// Raw rows × columns, before cleaning; `None` for a record that cannot be read.
    pub shape: Option<(usize, usize)>,
    pub error: Option<String>,
}

impl Entry {
    fn row(&self) -> String {
        let text = |s: &Option<String>| s.as_deref().unwrap_or("").replace(['\t', '\n', '\r'], " ");
        let (k, cols) = self.shape.map_or((String::new(), String::new()), |(k, c)| (k.to_string(), c.to_string()));
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{k}\t{cols}\t{}",
            self.ordinal,
            text(&self.id),
            text(&self.accession),
            self.span.offset,
            self.span.length,
            self.span.first_line,
            text(&self.error)
        )
    }

    fn parse(line: &str) -> Option<Entry> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 9 {
            return None;
        }
        let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let shape = match (f[6], f[7]) {
            ("", "") => None,
            (k, c) => Some((k.parse().ok()?, c.parse().ok()?)),
        };
        Some(Entry {
            ordinal: f[0].parse().ok()?,
            id: text(f[1]),
            accession: text(f[2]),
            span: prot::RecordSpan {
                offset: f[3].parse().ok()?,
                length: f[4].parse().ok()?,
                first_line: f[5].parse().ok()?,
            },
            shape,
            error: text(f[8]),
        })
    }
}

/// What identifies the version of a file the index describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    mtime_ns: u128,
    head: u64,
}

impl Stamp {
    fn of(path: &Path) -> Result<Stamp> {
        let meta = std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let mtime_ns =
            meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
        let mut head = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(HEAD_BYTES).read_to_end(&mut head))
            .with_context(|| format!("{}: cannot read", path.display()))?;
        // FNV-1a: stable across builds and platforms.
        let head =
            head.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        Ok(Stamp { size: meta.len(), mtime_ns, head })
    }

    fn line(&self) -> String {
        format!("{MAGIC}\tsize={}\tmtime_ns={}\thead_fnv1a={:016x}", self.size, self.mtime_ns, self.head)
    }

    fn parse(line: &str) -> Option<Stamp> {
        let mut f = line.split('\t');
        if f.next()? != MAGIC {
            return None;
        }
        let mut field = |key: &str| f.next()?.strip_prefix(key)?.strip_prefix('=').map(str::to_string);
        let size = field("size")?.parse().ok()?;
        let mtime_ns = field("mtime_ns")?.parse().ok()?;
        let head = u64::from_str_radix(&field("head_fnv1a")?, 16).ok()?;
        Some(Stamp { size, mtime_ns, head })
    }

    /// What differs between the stamp the index holds (`self`) and the file's, in words.
    fn differences(&self, now: &Stamp) -> Vec<String> {
        let mut d = Vec::new();
        if self.size != now.size {
            d.push(format!("size {} bytes, indexed at {}", now.size, self.size));
        }
        if self.mtime_ns != now.mtime_ns {
            d.push("modified since".to_string());
        }
        if self.head != now.head {
            d.push("its first 64 KiB differ".to_string());
        }
        d
    }
}

/// Whether the file starts like gzip.
fn is_gzip(path: &Path) -> Result<bool> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(2).read_to_end(&mut head))
        .with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(head == [0x1f, 0x8b])
}

/// What [`build`] did.
#[derive(Debug)]
pub struct Built {
    pub entries: Vec<Entry>,
    /// The index file written; `None` for a gzip file (listed, not indexed).
    pub written: Option<PathBuf>,
}

/// Reads `path` once, record by record, and returns its entries; for a plain file also writes
/// `path.satool-idx` (atomically: a temporary file renamed). A file without a single record is
/// the reader's error; a file changed while it was read is an error too.
pub fn build(path: &Path) -> Result<Built> {
    let gzip = is_gzip(path)?;
    let before = Stamp::of(path)?;
    let mut reader = prot::StockholmFile::open(path)?.records();
    let mut entries = Vec::new();
    // The last error of content outside any record: a file with nothing else is not Stockholm.
    let mut outside = None;
    let mut records = 0;
    while let Some(item) = reader.next() {
        let (id, accession) = reader.last_names();
        let (id, accession) = (id.map(str::to_string), accession.map(str::to_string));
        let span = reader.last_span();
        let not_a_record =
            matches!(item, Err(prot::ProteinError::MissingHeader { .. } | prot::ProteinError::NoRecords { .. }));
        let (shape, error) = match item {
            Ok(a) => (Some((a.n_rows(), a.width())), None),
            Err(e) => (None, Some(e.to_string())),
        };
        if not_a_record {
            outside.clone_from(&error);
        } else {
            records += 1;
        }
        entries.push(Entry { ordinal: entries.len() + 1, id, accession, span, shape, error });
    }
    if records == 0 {
        return Err(input_err!("{}", outside.unwrap_or_else(|| format!("{}: no Stockholm record", path.display()))));
    }
    if gzip {
        return Ok(Built { entries, written: None });
    }
    if Stamp::of(path)? != before {
        return Err(input_err!("{}: the file changed while it was indexed; index it again", path.display()));
    }
    let target = index_path(path);
    write_atomically(&target, &index_text(&before, &entries))?;
    Ok(Built { entries, written: Some(target) })
}

/// The index as a table: [`COLUMNS`] then one row per entry.
pub fn table(entries: &[Entry]) -> String {
    let mut text = String::from(COLUMNS);
    text.push('\n');
    for e in entries {
        text.push_str(&e.row());
        text.push('\n');
    }
    text
}

fn index_text(stamp: &Stamp, entries: &[Entry]) -> String {
    format!("{}\n{}", stamp.line(), table(entries))
}

fn write_atomically(target: &Path, text: &str) -> Result<()> {
    let mut tmp_name = target.as_os_str().to_owned();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp_name);
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, target)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(input_err!("{}: cannot write the index: {e}", target.display()));
    }
    Ok(())
}

/// The record `family` names (its ID, AC with or without version, or `#N`), read through the
/// index of `path` when there is one: `None` when there is no index, or when the index does not
/// name exactly one readable record (the caller then reads the file through, which gives the
/// message of a missing, ambiguous or broken record). A stale index is an error.
pub fn lookup(path: &Path, family: &str) -> Result<Option<prot::Alignment>> {
    let idx = index_path(path);
    let text = match std::fs::read_to_string(&idx) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(input_err!("{}: cannot read the index: {e}", idx.display())),
    };
    let mut lines = text.lines();
    let stale = |what: &str| {
        input_err!("{}: stale index ({what}); run `satool protein index {}` again", idx.display(), path.display())
    };
    let stamp = lines.next().and_then(Stamp::parse).ok_or_else(|| stale("not a satool index of this version"))?;
    let now = Stamp::of(path)?;
    let differences = stamp.differences(&now);
    if !differences.is_empty() {
        return Err(stale(&format!("{} changed: {}", path.display(), differences.join(", "))));
    }
    if lines.next() != Some(COLUMNS) {
        return Err(stale("unknown columns"));
    }
    let entries: Vec<Entry> =
        lines.map(|l| Entry::parse(l).ok_or_else(|| stale("unreadable row"))).collect::<Result<_>>()?;
    let wanted_index = family.strip_prefix('#').and_then(|n| n.trim().parse::<usize>().ok());
    let named: Vec<&Entry> = entries
        .iter()
        .filter(|e| match wanted_index {
            Some(n) => e.ordinal == n,
            None => names_match(e.id.as_deref(), e.accession.as_deref(), family),
        })
        .collect();
    let [entry] = named[..] else { return Ok(None) };
    if entry.error.is_some() {
        return Ok(None);
    }
    let record = read_span(path, entry.span)?;
    let read =
        prot::StockholmRecords::starting_at_line(&record, &path.display().to_string(), entry.span.first_line).next();
    match read {
        Some(Ok(a))
            if a.id == entry.id && a.accession == entry.accession && Some((a.n_rows(), a.width())) == entry.shape =>
        {
            Ok(Some(a))
        }
        _ => Err(stale(&format!("record #{} is not where the index says", entry.ordinal))),
    }
}

/// Whether a record with this ID and AC is the one `--family want` names: its ID, its AC, or
/// its AC without the version.
pub fn names_match(id: Option<&str>, accession: Option<&str>, want: &str) -> bool {
    id == Some(want) || accession.is_some_and(|ac| ac == want || ac.split('.').next() == Some(want))
}

/// The text of one record: `span.length` bytes at `span.offset` (a leading byte-order mark dropped).
fn read_span(path: &Path, span: prot::RecordSpan) -> Result<String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| {
            f.seek(SeekFrom::Start(span.offset))?;
            f.take(span.length).read_to_end(&mut bytes)
        })
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_stamps_read_back() {
        let e = Entry {
            ordinal: 3,
            id: Some("RRM_1".into()),
            accession: None,
            span: prot::RecordSpan { offset: 10, length: 20, first_line: 4 },
            shape: Some((68, 79)),
            error: None,
        };
        assert_eq!(Entry::parse(&e.row()), Some(e.clone()));
        let broken = Entry { shape: None, error: Some("f.sto:9: bad\tthing".into()), ..e };
        let back = Entry::parse(&broken.row()).unwrap();
        assert_eq!((back.shape, back.error.as_deref()), (None, Some("f.sto:9: bad thing")));
        let s = Stamp { size: 5, mtime_ns: 1_700_000_000_123_456_789, head: 0xfeed };
        assert_eq!(Stamp::parse(&s.line()), Some(s));
        assert_eq!(Stamp::parse("# satool-idx 2\tsize=5"), None);
        let later = Stamp { size: 6, mtime_ns: 1, ..s };
        assert_eq!(s.differences(&later), vec!["size 6 bytes, indexed at 5".to_string(), "modified since".to_string()]);
    }
}
