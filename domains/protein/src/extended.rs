//! Extended family metrics, the checks the coevolution (DCA) community uses beyond the published
//! table: MI correlation over all column pairs, with and without the average-product correction,
//! Pearson r of connected pair correlations, within-set and to-family identities.

use crate::alphabet::N_AA;
use crate::metrics::{gap_coded, identity_counts, pearson, residue_code, PairCounts, PairMi, NO_RESIDUE};
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

/// Columns of a set as residue codes, column-major (`cols[i * n + s]`), with each column's
/// residue counts: the O(n·L + 20·L) a streaming pair pass needs.
struct Columns {
    n: usize,
    l: usize,
    codes: Vec<u8>,
    /// Residue counts per column over all sequences, `counts[i][a]`.
    counts: Vec<[u32; N_AA]>,
}

impl Columns {
    fn of(seqs: &[Vec<u8>]) -> Self {
        let (n, l) = (seqs.len(), seqs.first().map_or(0, Vec::len));
        assert!(seqs.iter().all(|s| s.len() == l), "couplings: sequences differ in length");
        let mut codes = vec![NO_RESIDUE; n * l];
        let mut counts = vec![[0u32; N_AA]; l];
        for (s, seq) in seqs.iter().enumerate() {
            for (i, &c) in seq.iter().enumerate() {
                let a = residue_code(c);
                codes[i * n + s] = a;
                if a < NO_RESIDUE {
                    counts[i][a as usize] += 1;
                }
            }
        }
        Columns { n, l, codes, counts }
    }

    fn col(&self, i: usize) -> &[u8] {
        &self.codes[i * self.n..(i + 1) * self.n]
    }
}

/// Exact sums for a Pearson r over the connected correlations, in integers: with counts, the
/// value `n² C_ij(a,b) = n J_ij(a,b) − c_i(a) c_j(b)` is an integer, and r does not change when
/// each variable is scaled by its n², so Σx, Σy, Σx², Σy², Σxy over 10⁸ or more cells are
/// accumulated exactly (i128) and rounded once at the end.
#[derive(Default, Clone, Copy)]
struct ExactSums {
    cells: i128,
    sx: i128,
    sy: i128,
    sxx: i128,
    syy: i128,
    sxy: i128,
}

impl ExactSums {
    /// Pearson r; None when either variable is constant (exactly).
    fn r(&self) -> Option<f64> {
        let var = |s: i128, ss: i128| -> Option<f64> {
            match self.cells.checked_mul(ss).and_then(|a| s.checked_mul(s).and_then(|b| a.checked_sub(b))) {
                Some(0) => None,
                Some(v) => Some(v as f64),
                // Far beyond any family (|n² C| ≤ n², 400·L² cells): rounded arithmetic.
                None => Some(self.cells as f64 * ss as f64 - (s as f64) * (s as f64)).filter(|v| *v > 0.0),
            }
        };
        let (vx, vy) = (var(self.sx, self.sxx)?, var(self.sy, self.syy)?);
        let cov = match self.cells.checked_mul(self.sxy).and_then(|a| a.checked_sub(self.sx.checked_mul(self.sy)?)) {
            Some(v) => v as f64,
            None => self.cells as f64 * self.sxy as f64 - self.sx as f64 * self.sy as f64,
        };
        Some((cov / (vx.sqrt() * vy.sqrt())).clamp(-1.0, 1.0))
    }
}

/// Per column of the pair (i or j): Σ_a c(a), Σ_a c(a)², and Σ_a c(a)·c'(a) with the other set.
fn column_sums(c: &[u32; N_AA]) -> (i128, i128) {
    (c.iter().map(|&v| v as i128).sum(), c.iter().map(|&v| (v as i128) * (v as i128)).sum())
}

/// The natural family's side of the pair statistics, computed once and compared with any number
/// of generated sets: its columns and single-site counts (O(n·L + 20·L)) and, when MI is asked
/// for, its MI over every column pair with and without APC (two triangles of L(L−1)/2 values).
///
/// Nothing of size L²·400 is ever held: [`Couplings::compare`] streams over the column pairs,
/// counting each pair's joint residues in both sets (O(n_natural + n_generated) per pair) and
/// accumulating the connected-correlation sums exactly in integers (`n²·C_ij(a,b)` is an integer
/// and r is scale-free, so 10⁸ cells add up without rounding); the pair MI of the
/// generated set reuses the same counts at O(20) more per pair (no logarithm, see
/// `metrics::PairMi`). The two MI r also need the natural MI triangle (built here, O(L²·n)) and
/// one L(L−1)/2 triangle per generated set; they are optional (`with_mi`). The app computes all
/// three for every row (about a fifth of the run's CPU on an L = 1140 family: bench/README.md,
/// "Design measurements"), so `--json` keeps every column without `--extended`.
pub struct Couplings {
    natural: Columns,
    mi: Option<NaturalMi>,
}

