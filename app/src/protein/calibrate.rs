//! `--decode calibrated`: a fixed decode chosen per family from the family itself.
//!
//! The members the memory is built from (with `--holdout`, the fold's training members only) are
//! split internally into [`INNER_FOLDS`] disjoint folds of a fifth of them, from a fixed stream
//! (every `--seed` chooses the same decode). For each internal fold the inner training members get
//! their own encoding and memory, and [`SAMPLES`] exact samples at the run's β_gen (the temperature
//! the run's samples are drawn at) are decoded by every candidate of [`candidates`]. An inner
//! memory's own β* would not do: the rule reads the first 20 memories, which differ between the
//! inner memories and the run's, and on the kinase seed the inner β* ran low enough that the
//! calibration chose a decode 0.075 above the members' identity (bench/decoders/CALIBRATED.md).
//! A candidate scores, averaged over the internal folds:
//!
//! - the KS distance between the samples' identity to their nearest inner training member and the
//!   inner training members' own leave-one-out nearest-member identity (a new member of the family
//!   is as far from the others as they are from each other), plus
//! - the excess over 0.5 of the two-sample classifier AUC of the inner held-out members against
//!   the samples ([`two_sample_auc`]: how well a linear classifier tells them apart), when each
//!   internal fold holds out at least [`MIN_AUC_HELD_OUT`] members, plus
//! - the shortfall of the samples' pair structure: `max(1 − r/r_nat, 0)`, where r is the C_ij r of
//!   the samples against the inner training members and r_nat the r that as many new members of
//!   the family would reach ([`prot::extended::NaturalCij`], estimated from [`NATURAL_SPLITS`]
//!   random halves of the inner training members), both over at most [`PAIR_COLUMNS`] evenly
//!   spaced columns (the cost of a pair term grows with L²). A decode that draws each position from many
//!   members matches the identity but loses the pairs a new member would keep; one above r_nat
//!   copies, which the identity term sees.
//!
//! The lowest score wins (the first in grid order on ties). `--reweight` and `--condition` do not
//! enter the calibration: it models the whole training family without weights.

use anyhow::{Context, Result};
use rayon::prelude::*;
use satool::{attention_weights, exact_samples, stream, Memory};
use satool_common::stats::ks::statistic_sorted;
use satool_protein as prot;
use satool_protein::decode::DEFAULT_SHRINK;
use satool_protein::holdout::holdout_splits;
use satool_protein::two_sample::{two_sample_auc, AucSettings};
use satool_protein::DecodeMethod;
use serde::Serialize;
use std::time::Instant;

/// The seed of the internal split and the calibration's samples: fixed, not `--seed`.
pub const CALIBRATION_SEED: u64 = 0;
/// Internal folds (fewer when the members do not hold that many).
pub const INNER_FOLDS: usize = 3;
/// The share of the members each internal fold holds out.
pub const INNER_FRACTION: f64 = 0.2;
/// Exact samples at β_gen decoded per internal fold.
pub const SAMPLES: usize = 300;
/// Members an internal fold must hold out for the AUC term to count: with fewer (LuxC, K = 13,
/// holds out 2) the AUC of a draw is 0, 0.5 or 1 and its spread over draws exceeds the
/// differences between candidates, so the identity criterion decides alone.
pub const MIN_AUC_HELD_OUT: usize = 5;
/// Random halves of the inner training members that estimate the natural C_ij r.
pub const NATURAL_SPLITS: usize = 8;
/// The pair term reads at most this many columns, evenly spaced over the alignment.
pub const PAIR_COLUMNS: usize = 80;

/// The columns the pair term reads: all of `l` up to [`PAIR_COLUMNS`], else that many evenly
/// spaced ones (first and last included).
fn pair_columns(l: usize) -> Vec<usize> {
    if l <= PAIR_COLUMNS {
        return (0..l).collect();
    }
    (0..PAIR_COLUMNS).map(|i| (i * (l - 1) + (PAIR_COLUMNS - 1) / 2) / (PAIR_COLUMNS - 1)).collect()
}

