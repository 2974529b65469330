//! Extended family metrics, the checks the coevolution (DCA) community uses beyond the published
//! table: MI correlation over all column pairs, with and without the average-product correction,
//! Pearson r of connected pair correlations, within-set and to-family identities.

use crate::alphabet::{residue_index, N_AA};
use crate::input::is_gap;
use crate::metrics::{mi_matrix, pearson, seq_identity, upper_triangle};
use ndarray::Array2;

/// MI with the average-product correction: `MI_ij − MI_i· MI_·j / MI_··`, where `MI_i·` is the
/// mean of row i over j ≠ i and `MI_··` the mean over all i ≠ j (Dunn et al. 2008). A matrix
/// whose off-diagonal mean is 0 is returned unchanged.
pub fn apc(mi: &Array2<f64>) -> Array2<f64> {
    let n = mi.nrows();
    if n < 2 {
        return mi.clone();
    }
    let row: Vec<f64> =
        (0..n).map(|i| (0..n).filter(|&j| j != i).map(|j| mi[[i, j]]).sum::<f64>() / (n - 1) as f64).collect();
    let all = row.iter().sum::<f64>() / n as f64;
    if all == 0.0 {
        return mi.clone();
    }
    Array2::from_shape_fn((n, n), |(i, j)| if i == j { 0.0 } else { mi[[i, j]] - row[i] * row[j] / all })
}

/// The pair statistics of one set of aligned sequences, computed once and compared many times:
/// MI over every column pair (SPEC convention, no APC), the same after APC, and the connected
/// correlations.
pub struct Couplings {
    mi: Vec<f64>,
    mi_apc: Vec<f64>,
    cij: Vec<f64>,
}

impl Couplings {
    pub fn of(seqs: &[Vec<u8>]) -> Self {
        let pos: Vec<usize> = (0..seqs.first().map_or(0, Vec::len)).collect();
        let mi = mi_matrix(seqs, &pos);
        let mut cij = Vec::new();
        connected_correlations(seqs, |_, v| cij.push(v));
        Couplings { mi: upper_triangle(&mi), mi_apc: upper_triangle(&apc(&mi)), cij }
    }

    /// Pearson r against the natural family's: (MI over all pairs, MI with APC, C_ij).
    pub fn compare(&self, natural: &Couplings) -> (Option<f64>, Option<f64>, Option<f64>) {
        (pearson(&self.mi, &natural.mi), pearson(&self.mi_apc, &natural.mi_apc), pearson(&self.cij, &natural.cij))
    }
}

/// Pearson r between MI(G) and MI(S) over every column pair (SPEC MI convention, no APC).
pub fn mi_r_all(stored: &[Vec<u8>], gen: &[Vec<u8>]) -> Option<f64> {
    Couplings::of(gen).compare(&Couplings::of(stored)).0
}

/// As [`mi_r_all`] after the average-product correction of both matrices.
pub fn mi_r_apc(stored: &[Vec<u8>], gen: &[Vec<u8>]) -> Option<f64> {
    Couplings::of(gen).compare(&Couplings::of(stored)).1
}

/// Residue indices per sequence and column (None for gaps and non-standard letters).
fn indices(seqs: &[Vec<u8>]) -> Vec<Vec<Option<usize>>> {
    seqs.iter().map(|s| s.iter().map(|&c| residue_index(c)).collect()).collect()
}

/// Connected correlations `C_ij(a,b) = f_ij(a,b) − f_i(a) f_j(b)` for every column pair i < j and
/// residue pair (a, b), frequencies over all sequences (a gap is "no residue"), in a fixed order.
/// Calls `visit` once per value so large families need no L²·400 buffer.
fn connected_correlations(seqs: &[Vec<u8>], mut visit: impl FnMut(usize, f64)) {
    // (the index argument lets callers locate a value without materialising the whole vector)
    let idx = indices(seqs);
    let l = seqs.first().map_or(0, Vec::len);
    let n = seqs.len().max(1) as f64;
    let mut single = Array2::<f64>::zeros((l, N_AA));
    for r in &idx {
        for (i, a) in r.iter().enumerate() {
            if let Some(a) = a {
                single[[i, *a]] += 1.0 / n;
            }
        }
    }
    let mut joint = [[0.0f64; N_AA]; N_AA];
    let mut k = 0;
    for i in 0..l {
        for j in i + 1..l {
            joint.iter_mut().for_each(|r| r.fill(0.0));
            for r in &idx {
                if let (Some(a), Some(b)) = (r[i], r[j]) {
                    joint[a][b] += 1.0 / n;
                }
            }
            for a in 0..N_AA {
                for b in 0..N_AA {
                    visit(k, joint[a][b] - single[[i, a]] * single[[j, b]]);
                    k += 1;
                }
            }
        }
    }
}

