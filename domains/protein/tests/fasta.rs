//! FASTA writing (60-column lines, gap stripping) and aligned-FASTA reading with line-numbered errors.

use std::path::Path;

use satool_protein::{read_aligned_fasta, write_fasta, ProteinError};

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn writes_60_column_lines_and_strips_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.fasta");
    let long: Vec<u8> = b"ACDEFGHIKL".repeat(13).into_iter().chain(*b"..--~~").collect(); // 130 + 6 gaps
    let records = vec![("Method_1".to_string(), long.clone()), ("Method_2".to_string(), b"A-C.D~".to_vec())];
    write_fasta(&path, &records, true).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], ">Method_1");
    assert_eq!(lines[1].len(), 60);
    assert_eq!(lines[2].len(), 60);
    assert_eq!(lines[3], "ACDEFGHIKL");
    assert_eq!(lines[4..], [">Method_2", "ACD"]);
    // Without stripping the gaps are kept and the file reads back as aligned FASTA.
    write_fasta(&path, &records[1..], false).unwrap();
    let back = read_aligned_fasta(&path, 6).unwrap();
    assert_eq!(back, vec![("Method_2".to_string(), b"A-C.D~".to_vec())]);
}

#[test]
fn reads_wrapped_lowercase_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.fa", "\r\n>s1 some description\r\nac-d\r\nEF\r\n\r\n>s2\r\n*.~xyz\r\n");
    let recs = read_aligned_fasta(&p, 6).unwrap();
    assert_eq!(recs[0], ("s1".to_string(), b"AC-DEF".to_vec()));
    assert_eq!(recs[1], ("s2".to_string(), b"*.~XYZ".to_vec()));
}

#[test]
fn errors_name_file_line_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("notfasta.fa", "ACDE\n>s\nACDE\n", 4, "notfasta.fa:1: not FASTA: expected a '>' header line, found 'ACDE'"),
        ("empty_seq.fa", ">s1\nACDE\n>s2\n>s3\nACDE\n", 4, "empty_seq.fa:3: sequence 's2' is empty"),
        ("bad_char.fa", ">s1\nAC\nD1\n", 4, "bad_char.fa:3: invalid character '1' in sequence 's1' (allowed: letters, gaps '.', '-', '~', and '*')"),
        ("noname.fa", ">\nACDE\n", 4, "noname.fa:1: header line '>' has no sequence name"),
        (
            "short.fa",
            ">ok\nACDEF\n>X\nACDE\n",
            5,
            "short.fa:3: sequence 'X' (line 3) has length 4; --evaluate needs sequences aligned to the 5 cleaned columns (expected 5)",
        ),
    ];
    for (name, text, len, expected) in cases {
        let p = write(dir.path(), name, text);
        let err = read_aligned_fasta(&p, len).unwrap_err();
        assert!(matches!(err, ProteinError::Fasta { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.ends_with(expected), "{msg}");
        assert!(msg.starts_with(&p.display().to_string()), "{msg}");
    }
    let p = write(dir.path(), "blank.fa", "\n\n");
    assert!(matches!(read_aligned_fasta(&p, 3).unwrap_err(), ProteinError::EmptyFasta { .. }));
}

#[test]
fn the_first_bad_line_in_file_order_stops_the_read() {
    // bio assembles the records from the checked lines, so the first problem in the file is the
    // one reported: the empty record at line 1 before the bad character at line 5.
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "two.fa", ">s1\n>s2\nACDE\n>s3\nAC1E\n");
    let msg = read_aligned_fasta(&p, 4).unwrap_err().to_string();
    assert!(msg.ends_with("two.fa:1: sequence 's1' is empty"), "{msg}");
}

#[test]
fn gzip_input_reads_through_the_text_layer() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.fa.gz");
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&p).unwrap(), flate2::Compression::default());
    gz.write_all(b">s1 desc\nAC-D\n>s2\nEFGH\n").unwrap();
    gz.finish().unwrap();
    let recs = read_aligned_fasta(&p, 4).unwrap();
    assert_eq!(recs, vec![("s1".to_string(), b"AC-D".to_vec()), ("s2".to_string(), b"EFGH".to_vec())]);
    // A bad line inside the gzip is still named by its number.
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&p).unwrap(), flate2::Compression::default());
    gz.write_all(b">s1\nACDE\n\n>s2\nAC DE\nAC#E\n").unwrap();
    gz.finish().unwrap();
    let msg = read_aligned_fasta(&p, 4).unwrap_err().to_string();
    assert!(
        msg.ends_with(":6: invalid character '#' in sequence 's2' (allowed: letters, gaps '.', '-', '~', and '*')"),
        "{msg}"
    );
}
