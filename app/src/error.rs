//! Error classes and exit codes: 0 success, 2 bad input or usage, 1 internal error (130, 143, 129
//! after SIGINT, SIGTERM, SIGHUP: see [`crate::shutdown`]); messages for the terminal ([`message`]).

use thiserror::Error;

/// A problem with what the user gave us (a file, a flag combination): exit code 2.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// Exit code for an error: 130 (as for SIGINT) when the host asked the run to stop
/// ([`satool::request_interrupt`]), 2 when any cause is bad input (ours or a domain reader's),
/// else 1.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.chain().any(|e| matches!(e.downcast_ref::<satool::Error>(), Some(satool::Error::Interrupted))) {
        return 130;
    }
    let input = err.chain().any(|e| {
        e.is::<InputError>()
            || e.is::<satool::Error>()
            || e.is::<satool_protein::ProteinError>()
            || e.is::<satool_finance::FinanceError>()
    });
    if input {
        2
    } else {
        1
    }
}

/// Shorthand for returning an input error.
#[macro_export]
macro_rules! input_err {
    ($($t:tt)*) => { anyhow::Error::new($crate::error::InputError(format!($($t)*))) };
}

/// The one-line (or few-line) text of an error for the terminal: the causes joined by ": " like
/// `{:#}`, a cause left out when the text before it already ends with it (an I/O error quoted by
/// the error that wraps it), and control characters escaped (`\x1b`, `\u{85}`; newlines of
/// multi-line messages and tabs are kept) so that a file name or a line quoted from an input
/// cannot drive the terminal.
pub fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let c = cause.to_string();
        if text.is_empty() {
            text = c;
        } else if !text.ends_with(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    escape_controls(&text).lines().map(capped).collect::<Vec<_>>().join("\n")
}

/// Characters of one line of an error message that are shown; a longer line (a header of
/// thousands of columns quoted whole) ends in "… (N more characters)".
const LINE_CHARS: usize = 1000;

fn capped(line: &str) -> String {
    match line.char_indices().nth(LINE_CHARS) {
        None => line.to_string(),
        Some((cut, _)) => format!("{}… ({} more characters)", &line[..cut], line[cut..].chars().count()),
    }
}

/// Escapes every control character but newline and tab: C0 and DEL as `\xNN`, C1 as `\u{NN}`.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\n' | '\t' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_repeated_causes_dropped() {
        assert_eq!(escape_controls("a\x1b[31mb\x07\r\u{85}\u{7f}\n\tc"), "a\\x1b[31mb\\x07\\x0d\\u{85}\\x7f\n\tc");
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = anyhow::Error::new(io).context("x.sto: cannot read: gone");
        assert_eq!(message(&e), "x.sto: cannot read: gone");
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(message(&e), "outer: inner");
        // A line quoted whole from a huge input is cut, saying how much is left out.
        let e = anyhow::anyhow!("f.csv:1: header {}", "é,".repeat(3000));
        let m = message(&e);
        assert!(m.starts_with("f.csv:1: header é,é,") && m.ends_with("… (5016 more characters)"), "{m}");
        assert_eq!(m.chars().count(), 1000 + "… (5016 more characters)".chars().count());
    }
}
