//! Held-out evaluation: keep some members of the family out of the model, then ask how the
//! generated sequences compare with members the model never saw.
//!
//! [`holdout_splits`] chooses k disjoint held-out sets of ⌊F·K⌋ members each (the rest is the
//! training set of that fold); [`HeldOut::score`] scores a set of sequences against one held-out
//! set: identity of each to its nearest held-out member, Pearson r of the connected correlations
//! C_ij against the held-out members' own, and the two-sample classifier AUC
//! ([`crate::two_sample`]) of held-out members vs the sequences. Scoring the fold's training
//! members the same way gives the natural baseline (the null row): what members that *are* of the
//! family score. [`FoldStats`] summarises a score over folds as mean ± sd.

use crate::extended::Couplings;
use crate::metrics::seq_identity;
use crate::two_sample::{two_sample_auc, AucSettings, TwoSampleAuc};
use rand::seq::SliceRandom;
use rand::Rng;
use satool_common::stats;
use serde::Serialize;

/// One fold: indices (into the cleaned members, ascending) of the training and held-out members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldoutSplit {
    /// Members the model is built from.
    pub train: Vec<usize>,
    /// Members kept out.
    pub held_out: Vec<usize>,
}

/// k disjoint held-out sets of `floor(fraction·K)` members each (so k = 1/F folds always fit), drawn by shuffling the K
/// members once with `rng` and cutting consecutive blocks; each fold's training set is every
/// other member. Errors (as a message) when the fraction is not in (0, 1), a held-out set would
/// have fewer than 2 members or leave fewer than 2 for training, or k sets do not fit in K.
pub fn holdout_splits<R: Rng + ?Sized>(
    k: usize,
    fraction: f64,
    folds: usize,
    rng: &mut R,
) -> Result<Vec<HoldoutSplit>, String> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(format!("the held-out fraction must be in (0, 1), got {fraction}"));
    }
    if folds == 0 {
        return Err("at least one held-out fold is needed".into());
    }
    let h = (fraction * k as f64).floor() as usize;
    if h < 2 || k < h + 2 {
        return Err(format!(
            "holding out {fraction} of {k} members keeps {h} out and {} in; at least 2 of each are needed",
            k.saturating_sub(h)
        ));
    }
    if folds * h > k {
        return Err(format!(
            "{folds} disjoint held-out folds of {h} members need {} members; the family has {k} \
             (at most {} folds at this fraction)",
            folds * h,
            k / h
        ));
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.shuffle(rng);
    Ok((0..folds)
        .map(|f| {
            let mut held_out = order[f * h..(f + 1) * h].to_vec();
            held_out.sort_unstable();
            let train = (0..k).filter(|i| held_out.binary_search(i).is_err()).collect();
            HoldoutSplit { train, held_out }
        })
        .collect())
}

/// A set's scores against one held-out set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeldOutScores {
    /// Mean over the set of each sequence's identity to its nearest held-out member (gaps
    /// skipped, as SeqID); None for an empty set.
    pub nn_identity: Option<f64>,
    /// Pearson r of the set's connected correlations C_ij against the held-out members'.
    pub cij_r: Option<f64>,
    /// Two-sample AUC, held-out members (class 0) vs the set (class 1).
    pub auc: Option<TwoSampleAuc>,
}

/// The held-out members of one fold and their pair statistics, computed once for any number of
/// scored sets.
pub struct HeldOut {
    seqs: Vec<Vec<u8>>,
    couplings: Couplings,
}

impl HeldOut {
    /// The held-out members (aligned, of equal length).
    pub fn new(seqs: Vec<Vec<u8>>) -> Self {
        let couplings = Couplings::of(&seqs, false);
        HeldOut { seqs, couplings }
    }

    /// The held-out members.
    pub fn seqs(&self) -> &[Vec<u8>] {
        &self.seqs
    }

    /// Scores `set` against the held-out members; the AUC's draws come from `rng`.
    pub fn score<R: Rng + ?Sized>(&self, set: &[Vec<u8>], auc: AucSettings, rng: &mut R) -> HeldOutScores {
        let ids = seq_identity(set, &self.seqs);
        HeldOutScores {
            nn_identity: (!ids.is_empty()).then(|| ids.iter().sum::<f64>() / ids.len() as f64),
            cij_r: self.couplings.compare(set).cij,
            auc: two_sample_auc(&self.seqs, set, auc, rng),
        }
    }
}

