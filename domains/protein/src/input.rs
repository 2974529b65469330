//! Reading text inputs: plain or gzip-compressed (detected by the magic bytes `1f 8b`, not by
//! the file name), with CRLF line endings tolerated.

use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::ProteinError;

/// The whole file as text. Gzip input is decompressed; bytes that are not UTF-8 become U+FFFD
/// (annotation lines may carry Latin-1 names; a bad byte in a sequence is then reported as an
/// invalid character by the parser that reads it).
pub(crate) fn read_text(path: &Path) -> Result<String, ProteinError> {
    let raw = std::fs::read(path).map_err(|e| ProteinError::io(path, "cannot read", e))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| ProteinError::io(path, "cannot decompress gzip input", e))?;
        out
    } else {
        raw
    };
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Lines with their 1-based numbers, a trailing `\r` removed.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').enumerate().map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
}

/// True for the three alignment gap characters `.`, `-`, `~`.
pub fn is_gap(c: u8) -> bool {
    matches!(c, b'.' | b'-' | b'~')
}

/// A character allowed in a protein sequence line: a letter, a gap, or `*`.
pub(crate) fn is_sequence_char(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '.' | '-' | '~' | '*')
}
