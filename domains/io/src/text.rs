//! Reading text inputs, one layer for every reader: plain or gzip-compressed (detected by the
//! magic bytes `1f 8b`, not by the file name; multi-member streams, as concatenated `.gz` files
//! are, read to the end), a leading UTF-8 byte-order mark dropped, CRLF line endings tolerated.
//!
//! Every read is bounded ([`Limits`]): a line longer than 1 MiB or a (decompressed) content larger
//! than 4 GiB stops the read at the limit with an error naming the file, so a non-regular file
//! such as `/dev/zero` or an endless pipe cannot grow memory without bound.
//!
//! Readers parse as they read: [`TextReader`] streams the decompressed bytes and [`Lines`] the
//! numbered lines, so a parser stops at the first bad line having held one line (or one buffer)
//! of the input, whatever the file's size. [`read_bytes`] and [`read_text`] read a whole file
//! for the small inputs that need it.
//!
//! The path `-` is standard input ([`STDIN`]), named `<stdin>` in every message.

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

    /// The defaults, each replaced by its environment variable when that is set; a variable set
    /// to anything but a positive integer (bytes) is an error naming it and its value.
    pub fn current() -> Result<Limits, String> {
        let var = |name: &str, default: u64| match std::env::var_os(name) {
            None => Ok(default),
            Some(v) => match v.to_str().and_then(|t| t.trim().parse::<u64>().ok()) {
                Some(n) if n > 0 => Ok(n),
                _ => Err(format!("{name}={v:?} is not a positive whole number of bytes")),
            },
        };
        Ok(Limits {
            max_line: var(Self::LINE_VAR, Self::DEFAULT.max_line)?,
            max_file: var(Self::FILE_VAR, Self::DEFAULT.max_file)?,
        })
    }
}

/// The path that stands for standard input, as on most command lines.
pub const STDIN: &str = "-";

/// How messages name standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether `path` is `-`, standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// `path` as messages name it: `<stdin>` for `-`, else the path itself.
pub fn shown(path: &Path) -> &Path {
    if is_stdin(path) {
        Path::new(STDIN_NAME)
    } else {
        path
    }
}

/// [`Limits::current`], or the read error of `path` naming the bad variable.
fn current_limits(path: &Path) -> Result<Limits, TextError> {
    Limits::current().map_err(|e| TextError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e),
    })
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

/// The decompressed content of a file as a stream, within its [`Limits`]: an input over a limit
/// or a corrupt gzip stream fails the read with an [`std::io::Error`] that carries the
/// [`TextError`] ([`TextError::from_io`] gets it back, with the file named). A BOM is kept.
pub struct TextReader {
    inner: Box<dyn Read + Send>,
    path: PathBuf,
    limits: Limits,
    gzip: bool,
    total: u64,
    line: u64,
    line_len: u64,
    /// The error that stopped the stream (gzip or not, kind, message), returned again by every
    /// later read.
    failed: Option<(bool, std::io::ErrorKind, String)>,
}

impl TextReader {
    /// Opens `path` within [`Limits::current`].
    pub fn open(path: &Path) -> Result<TextReader, TextError> {
        Self::open_limited(path, current_limits(path)?)
    }

    /// Opens `path` within `limits`; only a file that cannot be opened fails here.
    /// `-` is standard input, named `<stdin>` by [`TextReader::path`] and every error.
    pub fn open_limited(path: &Path, limits: Limits) -> Result<TextReader, TextError> {
        let stdin = is_stdin(path);
        let path = shown(path);
        let read_err = |source| TextError::Read { path: path.to_path_buf(), source };
        let mut file: Box<dyn Read + Send> =
            if stdin { Box::new(std::io::stdin()) } else { Box::new(std::fs::File::open(path).map_err(read_err)?) };
        // Peek at the magic bytes without assuming the file can seek (a pipe, /dev/stdin).
        let mut head = Vec::with_capacity(2);
        (&mut file).take(2).read_to_end(&mut head).map_err(read_err)?;
        let gzip = head == GZIP_MAGIC;
        let stream = Cursor::new(head).chain(file);
        let inner: Box<dyn Read + Send> = if gzip {
            Box::new(MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 16, stream)))
        } else {
            Box::new(stream)
        };
        Ok(TextReader { inner, path: path.to_path_buf(), limits, gzip, total: 0, line: 1, line_len: 0, failed: None })
    }

    /// Whether the file is gzip-compressed.
    pub fn gzip(&self) -> bool {
        self.gzip
    }

    /// The file, as messages name it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Numbered lines of the text (see [`Lines`]).
    pub fn lines(self) -> Lines {
        Lines {
            reader: std::io::BufReader::with_capacity(1 << 16, self),
            line: 0,
            buf: Vec::new(),
            done: false,
            offset: 0,
        }
    }

    fn fail(&mut self, e: TextError) -> std::io::Error {
        let (gzip, source) = match &e {
            TextError::Read { source, .. } => (false, source),
            TextError::Gzip { source, .. } => (true, source),
        };
        self.failed = Some((gzip, source.kind(), source.to_string()));
        std::io::Error::new(source.kind(), e)
    }

    /// The error that stopped the stream, again.
    fn failed_again(&self) -> Option<std::io::Error> {
        let (gzip, kind, msg) = self.failed.as_ref()?;
        let (path, source) = (self.path.clone(), std::io::Error::new(*kind, msg.clone()));
        let e = if *gzip { TextError::Gzip { path, source } } else { TextError::Read { path, source } };
        Some(std::io::Error::new(*kind, e))
    }
}