/// A score over held-out folds: mean and sd (n − 1; 0 for one fold) over the folds that have it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FoldStats {
    /// Mean over folds.
    pub mean: f64,
    /// Standard deviation over folds (0 for one fold).
    pub sd: f64,
    /// Folds that had a value.
    pub folds: usize,
}

impl FoldStats {
    /// Mean ± sd of the values present; None when none is.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Option<FoldStats> {
        let v = ndarray::Array1::from(values.into_iter().flatten().collect::<Vec<f64>>());
        (!v.is_empty()).then(|| FoldStats { mean: stats::mean(v.view()), sd: stats::sd(v.view()), folds: v.len() })
    }
}

/// [`HeldOutScores`] summarised over folds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HeldOutSummary {
    /// Nearest-held-out-member identity.
    pub nn_identity: Option<FoldStats>,
    /// C_ij r against the held-out members.
    pub cij_r: Option<FoldStats>,
    /// Two-sample AUC (per fold: the mean over its draws).
    pub auc: Option<FoldStats>,
}

impl HeldOutSummary {
    /// Summarises per-fold scores.
    pub fn of(per_fold: &[HeldOutScores]) -> Self {
        HeldOutSummary {
            nn_identity: FoldStats::of(per_fold.iter().map(|s| s.nn_identity)),
            cij_r: FoldStats::of(per_fold.iter().map(|s| s.cij_r)),
            auc: FoldStats::of(per_fold.iter().map(|s| s.auc.map(|a| a.mean))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng(seed: u64) -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(seed)
    }

    #[test]
    fn folds_are_disjoint_and_cover_the_rest() {
        let splits = holdout_splits(68, 0.2, 5, &mut rng(1)).unwrap();
        assert_eq!(splits.len(), 5);
        let mut seen = std::collections::BTreeSet::new();
        for s in &splits {
            assert_eq!((s.held_out.len(), s.train.len()), (13, 55));
            assert!(s.held_out.iter().all(|i| seen.insert(*i)), "held-out sets overlap");
            let mut all: Vec<usize> = s.train.iter().chain(&s.held_out).copied().collect();
            all.sort_unstable();
            assert_eq!(all, (0..68).collect::<Vec<_>>());
        }
        assert_eq!(seen.len(), 65);
        assert_eq!(splits, holdout_splits(68, 0.2, 5, &mut rng(1)).unwrap(), "seeded");
    }

    #[test]
    fn impossible_splits_are_errors_that_say_why() {
        assert!(holdout_splits(68, 0.0, 1, &mut rng(1)).unwrap_err().contains("(0, 1)"));
        assert!(holdout_splits(13, 0.1, 1, &mut rng(1)).unwrap_err().contains("keeps 1 out"));
        let e = holdout_splits(68, 0.3, 4, &mut rng(1)).unwrap_err();
        assert!(e.contains("need 80 members") && e.contains("at most 3 folds"), "{e}");
        assert_eq!(holdout_splits(13, 0.2, 5, &mut rng(1)).unwrap()[4].held_out.len(), 2);
    }

    #[test]
    fn copies_of_the_held_out_members_score_as_them() {
        let held: Vec<Vec<u8>> = vec![b"ACDEFG".to_vec(), b"ACDEYG".to_vec(), b"WCDEFG".to_vec(), b"AC-EFH".to_vec()];
        let h = HeldOut::new(held.clone());
        let s = h.score(&held, AucSettings::default(), &mut rng(2));
        assert_eq!(s.nn_identity, Some(1.0));
        assert!((s.cij_r.unwrap() - 1.0).abs() < 1e-12);
        let auc = s.auc.unwrap();
        assert_eq!(auc.per_class, 4);
        assert!(auc.mean <= 0.5, "copies cannot be told apart: {auc:?}");
        let summary = HeldOutSummary::of(&[s, s]);
        assert_eq!(summary.nn_identity, Some(FoldStats { mean: 1.0, sd: 0.0, folds: 2 }));
        assert_eq!(FoldStats::of([None, Some(2.0), Some(4.0)]).unwrap().mean, 3.0);
        assert_eq!(FoldStats::of([None]), None);
    }
}
