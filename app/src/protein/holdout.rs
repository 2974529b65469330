//! `--holdout F` / `--holdout-folds k`: members kept out of the memory, and every row scored
//! against them (nearest-held-out identity, C_ij r, two-sample classifier AUC), with the training
//! members themselves as the natural null.

use super::generate::{self, Generated};
use super::ProteinJob;
use crate::input_err;
use anyhow::Result;
use rayon::prelude::*;
use satool_protein::holdout::{holdout_splits, HeldOut, HeldOutScores, HeldOutSummary, HoldoutSplit};
use satool_protein::two_sample::AucSettings;
use serde::Serialize;

/// The seed of the held-out split: fixed, not `--seed`, so every seed of a family holds out the
/// same members and only the generation changes.
pub const HOLDOUT_SEED: u64 = 0;
/// The random stream (of [`HOLDOUT_SEED`]) that shuffles the members into held-out folds.
pub const HOLDOUT_STREAM: &str = "holdout";

/// `--holdout F --holdout-folds k`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holdout {
    /// Fraction of the cleaned (and capped) members held out per fold, in (0, 1).
    pub fraction: f64,
    /// Disjoint held-out folds (each a full run of the methods).
    pub folds: usize,
}

impl Holdout {
    /// The folds over `k` cleaned members (the same for every `--seed`).
    pub fn splits(&self, k: usize) -> Result<Vec<HoldoutSplit>> {
        holdout_splits(k, self.fraction, self.folds, &mut satool::stream(HOLDOUT_SEED, HOLDOUT_STREAM))
            .map_err(|e| input_err!("--holdout {} --holdout-folds {}: {e}", self.fraction, self.folds))
    }
}

/// results.json's `holdout`: the split and the natural null.
#[derive(Debug, Serialize)]
pub struct HoldoutInfo {
    pub fraction: f64,
    pub folds: usize,
    /// Members held out in each fold (the rest train the memory).
    pub held_out_per_fold: usize,
    pub train_per_fold: usize,
    /// How the split was drawn.
    pub split: String,
    /// The classifier and its protocol.
    pub classifier: String,
    /// The training members scored against the held-out ones, as the rows are: the null (what
    /// members of the family score; the classifier AUC's is near 0.5).
    pub null: HeldOutSummary,
}

/// One fold's held-out members, and each row's scores and the null against them.
pub struct FoldScores {
    pub rows: Vec<(String, HeldOutScores)>,
    pub null: HeldOutScores,
}

/// The AUC settings every row uses: 5 folds, 10 draws, C = 1.
pub fn auc_settings() -> AucSettings {
    AucSettings::default()
}

/// Scores `rows` and the training members `train` against the held-out members of fold `fold`,
/// each row's classifier draws from its own stream of `seed`.
pub fn score_fold(
    fold: usize,
    held_out: Vec<Vec<u8>>,
    train: &[Vec<u8>],
    rows: &[&Generated],
    seed: u64,
) -> FoldScores {
    let h = HeldOut::new(held_out);
    let score = |id: &str, seqs: &[Vec<u8>]| {
        h.score(seqs, auc_settings(), &mut satool::stream(seed, &format!("holdout-auc/{fold}/{id}")))
    };
    FoldScores {
        rows: rows.par_iter().map(|g| (g.id.clone(), score(&g.id, &g.seqs))).collect(),
        null: score("null", train),
    }
}

/// The other folds (1..k) of a held-out run: the methods generated again from each fold's
/// training members and scored against its held-out members; `first` is fold 0's, whose rows
/// are the table's. `--evaluate` rows are scored in fold 0 only: their sequences are aligned to
/// its columns, and another fold's training members may keep other columns (the gap rule).
pub fn all_folds(job: &ProteinJob, aln: &satool_protein::Alignment, first: FoldScores) -> Result<Vec<FoldScores>> {
    let mut out = vec![first];
    let folds = job.holdout.map_or(1, |h| h.folds);
    for fold in 1..folds {
        let (fam, _, held) = super::family_model_fold(job, aln, fold)?;
        let mut rows: Vec<Generated> =
            job.methods.par_iter().map(|&m| generate::generate(m, &fam)).collect::<Result<_>>()?;
        rows.retain(|g| !g.seqs.is_empty());
        let all: Vec<&Generated> = rows.iter().collect();
        out.push(score_fold(fold, held.expect("a held-out fold"), &fam.stored, &all, fam.sampling.seed));
    }
    Ok(out)
}

/// Each row's summary over folds (by id, in `ids` order) and the null's.
pub fn summarize(ids: &[String], folds: &[FoldScores]) -> (Vec<Option<HeldOutSummary>>, HeldOutSummary) {
    let per_row = ids
        .iter()
        .map(|id| {
            let scores: Vec<HeldOutScores> =
                folds.iter().filter_map(|f| f.rows.iter().find(|(r, _)| r == id).map(|(_, s)| *s)).collect();
            (!scores.is_empty()).then(|| HeldOutSummary::of(&scores))
        })
        .collect();
    let null: Vec<HeldOutScores> = folds.iter().map(|f| f.null).collect();
    (per_row, HeldOutSummary::of(&null))
}
