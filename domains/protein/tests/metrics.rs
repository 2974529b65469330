//! Family metrics on alignments small enough to do the arithmetic by hand (in the comments).

use satool_protein::metrics::{pearson, upper_triangle, EPS};
use satool_protein::{
    composition, kl_composition, kl_position, mi_correlation, mi_matrix, position_frequencies, published_mi_positions,
    seq_identity, valid_fraction,
};

fn seqs(v: &[&str]) -> Vec<Vec<u8>> {
    v.iter().map(|s| s.as_bytes().to_vec()).collect()
}

#[test]
fn seq_identity_skips_every_gap_character() {
    let stored = seqs(&["ACKK", "A.DK"]);
    let gen = seqs(&["ACDE", "----", "KK~K"]);
    // ACDE vs ACKK: 2 of 4; vs A.DK: pos 1 skipped, A=A, D=D, E≠K → 2 of 3. Max 2/3.
    //   (The published rule, skipping only '-', would compare '.' as a mismatch: 2/4.)
    // ---- : nothing compared → 0.
    // KK~K vs ACKK: pos 2 skipped, K≠A, K≠C, K=K → 1/3; vs A.DK: only pos 0 and 3 → 1/2. Max 1/2.
    let id = seq_identity(&gen, &stored);
    assert_eq!(id.len(), 3);
    assert!((id[0] - 2.0 / 3.0).abs() < 1e-15);
    assert_eq!(id[1], 0.0);
    assert!((id[2] - 0.5).abs() < 1e-15);
}

