//! Sequence weights of the DCA convention (plmDCA, adabmDCA, Pfam's effective sequence number):
//! a sequence in a cluster of n near-identical ones weighs 1/n, so redundant subfamilies do not
//! dominate the family's statistics.

use crate::metrics::gap_coded;

/// Per sequence, `1 / #{j : identity(k, j) ≥ threshold}` (j = k included, so every weight is in
/// (0, 1]), where identity is the share of all L columns with the same state, every gap
/// character (`.`, `-`, `~`) being one state (the DCA convention; unlike SeqID, gaps count).
/// Their sum is the effective number of sequences M_eff.
pub fn sequence_weights(seqs: &[Vec<u8>], threshold: f64) -> Vec<f64> {
    let coded: Vec<Vec<u8>> = seqs.iter().map(|s| gap_coded(s)).collect();
    let l = coded.first().map_or(0, Vec::len);
    // identity ≥ threshold ⇔ matches ≥ ⌈threshold·L⌉ (an integer test: no rounding at the edge)
    let need = (threshold * l as f64 - 1e-9).ceil().max(0.0) as usize;
    let neighbours = |a: &[u8]| coded.iter().filter(|b| matches(a, b) >= need).count();
    coded.iter().map(|a| 1.0 / neighbours(a) as f64).collect()
}

/// Positions where two equal-length sequences hold the same byte (u8 lanes per 255 positions,
/// so the loop vectorises).
fn matches(a: &[u8], b: &[u8]) -> usize {
    assert_eq!(a.len(), b.len(), "sequence_weights: lengths differ");
    a.chunks(255)
        .zip(b.chunks(255))
        .map(|(x, y)| x.iter().zip(y).fold(0u8, |m, (p, q)| m + u8::from(p == q)) as usize)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seqs(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn clusters_share_their_weight() {
        // Three copies of one sequence, one 80% identical to them (1 of 5 columns differs, gap
        // against '.' counts as the same state), one far away.
        let s = seqs(&["ACDE-", "ACDE-", "ACDE.", "ACDF-", "WWWWW"]);
        let w = sequence_weights(&s, 0.8);
        assert_eq!(w, [0.25, 0.25, 0.25, 0.25, 1.0]);
        // At 0.9 the 80%-identical one leaves the cluster.
        assert_eq!(sequence_weights(&s, 0.9), [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 1.0, 1.0]);
        // At 0 every sequence neighbours every other: M_eff = 1.
        assert!((sequence_weights(&s, 0.0).iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn long_sequences_count_past_255_columns() {
        let a = vec![b'A'; 600];
        let mut b = a.clone();
        b[..119].fill(b'C'); // 481 / 600 = 0.8017 identical
        let w = sequence_weights(&[a.clone(), b.clone()], 0.8);
        assert_eq!(w, [0.5, 0.5]);
        b[119] = b'C'; // 480 / 600 = 0.8 exactly: still ≥ 0.8
        assert_eq!(sequence_weights(&[a.clone(), b.clone()], 0.8), [0.5, 0.5]);
        b[120] = b'C'; // 479 / 600
        assert_eq!(sequence_weights(&[a, b], 0.8), [1.0, 1.0]);
    }
}
