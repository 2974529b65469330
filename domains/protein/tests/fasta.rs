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
