//! Reading text inputs through the shared layer ([`satool_io::text`]: plain or gzip, BOM
//! dropped, CRLF tolerated), and the character classes of sequence lines.

/// Lines with their 1-based numbers, a trailing `\r` removed.
pub(crate) use satool_io::text::numbered_lines;

/// True for the three alignment gap characters `.`, `-`, `~`.
pub fn is_gap(c: u8) -> bool {
    matches!(c, b'.' | b'-' | b'~')
}

/// A character allowed in a protein sequence line: a letter, a gap, or `*`.
pub(crate) fn is_sequence_char(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '.' | '-' | '~' | '*')
}
