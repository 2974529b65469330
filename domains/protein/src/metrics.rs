//! Family-fidelity metrics of a generated set G against the cleaned stored alignment S
//! (the published metrics). All sequences are aligned: length L each.
//!
//! Conventions (ours where the published code leaves a choice):
//! - **SeqID** skips a position when either character is any gap (`.`, `-`, `~`). The
//!   published code skipped only `-`, so stored `.` gaps counted as mismatches (bootstrap
//!   0.644 there, ≈ 0.655 with ours).
//! - Composition KL adds ε to the frequencies; per-position KL and MI add ε to the counts
//!   (both as published).
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
    let stored: Vec<Vec<u8>> = stored.iter().map(|s| gap_coded(s)).collect();
    gen.iter()
        .map(|g| {
            let g = gap_coded(g);
            stored.iter().enumerate().fold((0, 0.0), |best, (k, s)| {
                assert_eq!(g.len(), s.len(), "seq_identity: lengths differ");
                let (matches, compared) = identity_counts(&g, s);
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

/// A sequence with every gap character (`.`, `-`, `~`) replaced by 0, for [`identity_counts`].
pub(crate) fn gap_coded(s: &[u8]) -> Vec<u8> {
    s.iter().map(|&c| if is_gap(c) { 0 } else { c }).collect()
}

/// (matches, compared positions) of two [`gap_coded`] sequences: positions where neither has a
/// gap, and among them those with equal characters. Branch-free, so it vectorises.
pub(crate) fn identity_counts(a: &[u8], b: &[u8]) -> (usize, usize) {
    let (mut m, mut c) = (0usize, 0usize);
    // Chunks of at most 255 positions keep the per-chunk counters in u8 lanes.
    for (x, y) in a.chunks(255).zip(b.chunks(255)) {
        let (mut mm, mut cc) = (0u8, 0u8);
        for (&p, &q) in x.iter().zip(y) {
            let both = u8::from(p != 0) & u8::from(q != 0);
            cc += both;
            mm += both & u8::from(p == q);
        }
        m += mm as usize;
        c += cc as usize;
    }
    (m, c)
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
/// counts: p = (c_S + ε)/(Σc_S + 20ε), the same for q (the published
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
/// below 2 gives 0; no APC. Each pair costs O(sequences + 20) additions, not 400 logarithms
/// (the closed form of the zero cells, tested against the 400-cell formula).
///
/// # Panics
/// If a position is beyond a sequence's end.
pub fn mi_matrix(seqs: &[Vec<u8>], positions: &[usize]) -> Array2<f64> {
    let cols: Vec<Vec<u8>> = positions.iter().map(|&p| seqs.iter().map(|s| residue_code(s[p])).collect()).collect();
    let n = positions.len();
    let mut mi = Array2::zeros((n, n));
    let mut pm = PairMi::new(seqs.len());
    for a in 0..n {
        for b in a + 1..n {
            let v = pm.mi(&cols[a], &cols[b]);
            mi[[a, b]] = v;
            mi[[b, a]] = v;
        }
    }
    mi
}

/// Residue index 0..20, or [`NO_RESIDUE`] for gaps and non-standard letters.
pub(crate) fn residue_code(c: u8) -> u8 {
    residue_index(c).map_or(NO_RESIDUE, |a| a as u8)
}

/// Code of "no residue" in a column of residue codes (gaps and non-standard letters).
pub(crate) const NO_RESIDUE: u8 = N_AA as u8;
/// Cells of a pair count table over 21 codes (20 residues + no residue).
pub(crate) const CELLS: usize = (N_AA + 1) * (N_AA + 1);

/// Joint counts of two columns of residue codes, reused pair after pair: only the cells that
/// occur are visited and reset, so a pair costs O(sequences), not O(400).
pub(crate) struct PairCounts {
    pub(crate) count: [u32; CELLS],
    /// Cells with a non-zero count, in order of first occurrence (no-residue cells included).
    pub(crate) touched: Vec<u16>,
}

impl PairCounts {
    pub(crate) fn new() -> Self {
        PairCounts { count: [0; CELLS], touched: Vec::with_capacity(CELLS) }
    }

    /// Counts the code pairs of two equal-length columns (after clearing the previous pair).
    pub(crate) fn fill(&mut self, ci: &[u8], cj: &[u8]) {
        for &c in &self.touched {
            self.count[c as usize] = 0;
        }
        self.touched.clear();
        for (&a, &b) in ci.iter().zip(cj) {
            let cell = a as usize * (N_AA + 1) + b as usize;
            if self.count[cell] == 0 {
                self.touched.push(cell as u16);
            }
            self.count[cell] += 1;
        }
    }

    /// The residue pairs (a, b, count) that occur, both standard residues, in first-occurrence order.
    pub(crate) fn residue_pairs(&self) -> impl Iterator<Item = (usize, usize, u32)> + '_ {
        self.touched.iter().filter_map(|&c| {
            let (a, b) = (c as usize / (N_AA + 1), c as usize % (N_AA + 1));
            (a < N_AA && b < N_AA).then(|| (a, b, self.count[c as usize]))
        })
    }
}

/// Pair MI in O(sequences + 20) additions and no logarithm per pair: with `ln(c + ε)` of every
/// count tabulated once, the formula `Σ_xy p_xy ln(p_xy / p_x p_y)` over all 400 cells is
///
/// `(1/Z)[Σ_nz (J+ε) ln(J+ε) + (400 − nnz) ε ln ε − Σ_x (r_x+20ε) ln(r_x+ε) − Σ_y (c_y+20ε) ln(c_y+ε)]
///  − ln Z + 2 ln(T + 20ε)`
///
/// with `Z = T + 400ε`, `T` the pair total and `r`, `c` the marginal counts: every zero cell has
/// the same `p_xy = ε/Z`, so their sum is closed form, and `Σ_y p_xy = (r_x + 20ε)/Z`. Equal to the
/// 400-cell formula to ≈ 1e-15 (tested to 1e-12 on random data).
pub(crate) struct PairMi {
    counts: PairCounts,
    /// `ln(c + ε)` for c = 0..=n.
    ln_count: Vec<f64>,
}

impl PairMi {
    /// For columns of `n` sequences.
    pub(crate) fn new(n: usize) -> Self {
        PairMi { counts: PairCounts::new(), ln_count: (0..=n).map(|c| (c as f64 + EPS).ln()).collect() }
    }

    /// MI of two columns of residue codes (the convention of [`mi_matrix`]).
    pub(crate) fn mi(&mut self, ci: &[u8], cj: &[u8]) -> f64 {
        self.counts.fill(ci, cj);
        self.mi_of_counts()
    }

    /// MI of the pair last counted by [`PairCounts::fill`] on `self.counts`.
    pub(crate) fn mi_of_counts(&self) -> f64 {
        let (mut row, mut col) = ([0u32; N_AA], [0u32; N_AA]);
        let (mut total, mut nnz, mut joint) = (0u32, 0usize, 0.0);
        for (a, b, c) in self.counts.residue_pairs() {
            row[a] += c;
            col[b] += c;
            total += c;
            nnz += 1;
            joint += (c as f64 + EPS) * self.ln_count[c as usize];
        }
        if total < 2 {
            return 0.0;
        }
        let t = total as f64;
        let marginal = |m: &[u32; N_AA]| -> f64 {
            m.iter().map(|&c| (c as f64 + 20.0 * EPS) * self.ln_count[c as usize]).sum::<f64>()
        };
        let z = t + 400.0 * EPS;
        let inner = joint + (400 - nnz) as f64 * EPS * self.ln_count[0] - marginal(&row) - marginal(&col);
        inner / z - z.ln() + 2.0 * (t + 20.0 * EPS).ln()
    }

    /// The counts, to fill with a pair before [`PairMi::mi_of_counts`].
    pub(crate) fn counts_mut(&mut self) -> &mut PairCounts {
        &mut self.counts
    }

    /// The counts of the last pair.
    pub(crate) fn counts(&self) -> &PairCounts {
        &self.counts
    }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The 400-cell pair MI, term by term (the reference of the fast form).
    pub(crate) fn pair_mi_direct(pairs: impl Iterator<Item = (usize, usize)>) -> f64 {
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

    /// A small deterministic generator for test data (SplitMix64).
    pub(crate) fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[test]
    fn fast_pair_mi_equals_the_400_cell_formula() {
        let mut st = 7u64;
        let mut worst = 0.0f64;
        for trial in 0..400 {
            let n = 1 + (next(&mut st) % 300) as usize;
            // Alphabets from 1 to 21 codes (21 = some gaps), skewed so some cells are frequent.
            let (ka, kb) = (1 + next(&mut st) % 21, 1 + next(&mut st) % 21);
            let draw = |st: &mut u64, k: u64| -> u8 {
                let v = next(st) % k;
                let w = next(st) % k;
                v.min(w) as u8 // skewed towards small codes
            };
            let ci: Vec<u8> = (0..n).map(|_| draw(&mut st, ka)).collect();
            let cj: Vec<u8> = (0..n).map(|_| if trial % 3 == 0 { ci[0] } else { draw(&mut st, kb) }).collect();
            let direct = pair_mi_direct(
                ci.iter()
                    .zip(&cj)
                    .filter(|(&a, &b)| (a as usize) < N_AA && (b as usize) < N_AA)
                    .map(|(&a, &b)| (a as usize, b as usize)),
            );
            let fast = PairMi::new(n).mi(&ci, &cj);
            assert!((fast - direct).abs() < 1e-12, "trial {trial}: n {n}: fast {fast} direct {direct}");
            worst = worst.max((fast - direct).abs());
        }
        assert!(worst < 1e-13, "{worst}");
    }
}