/// `seqs` restricted to `columns`.
fn on_columns(seqs: &[Vec<u8>], columns: &[usize]) -> Vec<Vec<u8>> {
    seqs.iter().map(|s| columns.iter().map(|&c| s[c]).collect()).collect()
}

/// The decodes the calibration chooses from, in grid order: `norm` and `norm:1`, then
/// `mix:0.5:c` for c ∈ {0.25, 0.35, 0.5} (half of the `norm` positions replaced by attention
/// draws: the pair correlations of `norm` kept in part), then `attention:ℓ:c` for segments
/// ℓ ∈ {1, 4} and β scales c from 0.1 to 1 (a smaller c spreads each position's draw over more
/// members: lower identity to the nearest one, fewer pair correlations kept; a longer ℓ keeps
/// more).
pub fn candidates() -> Vec<DecodeMethod> {
    let mut c = vec![DecodeMethod::Norm { shrink: DEFAULT_SHRINK }, DecodeMethod::Norm { shrink: 1.0 }];
    for beta_scale in [0.25, 0.35, 0.5] {
        c.push(DecodeMethod::Mix { share: 0.5, beta_scale });
    }
    for segment in [1.0, 4.0] {
        for beta_scale in [0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.7, 1.0] {
            c.push(DecodeMethod::Attention { segment, beta_scale });
        }
    }
    c
}

/// One candidate's scores, averaged over the internal folds.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateScore {
    pub decode: String,
    /// Mean identity of the samples to their nearest inner training member.
    pub nn_identity: f64,
    /// KS distance of those identities to the inner members' leave-one-out identities.
    pub ks: f64,
    /// Two-sample AUC, inner held-out members vs the samples (None without an internal split, or
    /// when the candidate was ruled out before it).
    pub auc: Option<f64>,
    /// C_ij r of the samples against the inner training members (None when constant, or when
    /// the candidate was ruled out before it).
    pub cij_r: Option<f64>,
    /// max(1 − cij_r / natural_cij_r, 0) (0 when the family gives no natural r); None when
    /// the candidate was ruled out before it (see `score`).
    pub pair_shortfall: Option<f64>,
    /// ks + max(auc − 0.5, 0) + pair_shortfall: lower is better. None when the candidate was
    /// ruled out: `ks` (+ the AUC term) already exceeded the best score, so the terms after it
    /// were not computed.
    pub score: Option<f64>,
}

/// results.json's `parameters.decode_calibration`: what was chosen, how, and every candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// The chosen decode (the run's `decode`).
    pub chosen: String,
    pub rule: String,
    /// Internal folds and members held out in each (0: no split; identity alone).
    pub inner_folds: usize,
    pub inner_held_out: usize,
    pub samples_per_fold: usize,
    /// The inner training members' mean leave-one-out nearest identity (over the folds).
    pub loo_nn_identity: f64,
    /// The C_ij r that `samples_per_fold` new members of the family would reach against the inner
    /// training members (mean over the folds; None when no fold gives an estimate).
    pub natural_cij_r: Option<f64>,
    pub candidates: Vec<CandidateScore>,
    pub seconds: f64,
    #[serde(skip)]
    pub decode: DecodeMethod,
}

/// One internal fold: the inner model and its exact samples, and what candidates are scored by.
struct InnerFold {
    enc: prot::Encoding,
    mem: Memory,
    beta: f64,
    train: Vec<Vec<u8>>,
    held: Vec<Vec<u8>>,
    samples: ndarray::Array2<f64>,
    loo: Vec<f64>,
    columns: Vec<usize>,
    couplings: prot::extended::Couplings,
    natural_cij_r: Option<f64>,
}

