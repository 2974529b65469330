//! HMMER: tblout parsing on a real table, the summary rules, and live hmmbuild/hmmsearch runs.
//! The live tests need HMMER on PATH and fail without it (CI installs it; they never skip).
//!
//! tests/data/PF00076_stored.hmmsearch.tbl was produced by HMMER 3.3.2:
//!   hmmsearch --tblout PF00076_stored.hmmsearch.tbl -E 1000 --noali fixtures/PF00076.hmm stored.fasta
//! where stored.fasta holds the 68 cleaned PF00076 seed sequences with gaps removed
//! (tests/reference/refcommon.py). NumPy on its columns 5 and 6: 68 rows, all E < 0.01,
//! median E 2.45e-22 (the published "stored" median), median bit score 70.8.

use std::path::PathBuf;

use satool_protein::hmmer::{find, hmmbuild, hmmsearch, RunLimits};
use satool_protein::{
    clean, parse_tblout, read_stockholm, summarize, write_fasta, write_stockholm, HmmHit, HmmsearchHits, ProteinError,
};

fn here(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The HMMER program `tool` on PATH; panics, saying how to install HMMER, when it is missing.
fn require(tool: &str) -> PathBuf {
    find(tool).unwrap_or_else(|| {
        panic!("{tool} not on PATH: this test needs HMMER 3 (Debian/Ubuntu: apt-get install hmmer; macOS: brew install hmmer)")
    })
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn parses_real_tblout() {
    let path = here("tests/data/PF00076_stored.hmmsearch.tbl");
    let hits = parse_tblout(&std::fs::read_to_string(&path).unwrap(), "stored.tbl").unwrap();
    assert_eq!(hits.hits.len(), 68);
    assert_eq!(hits.hits[0], HmmHit { target: "CSTF2_HUMAN/18-88".into(), evalue: 1.7e-30, bitscore: 96.9 });
    assert_eq!(hits.hits[67], HmmHit { target: "MODU_DROME/177-245".into(), evalue: 6.6e-13, bitscore: 40.6 });
    let all: Vec<String> = hits.hits.iter().map(|h| h.target.clone()).collect();
    let s = summarize(&hits, &all);
    assert_eq!((s.n, s.n_hits, s.pass_fraction), (68, 68, 1.0));
    assert_eq!(s.median_evalue, Some(2.45e-22));
    assert!((s.median_bitscore.unwrap() - 70.8).abs() < 1e-12);
}

#[test]
fn malformed_lines_are_named() {
    let err = parse_tblout("# header\nseqA - RRM_1 PF1\n", "t.tbl").unwrap_err();
    assert_eq!(err.to_string(), "t.tbl:2: malformed tblout line: expected at least 6 columns, found 4");
    let err = parse_tblout("\nseqA - RRM_1 PF1 abc 3.0\n", "t.tbl").unwrap_err();
    assert!(matches!(err, ProteinError::Tblout { line: 2, .. }));
    assert_eq!(
        err.to_string(),
        "t.tbl:2: malformed tblout line: column 5 (full-sequence E-value) is 'abc', not a number"
    );
    let err = parse_tblout("seqA - RRM_1 PF1 1e-3 nan\n", "t.tbl").unwrap_err();
    assert!(err.to_string().contains("column 6 (full-sequence bit score) is 'nan'"), "{err}");
    assert_eq!(parse_tblout("# only comments\n#\n", "t.tbl").unwrap(), HmmsearchHits::default());
}

#[test]
fn summary_counts_missing_sequences_as_failures() {
    let hit = |t: &str, e: f64, b: f64| HmmHit { target: t.into(), evalue: e, bitscore: b };
    let hits = HmmsearchHits {
        hits: vec![hit("a", 1e-5, 30.0), hit("b", 0.5, 5.0), hit("a", 1e-9, 40.0), hit("zz", 1e-50, 99.0)],
    };
    // a keeps its best row (1e-9, 40); zz is not among the searched names.
    // names a b c: E sorted [1e-9, 0.5, +inf] → median 0.5; bits [−inf, 5, 40] → 5; pass 1/3.
    let s = summarize(&hits, &names(&["a", "b", "c"]));
    assert_eq!((s.n, s.n_hits), (3, 2));
    assert!((s.pass_fraction - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!((s.median_evalue, s.median_bitscore), (Some(0.5), Some(5.0)));
    // names a b c d: E [1e-9, 0.5, inf, inf] → median (0.5 + inf)/2 = inf → None; bits likewise.
    let s = summarize(&hits, &names(&["a", "b", "c", "d"]));
    assert_eq!((s.median_evalue, s.median_bitscore, s.pass_fraction), (None, None, 0.25));
    // names a b: median of 1e-9 and 0.5 is their mean.
    assert_eq!(summarize(&hits, &names(&["a", "b"])).median_evalue, Some((1e-9 + 0.5) / 2.0));
    let empty = summarize(&hits, &[]);
    assert_eq!((empty.pass_fraction, empty.median_evalue), (0.0, None));
}

#[test]
fn find_searches_path() {
    assert!(find("satool-no-such-tool-xyz").is_none());
    assert_eq!(find("/bin/sh"), Some(PathBuf::from("/bin/sh")));
    // A path is accepted only when it is an executable file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(find(tool.to_str().unwrap()), None);
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(find(tool.to_str().unwrap()), Some(tool.clone()));
        assert_eq!(find(dir.path().to_str().unwrap()), None);
    }
}

/// Cleaned, ungapped PF00076 seed against the Pfam HMM: reproduces the published stored median.
#[test]
fn live_hmmsearch_of_stored_sequences() {
    let hmmsearch_bin = require("hmmsearch");
    let c = clean(&read_stockholm(&here("../../fixtures/PF00076.sto")).unwrap()[0]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fasta = dir.path().join("stored.fasta");
    let records: Vec<(String, Vec<u8>)> = c.names.iter().cloned().zip(c.seqs.iter().cloned()).collect();
    write_fasta(&fasta, &records, true).unwrap();
    let tbl = dir.path().join("stored.tbl");
    let hits =
        hmmsearch(&hmmsearch_bin, &here("../../fixtures/PF00076.hmm"), &fasta, &tbl, &RunLimits::default()).unwrap();
    let s = summarize(&hits, &c.names);
    println!(
        "stored PF00076 vs Pfam HMM: pass {} median E {:?} median bits {:?}",
        s.pass_fraction, s.median_evalue, s.median_bitscore
    );
    assert_eq!((s.n, s.n_hits, s.pass_fraction), (68, 68, 1.0));
    assert_eq!(s.median_evalue, Some(2.45e-22));
    assert!((s.median_bitscore.unwrap() - 70.8).abs() < 1e-12);

    // A missing HMM file is a tool failure carrying hmmsearch's own message.
    let err =
        hmmsearch(&hmmsearch_bin, &dir.path().join("missing.hmm"), &fasta, &tbl, &RunLimits::default()).unwrap_err();
    assert!(matches!(err, ProteinError::ToolFailed { .. }), "{err:?}");
    assert!(err.to_string().contains("missing.hmm"), "{err}");
    assert!(!err.to_string().contains('\n'), "one line: {err}");
}

/// hmmbuild on one record written by write_stockholm, then hmmsearch with the built profile.
#[test]
fn live_hmmbuild_then_hmmsearch() {
    let (build_bin, search_bin) = (require("hmmbuild"), require("hmmsearch"));
    let a = &read_stockholm(&here("../../fixtures/PF00076.sto")).unwrap()[0];
    let dir = tempfile::tempdir().unwrap();
    let sto = dir.path().join("seed.sto");
    write_stockholm(a, &sto).unwrap();
    let hmm = dir.path().join("seed.hmm");
    hmmbuild(&build_bin, &sto, &hmm, &RunLimits::default()).unwrap();
    let text = std::fs::read_to_string(&hmm).unwrap();
    assert!(text.starts_with("HMMER3/f"), "{}", &text[..40]);
    let leng: usize = text.lines().find_map(|l| l.strip_prefix("LENG")).unwrap().trim().parse().unwrap();
    // hmmbuild picks match columns by weighted residue fraction: 70, like the Pfam HMM.
    println!("hmmbuild on the uppercased seed: LENG {leng}");
    assert_eq!(leng, 70);

    let c = clean(a).unwrap();
    let records: Vec<(String, Vec<u8>)> = c.names.iter().cloned().zip(c.seqs.iter().cloned()).collect();
    let fasta = dir.path().join("stored.fasta");
    write_fasta(&fasta, &records, true).unwrap();
    let hits = hmmsearch(&search_bin, &hmm, &fasta, &dir.path().join("t.tbl"), &RunLimits::default()).unwrap();
    let s = summarize(&hits, &c.names);
    println!("stored vs own HMM: pass {} median E {:?}", s.pass_fraction, s.median_evalue);
    assert_eq!(s.pass_fraction, 1.0);

    // A broken alignment makes hmmbuild fail with its message.
    let bad = dir.path().join("bad.sto");
    std::fs::write(&bad, "not stockholm\n").unwrap();
    let err = hmmbuild(&build_bin, &bad, &dir.path().join("bad.hmm"), &RunLimits::default()).unwrap_err();
    assert!(matches!(err, ProteinError::ToolFailed { .. }), "{err:?}");
    println!("{err}");
    assert!(!err.to_string().contains('\n'), "one line: {err}");
}
