//! The text-input layer: plain, gzip (one and several members), CRLF, BOM, empty, missing and
//! corrupt files.

use std::io::Write;
use std::path::PathBuf;

use flate2::write::GzEncoder;
use flate2::Compression;
use satool_io::text::{
    numbered_lines, read_bytes, read_bytes_limited, read_text, read_text_limited, Limits, Source, TextError, TextReader,
};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Dir(tempfile::tempdir().unwrap())
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn plain_and_gzip_read_the_same_text() {
    let dir = Dir::new();
    let text = "# STOCKHOLM 1.0\nseq1 ACDE\n//\n";
    let plain = dir.write("a.sto", text.as_bytes());
    // Detected by content, not by name.
    let gz = dir.write("b.sto", &gzip(text.as_bytes()));
    assert_eq!(read_text(&plain).unwrap(), text);
    assert_eq!(read_text(&gz).unwrap(), text);
    assert_eq!(read_bytes(&plain).unwrap(), Source { bytes: text.as_bytes().to_vec(), gzip: false });
    assert_eq!(read_bytes(&gz).unwrap(), Source { bytes: text.as_bytes().to_vec(), gzip: true });
}

#[test]
fn multi_member_gzip_is_read_to_the_end() {
    let dir = Dir::new();
    // `cat a.gz b.gz > ab.gz`: two members, one text.
    let mut both = gzip(b"first line\n");
    both.extend(gzip(b"second line\n"));
    assert_eq!(read_text(&dir.write("ab.gz", &both)).unwrap(), "first line\nsecond line\n");
}

#[test]
fn crlf_lines_are_numbered_without_the_carriage_return() {
    let lines: Vec<(usize, &str)> = numbered_lines("a\r\nb\r\n\r\nc").collect();
    assert_eq!(lines, [(1, "a"), (2, "b"), (3, ""), (4, "c")]);
    // A final newline gives a last, empty line; a lone \r inside a line stays.
    let lines: Vec<(usize, &str)> = numbered_lines("x\ry\n").collect();
    assert_eq!(lines, [(1, "x\ry"), (2, "")]);
    assert_eq!(numbered_lines("").collect::<Vec<_>>(), [(1, "")]);
}

#[test]
fn bom_is_dropped_from_text_but_kept_in_bytes() {
    let dir = Dir::new();
    let with_bom = "\u{feff}date,A\r\n2020-01-01,1\r\n";
    let p = dir.write("bom.csv", with_bom.as_bytes());
    assert_eq!(read_text(&p).unwrap(), "date,A\r\n2020-01-01,1\r\n");
    assert_eq!(read_bytes(&p).unwrap().bytes, with_bom.as_bytes());
    // Inside gzip too, and only at the start.
    let p = dir.write("bom.csv.gz", &gzip("\u{feff}a\u{feff}b".as_bytes()));
    assert_eq!(read_text(&p).unwrap(), "a\u{feff}b");
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    let dir = Dir::new();
    let p = dir.write("latin1.txt", b"caf\xe9\n");
    assert_eq!(read_text(&p).unwrap(), "caf\u{fffd}\n");
}

#[test]
fn empty_files_are_empty_text() {
    let dir = Dir::new();
    assert_eq!(read_text(&dir.write("empty", b"")).unwrap(), "");
    assert_eq!(read_bytes(&dir.write("empty", b"")).unwrap(), Source { bytes: vec![], gzip: false });
    // An empty gzip member decompresses to nothing.
    assert_eq!(read_bytes(&dir.write("empty.gz", &gzip(b""))).unwrap(), Source { bytes: vec![], gzip: true });
    // One byte of the magic is not gzip.
    assert!(!read_bytes(&dir.write("one", &[0x1f])).unwrap().gzip);
}

#[test]
fn missing_file_is_a_read_error_naming_it() {
    let dir = Dir::new();
    let p = dir.0.path().join("nope.sto");
    let e = read_text(&p).unwrap_err();
    assert!(matches!(e, TextError::Read { ref path, .. } if path == &p), "{e:?}");
    assert!(e.to_string().starts_with(&format!("{}: cannot read: ", p.display())), "{e}");
    // A directory cannot be read as a file either.
    assert!(matches!(read_bytes(dir.0.path()), Err(TextError::Read { .. })));
}

#[test]
fn corrupt_or_truncated_gzip_is_a_gzip_error() {
    let dir = Dir::new();
    let mut bad = gzip(b"some text that is long enough to compress\n");
    let n = bad.len();
    bad[n / 2] ^= 0xff;
    let p = dir.write("bad.gz", &bad);
    let e = read_text(&p).unwrap_err();
    assert!(matches!(e, TextError::Gzip { .. }), "{e:?}");
    assert!(e.to_string().starts_with(&format!("{}: not a valid gzip stream: ", p.display())), "{e}");

    let whole = gzip(b"some text\n");
    let truncated = dir.write("cut.gz", &whole[..whole.len() - 6]);
    assert!(matches!(read_bytes(&truncated), Err(TextError::Gzip { .. })));
    // Only the magic bytes.
    assert!(matches!(read_bytes(&dir.write("magic.gz", &[0x1f, 0x8b])), Err(TextError::Gzip { .. })));
}