impl InnerFold {
    fn new(clean: &prot::CleanAlignment, split: &prot::holdout::HoldoutSplit, beta: f64, fold: usize) -> Result<Self> {
        let inner = clean.keep_sequences(&split.train);
        let enc = prot::encode(&inner, 0.95).map_err(|e| crate::input_err!("decode calibration: {e}"))?;
        let mem = Memory::new(enc.memory.clone()).context("calibration memory")?;
        let samples =
            exact_samples(&mem, beta, SAMPLES, &mut stream(CALIBRATION_SEED, &format!("calibrate/{fold}")))?.0;
        let mut loo = prot::extended::nn_identities(&inner.seqs);
        loo.sort_by(f64::total_cmp);
        let held = split.held_out.iter().map(|&i| clean.seqs[i].clone()).collect();
        let columns = pair_columns(enc.seq_len());
        let pair_view = on_columns(&inner.seqs, &columns);
        let natural_cij_r = prot::extended::NaturalCij::of(
            &pair_view,
            NATURAL_SPLITS,
            &mut stream(CALIBRATION_SEED, &format!("calibrate/{fold}/natural")),
        )
        .map(|n| n.expected_r(SAMPLES));
        let couplings = prot::extended::Couplings::of(&pair_view, false);
        Ok(InnerFold { enc, mem, beta, train: inner.seqs, held, samples, loo, columns, couplings, natural_cij_r })
    }

    /// `decode`'s sequences on this fold and their identity term (the cheap part of the score).
    fn decode(&self, decode: DecodeMethod, fold: usize) -> FoldDecode {
        let beta = self.beta * decode.beta_scale();
        let seqs = prot::Decoder::new(decode, &self.enc, &self.train).decode(
            self.samples.view(),
            |x| attention_weights(&self.mem, beta, x),
            &mut fold_stream(fold, decode, "decode"),
        );
        let mut nn = prot::seq_identity(&seqs, &self.train);
        let nn_identity = nn.iter().sum::<f64>() / nn.len() as f64;
        nn.sort_by(f64::total_cmp);
        let ks = statistic_sorted(&nn, &self.loo);
        FoldDecode { seqs, nn_identity, ks }
    }

    /// The C_ij r of `seqs` against the inner training members, and its shortfall from the
    /// natural level.
    fn pair_term(&self, seqs: &[Vec<u8>]) -> (Option<f64>, f64) {
        let cij_r = self.couplings.compare(&on_columns(seqs, &self.columns)).cij;
        let shortfall = match self.natural_cij_r {
            Some(nat) if nat > 0.0 => (1.0 - cij_r.unwrap_or(0.0) / nat).max(0.0),
            _ => 0.0,
        };
        (cij_r, shortfall)
    }

    /// The two-sample AUC of the inner held-out members against `seqs` (None with fewer than
    /// [`MIN_AUC_HELD_OUT`] held out).
    fn auc_term(&self, seqs: &[Vec<u8>], decode: DecodeMethod, fold: usize) -> Option<f64> {
        if self.held.len() < MIN_AUC_HELD_OUT {
            return None;
        }
        two_sample_auc(&self.held, seqs, AucSettings::default(), &mut fold_stream(fold, decode, "auc")).map(|a| a.mean)
    }
}

/// The random stream of one candidate's `what` on internal fold `fold` (of [`CALIBRATION_SEED`]):
/// the same whichever candidates are scored, and in whatever order.
fn fold_stream(fold: usize, decode: DecodeMethod, what: &str) -> satool::Rng {
    stream(CALIBRATION_SEED, &format!("calibrate/{fold}/{decode}/{what}"))
}

/// One candidate's sequences on one internal fold, with their identity term.
struct FoldDecode {
    seqs: Vec<Vec<u8>>,
    nn_identity: f64,
    ks: f64,
}

/// Whether a candidate whose score is at least `bound` (grid index `i`) can no longer win
/// against `best` (score, grid index): the lowest score wins, the first in grid order on ties.
fn beaten(bound: f64, i: usize, best: Option<(f64, usize)>) -> bool {
    best.is_some_and(|(s, b)| bound > s || (bound == s && i > b))
}