impl Read for TextReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(e) = self.failed_again() {
            return Err(e);
        }
        let over = |msg: String| std::io::Error::new(std::io::ErrorKind::InvalidData, msg);
        let n = loop {
            match self.inner.read(buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    let path = self.path.clone();
                    let e = if self.gzip { TextError::Gzip { path, source } } else { TextError::Read { path, source } };
                    return Err(self.fail(e));
                }
            }
        };
        // The bytes before a limit is crossed are returned; the error comes with the next read.
        let mut allowed = n.min(usize::try_from(self.limits.max_file - self.total).unwrap_or(usize::MAX));
        let mut problem = (allowed < n).then(|| {
            format!(
                "larger than the input limit of {} (set {} to a number of bytes to raise it)",
                human(self.limits.max_file),
                Limits::FILE_VAR
            )
        });
        for (i, &b) in buf[..allowed].iter().enumerate() {
            if b == b'\n' {
                self.line += 1;
                self.line_len = 0;
            } else {
                self.line_len += 1;
                if self.line_len > self.limits.max_line && !(b == b'\r' && self.line_len == self.limits.max_line + 1) {
                    problem = Some(format!(
                        "line {} is longer than the input limit of {} per line (set {} to a number of bytes to raise it)",
                        self.line,
                        human(self.limits.max_line),
                        Limits::LINE_VAR
                    ));
                    allowed = i;
                    break;
                }
            }
        }
        self.total += allowed as u64;
        if let Some(msg) = problem {
            let e = self.fail(TextError::Read { path: self.path.clone(), source: over(msg) });
            if allowed == 0 {
                return Err(e);
            }
        }
        Ok(allowed)
    }
}

/// The numbered lines of a [`TextReader`], read one at a time: 1-based numbers, a trailing `\r`
/// removed, bytes that are not UTF-8 as U+FFFD, a BOM at the start dropped; a `\r` inside a line
/// (a file whose lines end in `\r` alone) is a read error naming the line. Unlike
/// [`numbered_lines`], text ending in a newline yields no last, empty line. A read error ends the
/// lines with one `Err`.
pub struct Lines {
    reader: std::io::BufReader<TextReader>,
    line: usize,
    buf: Vec<u8>,
    done: bool,
    /// Bytes of the (decompressed) text the lines read so far span, line endings and BOM included.
    offset: u64,
}

impl Lines {
    /// Whether the file is gzip-compressed.
    pub fn gzip(&self) -> bool {
        self.reader.get_ref().gzip
    }

    /// The byte offset, in the (decompressed) text, just past the last line read (its line ending
    /// included): where the next line starts. For a plain file it is a file offset to seek to.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

impl Iterator for Lines {
    type Item = Result<(usize, String), TextError>;

    fn next(&mut self) -> Option<Self::Item> {
        use std::io::BufRead;
        if self.done {
            return None;
        }
        self.buf.clear();
        match self.reader.read_until(b'\n', &mut self.buf) {
            Ok(0) => {
                self.done = true;
                None
            }
            Ok(n) => {
                self.line += 1;
                self.offset += n as u64;
                let mut l = &self.buf[..];
                l = l.strip_suffix(b"\n").unwrap_or(l);
                l = l.strip_suffix(b"\r").unwrap_or(l);
                if self.line == 1 {
                    l = l.strip_prefix("\u{feff}".as_bytes()).unwrap_or(l);
                }
                if l.contains(&b'\r') {
                    // Lines ending in \r alone would read as one line, and fail far from the cause.
                    self.done = true;
                    let path = self.reader.get_ref().path.clone();
                    let problem = format!(
                        "line {} holds a carriage return (\\r) inside it: lines that end in \\r alone (classic Mac OS) \
                         are not read; convert them to \\n line endings (e.g. tr '\\r' '\\n')",
                        self.line
                    );
                    let source = std::io::Error::new(std::io::ErrorKind::InvalidData, problem);
                    return Some(Err(TextError::Read { path, source }));
                }
                Some(Ok((self.line, String::from_utf8_lossy(l).into_owned())))
            }
            Err(e) => {
                self.done = true;
                let path = self.reader.get_ref().path.clone();
                Some(Err(TextError::from_io(e, &path)))
            }
        }
    }
}

impl TextError {
    /// The [`TextError`] a [`TextReader`] failed with, when `e` carries one; else a read error of
    /// `path` (e.g. from a parser that read through the stream).
    pub fn from_io(e: std::io::Error, path: &Path) -> TextError {
        if e.get_ref().is_some_and(|inner| inner.is::<TextError>()) {
            if let Some(inner) = e.into_inner() {
                if let Ok(t) = inner.downcast::<TextError>() {
                    return *t;
                }
            }
            unreachable!("checked above");
        }
        TextError::Read { path: path.to_path_buf(), source: e }
    }
}

/// The bytes of `path`, decompressed if it is gzip, within [`Limits::current`]; a BOM is kept
/// (readers of binary-safe formats such as CSV handle it themselves).
pub fn read_bytes(path: &Path) -> Result<Source, TextError> {
    read_bytes_limited(path, current_limits(path)?)
}

/// [`read_bytes`] with explicit limits.
pub fn read_bytes_limited(path: &Path, limits: Limits) -> Result<Source, TextError> {
    let mut reader = TextReader::open_limited(path, limits)?;
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| TextError::from_io(e, shown(path)))?;
    Ok(Source { bytes, gzip: reader.gzip })
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
    read_text_limited(path, current_limits(path)?)
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
