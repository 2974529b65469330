//! The two-sample classifier test: how well can a simple classifier tell two sets of aligned
//! sequences apart? An AUC near 0.5 means it cannot (the sets look drawn from one family); near
//! 1 it separates them. Used with held-out family members on one side and generated sequences
//! on the other, it asks whether the generated sequences look like members the model never saw.
//!
//! - **Features:** each aligned position is one-hot over 21 states: the 20 letters of
//!   [`ALPHABET`](crate::ALPHABET) and one state for a gap or any other letter (layout
//!   `pos·21 + state`). Every sequence has exactly L ones, and the inner product of two
//!   sequences is the number of positions where they agree (a gap agrees with a gap).
//! - **Classifier:** L2-regularised logistic regression with an unpenalised intercept, the
//!   convention of scikit-learn's `LogisticRegression(C)`: minimise
//!   `½‖w‖² + C Σᵢ log(1 + exp(−yᵢ(xᵢ·w + b)))`. The solution lies in the span of the training
//!   rows (`w = Σᵢ aᵢ xᵢ`), so Newton's method runs on the n dual coefficients with the n × n
//!   Gram matrix of agreement counts (n ≪ 21·L): each step solves one n × n system.
//! - **AUC:** the Mann–Whitney statistic of the decision values on the test fold (a tie counts
//!   ½), as scikit-learn's `roc_auc_score`.
//! - **Protocol ([`two_sample_auc`]):** per draw, the larger set is subsampled to the size of the
//!   smaller (equal classes), each class is shuffled into k stratified folds, and the AUC of each
//!   test fold (trained on the other k − 1) is averaged; draws are repeated and reported as
//!   mean ± sd over draws. Every random choice comes from the generator passed in.
//!
//! `tests/reference/auc_sklearn.py` computes the fixed cases of `tests/two_sample.rs` with
//! scikit-learn (fold AUCs, intercept, coefficients, decision values).

use crate::alphabet::residue_index;
use rand::seq::SliceRandom;
use rand::Rng;
use satool_common::stats;

/// States per position: the 20 residues and one for a gap or any other letter.
pub const N_STATES: usize = 21;

/// The state of an aligned character: its alphabet index, or 20 for a gap or other letter.
pub fn state(c: u8) -> usize {
    residue_index(c.to_ascii_uppercase()).unwrap_or(N_STATES - 1)
}

/// The regularisation of scikit-learn's default: `C = 1`.
pub const DEFAULT_C: f64 = 1.0;

/// Sequences as state codes, with their pairwise agreement counts (the Gram matrix of the
/// one-hot features).
struct Coded {
    codes: Vec<Vec<u8>>,
}

impl Coded {
    fn of(seqs: &[&[u8]]) -> Self {
        let l = seqs.first().map_or(0, |s| s.len());
        assert!(seqs.iter().all(|s| s.len() == l), "two-sample: sequences differ in length");
        Coded { codes: seqs.iter().map(|s| s.iter().map(|&c| state(c) as u8).collect()).collect() }
    }
}

/// Positions where two coded sequences are in the same state: x·y of their one-hot features.
fn agree(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64
}

/// A fitted classifier: `w = Σᵢ aᵢ xᵢ` over its training sequences, and the intercept.
#[derive(Debug, Clone)]
pub struct LogisticFit {
    train: Vec<Vec<u8>>,
    /// Dual coefficients aᵢ, one per training sequence.
    dual: Vec<f64>,
    /// The intercept b.
    pub intercept: f64,
    /// Newton steps taken.
    pub iterations: usize,
}

impl LogisticFit {
    /// The decision value `x·w + b` of an aligned sequence (positive: class 1).
    pub fn decision(&self, seq: &[u8]) -> f64 {
        let x: Vec<u8> = seq.iter().map(|&c| state(c) as u8).collect();
        self.decision_coded(&x)
    }

    fn decision_coded(&self, x: &[u8]) -> f64 {
        self.train.iter().zip(&self.dual).map(|(t, a)| a * agree(t, x)).sum::<f64>() + self.intercept
    }