/// The grid index of the lowest score (the first in grid order on ties).
fn chosen(scored: &[CandidateScore]) -> usize {
    let mut best: Option<(f64, usize)> = None;
    for (i, c) in scored.iter().enumerate() {
        if let Some(s) = c.score {
            if best.is_none_or(|(b, _)| s < b) {
                best = Some((s, i));
            }
        }
    }
    best.map_or(0, |(_, i)| i)
}

/// Every candidate's scores on `folds`. A score is a sum of non-negative terms, so with `prune`
/// the candidates are taken in order of their identity term (cheap: decode and nearest-member
/// identity) and the AUC term, then the pair term (the costliest: 300 samples over up to 3,160
/// column pairs), is computed only while the sum so far can still beat the best full score; a candidate ruled out keeps None for the terms not computed.
/// The choice is the one without pruning: floating-point sums are monotone, and each term draws
/// from its own stream.
fn score_candidates(folds: &[InnerFold], prune: bool) -> Vec<CandidateScore> {
    let grid = candidates();
    let n = folds.len() as f64;
    let decoded: Vec<Vec<FoldDecode>> =
        grid.par_iter().map(|&d| folds.iter().enumerate().map(|(k, f)| f.decode(d, k)).collect()).collect();
    let mut scored: Vec<CandidateScore> = grid
        .iter()
        .zip(&decoded)
        .map(|(d, per_fold)| CandidateScore {
            decode: d.to_string(),
            nn_identity: per_fold.iter().map(|s| s.nn_identity).sum::<f64>() / n,
            ks: per_fold.iter().map(|s| s.ks).sum::<f64>() / n,
            auc: None,
            cij_r: None,
            pair_shortfall: None,
            score: None,
        })
        .collect();
    let mut order: Vec<usize> = (0..grid.len()).collect();
    if prune {
        order.sort_by(|&a, &b| scored[a].ks.total_cmp(&scored[b].ks).then(a.cmp(&b)));
    }
    let mean_of = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let mut best: Option<(f64, usize)> = None;
    for i in order {
        let c = &mut scored[i];
        if prune && beaten(c.ks, i, best) {
            continue;
        }
        let aucs: Vec<Option<f64>> =
            (0..folds.len()).into_par_iter().map(|k| folds[k].auc_term(&decoded[i][k].seqs, grid[i], k)).collect();
        c.auc = mean_of(aucs.into_iter().flatten().collect());
        let identity_and_auc = c.ks + c.auc.map_or(0.0, |a| (a - 0.5).max(0.0));
        if prune && beaten(identity_and_auc, i, best) {
            continue;
        }
        let pairs: Vec<(Option<f64>, f64)> =
            folds.par_iter().zip(&decoded[i]).map(|(f, d)| f.pair_term(&d.seqs)).collect();
        let shortfall = pairs.iter().map(|p| p.1).sum::<f64>() / n;
        c.cij_r = mean_of(pairs.iter().filter_map(|p| p.0).collect());
        c.pair_shortfall = Some(shortfall);
        let score = identity_and_auc + shortfall;
        c.score = Some(score);
        if best.is_none_or(|(s, b)| score < s || (score == s && i < b)) {
            best = Some((score, i));
        }
    }
    scored
}

/// The internal splits of `k` members: up to [`INNER_FOLDS`] folds of a fifth of them (at least
/// 2 held out, 2 kept); none when `k` is too small for one.
fn inner_splits(k: usize) -> Vec<prot::holdout::HoldoutSplit> {
    // The smallest fraction that holds 2 out (a hair above 2/k, so the floor cannot round it away).
    let fraction = INNER_FRACTION.max((2.0 + 1e-9) / k as f64);
    let h = (fraction * k as f64).floor() as usize;
    let folds = INNER_FOLDS.min(k / h.max(1));
    let mut rng = stream(CALIBRATION_SEED, "calibrate-split");
    holdout_splits(k, fraction, folds.max(1), &mut rng).unwrap_or_default()
}