struct NaturalMi {
    all: Vec<f64>,
    apc: Vec<f64>,
}

/// Pearson r of a generated set's pair statistics against the natural family's.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CouplingR {
    /// MI over every column pair (the MI convention of `metrics::mi_matrix`, no APC); None when not computed or constant.
    pub mi_all: Option<f64>,
    /// The same after the average-product correction of both matrices.
    pub mi_apc: Option<f64>,
    /// Connected correlations `C_ij(a,b)` over all i < j and residue pairs (a, b).
    pub cij: Option<f64>,
}

impl Couplings {
    /// The natural set's statistics; `with_mi` also builds its all-pairs MI (and APC) triangles.
    ///
    /// # Panics
    /// If the sequences differ in length.
    pub fn of(natural: &[Vec<u8>], with_mi: bool) -> Self {
        let natural = Columns::of(natural);
        let mi = with_mi.then(|| {
            let mut pm = PairMi::new(natural.n);
            let l = natural.l;
            let mut all = Vec::with_capacity(l * l.saturating_sub(1) / 2);
            for i in 0..l {
                for j in i + 1..l {
                    all.push(pm.mi(natural.col(i), natural.col(j)));
                }
            }
            let apc = apc_triangle(&all, l);
            NaturalMi { all, apc }
        });
        Couplings { natural, mi }
    }

    /// Whether [`Couplings::compare`] computes the two MI r.
    pub fn has_mi(&self) -> bool {
        self.mi.is_some()
    }

    /// Pearson r of `gen`'s pair statistics against the natural family's (C_ij always; the MI
    /// ones when built [`Couplings::of`] `with_mi`). Memory: O(n·L) for the columns, plus one
    /// L(L−1)/2 triangle with MI.
    ///
    /// # Panics
    /// If `gen`'s sequences do not have the natural length.
    pub fn compare(&self, gen: &[Vec<u8>]) -> CouplingR {
        let g = Columns::of(gen);
        let nat = &self.natural;
        assert!(g.n == 0 || g.l == nat.l, "couplings: generated length {} differs from natural {}", g.l, nat.l);
        let l = nat.l;
        if g.n == 0 || nat.n == 0 {
            return CouplingR::default();
        }
        let (nn, ng) = (nat.n as i128, g.n as i128);
        // Per column: (Σc, Σc²) of each set and Σ cN·cG.
        let sn: Vec<(i128, i128)> = nat.counts.iter().map(column_sums).collect();
        let sg: Vec<(i128, i128)> = g.counts.iter().map(column_sums).collect();
        let cross: Vec<i128> = nat
            .counts
            .iter()
            .zip(&g.counts)
            .map(|(a, b)| a.iter().zip(b).map(|(&x, &y)| x as i128 * y as i128).sum())
            .collect();
        let mut sums = ExactSums::default();
        let mut cn = PairCounts::new();
        let mut pg = PairMi::new(g.n);
        let with_mi = self.mi.is_some();
        let mut gen_mi = Vec::with_capacity(if with_mi { l * l.saturating_sub(1) / 2 } else { 0 });
        for i in 0..l {
            let (ni, gi) = (&nat.counts[i], &g.counts[i]);
            for j in i + 1..l {
                let (nj, gj) = (&nat.counts[j], &g.counts[j]);
                cn.fill(nat.col(i), nat.col(j));
                pg.counts_mut().fill(g.col(i), g.col(j));
                if with_mi {
                    gen_mi.push(pg.mi_of_counts());
                }
                let cg = pg.counts();
                // Natural: x = nN·JN − cN_i(a)·cN_j(b); generated: y = nG·JG − cG_i(a)·cG_j(b).
                let (mut tn, mut jn2, mut jn_nn, mut jn_gg) = (0i64, 0i64, 0i64, 0i64);
                for (a, b, c) in cn.residue_pairs() {
                    let c = c as i64;
                    tn += c;
                    jn2 += c * c;
                    jn_nn += c * ni[a] as i64 * nj[b] as i64;
                    jn_gg += c * gi[a] as i64 * gj[b] as i64;
                }
                let (mut tg, mut jg2, mut jg_gg, mut jg_nn, mut jnjg) = (0i64, 0i64, 0i64, 0i64, 0i64);
                for (a, b, c) in cg.residue_pairs() {
                    let c = c as i64;
                    tg += c;
                    jg2 += c * c;
                    jg_gg += c * gi[a] as i64 * gj[b] as i64;
                    jg_nn += c * ni[a] as i64 * nj[b] as i64;
                    jnjg += c * cn.count[a * (N_AA + 1) + b] as i64;
                }
                let ((ni_s, ni_q), (nj_s, nj_q)) = (sn[i], sn[j]);
                let ((gi_s, gi_q), (gj_s, gj_q)) = (sg[i], sg[j]);
                sums.sx += nn * tn as i128 - ni_s * nj_s;
                sums.sy += ng * tg as i128 - gi_s * gj_s;
                sums.sxx += nn * nn * jn2 as i128 - 2 * nn * jn_nn as i128 + ni_q * nj_q;
                sums.syy += ng * ng * jg2 as i128 - 2 * ng * jg_gg as i128 + gi_q * gj_q;
                sums.sxy += nn * ng * jnjg as i128 - nn * jn_gg as i128 - ng * jg_nn as i128 + cross[i] * cross[j];
                sums.cells += (N_AA * N_AA) as i128;
            }
        }
        let (mi_all, mi_apc) = match &self.mi {
            None => (None, None),
            Some(m) => (pearson(&gen_mi, &m.all), pearson(&apc_triangle(&gen_mi, l), &m.apc)),
        };
        CouplingR { mi_all, mi_apc, cij: sums.r() }
    }
}