    /// The primal coefficients w (length 21·L, layout `pos·21 + state`).
    pub fn coefficients(&self) -> Vec<f64> {
        let l = self.train.first().map_or(0, Vec::len);
        let mut w = vec![0.0; N_STATES * l];
        for (t, a) in self.train.iter().zip(&self.dual) {
            for (pos, &s) in t.iter().enumerate() {
                w[pos * N_STATES + s as usize] += a;
            }
        }
        w
    }
}

/// Numerically stable `log(1 + eˣ)`.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Cholesky factor of a symmetric positive-definite `M` (n × n, row-major), in place (lower
/// triangle).
fn cholesky_factor(m: &mut [f64], n: usize) {
    for j in 0..n {
        let mut d = m[j * n + j];
        for k in 0..j {
            d -= m[j * n + k] * m[j * n + k];
        }
        // M = I + S^½ K S^½ has eigenvalues ≥ 1; the floor only guards rounding.
        let d = d.max(1e-300).sqrt();
        m[j * n + j] = d;
        for i in j + 1..n {
            let mut s = m[i * n + j];
            for k in 0..j {
                s -= m[i * n + k] * m[j * n + k];
            }
            m[i * n + j] = s / d;
        }
    }
}

/// Solves `L Lᵀ v = r` in place with a factor from [`cholesky_factor`].
fn solve_factored(l: &[f64], n: usize, r: &mut [f64]) {
    for i in 0..n {
        let mut s = r[i];
        for k in 0..i {
            s -= l[i * n + k] * r[k];
        }
        r[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = r[i];
        for k in i + 1..n {
            s -= l[k * n + i] * r[k];
        }
        r[i] = s / l[i * n + i];
    }
}

fn mat_vec(k: &[f64], n: usize, v: &[f64]) -> Vec<f64> {
    (0..n).map(|i| k[i * n..(i + 1) * n].iter().zip(v).map(|(a, b)| a * b).sum()).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The objective `½ aᵀKa + C Σ [softplus(zᵢ) − yᵢ zᵢ]` at z = Ka + b.
fn objective(ka: &[f64], a: &[f64], b: f64, y: &[bool], c: f64) -> f64 {
    let loss: f64 = ka.iter().zip(y).map(|(&z, &yi)| softplus(z + b) - if yi { z + b } else { 0.0 }).sum();
    0.5 * dot(a, ka) + c * loss
}

/// Fits L2 logistic regression (scikit-learn's convention, see the module docs) to aligned
/// sequences with labels (`true`: class 1), with inverse regularisation `c > 0`.
///
/// Newton's method with a backtracking line search, on the dual coefficients: from a = 0, b = 0,
/// until the Newton decrement falls below 1e-20 (or 100 steps).
///
/// # Panics
/// If the sequences differ in length, the labels do not match them, or `c ≤ 0`.
pub fn fit_logistic(seqs: &[&[u8]], labels: &[bool], c: f64) -> LogisticFit {
    assert_eq!(seqs.len(), labels.len(), "two-sample: one label per sequence");
    assert!(c > 0.0 && c.is_finite(), "two-sample: C must be positive, got {c}");
    let coded = Coded::of(seqs);
    let n = seqs.len();
    let mut gram = vec![0.0; n * n];
    for i in 0..n {
        for j in i..n {
            let v = agree(&coded.codes[i], &coded.codes[j]);
            gram[i * n + j] = v;
            gram[j * n + i] = v;
        }
    }
    let (mut a, mut b) = (vec![0.0; n], 0.0);
    let mut ka = vec![0.0; n];
    let mut f = objective(&ka, &a, b, labels, c);
    let mut iterations = 0;
    while iterations < 100 {
        iterations += 1;
        let mu: Vec<f64> = ka.iter().map(|&z| sigmoid(z + b)).collect();
        // Gradient: w-part Xᵀq with q = a + C(μ − y); intercept part C Σ(μ − y).
        let r: Vec<f64> = mu.iter().zip(labels).map(|(&m, &yi)| m - if yi { 1.0 } else { 0.0 }).collect();
        let q: Vec<f64> = a.iter().zip(&r).map(|(ai, ri)| ai + c * ri).collect();
        let gb = c * r.iter().sum::<f64>();
        // Hessian: [[I + XᵀSX, XᵀS1], [1ᵀSX, 1ᵀS1]], S = C μ(1 − μ). (I + XᵀSX)⁻¹Xᵀv = Xᵀ T(v) with
        // T(v) = v − s ∘ M⁻¹(s ∘ Kv), M = I + diag(s) K diag(s), s = √S (Woodbury).
        let s_diag: Vec<f64> = mu.iter().map(|&m| c * m * (1.0 - m)).collect();
        let s: Vec<f64> = s_diag.iter().map(|v| v.sqrt()).collect();
        let mut m = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                m[i * n + j] = s[i] * gram[i * n + j] * s[j] + if i == j { 1.0 } else { 0.0 };
            }
        }
        cholesky_factor(&mut m, n);
        let t_of = |v: &[f64]| -> Vec<f64> {
            let mut r: Vec<f64> = mat_vec(&gram, n, v).iter().zip(&s).map(|(kv, si)| kv * si).collect();
            solve_factored(&m, n, &mut r);
            (0..n).map(|i| v[i] - s[i] * r[i]).collect()
        };
        let (tq, ts) = (t_of(&q), t_of(&s_diag));
        let k_tq = mat_vec(&gram, n, &tq);
        let k_ts = mat_vec(&gram, n, &ts);
        let schur = s_diag.iter().sum::<f64>() - dot(&s_diag, &k_ts);
        let db = if schur > 0.0 { (gb - dot(&s_diag, &k_tq)) / schur } else { 0.0 };
        let da: Vec<f64> = (0..n).map(|i| tq[i] - db * ts[i]).collect();
        // Newton decrement λ² = gᵀ H⁻¹ g = qᵀK Δa + g_b Δb.
        let k_da = mat_vec(&gram, n, &da);
        let decrement = dot(&q, &k_da) + gb * db;
        if decrement.is_nan() || decrement <= 1e-20 {
            break;
        }
        let mut t = 1.0;
        loop {
            let a_new: Vec<f64> = (0..n).map(|i| a[i] - t * da[i]).collect();
            let ka_new: Vec<f64> = (0..n).map(|i| ka[i] - t * k_da[i]).collect();
            let b_new = b - t * db;
            let f_new = objective(&ka_new, &a_new, b_new, labels, c);
            if f_new <= f - 1e-4 * t * decrement || t < 1e-10 {
                (a, ka, b, f) = (a_new, ka_new, b_new, f_new);
                break;
            }
            t *= 0.5;
        }
    }
    LogisticFit { train: coded.codes, dual: a, intercept: b, iterations }
}