#[test]
fn composition_and_position_frequencies() {
    // Residues of AAC- and X.CW: A A C C W (X and gaps ignored) → A .4, C .4, W .2.
    let c = composition(&seqs(&["AAC-", "X.CW"]));
    assert!((c[0] - 0.4).abs() < 1e-15 && (c[1] - 0.4).abs() < 1e-15 && (c[18] - 0.2).abs() < 1e-15);
    assert!((c.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    assert_eq!(composition(&seqs(&["--"])), [0.0; 20]);
    // Columns of AC, A-, CC: pos 0 A 2/3, C 1/3; pos 1 C 2/2.
    let f = position_frequencies(&seqs(&["AC", "A-", "CC"]));
    assert_eq!(f.dim(), (2, 20));
    assert!((f[[0, 0]] - 2.0 / 3.0).abs() < 1e-15 && (f[[0, 1]] - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!(f[[1, 1]], 1.0);
    assert_eq!(f.row(1).sum(), 1.0);
}

/// KL(p‖q) for p = (½, ½, 0…) and q = (1, 0, …) after the ε step, Z = 1 + 20ε:
/// p_A = p_C = (½ + ε)/Z, q_A = (1 + ε)/Z, q_C = ε/Z; the other 18 letters have p = q and add 0.
/// KL = p_A ln((½+ε)/(1+ε)) + p_C ln((½+ε)/ε) ≈ ½ ln(2.5e9) = 10.8198.
fn half_half_vs_all_a() -> f64 {
    let z = 1.0 + 20.0 * EPS;
    let p = (0.5 + EPS) / z;
    p * ((0.5 + EPS) / (1.0 + EPS)).ln() + p * ((0.5 + EPS) / EPS).ln()
}

#[test]
fn kl_composition_hand_computed() {
    let expected = half_half_vs_all_a();
    assert!((expected - 10.819778284410283).abs() < 1e-6, "{expected}");
    let kl = kl_composition(&seqs(&["AC"]), &seqs(&["AA"]));
    assert!((kl - expected).abs() < 1e-12, "{kl} vs {expected}");
    // Gaps and non-standard letters do not count: the same sets padded with them.
    let kl2 = kl_composition(&seqs(&["A-C", "XX."]), &seqs(&["A.A", "~B-"]));
    assert!((kl2 - expected).abs() < 1e-12);
    assert_eq!(kl_composition(&seqs(&["ACD"]), &seqs(&["DCA"])), 0.0);
}

#[test]
fn kl_position_hand_computed() {
    // ε on the counts (as published): p = (c + ε)/(n + 20ε). Position 0: A vs A → 0. Position 1:
    // {C, D} vs {C, C}: p_C = p_D = (1+ε)/(2+20ε), q_C = (2+ε)/(2+20ε), q_D = ε/(2+20ε) →
    // KL = p_C ln((1+ε)/(2+ε)) + p_D ln((1+ε)/ε) ≈ ½ ln(5e9) = 11.1664. Mean over 2.
    // (ε on the frequencies would give q_D = ε/(1+20ε) and ½ ln(2.5e9) = 10.8198 instead.)
    let z = 2.0 + 20.0 * EPS;
    let p = (1.0 + EPS) / z;
    let pos1 = p * ((1.0 + EPS) / (2.0 + EPS)).ln() + p * ((1.0 + EPS) / EPS).ln();
    assert!((pos1 - 11.166351864715539).abs() < 1e-9, "{pos1}");
    let kl = kl_position(&seqs(&["AC", "AD"]), &seqs(&["AC", "AC"]));
    assert!((kl - pos1 / 2.0).abs() < 1e-12, "{kl}");
    assert!((kl - half_half_vs_all_a() / 2.0).abs() > 0.1, "ε on the frequencies again: {kl}");
    // An all-gap generated position is uniform: q = ε/(20ε) = 1/20;
    // p_A = (1+ε)/Z, others ε/Z → KL = p_A ln(20 p_A) + 19 (ε/Z) ln(20 ε/Z) ≈ ln 20 − 5.6e-8.
    let z = 1.0 + 20.0 * EPS;
    let (pa, po) = ((1.0 + EPS) / z, EPS / z);
    let expected = pa * (20.0 * pa).ln() + 19.0 * po * (20.0 * po).ln();
    let kl = kl_position(&seqs(&["A"]), &seqs(&["-"]));
    assert!((kl - expected).abs() < 1e-12, "{kl} vs {expected}");
    assert!((kl - 20f64.ln()).abs() < 1e-7);
}

/// tests/reference/kl_position_reference.py (NumPy, written from the published formula, not from this
/// crate) printed, for these alignments:
///   absent_residue_and_gap_column: kl_position = 6.748628362575831
///     (per position 0.00738…, 11.6245…, 2.35922…, 19.0589…, 0.693147…;
///      old ε-on-frequencies formula 6.3381515778263395)
///   half_half: kl_position = 5.583175932357769 (old 5.40988913254234)
///   all_gap_generated: kl_position = 2.9957322279048744
#[test]
fn kl_position_matches_numpy_reference() {
    // pos 0: the same letters in other proportions; pos 1: E in S, absent from G; pos 2: all
    // gaps in G (mixed gap characters); pos 3: all gaps in S; pos 4: X and B ignored.
    let stored = seqs(&["ACD.W", "AED-W", "GEG~X", "AC-.W"]);
    let gen = seqs(&["AC-KW", "GC.KY", "AC~-B", "AC-WW", "AC-KY"]);
    let kl = kl_position(&stored, &gen);
    assert!((kl - 6.748628362575831).abs() < 1e-12, "{kl}");
    // The old formula (ε on the frequencies) is 0.41 lower here.
    assert!((kl - 6.3381515778263395).abs() > 0.4, "{kl}");
    // One position at a time: the per-position values the script printed.
    let per_pos = [0.007381996982312702, 11.62449723543672, 2.3592180905587075, 19.058897310572235, 0.693147179329184];
    for (i, want) in per_pos.into_iter().enumerate() {
        let col = |v: &[Vec<u8>]| v.iter().map(|s| vec![s[i]]).collect::<Vec<_>>();
        let got = kl_position(&col(&stored), &col(&gen));
        assert!((got - want).abs() < 1e-12, "position {i}: {got} vs {want}");
    }
    let kl = kl_position(&seqs(&["AC", "AD"]), &seqs(&["AC", "AC"]));
    assert!((kl - 5.583175932357769).abs() < 1e-12, "{kl}");
    let kl = kl_position(&seqs(&["A"]), &seqs(&["-"]));
    assert!((kl - 2.9957322279048744).abs() < 1e-12, "{kl}");
}

#[test]
fn mi_positions_match_numpy_round_linspace() {
    // refcommon.mi_positions (np.round(np.linspace(1, L, min(20, L))) − 1).
    assert_eq!(published_mi_positions(2), vec![0, 1]);
    assert_eq!(published_mi_positions(19), (0..19).collect::<Vec<_>>());
    assert_eq!(published_mi_positions(20), (0..20).collect::<Vec<_>>());
    assert_eq!(published_mi_positions(21), vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    assert_eq!(
        published_mi_positions(40),
        vec![0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 21, 23, 25, 27, 29, 31, 33, 35, 37, 39]
    );
    assert_eq!(
        published_mi_positions(71),
        vec![0, 4, 7, 11, 15, 18, 22, 26, 29, 33, 37, 41, 44, 48, 52, 55, 59, 63, 66, 70]
    );
    assert_eq!(
        published_mi_positions(100),
        vec![0, 5, 10, 16, 21, 26, 31, 36, 42, 47, 52, 57, 63, 68, 73, 78, 83, 89, 94, 99]
    );
    assert_eq!(
        published_mi_positions(137),
        vec![0, 7, 14, 21, 29, 36, 43, 50, 57, 64, 72, 79, 86, 93, 100, 107, 115, 122, 129, 136]
    );
    assert_eq!(
        published_mi_positions(445),
        vec![0, 23, 47, 70, 93, 117, 140, 164, 187, 210, 234, 257, 280, 304, 327, 351, 374, 397, 421, 444]
    );
    assert_eq!(published_mi_positions(1), vec![0]);
    assert!(published_mi_positions(0).is_empty());
}

#[test]
fn mi_hand_computed() {
    // Columns 0,1 of AC AC DE DE: joint (A,C)=2, (D,E)=2 of 4, marginals A=D=C=E=2.
    // With ε: marginal a = (2+ε)/(4+20ε) (A, D, C, E), b = ε/(4+20ε) (the other 18 letters);
    // joint c = (2+ε)/(4+400ε) (two cells), e = ε/(4+400ε) (398 empty cells):
    // MI = 2c ln(c/a²) + 2e ln(e/a²) [(A,E), (D,C)] + 72e ln(e/(ab)) + 324e ln(e/b²)
    //    ≈ ln 2 + 1.9e-7 (the 324 cells of two absent letters contribute e·ln(4/ε) each).
    // Pair filtering: A- and XC have a non-residue at one of the two positions and are skipped.
    let (a, b) = ((2.0 + EPS) / (4.0 + 20.0 * EPS), EPS / (4.0 + 20.0 * EPS));
    let (c, e) = ((2.0 + EPS) / (4.0 + 400.0 * EPS), EPS / (4.0 + 400.0 * EPS));
    let expected = 2.0 * c * (c / (a * a)).ln()
        + 2.0 * e * (e / (a * a)).ln()
        + 72.0 * e * (e / (a * b)).ln()
        + 324.0 * e * (e / (b * b)).ln();
    let s = seqs(&["AC", "AC", "DE", "DE", "A-", "XC"]);
    let mi = mi_matrix(&s, &[0, 1]);
    assert!((mi[[0, 1]] - expected).abs() < 1e-13, "{} vs {expected}", mi[[0, 1]]);
    assert!((expected - 2f64.ln() - 1.9e-7).abs() < 1e-8, "{expected}");
    assert_eq!(mi[[0, 1]], mi[[1, 0]]);
    assert_eq!((mi[[0, 0]], mi[[1, 1]]), (0.0, 0.0));
    assert_eq!(mi[[0, 1]], mi_matrix(&s[..4], &[0, 1])[[0, 1]]);
    // Independent columns (AC AE DC DE: each of the 4 pairs once, marginals ½) → MI = 0 up to
    // the ε terms: 4 cells c₁ = (1+ε)/(4+400ε) with c₁ ln(c₁/a²), plus the same 72 + 324 empty cells.
    let c1 = (1.0 + EPS) / (4.0 + 400.0 * EPS);
    let expected_indep =
        4.0 * c1 * (c1 / (a * a)).ln() + 72.0 * e * (e / (a * b)).ln() + 324.0 * e * (e / (b * b)).ln();
    let indep = mi_matrix(&seqs(&["AC", "AE", "DC", "DE"]), &[0, 1]);
    assert!((indep[[0, 1]] - expected_indep).abs() < 1e-13, "{} vs {expected_indep}", indep[[0, 1]]);
    assert!(expected_indep.abs() < 3e-7, "{expected_indep}");
    // Fewer than 2 usable pairs → exactly 0.
    assert_eq!(mi_matrix(&seqs(&["AC", "A-", "-C"]), &[0, 1])[[0, 1]], 0.0);
}

#[test]
fn pearson_and_mi_correlation() {
    // x = 1 2 3, y = 1 3 2: deviations (−1 0 1), (−1 1 0) → r = 1/(√2·√2) = ½.
    assert!((pearson(&[1.0, 2.0, 3.0], &[1.0, 3.0, 2.0]).unwrap() - 0.5).abs() < 1e-15);
    assert_eq!(pearson(&[0.1; 190], &[1.0; 190]), None);
    assert_eq!(pearson(&[0.1, 0.2], &[0.3, 0.3]), None);
    assert_eq!(pearson(&[1.0], &[2.0]), None);
    // Identical sets → r = 1. Three positions → 3 pairs.
    let s = seqs(&["ACDE", "ACDF", "KCDE", "KLME", "ALMF"]);
    let r = mi_correlation(&s, &s).unwrap();
    assert!((r - 1.0).abs() < 1e-12, "{r}");
    // Zero variance: a generated set of one repeated sequence has MI = 0 everywhere → None.
    assert_eq!(mi_correlation(&s, &seqs(&["ACDE", "ACDE", "ACDE"])), None);
    let m = mi_matrix(&s, &[0, 1, 2]);
    assert_eq!(upper_triangle(&m), vec![m[[0, 1]], m[[0, 2]], m[[1, 2]]]);
}

#[test]
fn valid_fraction_counts_every_position() {
    // A C - X W W . . → 4 of 8 are standard residues.
    assert_eq!(valid_fraction(&seqs(&["AC-X", "WW.."])), 0.5);
    assert_eq!(valid_fraction(&[]), 0.0);
}