/// [`apc`] of a symmetric matrix given as its upper triangle (i < j, row-major), returned the same way.
fn apc_triangle(tri: &[f64], l: usize) -> Vec<f64> {
    if l < 2 {
        return tri.to_vec();
    }
    let mut row = vec![0.0; l];
    let mut k = 0;
    for i in 0..l {
        for j in i + 1..l {
            row[i] += tri[k];
            row[j] += tri[k];
            k += 1;
        }
    }
    row.iter_mut().for_each(|v| *v /= (l - 1) as f64);
    let all = row.iter().sum::<f64>() / l as f64;
    if all == 0.0 {
        return tri.to_vec();
    }
    let mut out = Vec::with_capacity(tri.len());
    for i in 0..l {
        for j in i + 1..l {
            out.push(tri[out.len()] - row[i] * row[j] / all);
        }
    }
    out
}

/// Pearson r between MI(G) and MI(S) over every column pair (the MI convention of `metrics::mi_matrix`, no APC).
pub fn mi_r_all(stored: &[Vec<u8>], gen: &[Vec<u8>]) -> Option<f64> {
    Couplings::of(stored, true).compare(gen).mi_all
}

/// As [`mi_r_all`] after the average-product correction of both matrices.
pub fn mi_r_apc(stored: &[Vec<u8>], gen: &[Vec<u8>]) -> Option<f64> {
    Couplings::of(stored, true).compare(gen).mi_apc
}

/// Pearson r between the connected correlations `C_ij(a,b) = f_ij(a,b) − f_i(a) f_j(b)` of G and
/// of S, over every column pair i < j and residue pair (a, b); frequencies over all sequences (a
/// gap is "no residue"). Streams over the pairs (see [`Couplings`]).
pub fn cij_r(stored: &[Vec<u8>], gen: &[Vec<u8>]) -> Option<f64> {
    Couplings::of(stored, false).compare(gen).cij
}

/// What pair statistics an independent draw of the family can share with its members: the
/// connected correlations of a finite set are the family's plus sampling noise of variance ∝ 1/n,
/// so two independent sets of m and n members correlate with Pearson
/// `r(m, n) = 1/√((1 + c/m)(1 + c/n))`, one constant c per family. [`NaturalCij::of`] estimates c
/// from random halves of the members (`r(h, h)` of two disjoint halves of h = ⌊K/2⌋: c = h(1/r − 1);
/// on PF00076 and fn3 the c implied by subsets of 4 to K/2 members agrees within ±15%), and
/// [`NaturalCij::expected_r`] gives the C_ij r that n sequences drawn from the family itself — new
/// members, not copies — would reach against the K members ([`cij_r`]'s statistic). A generator
/// above it reproduces the members' own sampling noise, which only sequences near them carry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NaturalCij {
    /// The members (K).
    pub members: usize,
    /// Mean C_ij r of two disjoint random halves of the members.
    pub split_half_r: f64,
    /// The noise constant c (sequences); infinite when the halves share no pair structure.
    pub noise: f64,
}