/// ROC AUC of scores of class 1 (`pos`) against class 0 (`neg`): the fraction of (pos, neg)
/// pairs ordered correctly, a tie counting ½ (scikit-learn's `roc_auc_score`). None when either
/// side is empty.
pub fn auc(pos: &[f64], neg: &[f64]) -> Option<f64> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut wins = 0.0;
    for &p in pos {
        for &q in neg {
            wins += if p > q {
                1.0
            } else if p == q {
                0.5
            } else {
                0.0
            };
        }
    }
    Some(wins / (pos.len() * neg.len()) as f64)
}

/// Cross-validated AUC with given folds: for each fold f in 0..k, train on the sequences of the
/// other folds (class 0 = `neg`, class 1 = `pos`) and score the AUC on fold f. Returns the k fold
/// AUCs (None for a fold lacking either class in its test or training part).
///
/// # Panics
/// If a fold index is ≥ k or the assignments do not match the sets.
pub fn cv_auc(
    neg: &[&[u8]],
    pos: &[&[u8]],
    fold_neg: &[usize],
    fold_pos: &[usize],
    k: usize,
    c: f64,
) -> Vec<Option<f64>> {
    assert!(fold_neg.len() == neg.len() && fold_pos.len() == pos.len(), "two-sample: one fold per sequence");
    assert!(fold_neg.iter().chain(fold_pos).all(|&f| f < k), "two-sample: fold index out of range");
    (0..k)
        .map(|f| {
            let mut train: Vec<&[u8]> = Vec::new();
            let mut labels = Vec::new();
            for (set, folds, label) in [(neg, fold_neg, false), (pos, fold_pos, true)] {
                for (s, _) in set.iter().zip(folds).filter(|(_, &g)| g != f) {
                    train.push(s);
                    labels.push(label);
                }
            }
            if !labels.contains(&true) || !labels.contains(&false) {
                return None;
            }
            let fit = fit_logistic(&train, &labels, c);
            let scores = |set: &[&[u8]], folds: &[usize]| -> Vec<f64> {
                set.iter().zip(folds).filter(|(_, &g)| g == f).map(|(s, _)| fit.decision(s)).collect()
            };
            auc(&scores(pos, fold_pos), &scores(neg, fold_neg))
        })
        .collect()
}

