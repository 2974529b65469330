//! Gap cleaning: the thresholds on a hand-made alignment, and the fixtures against NumPy.

use std::path::PathBuf;

use satool_protein::{clean, parse_stockholm, read_stockholm, ProteinError};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(rel)
}

#[test]
fn thresholds_are_inclusive() {
    // 4 rows x 6 columns. Column gap counts: c0 0, c1 2 (= 0.5, kept), c2 3 (0.75, dropped),
    // c3 0, c4 1, c5 2 (kept). Kept columns 0,1,3,4,5 (L = 5).
    // Row gaps over kept columns: r0 'A.CAA' → 1/5 = 0.2 kept; r1 'A.C~-' → 3/5 = 0.6
    // dropped; r2 'CDDC.'... see rows below.
    let text = "# STOCKHOLM 1.0\n\
                r0 A..CAA\n\
                r1 A.-C~-\n\
                r2 CD.DDC\n\
                r3 DEEEEE\n//\n";
    let a = &parse_stockholm(text, "t.sto").unwrap()[0];
    let c = clean(a).unwrap();
    assert_eq!(c.kept_columns, vec![0, 1, 3, 4, 5]);
    // r0 over kept: A . C A A → 1 gap of 5 = 0.2 ≤ 0.3 kept
    // r1 over kept: A . C ~ - → 3 of 5 = 0.6 dropped
    // r2 over kept: C D D D C → 0 kept;  r3: D E E E E → 0 kept
    assert_eq!(c.kept_rows, vec![0, 2, 3]);
    assert_eq!(c.names, vec!["r0", "r2", "r3"]);
    assert_eq!(c.seqs, vec![b"A.CAA".to_vec(), b"CDDDC".to_vec(), b"DEEEE".to_vec()]);
    assert_eq!((c.k(), c.len(), c.n_input_rows, c.n_input_cols), (3, 5, 4, 6));
}

#[test]
fn sequence_threshold_at_exactly_three_tenths() {
    // 10 columns, no column above 50% gaps; row 'b' has 3 gaps in 10 (= 0.3, kept), row 'c' 4.
    let text = "# STOCKHOLM 1.0\na ACDEFGHIKL\nb ...EFGHIKL\nc ....FGHIKL\nd ACDEFGHIKL\ne ACDEFGHIKL\n//\n";
    let c = clean(&parse_stockholm(text, "t.sto").unwrap()[0]).unwrap();
    assert_eq!(c.len(), 10);
    assert_eq!(c.names, vec!["a", "b", "d", "e"]);
}

#[test]
fn too_little_left_says_what_remains() {
    let text = "# STOCKHOLM 1.0\n#=GF ID gappy\na A...\nb .C..\nc ..D.\n//\n";
    let err = clean(&parse_stockholm(text, "t.sto").unwrap()[0]).unwrap_err();
    assert!(
        matches!(err, ProteinError::TooSmallAfterCleaning { rows: 0, cols: 0, input_rows: 3, input_cols: 4, .. }),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("t.sto:1: too little left after cleaning"), "{err}");
    assert!(err.to_string().contains("0 of 3 sequences x 0 of 4 columns"), "{err}");
}

/// Expected sizes from tests/reference/clean_reference.py (NumPy, independent parser).
#[test]
fn fixtures_match_numpy_reference() {
    for (rel, k, l, col_sum) in [
        ("PF00076.sto", 68, 71, 2834),
        ("stockholm/PF00076_v13_hmmer_testsuite.sto", 79, 72, 2913),
        ("stockholm/PF00041_fn3.sto", 98, 84, 4850),
        ("stockholm/LuxC_multiblock.sto", 13, 397, 87815),
    ] {
        let a = &read_stockholm(&fixture(rel)).unwrap()[0];
        let c = clean(a).unwrap();
        assert_eq!((c.k(), c.len()), (k, l), "{rel}");
        assert_eq!(c.kept_columns.iter().sum::<usize>(), col_sum, "{rel}");
        assert!(c.seqs.iter().all(|s| s.len() == l));
    }
}