impl NaturalCij {
    /// The estimate from `reps` random splits into two halves (drawn from `rng`); None for fewer
    /// than 4 members or when no split gives an r.
    pub fn of<R: rand::Rng + ?Sized>(members: &[Vec<u8>], reps: usize, rng: &mut R) -> Option<NaturalCij> {
        use rand::seq::SliceRandom;
        let k = members.len();
        let h = k / 2;
        if h < 2 {
            return None;
        }
        let mut order: Vec<usize> = (0..k).collect();
        let rs: Vec<f64> = (0..reps)
            .filter_map(|_| {
                order.shuffle(rng);
                let pick = |idx: &[usize]| idx.iter().map(|&i| members[i].clone()).collect::<Vec<_>>();
                cij_r(&pick(&order[..h]), &pick(&order[h..2 * h]))
            })
            .collect();
        if rs.is_empty() {
            return None;
        }
        let r = rs.iter().sum::<f64>() / rs.len() as f64;
        let noise = if r > 0.0 { h as f64 * (1.0 / r - 1.0) } else { f64::INFINITY };
        Some(NaturalCij { members: k, split_half_r: r, noise })
    }

    /// The C_ij r against the K members of `n` new sequences of the family.
    pub fn expected_r(&self, n: usize) -> f64 {
        let c = self.noise;
        if !c.is_finite() {
            return 0.0;
        }
        1.0 / ((1.0 + c / self.members as f64) * (1.0 + c / n as f64)).sqrt()
    }
}

/// Identity of two [`gap_coded`] aligned sequences over positions where neither has a gap (None if none).
fn identity(a: &[u8], b: &[u8]) -> Option<f64> {
    let (m, c) = identity_counts(a, b);
    (c > 0).then(|| m as f64 / c as f64)
}

/// Sets up to this many sequences get their exact mean pairwise identity (≤ 2·10⁶ pairs).
pub const PAIRWISE_EXACT_MAX: usize = 2000;
/// Pairs drawn for the mean pairwise identity of a larger set.
pub const PAIRWISE_SAMPLE: usize = 1_000_000;
/// Seed of the pair sample (fixed: the same set gives the same value).
const PAIRWISE_SEED: u64 = 0x5A70_0118;

/// Mean identity over pairs of a set, and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairwiseIdentity {
    /// The mean (None when no pair has a comparable position).
    pub mean: Option<f64>,
    /// Pairs drawn (with replacement, i ≠ j, fixed seed) when the set has more than
    /// [`PAIRWISE_EXACT_MAX`] sequences; None when every pair was used.
    pub sampled_pairs: Option<usize>,
}

/// Mean identity over all pairs of the set, or, above [`PAIRWISE_EXACT_MAX`] sequences, over
/// [`PAIRWISE_SAMPLE`] pairs drawn with a fixed seed (standard error ≈ sd/1000: ≈ 1e-4). Pairs
/// with no comparable position are skipped. O(1) memory beyond the set above
/// [`PAIRWISE_EXACT_MAX`].
pub fn pairwise_identity(seqs: &[Vec<u8>]) -> PairwiseIdentity {
    let n = seqs.len();
    let (mut sum, mut count) = (0.0, 0usize);
    let mut add = |v: Option<f64>| {
        if let Some(v) = v {
            sum += v;
            count += 1;
        }
    };
    let sampled_pairs = if n <= PAIRWISE_EXACT_MAX {
        let coded: Vec<Vec<u8>> = seqs.iter().map(|s| gap_coded(s)).collect();
        for i in 0..n {
            for j in i + 1..n {
                add(identity(&coded[i], &coded[j]));
            }
        }
        None
    } else {
        // Each drawn pair is coded as it is drawn: no copy of a set that may hold 10⁶ sequences.
        let mut st = PAIRWISE_SEED ^ n as u64;
        let mut draw = |m: usize| (splitmix(&mut st) % m as u64) as usize;
        for _ in 0..PAIRWISE_SAMPLE {
            let i = draw(n);
            let j = (i + 1 + draw(n - 1)) % n; // uniform over j ≠ i
            add(identity(&gap_coded(&seqs[i]), &gap_coded(&seqs[j])));
        }
        Some(PAIRWISE_SAMPLE)
    };
    PairwiseIdentity { mean: (count > 0).then(|| sum / count as f64), sampled_pairs }
}