/// Settings of [`two_sample_auc`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AucSettings {
    /// Stratified folds per draw (reduced to the class size when a class is smaller).
    pub folds: usize,
    /// Repeated draws (subsample + fold assignment).
    pub draws: usize,
    /// Inverse L2 regularisation C (scikit-learn's convention).
    pub c: f64,
}

impl Default for AucSettings {
    /// 5 folds, 10 draws, C = 1.
    fn default() -> Self {
        AucSettings { folds: 5, draws: 10, c: DEFAULT_C }
    }
}

/// A held-out AUC over repeated draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwoSampleAuc {
    /// Mean over draws of the mean fold AUC.
    pub mean: f64,
    /// Standard deviation (n − 1) over draws; 0 for one draw.
    pub sd: f64,
    /// Draws made.
    pub draws: usize,
    /// Folds per draw.
    pub folds: usize,
    /// Sequences per class in each draw.
    pub per_class: usize,
}

/// The two-sample AUC of `a` (class 0) against `b` (class 1), as the module docs describe:
/// equal class sizes (the larger set subsampled), stratified folds, repeated draws, all drawn
/// from `rng`. None when the smaller set has fewer than 2 sequences.
///
/// # Panics
/// If the sequences differ in length, or the settings ask for no draw, fewer than 2 folds or
/// C ≤ 0.
pub fn two_sample_auc<R: Rng + ?Sized>(
    a: &[Vec<u8>],
    b: &[Vec<u8>],
    settings: AucSettings,
    rng: &mut R,
) -> Option<TwoSampleAuc> {
    assert!(settings.draws >= 1 && settings.folds >= 2, "two-sample: at least 1 draw and 2 folds");
    let per_class = a.len().min(b.len());
    if per_class < 2 {
        return None;
    }
    let folds = settings.folds.min(per_class);
    let mut means = Vec::with_capacity(settings.draws);
    for _ in 0..settings.draws {
        let mut pick = |set: &[Vec<u8>]| -> (Vec<usize>, Vec<usize>) {
            let mut idx: Vec<usize> = (0..set.len()).collect();
            idx.shuffle(rng);
            idx.truncate(per_class);
            // idx is already in random order: position mod k is a stratified random assignment.
            let fold = (0..per_class).map(|i| i % folds).collect();
            (idx, fold)
        };
        let (ia, fa) = pick(a);
        let (ib, fb) = pick(b);
        let sa: Vec<&[u8]> = ia.iter().map(|&i| a[i].as_slice()).collect();
        let sb: Vec<&[u8]> = ib.iter().map(|&i| b[i].as_slice()).collect();
        let per_fold: Vec<f64> = cv_auc(&sa, &sb, &fa, &fb, folds, settings.c).into_iter().flatten().collect();
        means.push(per_fold.iter().sum::<f64>() / per_fold.len() as f64);
    }
    let means = ndarray::Array1::from(means);
    let (mean, sd) = (stats::mean(means.view()), stats::sd(means.view()));
    Some(TwoSampleAuc { mean, sd, draws: settings.draws, folds, per_class })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng(seed: u64) -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(seed)
    }

    #[test]
    fn auc_counts_ties_as_half() {
        assert_eq!(auc(&[2.0, 3.0], &[1.0, 2.0]), Some(0.875));
        assert_eq!(auc(&[1.0], &[1.0]), Some(0.5));
        assert_eq!(auc(&[0.0], &[1.0]), Some(0.0));
        assert_eq!(auc(&[], &[1.0]), None);
    }

    #[test]
    fn states_put_gaps_and_unknown_letters_together() {
        assert_eq!(state(b'A'), 0);
        assert_eq!(state(b'y'), 19);
        assert_eq!([state(b'-'), state(b'.'), state(b'X')], [20, 20, 20]);
    }

    #[test]
    fn the_fit_is_stationary() {
        // Gradient of ½‖w‖² + C Σ loss vanishes: w = −C Σ (μᵢ − yᵢ) xᵢ and Σ (μᵢ − yᵢ) = 0.
        let seqs: Vec<&[u8]> = vec![b"ACDE", b"ACDF", b"GCDE", b"AKDE", b"GKLE", b"GKLF"];
        let y = [false, false, false, true, true, true];
        let c = 0.7;
        let fit = fit_logistic(&seqs, &y, c);
        let r: Vec<f64> =
            seqs.iter().zip(&y).map(|(s, &yi)| sigmoid(fit.decision(s)) - if yi { 1.0 } else { 0.0 }).collect();
        assert!(r.iter().sum::<f64>().abs() < 1e-12, "intercept gradient {}", r.iter().sum::<f64>());
        for (ai, ri) in fit.dual.iter().zip(&r) {
            assert!((ai + c * ri).abs() < 1e-12, "a = {ai}, −C r = {}", -c * ri);
        }
        assert!(fit.iterations < 20);
    }

    #[test]
    fn identical_sets_score_near_half_and_distinct_sets_near_one() {
        let base: Vec<Vec<u8>> =
            (0..30).map(|i| (0..12).map(|p| b"ACDEFGHIKL"[(i * 7 + p * 3 + (i * p) % 5) % 10]).collect()).collect();
        let same = two_sample_auc(&base, &base, AucSettings::default(), &mut rng(1)).unwrap();
        // Two identical sets: any split is an arbitrary labelling of one set; the classifier can
        // only memorise, so held-out AUC is near (here below) ½, never near 1.
        assert!(same.mean < 0.6, "identical sets: {same:?}");
        let other: Vec<Vec<u8>> = base.iter().map(|s| [b"W".as_slice(), &s[1..]].concat()).collect();
        let far = two_sample_auc(&base, &other, AucSettings::default(), &mut rng(1)).unwrap();
        assert_eq!(far.mean, 1.0, "a W at the first position is a perfect marker: {far:?}");
        assert_eq!((far.per_class, far.folds, far.draws), (30, 5, 10));
        // Seeded: the same stream gives the same numbers.
        assert_eq!(far, two_sample_auc(&base, &other, AucSettings::default(), &mut rng(1)).unwrap());
    }

    #[test]
    fn small_sets_reduce_the_folds_and_a_single_member_has_no_auc() {
        let a: Vec<Vec<u8>> = vec![b"ACD".to_vec(), b"ACE".to_vec(), b"ACF".to_vec()];
        let b: Vec<Vec<u8>> = vec![b"WCD".to_vec(), b"WCE".to_vec(), b"WCF".to_vec(), b"WCG".to_vec()];
        let r = two_sample_auc(&a, &b, AucSettings::default(), &mut rng(3)).unwrap();
        assert_eq!((r.folds, r.per_class), (3, 3));
        assert_eq!(r.mean, 1.0);
        assert_eq!(two_sample_auc(&a[..1], &b, AucSettings::default(), &mut rng(3)), None);
    }
}
