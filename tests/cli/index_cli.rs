//! `satool protein index`: the record index of a multi-record Stockholm file, and `--family`
//! lookups through it, on a 2,000-record file built from the bundled real seeds.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// The records of `fixtures/multi_family.sto` (ten real or halved Pfam seeds, an RNA record and a
/// record with a duplicated name), repeated to `n` records, the k-th copy's ID and AC suffixed
/// with `_k` so that every name is distinct.
fn many_records(dir: &Path, n: usize) -> PathBuf {
    let text = std::fs::read_to_string(fixture("multi_family.sto")).unwrap();
    let records: Vec<String> = text
        .split("# STOCKHOLM 1.0\n")
        .filter(|r| !r.trim().is_empty())
        .map(|r| format!("# STOCKHOLM 1.0\n{r}"))
        .collect();
    assert_eq!(records.len(), 12);
    let mut out = String::new();
    for k in 0..n {
        let rec = &records[k % records.len()];
        for line in rec.lines() {
            if line.starts_with("#=GF ID") || line.starts_with("#=GF AC") {
                out.push_str(&format!("{line}_{k}\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    let path = dir.join("many.sto");
    std::fs::write(&path, out).unwrap();
    path
}

fn run(args: &[&str]) -> std::process::Output {
    satool(args, &[])
}

/// The run of one family, as JSON without timings (natural sequences only: cheap).
fn family_json(file: &str, family: &str) -> serde_json::Value {
    let o = run(&[
        "protein",
        "--stockholm",
        file,
        "--family",
        family,
        "--methods",
        "natural",
        "--samples",
        "30",
        "--no-hmmer",
        "--json",
    ]);
    without_timings(json(&o))
}

#[test]
fn index_lists_every_record_and_lookups_through_it_equal_the_full_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = many_records(dir.path(), 2000);
    let file = path.to_str().unwrap();
    let idx = dir.path().join("many.sto.satool-idx");
    // Without an index: the reference answers.
    let last = family_json(file, "RRM_1_v13_half2_1999");
    let by_number = family_json(file, "#2000");
    let broken = run(&["protein", "--stockholm", file, "--family", "Cys_knot_1991", "--no-hmmer"]);
    let ambiguous = run(&["protein", "--stockholm", file, "--family", "PF00076", "--no-hmmer"]);

    let o = run(&["protein", "index", file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 2001);
    assert_eq!(rows[0], "ordinal\tid\taccession\toffset\tlength\tfirst_line\tK\tcolumns\terror");
    assert_eq!(rows[1].split('\t').take(3).collect::<Vec<_>>(), ["1", "RRM_1_0", "PF00076.29_0"]);
    let last_row: Vec<&str> = rows[2000].split('\t').collect();
    assert_eq!(
        (last_row[0], last_row[1], last_row[6], last_row[7], last_row[8]),
        ("2000", "RRM_1_v13_half2_1999", "40", "80", "")
    );
    // The rows' spans tile the file, and broken records carry their error with the file line.
    let size = std::fs::metadata(&path).unwrap().len();
    let mut next = 0u64;
    for r in &rows[1..] {
        let f: Vec<&str> = r.split('\t').collect();
        assert_eq!(f[3].parse::<u64>().unwrap(), next, "{r}");
        next += f[4].parse::<u64>().unwrap();
    }
    assert_eq!(next, size);
    let rna = rows.iter().find(|r| r.starts_with("11\t")).unwrap();
    assert!(rna.ends_with("looks like RNA/DNA, not protein: 100.0% of its residue letters are A/C/G/T/U/N"), "{rna}");
    let written = std::fs::read_to_string(&idx).unwrap();
    assert!(written.starts_with(&format!("# satool-idx 1\tsize={size}\t")), "{}", &written[..80]);
    assert_eq!(written.split_once('\n').unwrap().1, table, "the index file holds the printed table");

    // Through the index: the same record, and the same messages for broken and ambiguous names.
    assert_eq!(family_json(file, "RRM_1_v13_half2_1999"), last);
    assert_eq!(family_json(file, "#2000"), by_number);
    let again = run(&["protein", "--stockholm", file, "--family", "Cys_knot_1991", "--no-hmmer"]);
    assert_eq!((again.status.code(), stderr(&again)), (broken.status.code(), stderr(&broken)));
    assert!(stderr(&broken).contains("duplicated sequence name"), "{}", stderr(&broken));
    let again = run(&["protein", "--stockholm", file, "--family", "PF00076", "--no-hmmer"]);
    assert_eq!((again.status.code(), stderr(&again)), (ambiguous.status.code(), stderr(&ambiguous)));

    // A changed file: the index is stale, refused in one line with exit 2.
    std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"\n").unwrap();
    let o = run(&["protein", "--stockholm", file, "--family", "#5", "--no-hmmer"]);
    assert_input_error(&o, "stale index");
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("satool protein index {file}")), "{}", stderr(&o));
}

use std::io::Write;

#[test]
fn a_gzip_file_is_listed_but_not_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("m.sto");
    std::fs::copy(fixture("multi_family.sto"), &plain).unwrap();
    let gz = dir.path().join("m.sto.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(&plain).unwrap()).unwrap();
    enc.finish().unwrap();
    let listed = run(&["protein", "index", gz.to_str().unwrap()]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stderr(&listed).contains("an index needs the decompressed file"), "{}", stderr(&listed));
    assert!(!dir.path().join("m.sto.gz.satool-idx").exists());
    let indexed = run(&["protein", "index", plain.to_str().unwrap()]);
    assert_eq!(stdout(&listed).replace("m.sto.gz:", "m.sto:"), stdout(&indexed));
    assert_eq!(stdout(&indexed).lines().count(), 13);
    // Not Stockholm: the reader's error, and no index.
    let o = run(&["protein", "index", &fixture("sp500.csv")]);
    assert_input_error(&o, "STOCKHOLM");
}