/// Whether the one-hot codes of `members` differ at all (else PCA has no variance to encode): two
/// members differ at a position when their residues' one-hot columns do (gaps, `X`, `*` and the
/// other non-standard letters all encode as no residue).
fn has_variance<'a>(members: impl IntoIterator<Item = &'a [u8]>) -> bool {
    let mut members = members.into_iter();
    let Some(first) = members.next() else { return false };
    members.any(|s| s.iter().zip(first).any(|(&a, &b)| prot::residue_index(a) != prot::residue_index(b)))
}

/// The internal splits of `clean`'s members (or, when too few, all of them as one "fold" without
/// held-out members: the identity criterion alone), whether a split was made, and their models.
/// A split whose inner training members all encode alike (a family of near-identical members
/// with a few others, all held out) is left out; when every split is, the members are one fold.
fn inner_folds(
    clean: &prot::CleanAlignment,
    beta_gen: f64,
) -> Result<(Vec<prot::holdout::HoldoutSplit>, bool, Vec<InnerFold>)> {
    let mut splits = inner_splits(clean.k());
    splits.retain(|s| has_variance(s.train.iter().map(|&i| clean.seqs[i].as_slice())));
    let split_used = !splits.is_empty();
    if !split_used {
        splits.push(prot::holdout::HoldoutSplit { train: (0..clean.k()).collect(), held_out: Vec::new() });
    }
    let folds = splits.iter().enumerate().map(|(i, s)| InnerFold::new(clean, s, beta_gen, i)).collect::<Result<_>>()?;
    Ok((splits, split_used, folds))
}