/// SplitMix64 step (the pair sample's generator).
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// [`pairwise_identity`]'s mean: over all pairs up to [`PAIRWISE_EXACT_MAX`] sequences, over a
/// seeded sample of [`PAIRWISE_SAMPLE`] pairs beyond.
pub fn mean_pairwise_identity(seqs: &[Vec<u8>]) -> Option<f64> {
    pairwise_identity(seqs).mean
}

/// The natural family's nearest-neighbour identity bands: each member's highest identity to any
/// other member (leave-one-out), then over members their [min, max] and their central 90%
/// [5%, 95%] quantiles (NumPy's linear rule) — where generated sequences' nearest identity
/// should fall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NnBands {
    pub min_max: [f64; 2],
    pub central_90: [f64; 2],
}

/// [`NnBands`] of `stored`; `None` when no member has a comparable partner.
pub fn nn_identity_bands(stored: &[Vec<u8>]) -> Option<NnBands> {
    let mut nn = nn_identities(stored);
    nn.sort_by(f64::total_cmp);
    let (&lo, &hi) = (nn.first()?, nn.last()?);
    let q = |p| satool_common::stats::quantile_sorted(&nn, p);
    Some(NnBands { min_max: [lo, hi], central_90: [q(0.05), q(0.95)] })
}

