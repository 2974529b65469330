//! Family-fidelity metrics of a generated set G against the cleaned stored alignment S
//! (SPEC §2 "Protein metrics"). All sequences are aligned: length L each.
//!
//! Conventions (ours where the SPEC leaves a choice):
//! - **SeqID** skips a position when either character is any gap (`.`, `-`, `~`). The
//!   published code skipped only `-`, so stored `.` gaps counted as mismatches (bootstrap
//!   0.644 there, ≈ 0.655 with ours).
//! - Composition KL adds ε to the frequencies; per-position KL and MI add ε to the counts
//!   (both as published, SPEC §2).
//! - Frequencies with no residue at all (e.g. an all-gap generated position) are uniform
//!   1/20 (before the ε step in the composition helper, as published; ε on counts gives
//!   1/20 by itself).
//! - Natural logarithms throughout; ε = 1e-10.
//!
//! # Panics
//! The position-wise functions assert that every sequence has the length of the first one
//! (a programming error: sequences read by [`crate::read_aligned_fasta`] are checked).

use ndarray::Array2;
// Re-exported: the family metrics correlate with the shared definition.
pub use satool_common::stats::pearson;

use crate::alphabet::{residue_index, N_AA};
use crate::input::is_gap;

/// Smoothing ε (published value): added to every frequency in the composition KL, to every
/// count in the per-position KL and the MI.
pub const EPS: f64 = 1e-10;
/// Number of MI positions in the published protocol.
pub const MI_POSITIONS: usize = 20;

/// Per generated sequence: max over stored sequences of matches / compared positions,
/// skipping positions where either character is a gap; 0 when nothing is compared.
pub fn seq_identity(gen: &[Vec<u8>], stored: &[Vec<u8>]) -> Vec<f64> {
    nearest(gen, stored).into_iter().map(|(_, id)| id).collect()
}

/// Per generated sequence: the index of its nearest stored sequence (the first of equals; 0 when
/// `stored` is empty) and the identity to it, as [`seq_identity`].
pub fn nearest(gen: &[Vec<u8>], stored: &[Vec<u8>]) -> Vec<(usize, f64)> {
    gen.iter()
        .map(|g| {
            stored.iter().enumerate().fold((0, 0.0), |best, (k, s)| {
                assert_eq!(g.len(), s.len(), "seq_identity: lengths differ");
                let (mut matches, mut compared) = (0usize, 0usize);
                for (&a, &b) in g.iter().zip(s) {
                    if !is_gap(a) && !is_gap(b) {
                        compared += 1;
                        matches += usize::from(a == b);
                    }
                }
                let id = if compared == 0 { 0.0 } else { matches as f64 / compared as f64 };
                if id > best.1 {
                    (k, id)
                } else {
                    best
                }
            })
        })
        .collect()
}

/// Pooled frequencies of the 20 residues over all positions (gaps and others ignored);
/// all zero when there is no residue.
pub fn composition(seqs: &[Vec<u8>]) -> [f64; 20] {
    let mut counts = composition_counts(seqs);
    let total: f64 = counts.iter().sum();
    if total > 0.0 {
        counts.iter_mut().for_each(|v| *v /= total);
    }
    counts
}

/// Per-position residue frequencies, L × 20 (a row is all zero where no residue occurs).
pub fn position_frequencies(seqs: &[Vec<u8>]) -> Array2<f64> {
    let counts = position_counts(seqs);
    let mut f = counts.clone();
    for mut row in f.rows_mut() {
        let total = row.sum();
        if total > 0.0 {
            row /= total;
        }
    }
    f
}

fn position_counts(seqs: &[Vec<u8>]) -> Array2<f64> {
    let l = seqs.first().map_or(0, Vec::len);
    let mut counts = Array2::zeros((l, N_AA));
    for s in seqs {
        assert_eq!(s.len(), l, "position_counts: sequences differ in length");
        for (pos, &c) in s.iter().enumerate() {
            if let Some(a) = residue_index(c) {
                counts[[pos, a]] += 1.0;
            }
        }
    }
    counts
}

/// Counts → frequencies (uniform when empty) + ε, renormalised.
fn smoothed(counts: impl Iterator<Item = f64> + Clone) -> Vec<f64> {
    let total: f64 = counts.clone().sum();
    let f: Vec<f64> = if total > 0.0 {
        counts.map(|c| c / total + EPS).collect()
    } else {
        counts.map(|_| 1.0 / N_AA as f64 + EPS).collect()
    };
    let z: f64 = f.iter().sum();
    f.into_iter().map(|v| v / z).collect()
}

fn kl(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(p, q)| p * (p / q).ln()).sum()
}

/// KL(p_S ‖ q_G) of the pooled 20-letter compositions, ε-smoothed.
pub fn kl_composition(stored: &[Vec<u8>], gen: &[Vec<u8>]) -> f64 {
    let (p, q) = (composition_counts(stored), composition_counts(gen));
    kl(&smoothed(p.into_iter()), &smoothed(q.into_iter()))
}

fn composition_counts(seqs: &[Vec<u8>]) -> [f64; N_AA] {
    let mut counts = [0.0; N_AA];
    for &c in seqs.iter().flatten() {
        if let Some(a) = residue_index(c) {
            counts[a] += 1.0;
        }
    }
    counts
}

/// Counts → (c + ε)/(Σc + 20ε): ε on the counts, not on the frequencies (the published
/// `position_specific_kl`). An empty row is uniform 1/20.
fn smoothed_counts(counts: impl Iterator<Item = f64> + Clone) -> Vec<f64> {
    let total: f64 = counts.clone().sum();
    let z = total + N_AA as f64 * EPS;
    counts.map(|c| (c + EPS) / z).collect()
}

