//! Reading text inputs, one layer for every reader: plain or gzip-compressed (detected by the
//! magic bytes `1f 8b`, not by the file name; multi-member streams, as concatenated `.gz` files
//! are, read to the end), a leading UTF-8 byte-order mark dropped, CRLF line endings tolerated.
//!
//! Every read is bounded ([`Limits`]): a line longer than 1 MiB or a (decompressed) content larger
//! than 4 GiB stops the read at the limit with an error naming the file, so a non-regular file
//! such as `/dev/zero` or an endless pipe cannot grow memory without bound.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BOM: char = '\u{feff}';

/// Size limits of one input file. [`Limits::DEFAULT`]: 1 MiB per line, 4 GiB per file (after
/// decompression); [`Limits::current`] lets the environment raise or lower them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted line in bytes, without its line ending.
    pub max_line: u64,
    /// Largest accepted content in bytes (decompressed, for gzip input).
    pub max_file: u64,
}

impl Limits {
    /// 1 MiB per line (the longest Stockholm or CSV line of real data is a few kB), 4 GiB per file.
    pub const DEFAULT: Limits = Limits { max_line: 1 << 20, max_file: 4 << 30 };
    /// Environment variable overriding [`Limits::max_line`] (bytes).
    pub const LINE_VAR: &'static str = "SATOOL_MAX_LINE_BYTES";
    /// Environment variable overriding [`Limits::max_file`] (bytes).
    pub const FILE_VAR: &'static str = "SATOOL_MAX_INPUT_BYTES";

    /// The defaults, each replaced by its environment variable when that is set to a positive
    /// integer.
    pub fn current() -> Limits {
        let var = |name: &str, default: u64| {
            std::env::var(name).ok().and_then(|v| v.trim().parse::<u64>().ok()).filter(|&n| n > 0).unwrap_or(default)
        };
        Limits {
            max_line: var(Self::LINE_VAR, Self::DEFAULT.max_line),
            max_file: var(Self::FILE_VAR, Self::DEFAULT.max_file),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// The content of a file, decompressed, and whether it was gzip-compressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub bytes: Vec<u8>,
    pub gzip: bool,
}

/// Why a file could not be read. The domains convert it into their own error types, whose
/// messages the command line shows. An input over its [`Limits`] is a `Read` error whose
/// `source` has kind [`std::io::ErrorKind::InvalidData`] and says which limit (and how to
/// raise it).
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The file could not be opened or read, or is over a limit.
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The file starts like gzip but does not decompress (corrupt or truncated).
    #[error("{}: not a valid gzip stream: {source}", path.display())]
    Gzip { path: PathBuf, source: std::io::Error },
}

/// The bytes of `path`, decompressed if it is gzip, within [`Limits::current`]; a BOM is kept
/// (readers of binary-safe formats such as CSV handle it themselves).
pub fn read_bytes(path: &Path) -> Result<Source, TextError> {
    read_bytes_limited(path, Limits::current())
}

/// [`read_bytes`] with explicit limits.
pub fn read_bytes_limited(path: &Path, limits: Limits) -> Result<Source, TextError> {
    let read_err = |source| TextError::Read { path: path.to_path_buf(), source };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    // Peek at the magic bytes without assuming the file can seek (a pipe, /dev/stdin).
    let mut head = Vec::with_capacity(2);
    (&mut file).take(2).read_to_end(&mut head).map_err(read_err)?;
    let stream = Cursor::new(head.clone()).chain(file);
    let mut bytes = Vec::new();
    if head != GZIP_MAGIC {
        read_limited(stream, limits, &mut bytes).map_err(|e| match e {
            Bounded::Io(source) | Bounded::Limit(source) => read_err(source),
        })?;
        return Ok(Source { bytes, gzip: false });
    }
    read_limited(MultiGzDecoder::new(std::io::BufReader::new(stream)), limits, &mut bytes).map_err(|e| match e {
        Bounded::Io(source) => TextError::Gzip { path: path.to_path_buf(), source },
        Bounded::Limit(source) => read_err(source),
    })?;
    Ok(Source { bytes, gzip: true })
}

/// Why a bounded read stopped.
enum Bounded {
    Io(std::io::Error),
    Limit(std::io::Error),
}

/// Reads `r` to the end into `out`, stopping as soon as a line or the whole exceeds `limits`.
fn read_limited(mut r: impl Read, limits: Limits, out: &mut Vec<u8>) -> Result<(), Bounded> {
    let over = |msg: String| Bounded::Limit(std::io::Error::new(std::io::ErrorKind::InvalidData, msg));
    let mut chunk = vec![0u8; 1 << 16];
    let (mut line, mut line_len) = (1u64, 0u64);
    loop {
        let n = match r.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Bounded::Io(e)),
        };
        if out.len() as u64 + n as u64 > limits.max_file {
            return Err(over(format!(
                "larger than the input limit of {} (set {} to a number of bytes to raise it)",
                human(limits.max_file),
                Limits::FILE_VAR
            )));
        }
        for &b in &chunk[..n] {
            if b == b'\n' {
                line += 1;
                line_len = 0;
            } else {
                line_len += 1;
                if line_len > limits.max_line && !(b == b'\r' && line_len == limits.max_line + 1) {
                    return Err(over(format!(
                        "line {line} is longer than the input limit of {} per line (set {} to a number of bytes to raise it)",
                        human(limits.max_line),
                        Limits::LINE_VAR
                    )));
                }
            }
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// `1048576` → "1 MiB"; sizes that are not whole KiB/MiB/GiB in bytes.
fn human(n: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    format!("{n} bytes")
}

/// The text of `path` (decompressed if gzip) without a leading BOM, within [`Limits::current`].
/// Bytes that are not UTF-8 become U+FFFD rather than an error: annotation lines may carry
/// Latin-1 names, and a bad byte where it matters is then reported by the parser that reads it,
/// with its line.
pub fn read_text(path: &Path) -> Result<String, TextError> {
    read_text_limited(path, Limits::current())
}

/// [`read_text`] with explicit limits (e.g. a smaller one for a tool's output file).
pub fn read_text_limited(path: &Path, limits: Limits) -> Result<String, TextError> {
    let bytes = read_bytes_limited(path, limits)?.bytes;
    let mut text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    if text.starts_with(BOM) {
        text.drain(..BOM.len_utf8());
    }
    Ok(text)
}

/// Lines with their 1-based numbers (for messages), a trailing `\r` removed. Splits at every
/// `\n`, so text ending in a newline yields a last, empty line.
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').enumerate().map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
}