/// Each stored sequence's identity to its nearest other stored sequence (leave-one-out; sequences
/// with no comparable partner are skipped). O(K²·L) time, branch-free; O(K·L) memory.
pub fn nn_identities(stored: &[Vec<u8>]) -> Vec<f64> {
    let coded: Vec<Vec<u8>> = stored.iter().map(|s| gap_coded(s)).collect();
    let k = coded.len();
    // Each pair once; the best per sequence in both directions.
    let mut best: Vec<Option<f64>> = vec![None; k];
    for i in 0..k {
        for j in i + 1..k {
            if let Some(v) = identity(&coded[i], &coded[j]) {
                for t in [i, j] {
                    best[t] = Some(best[t].map_or(v, |b: f64| b.max(v)));
                }
            }
        }
    }
    best.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alphabet::residue_index;
    use crate::metrics::seq_identity;
    use crate::metrics::tests::{next, pair_mi_direct};
    use crate::metrics::upper_triangle;

    fn s(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|x| x.as_bytes().to_vec()).collect()
    }

    /// The materialised connected correlations the streaming pass replaced (the test reference):
    /// every `C_ij(a,b)`, i < j, in order, frequencies as sums of 1/n.
    fn connected_correlations(seqs: &[Vec<u8>], mut visit: impl FnMut(usize, f64)) {
        let idx: Vec<Vec<Option<usize>>> = seqs.iter().map(|s| s.iter().map(|&c| residue_index(c)).collect()).collect();
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
        let mut k = 0;
        for i in 0..l {
            for j in i + 1..l {
                let mut joint = [[0.0f64; N_AA]; N_AA];
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

    /// The 400-cell MI matrix over every column pair (the reference of the streaming MI).
    fn mi_matrix_direct(seqs: &[Vec<u8>]) -> Array2<f64> {
        let l = seqs.first().map_or(0, Vec::len);
        let mut mi = Array2::zeros((l, l));
        for i in 0..l {
            for j in i + 1..l {
                let v = pair_mi_direct(seqs.iter().filter_map(|s| Some((residue_index(s[i])?, residue_index(s[j])?))));
                mi[[i, j]] = v;
                mi[[j, i]] = v;
            }
        }
        mi
    }

    /// The materialised comparison: (MI all, MI APC, C_ij) r as computed before streaming.
    fn materialised(stored: &[Vec<u8>], gen: &[Vec<u8>]) -> (Option<f64>, Option<f64>, Option<f64>) {
        let cij = |x: &[Vec<u8>]| {
            let mut v = Vec::new();
            connected_correlations(x, |_, c| v.push(c));
            v
        };
        let (ms, mg) = (mi_matrix_direct(stored), mi_matrix_direct(gen));
        (
            pearson(&upper_triangle(&mg), &upper_triangle(&ms)),
            pearson(&upper_triangle(&apc(&mg)), &upper_triangle(&apc(&ms))),
            pearson(&cij(gen), &cij(stored)),
        )
    }

    /// A random family: `n` sequences of length `l` from a few "parents" with mutations and gaps,
    /// so columns are correlated, some columns constant and some letters non-standard.
    fn random_family(st: &mut u64, n: usize, l: usize, parents: usize, gap: u64) -> Vec<Vec<u8>> {
        const LETTERS: &[u8] = b"ACDEFGHIKLMNPQRSTVWY";
        let par: Vec<Vec<u8>> =
            (0..parents).map(|_| (0..l).map(|_| LETTERS[(next(st) % 20) as usize]).collect()).collect();
        (0..n)
            .map(|_| {
                let p = &par[(next(st) % parents as u64) as usize];
                p.iter()
                    .enumerate()
                    .map(|(i, &c)| match next(st) % 100 {
                        _ if i == 0 => b'A', // a constant column
                        r if r < gap => b'-',
                        99 => b'X',
                        r if r >= 80 => LETTERS[(next(st) % 20) as usize],
                        _ => c,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn streaming_couplings_equal_the_materialised_computation() {
        let mut st = 11u64;
        for trial in 0..12 {
            let l = 3 + (next(&mut st) % 30) as usize;
            let (nn, ng) = (2 + (next(&mut st) % 60) as usize, 2 + (next(&mut st) % 150) as usize);
            let gap = [0, 5, 30][trial % 3];
            let nat = random_family(&mut st, nn, l, 1 + trial % 4, gap);
            let gen = random_family(&mut st, ng, l, 1 + (trial + 1) % 5, gap);
            let (mi_all, mi_apc, cij) = materialised(&nat, &gen);
            let c = Couplings::of(&nat, true);
            let got = c.compare(&gen);
            let close = |a: Option<f64>, b: Option<f64>, what: &str| match (a, b) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "trial {trial} {what}: {a} vs {b}"),
                _ => assert_eq!(a.is_some(), b.is_some(), "trial {trial} {what}: {a:?} vs {b:?}"),
            };
            close(got.cij, cij, "C_ij r");
            close(got.mi_all, mi_all, "MI r all");
            close(got.mi_apc, mi_apc, "MI r APC");
            assert!(cij.is_some() && mi_all.is_some(), "trial {trial}: the test data must give values");
            // Without MI: the same C_ij r, no MI.
            let lean = Couplings::of(&nat, false).compare(&gen);
            assert_eq!((lean.cij, lean.mi_all, lean.mi_apc), (got.cij, None, None));
            // A set against itself: r = 1.
            assert!((c.compare(&nat).cij.unwrap() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn identity_counts_equal_the_character_loop() {
        let mut st = 5u64;
        for _ in 0..50 {
            let l = 1 + (next(&mut st) % 700) as usize;
            let a = random_family(&mut st, 2, l, 1, 20);
            let (x, y) = (&a[0], &a[1]);
            let (mut m, mut c) = (0, 0);
            for (&p, &q) in x.iter().zip(y) {
                if !crate::is_gap(p) && !crate::is_gap(q) {
                    c += 1;
                    m += usize::from(p == q);
                }
            }
            assert_eq!(identity_counts(&gap_coded(x), &gap_coded(y)), (m, c));
        }
    }

    #[test]
    fn large_sets_get_a_sampled_pairwise_identity_close_to_the_exact_one() {
        let mut st = 9u64;
        let seqs = random_family(&mut st, PAIRWISE_EXACT_MAX + 1, 12, 6, 10);
        let sampled = pairwise_identity(&seqs);
        assert_eq!(sampled.sampled_pairs, Some(PAIRWISE_SAMPLE));
        assert_eq!(pairwise_identity(&seqs), sampled, "the sample is seeded");
        let coded: Vec<Vec<u8>> = seqs.iter().map(|s| gap_coded(s)).collect();
        let (mut sum, mut count) = (0.0, 0);
        for i in 0..coded.len() {
            for j in i + 1..coded.len() {
                if let Some(v) = identity(&coded[i], &coded[j]) {
                    sum += v;
                    count += 1;
                }
            }
        }
        let exact = sum / count as f64;
        // Identities here have sd ≈ 0.3; the mean of 10⁶ pairs is within 5 SE (1.5e-3).
        assert!((sampled.mean.unwrap() - exact).abs() < 1.5e-3, "{:?} vs {exact}", sampled.mean);
        let small = pairwise_identity(&seqs[..PAIRWISE_EXACT_MAX]);
        assert_eq!(small.sampled_pairs, None);
    }

    #[test]
    fn constant_sets_have_no_couplings_r() {
        let nat = s(&["ACDE", "ACDF", "GHIK", "GHIE"]);
        let same = s(&["ACDE", "ACDE", "ACDE"]);
        // Every C_ij of `same` is exactly 0: no r (the materialised Pearson says the same).
        assert_eq!(Couplings::of(&nat, true).compare(&same).cij, None);
        assert_eq!(materialised(&nat, &same).2, None);
        assert_eq!(Couplings::of(&nat, true).compare(&[]), CouplingR::default());
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
        // The exact integer form of the streaming pass: n²·C = n·J − c_i·c_j = 16·(±1/4) = ±4.
        let at = |a: u8, b: u8| v[residue_index(a).unwrap() * 20 + residue_index(b).unwrap()];
        assert!((at(b'A', b'C') - 0.25).abs() < 1e-15 && (at(b'D', b'E') - 0.25).abs() < 1e-15);
        assert!((at(b'A', b'E') + 0.25).abs() < 1e-15 && (at(b'D', b'C') + 0.25).abs() < 1e-15);
        assert_eq!(v.iter().filter(|x| x.abs() > 1e-15).count(), 4);
        assert!((cij_r(&seqs, &seqs).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn natural_cij_follows_the_noise_model() {
        use rand::SeedableRng;
        // Members that are noisy copies of a few parents: two disjoint halves share the parents'
        // pair structure, so r > 0, and the expected r rises with n towards its K-limited ceiling.
        let mut st = 11u64;
        let fam = random_family(&mut st, 60, 30, 4, 20);
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let nat = NaturalCij::of(&fam, 8, &mut rng).unwrap();
        assert_eq!(nat.members, 60);
        assert!(nat.split_half_r > 0.05 && nat.split_half_r < 1.0, "{nat:?}");
        // c = h(1/r − 1), and at n = h against h members the model gives back r.
        let h = 30.0;
        assert!((nat.noise - h * (1.0 / nat.split_half_r - 1.0)).abs() < 1e-9);
        let back = NaturalCij { members: 30, ..nat }.expected_r(30);
        assert!((back - nat.split_half_r).abs() < 1e-12, "{back}");
        let (r100, r1000) = (nat.expected_r(100), nat.expected_r(1000));
        let ceiling = 1.0 / (1.0 + nat.noise / 60.0).sqrt();
        assert!(r100 < r1000 && r1000 < ceiling, "{r100} {r1000} {ceiling}");
        // Too few members, or halves with no shared structure: none / zero.
        assert!(NaturalCij::of(&fam[..3], 8, &mut rng).is_none());
        let flat = NaturalCij { members: 10, split_half_r: 0.0, noise: f64::INFINITY };
        assert_eq!(flat.expected_r(1000), 0.0);
    }

    #[test]
    fn identities_by_hand() {
        let nat = s(&["ACDE", "ACDF", "GHIK"]);
        // pairs: (0,1) 3/4, (0,2) 0, (1,2) 0 → mean 0.25
        assert!((mean_pairwise_identity(&nat).unwrap() - 0.25).abs() < 1e-15);
        // nearest neighbours: 0.75, 0.75, 0 → band [0, 0.75]; 5% and 95% of (0, 0.75, 0.75) by
        // NumPy's linear rule: h = 0.1 → 0.075, h = 1.9 → 0.75.
        let bands = nn_identity_bands(&nat).unwrap();
        assert_eq!(bands.min_max, [0.0, 0.75]);
        assert!((bands.central_90[0] - 0.075).abs() < 1e-15 && bands.central_90[1] == 0.75, "{bands:?}");
        // gaps are skipped: "AC-E" vs "ACDE" → 3/3; "GHLL" vs "GHIK" → 2/4
        let gen = s(&["AC-E", "GHLL"]);
        assert_eq!(seq_identity(&gen, &nat), [1.0, 0.5]);
    }
}
