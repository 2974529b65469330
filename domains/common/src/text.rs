//! Reading text inputs, one layer for every reader: plain or gzip-compressed (detected by the
//! magic bytes `1f 8b`, not by the file name; multi-member streams, as concatenated `.gz` files
//! are, read to the end), a leading UTF-8 byte-order mark dropped, CRLF line endings tolerated.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BOM: char = '\u{feff}';

/// The content of a file, decompressed, and whether it was gzip-compressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub bytes: Vec<u8>,
    pub gzip: bool,
}

/// Why a file could not be read. The domains convert it into their own error types, whose
/// messages the command line shows.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The file could not be opened or read.
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The file starts like gzip but does not decompress (corrupt or truncated).
    #[error("{}: not a valid gzip stream: {source}", path.display())]
    Gzip { path: PathBuf, source: std::io::Error },
}

/// The bytes of `path`, decompressed if it is gzip; a BOM is kept (readers of binary-safe
/// formats such as CSV handle it themselves).
pub fn read_bytes(path: &Path) -> Result<Source, TextError> {
    let raw = std::fs::read(path).map_err(|source| TextError::Read { path: path.to_path_buf(), source })?;
    if !raw.starts_with(&GZIP_MAGIC) {
        return Ok(Source { bytes: raw, gzip: false });
    }
    // Compressed text is a few times smaller than its content.
    let mut bytes = Vec::with_capacity(raw.len() * 4);
    MultiGzDecoder::new(raw.as_slice())
        .read_to_end(&mut bytes)
        .map_err(|source| TextError::Gzip { path: path.to_path_buf(), source })?;
    Ok(Source { bytes, gzip: true })
}

/// The text of `path` (decompressed if gzip) without a leading BOM. Bytes that are not UTF-8
/// become U+FFFD rather than an error: annotation lines may carry Latin-1 names, and a bad byte
/// where it matters is then reported by the parser that reads it, with its line.
pub fn read_text(path: &Path) -> Result<String, TextError> {
    let bytes = read_bytes(path)?.bytes;
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