/// Mean over the L positions of KL(p_S,i ‖ q_G,i), with ε added to each position's 20
/// counts: p = (c_S + ε)/(Σc_S + 20ε), the same for q (SPEC §2; the published
/// `position_specific_kl`). Unlike [`kl_composition`], which adds ε to the frequencies:
/// doing that here gives values ≈ 0.80× the published ones, because a residue absent from G
/// gets q = ε/(n + 20ε) instead of ε/(1 + 20ε).
///
/// # Panics
/// If `gen` and `stored` sequences differ in length.
pub fn kl_position(stored: &[Vec<u8>], gen: &[Vec<u8>]) -> f64 {
    let (p, q) = (position_counts(stored), position_counts(gen));
    assert_eq!(p.nrows(), q.nrows(), "kl_position: stored and generated lengths differ");
    let l = p.nrows();
    let total: f64 = (0..l)
        .map(|i| kl(&smoothed_counts(p.row(i).iter().copied()), &smoothed_counts(q.row(i).iter().copied())))
        .sum();
    total / l as f64
}

/// The published MI positions: round(linspace(1, L, min(20, L))) (1-based, half to even),
/// returned 0-based. Computed in exact integer arithmetic.
pub fn published_mi_positions(l: usize) -> Vec<usize> {
    let n = MI_POSITIONS.min(l);
    if n <= 1 {
        return vec![0; n];
    }
    let den = (n - 1) as u128;
    (0..n as u128)
        .map(|i| {
            // value = 1 + (L−1)·i/(n−1) = num/den
            let num = den + (l as u128 - 1) * i;
            let (q, r) = (num / den, num % den);
            let rounded = match (2 * r).cmp(&den) {
                std::cmp::Ordering::Less => q,
                std::cmp::Ordering::Greater => q + 1,
                std::cmp::Ordering::Equal => q + (q % 2),
            };
            rounded as usize - 1
        })
        .collect()
}

/// Mutual information (nats) between the given positions, P × P, symmetric, zero diagonal.
/// Pair-filtered: only sequences with a standard residue at both positions count; joint
/// (J + ε)/(total + 400ε), marginals from the same counts (m + ε)/(Σm + 20ε); a pair total
/// below 2 gives 0; no APC.
///
/// # Panics
/// If a position is beyond a sequence's end.
pub fn mi_matrix(seqs: &[Vec<u8>], positions: &[usize]) -> Array2<f64> {
    let idx: Vec<Vec<Option<usize>>> =
        seqs.iter().map(|s| positions.iter().map(|&p| residue_index(s[p])).collect()).collect();
    let n = positions.len();
    let mut mi = Array2::zeros((n, n));
    for a in 0..n {
        for b in a + 1..n {
            let v = pair_mi(idx.iter().filter_map(|r| Some((r[a]?, r[b]?))));
            mi[[a, b]] = v;
            mi[[b, a]] = v;
        }
    }
    mi
}

fn pair_mi(pairs: impl Iterator<Item = (usize, usize)>) -> f64 {
    let mut joint = [[0.0f64; N_AA]; N_AA];
    let mut total = 0.0;
    for (x, y) in pairs {
        joint[x][y] += 1.0;
        total += 1.0;
    }
    if total < 2.0 {
        return 0.0;
    }
    let mut row = [0.0; N_AA];
    let mut col = [0.0; N_AA];
    for x in 0..N_AA {
        for y in 0..N_AA {
            row[x] += joint[x][y];
            col[y] += joint[x][y];
        }
    }
    let (rs, cs): (f64, f64) = (row.iter().sum(), col.iter().sum());
    let mut mi = 0.0;
    for x in 0..N_AA {
        let px = (row[x] + EPS) / (rs + 20.0 * EPS);
        for y in 0..N_AA {
            let py = (col[y] + EPS) / (cs + 20.0 * EPS);
            let pxy = (joint[x][y] + EPS) / (total + 400.0 * EPS);
            mi += pxy * (pxy / (px * py)).ln();
        }
    }
    mi
}

/// Upper triangle (i < j, row-major) of a square matrix.
pub fn upper_triangle(m: &Array2<f64>) -> Vec<f64> {
    let n = m.nrows();
    (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j))).map(|(i, j)| m[[i, j]]).collect()
}

/// Pearson r between the upper triangles of MI(G) and MI(S) at the published positions;
/// `None` when either triangle has zero variance (or fewer than 2 entries).
pub fn mi_correlation(stored: &[Vec<u8>], gen: &[Vec<u8>]) -> Option<f64> {
    let l = stored.first().map_or(0, Vec::len);
    assert!(gen.iter().chain(stored).all(|s| s.len() == l), "mi_correlation: sequences differ in length");
    let positions = published_mi_positions(l);
    pearson(&upper_triangle(&mi_matrix(gen, &positions)), &upper_triangle(&mi_matrix(stored, &positions)))
}

/// Fraction of all generated characters (every position) that are one of the 20 residues;
/// 0 for an empty set.
pub fn valid_fraction(gen: &[Vec<u8>]) -> f64 {
    let total: usize = gen.iter().map(Vec::len).sum();
    if total == 0 {
        return 0.0;
    }
    let valid = gen.iter().flatten().filter(|&&c| residue_index(c).is_some()).count();
    valid as f64 / total as f64
}