/// Pearson r between the connected correlations of G and of S (over all i < j and a, b).
pub fn cij_r(stored: &[Vec<u8>], gen: &[Vec<u8>]) -> Option<f64> {
    Couplings::of(gen).compare(&Couplings::of(stored)).2
}

/// Identity of two aligned sequences over positions where neither has a gap (None if none).
fn identity(a: &[u8], b: &[u8]) -> Option<f64> {
    let (mut m, mut c) = (0usize, 0usize);
    for (&x, &y) in a.iter().zip(b) {
        if !is_gap(x) && !is_gap(y) {
            c += 1;
            m += usize::from(x == y);
        }
    }
    (c > 0).then(|| m as f64 / c as f64)
}

/// Mean identity over all pairs of the set (pairs with no comparable position are skipped).
pub fn mean_pairwise_identity(seqs: &[Vec<u8>]) -> Option<f64> {
    let v: Vec<f64> = (0..seqs.len())
        .flat_map(|i| (i + 1..seqs.len()).map(move |j| (i, j)))
        .filter_map(|(i, j)| identity(&seqs[i], &seqs[j]))
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Fraction of generated sequences more than `threshold` identical to some natural one.
pub fn fraction_over(gen: &[Vec<u8>], stored: &[Vec<u8>], threshold: f64) -> f64 {
    let ids = seq_identity(gen, stored);
    ids.iter().filter(|&&x| x > threshold).count() as f64 / ids.len().max(1) as f64
}

/// The natural family's nearest-neighbour identity range: each member's highest identity to any
/// other member, then the [min, max] over members — the band generated sequences should fall in.
pub fn nn_identity_band(stored: &[Vec<u8>]) -> Option<[f64; 2]> {
    let nn = nn_identities(stored);
    let lo = nn.iter().copied().reduce(f64::min)?;
    let hi = nn.iter().copied().reduce(f64::max)?;
    Some([lo, hi])
}

/// Each stored sequence's identity to its nearest other stored sequence (leave-one-out; sequences
/// with no comparable partner are skipped).
pub fn nn_identities(stored: &[Vec<u8>]) -> Vec<f64> {
    (0..stored.len())
        .filter_map(|i| {
            (0..stored.len()).filter(|&j| j != i).filter_map(|j| identity(&stored[i], &stored[j])).reduce(f64::max)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|x| x.as_bytes().to_vec()).collect()
    }

    #[test]
    fn apc_by_hand() {
        // 3 columns, MI12 = 0.6, MI13 = 0.3, MI23 = 0.0: row means 0.45, 0.3, 0.15; overall 0.3.
        let mi = ndarray::array![[0.0, 0.6, 0.3], [0.6, 0.0, 0.0], [0.3, 0.0, 0.0]];
        let a = apc(&mi);
        assert!((a[[0, 1]] - (0.6 - 0.45 * 0.3 / 0.3)).abs() < 1e-15);
        assert!((a[[0, 2]] - (0.3 - 0.45 * 0.15 / 0.3)).abs() < 1e-15);
        assert!((a[[1, 2]] - (0.0 - 0.3 * 0.15 / 0.3)).abs() < 1e-15);
    }

    #[test]
    fn connected_correlations_by_hand() {
        // Two columns, sequences AC, AC, DE, DE: f1(A) = f1(D) = 1/2, f2(C) = f2(E) = 1/2,
        // f12(A,C) = f12(D,E) = 1/2 → C(A,C) = C(D,E) = 1/4, C(A,E) = C(D,C) = −1/4, others 0.
        let seqs = s(&["AC", "AC", "DE", "DE"]);
        let mut v = Vec::new();
        connected_correlations(&seqs, |_, x| v.push(x));
        assert_eq!(v.len(), 400);
        let at = |a: u8, b: u8| v[residue_index(a).unwrap() * 20 + residue_index(b).unwrap()];
        assert!((at(b'A', b'C') - 0.25).abs() < 1e-15 && (at(b'D', b'E') - 0.25).abs() < 1e-15);
        assert!((at(b'A', b'E') + 0.25).abs() < 1e-15 && (at(b'D', b'C') + 0.25).abs() < 1e-15);
        assert_eq!(v.iter().filter(|x| x.abs() > 1e-15).count(), 4);
        assert!((cij_r(&seqs, &seqs).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn identities_by_hand() {
        let nat = s(&["ACDE", "ACDF", "GHIK"]);
        // pairs: (0,1) 3/4, (0,2) 0, (1,2) 0 → mean 0.25
        assert!((mean_pairwise_identity(&nat).unwrap() - 0.25).abs() < 1e-15);
        // nearest neighbours: 0.75, 0.75, 0 → band [0, 0.75]
        assert_eq!(nn_identity_band(&nat), Some([0.0, 0.75]));
        // gaps are skipped: "AC-E" vs "ACDE" → 3/3
        let gen = s(&["AC-E", "GHLL"]);
        assert_eq!(fraction_over(&gen, &nat, 0.9), 0.5);
    }
}