/// Chooses the decode of the family whose (training) members are `clean`, for samples drawn at
/// the run's `beta_gen`.
pub fn calibrate(clean: &prot::CleanAlignment, beta_gen: f64) -> Result<Calibration> {
    let t0 = Instant::now();
    let (splits, split_used, folds) = inner_folds(clean, beta_gen)?;
    let n = folds.len() as f64;
    let scored = score_candidates(&folds, true);
    let decode = candidates()[chosen(&scored)];
    let loo = folds.iter().map(|f| f.loo.iter().sum::<f64>() / f.loo.len().max(1) as f64).sum::<f64>() / n;
    let natural: Vec<f64> = folds.iter().filter_map(|f| f.natural_cij_r).collect();
    let natural_cij_r = (!natural.is_empty()).then(|| natural.iter().sum::<f64>() / natural.len() as f64);
    Ok(Calibration {
        chosen: decode.to_string(),
        rule: format!(
            "internal split of the memory's members ({} fold(s) of {} held out, stream \"calibrate-split\" of seed {CALIBRATION_SEED}, not --seed); per fold an inner memory and {SAMPLES} exact samples at the run's β_gen, decoded by each candidate; score = KS distance (samples' identity to the nearest inner member vs the inner members' leave-one-out identity) + max(AUC − 0.5, 0) (inner held-out members vs samples; counted when a fold holds out ≥ {MIN_AUC_HELD_OUT}) + max(1 − C_ij r / natural C_ij r, 0) (samples vs inner members; natural: what as many new members would reach, from {NATURAL_SPLITS} random halves of the inner members), averaged over folds; lowest wins (first in grid order on ties); candidates are taken in order of their KS term, and the AUC term, then the pair term, is computed only while the sum so far can still beat the best score (the terms not computed are null)",
            if split_used { folds.len() } else { 0 },
            if split_used { splits[0].held_out.len() } else { 0 },
        ),
        inner_folds: if split_used { folds.len() } else { 0 },
        inner_held_out: splits[0].held_out.len(),
        samples_per_fold: SAMPLES,
        loo_nn_identity: loo,
        natural_cij_r,
        candidates: scored,
        seconds: t0.elapsed().as_secs_f64(),
        decode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_splits_hold_out_at_least_two_or_none() {
        let shape = |k: usize| {
            let s = inner_splits(k);
            (s.len(), s.first().map_or(0, |f| f.held_out.len()))
        };
        // A fifth of the members per fold, 3 folds; at least 2 out and 2 in, else no split.
        assert_eq!(shape(68), (3, 13));
        assert_eq!(shape(11), (3, 2));
        assert_eq!(shape(5), (2, 2));
        assert_eq!(shape(4), (2, 2));
        assert_eq!(shape(3), (0, 0));
        for s in inner_splits(55) {
            assert_eq!(s.train.len() + s.held_out.len(), 55);
        }
    }

    /// Members differ when a position's one-hot codes do: non-standard letters and gaps alike.
    #[test]
    fn variance_is_a_difference_of_one_hot_codes() {
        assert!(has_variance([&b"ACD"[..], b"ACE"]));
        assert!(!has_variance([&b"AXD"[..], b"A*D", b"A-D"]));
        assert!(!has_variance([&b"ACD"[..]]));
        assert!(!has_variance([]));
    }

    #[test]
    fn pair_columns_are_all_or_evenly_spaced() {
        assert_eq!(pair_columns(5), vec![0, 1, 2, 3, 4]);
        assert_eq!(pair_columns(PAIR_COLUMNS).len(), PAIR_COLUMNS);
        let c = pair_columns(397);
        assert_eq!((c.len(), c[0], c[PAIR_COLUMNS - 1]), (PAIR_COLUMNS, 0, 396));
        assert!(c.windows(2).all(|w| (5..=6).contains(&(w[1] - w[0]))), "{c:?}");
        assert_eq!(on_columns(&[b"ABCDE".to_vec()], &[0, 2, 4]), vec![b"ACE".to_vec()]);
    }

    fn fixture_family(name: &str) -> prot::CleanAlignment {
        let path = format!("{}/../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        prot::clean(&prot::parse_stockholm(&text, &path).unwrap()[0]).unwrap()
    }

    /// The β_gen a default run on the family draws at: round(2β*) of its memory.
    fn run_beta_gen(clean: &prot::CleanAlignment) -> f64 {
        let mem = Memory::new(prot::encode(clean, 0.95).unwrap().memory).unwrap();
        satool::OperatingPoints::from_beta_star(satool::entropy_inflection(&mem).beta_star).beta_gen
    }

    /// Pruning computes fewer terms and chooses what scoring every candidate chooses, with the
    /// same values for every term it computes.
    #[test]
    fn pruning_keeps_the_choice_of_the_full_grid() {
        for name in ["PF00076.sto", "stockholm/LuxC_multiblock.sto"] {
            let clean = fixture_family(name);
            let (_, _, folds) = inner_folds(&clean, run_beta_gen(&clean)).unwrap();
            let full = score_candidates(&folds, false);
            let pruned = score_candidates(&folds, true);
            assert_eq!(chosen(&full), chosen(&pruned), "{name}");
            assert!(full.iter().all(|c| c.score.is_some()));
            let skipped = pruned.iter().filter(|c| c.score.is_none()).count();
            assert!(skipped >= 5, "{name}: only {skipped} of 21 ruled out");
            let best = pruned[chosen(&pruned)].score.unwrap();
            for (f, p) in full.iter().zip(&pruned) {
                assert_eq!((f.nn_identity, f.ks), (p.nn_identity, p.ks));
                match p.score {
                    Some(s) => assert_eq!((Some(s), p.auc, p.cij_r), (f.score, f.auc, f.cij_r), "{}", p.decode),
                    // Ruled out by a lower bound at least the best score.
                    None => assert!(p.ks + p.auc.map_or(0.0, |a| (a - 0.5).max(0.0)) >= best, "{}", p.decode),
                }
                if p.auc.is_some() {
                    assert_eq!(p.auc, f.auc);
                }
            }
        }
    }

    #[test]
    fn the_grid_starts_with_norm_and_every_candidate_round_trips() {
        let c = candidates();
        assert_eq!(c.len(), 21);
        assert_eq!(c[0], DecodeMethod::Norm { shrink: DEFAULT_SHRINK });
        for d in c {
            assert_eq!(d.to_string().parse::<DecodeMethod>().unwrap(), d, "{d}");
        }
    }
}