#[test]
fn a_line_over_the_limit_stops_the_read_naming_file_and_line() {
    let dir = Dir::new();
    let limits = Limits { max_line: 8, max_file: 1 << 20 };
    // Exactly at the limit, with CRLF, is fine.
    let ok = dir.write("ok.txt", b"12345678\r\nabc\n");
    assert_eq!(read_text_limited(&ok, limits).unwrap(), "12345678\r\nabc\n");
    let p = dir.write("long.txt", b"short\n123456789\n");
    let e = read_text_limited(&p, limits).unwrap_err();
    assert!(
        matches!(e, TextError::Read { ref source, .. } if source.kind() == std::io::ErrorKind::InvalidData),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.starts_with(&format!("{}: cannot read: line 2 is longer than", p.display())), "{msg}");
    assert!(msg.contains("8 bytes per line") && msg.contains(Limits::LINE_VAR), "{msg}");
    // Inside gzip the decompressed lines count.
    let gz = dir.write("long.gz", &gzip(&[b'A'; 100]));
    assert!(read_text_limited(&gz, limits).unwrap_err().to_string().contains("line 1 is longer"));
}

#[test]
fn a_file_over_the_limit_stops_the_read() {
    let dir = Dir::new();
    let limits = Limits { max_line: 1 << 20, max_file: 1000 };
    let p = dir.write("big.txt", &b"0123456789\n".repeat(200));
    let msg = read_bytes_limited(&p, limits).unwrap_err().to_string();
    assert!(msg.contains("larger than the input limit of 1000 bytes") && msg.contains(Limits::FILE_VAR), "{msg}");
    // A small gzip file that decompresses past the limit (a "gzip bomb") stops at the limit too.
    let bomb = dir.write("bomb.gz", &gzip(&b"0123456789\n".repeat(10_000)));
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1000);
    let e = read_bytes_limited(&bomb, limits).unwrap_err();
    assert!(matches!(e, TextError::Read { .. }) && e.to_string().contains("larger than the input limit"), "{e}");
    assert_eq!(Limits::DEFAULT, Limits { max_line: 1 << 20, max_file: 4 << 30 });
}

#[cfg(unix)]
#[test]
fn an_endless_device_stops_at_the_line_limit() {
    // a read not stopped at the limit would not end
    let e = read_text(std::path::Path::new("/dev/zero")).unwrap_err();
    assert!(e.to_string().starts_with("/dev/zero: cannot read: line 1 is longer than the input limit of 1 MiB"), "{e}");
}

/// Lines as they are read: numbered, CR and a leading BOM dropped, gzip decoded; a line over the
/// limit ends them with one error after the good lines before it, having read no further.
#[test]
fn streamed_lines_stop_at_the_first_line_over_the_limit() {
    let dir = Dir::new();
    let text = "\u{feff}a,b\r\nc\n\nd";
    for p in [dir.write("plain.txt", text.as_bytes()), dir.write("text.gz", &gzip(text.as_bytes()))] {
        let r = TextReader::open(&p).unwrap();
        assert_eq!(r.gzip(), p.ends_with("text.gz"));
        let lines: Vec<(usize, String)> = r.lines().map(Result::unwrap).collect();
        let want: Vec<(usize, String)> =
            [(1, "a,b"), (2, "c"), (3, ""), (4, "d")].iter().map(|&(n, l)| (n, l.to_string())).collect();
        assert_eq!(lines, want);
    }
    let limits = Limits { max_line: 8, max_file: 1 << 30 };
    // Three good lines, a long one, then far more than the limit allows: never read.
    let mut big = b"one\ntwo\nthree\n123456789\n".to_vec();
    big.extend(std::iter::repeat_n(b'x', 4 << 20));
    let p = dir.write("big.gz", &gzip(&big));
    let items: Vec<_> = TextReader::open_limited(&p, limits).unwrap().lines().collect();
    assert_eq!(items.len(), 4, "three lines and the error");
    let e = items[3].as_ref().unwrap_err().to_string();
    assert!(e.contains("big.gz: cannot read: line 4 is longer than the input limit of 8 bytes"), "{e}");
    // A reader that failed keeps failing with the same error.
    let mut r = TextReader::open_limited(&p, limits).unwrap();
    let mut sink = Vec::new();
    let first = TextError::from_io(std::io::Read::read_to_end(&mut r, &mut sink).unwrap_err(), &p).to_string();
    let again = TextError::from_io(std::io::Read::read(&mut r, &mut [0u8; 16]).unwrap_err(), &p).to_string();
    assert_eq!(first, again);
    assert!(sink.len() < 1 << 20, "read {} bytes past the bad line", sink.len());
}

/// A file whose lines end in \r alone is one long line: the read stops there, naming the line
/// and the cause, instead of the parser failing far from it ("no closing '//'").
#[test]
fn lines_ending_in_a_lone_carriage_return_are_refused_naming_the_line() {
    let dir = Dir::new();
    let p = dir.write("mac.txt", b"ok\r\nx\ry\rz\r");
    let items: Vec<_> = TextReader::open(&p).unwrap().lines().collect();
    assert_eq!(items.len(), 2, "the good line, then the error");
    assert_eq!(items[0].as_ref().unwrap(), &(1, "ok".to_string()));
    let e = items[1].as_ref().unwrap_err().to_string();
    assert!(e.contains("mac.txt: cannot read: line 2 holds a carriage return"), "{e}");
}
