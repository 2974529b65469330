//! Evaluation of generated return scenarios against the historical returns.
//!
//! Everything is computed on the scenarios as generated, except the two corrected KS columns,
//! which use the per-ticker affine correction ([`affine_correct`]). Returns are in the units
//! they are given in (daily log returns from [`crate::returns::log_returns`]).
//!
//! Degenerate inputs: a non-finite value or a zero-variance historical ticker is an error; a
//! zero-variance generated ticker is listed in `zero_variance_tickers` and makes the metrics that
//! need its variance (correlation error, kurtosis, ACF) `None` — never NaN.

use std::collections::BTreeSet;

use ndarray::{aview1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

use satool_common::stats::ks::{ks_2samp_sorted, KsMethod, KsPvalueMethod, KsResult};
use satool_common::stats::{acf, correlation_matrix, frobenius, is_constant, mean, quantile_sorted, sd};

pub use crate::conventions::{ACF_G2_LAGS, ACF_G_LAGS, BAND_Z, KS_ALPHA};
use crate::error::FinanceError;
use crate::series::{self, Lag1, Layout, VR_DAYS};

/// Per-ticker affine correction: `ĝ ← ĝ·s + (mean_hist − mean_gen·s)`, `s = sd_hist/sd_gen`
/// (n − 1; `s = 0` for a constant generated ticker, which becomes the historical mean).
/// `gen` is N × d, `hist` K × d (same d; panics otherwise). Written as one multiply-add so that a set equal to
/// the history maps to itself bit for bit (s = 1, offset 0): an atom of exact-zero returns stays
/// at zero, where the former `sd_gen + 1e-12` moved every other value and failed the history's
/// own KS test on data with many zero returns.
pub fn affine_correct(gen: &Array2<f64>, hist: &Array2<f64>) -> Array2<f64> {
    affine_correct_view(gen.view(), hist.view())
}

/// [`affine_correct`] of views.
pub fn affine_correct_view(gen: ArrayView2<f64>, hist: ArrayView2<f64>) -> Array2<f64> {
    let mut out = gen.as_standard_layout().into_owned();
    affine_correct_in_place(&mut out, hist);
    out
}

/// [`affine_correct`] in place (no copy of a large scenario set).
///
/// # Panics
/// If `out` and `hist` have different numbers of tickers (columns).
pub fn affine_correct_in_place(out: &mut Array2<f64>, hist: ArrayView2<f64>) {
    // Mismatched widths would map ticker j with another ticker's moments, silently.
    assert_eq!(
        out.ncols(),
        hist.ncols(),
        "affine_correct: {} generated tickers, {} historical",
        out.ncols(),
        hist.ncols()
    );
    if !out.is_standard_layout() {
        *out = out.as_standard_layout().into_owned();
    }
    // A column-major history's columns would be summed in another order: other last bits.
    let hist = hist.as_standard_layout();
    let (mg, sg) = column_mean_sd(out.view());
    let maps: Vec<(f64, f64)> = hist
        .axis_iter(Axis(1))
        .enumerate()
        .map(|(j, h)| {
            let (mh, sh) = (mean(h), sd(h));
            let scale = if sg[j] > 0.0 { sh / sg[j] } else { 0.0 };
            (scale, mh - mg[j] * scale)
        })
        .collect();
    let d = maps.len().max(1);
    out.as_slice_mut().expect("standard layout").par_chunks_mut(d).for_each(|row| {
        for (v, &(scale, offset)) in row.iter_mut().zip(&maps) {
            *v = *v * scale + offset;
        }
    });
}

/// The correction of the scenario files (`--scenarios`): per ticker, the history's mean and sd
/// (n − 1), with every exact-zero return kept at zero. Days on which a price did not move are an
/// atom of the history (2–13% of days per ticker on the 1990–2022 file, from price ticks); the
/// plain affine map moves that atom off zero however small its offset, and a two-sample KS test
/// then sees a gap the size of the atom — the block bootstrap, a copy of history, failed it for
/// every ticker. The nonzero values are mapped by `c·v + b`, with c and b solved from the mean
/// and the second moment; a ticker without zeros gets [`affine_correct_in_place`]'s map. The
/// moments are exact sums rounded once ([`crate::moments::Moments`]), so the same whatever order
/// or parts the rows are summed in (the shards of one run).
pub fn correct_keeping_zeros_in_place(out: &mut Array2<f64>, hist: ArrayView2<f64>) {
    if !out.is_standard_layout() {
        *out = out.as_standard_layout().into_owned();
    }
    let mut moments = crate::moments::Moments::new(out.ncols());
    moments.add(out.view());
    let maps = moments.maps(hist.as_standard_layout().view());
    apply_maps_keeping_zeros(out, &maps);
}

/// Maps every nonzero value of `out` (standard layout) by its column's `(scale, offset)`.
pub(crate) fn apply_maps_keeping_zeros(out: &mut Array2<f64>, maps: &[(f64, f64)]) {
    if !out.is_standard_layout() {
        *out = out.as_standard_layout().into_owned();
    }
    let d = maps.len().max(1);
    out.as_slice_mut().expect("standard layout").par_chunks_mut(d).for_each(|row| {
        for (v, &(scale, offset)) in row.iter_mut().zip(maps) {
            if *v != 0.0 {
                *v = *v * scale + offset;
            }
        }
    });
}

/// Per-column mean and sd (n − 1) of an N × d array, read row by row (cache-friendly for a
/// row-major array); each column's sums run in row order from 0, as [`mean`] and [`sd`] sum a
/// strided column, so the values are the same to the last bit.
fn column_mean_sd(x: ArrayView2<f64>) -> (Vec<f64>, Vec<f64>) {
    let (n, d) = x.dim();
    let mut sum = vec![0.0; d];
    for row in x.rows() {
        for (a, &v) in sum.iter_mut().zip(row) {
            *a += v;
        }
    }
    let m: Vec<f64> = sum.iter().map(|s| if n == 0 { 0.0 } else { s / n as f64 }).collect();
    let mut ss = vec![0.0; d];
    for row in x.rows() {
        for ((a, &v), &mj) in ss.iter_mut().zip(row).zip(&m) {
            *a += (v - mj) * (v - mj);
        }
    }
    let sd = ss.iter().map(|s| if n < 2 { 0.0 } else { (s / (n - 1) as f64).sqrt() }).collect();
    (m, sd)
}

/// ACF curves of the generated scenarios (lags start at 1).
#[derive(Debug, Clone)]
pub struct AcfCurves {
    /// Half-width of the 99% band at lag 1, 2.576/√N (N = generated days; for paths, the
    /// within-path pairs at lag 1); [`AcfCurves::band_at`] gives every lag's.
    pub band: f64,
    /// For paths: (paths, days per path), whose lag-k ACF averages paths·(h − k) pairs.
    pub paths: Option<(usize, usize)>,
    /// d × min(40, N−1): ACF of g per ticker.
    pub g: Array2<f64>,
    /// d × min(100, N−1): ACF of g² per ticker.
    pub g2: Array2<f64>,
    /// Mean over tickers of `g`, per lag.
    pub mean_g: Vec<f64>,
    /// Mean over tickers of `g2`, per lag.
    pub mean_g2: Vec<f64>,
}

/// All finance metrics of one generated set.
#[derive(Debug, Clone)]
pub struct FinanceMetrics {
    /// Historical days K, generated days N, tickers d.
    pub n_hist: usize,
    pub n_gen: usize,
    pub tickers: usize,
    /// P-value methods used (normally one), in a fixed order.
    pub ks_methods: Vec<KsPvalueMethod>,
    /// Per-ticker KS p-values, raw and after the affine correction.
    pub ks_pvalues: Vec<f64>,
    pub ks_pvalues_corrected: Vec<f64>,
    /// Fraction (0–1) of tickers with p > 0.05, and mean p; raw and corrected.
    pub ks_pass: f64,
    pub ks_mean_p: f64,
    pub ks_pass_corrected: f64,
    pub ks_mean_p_corrected: f64,
    /// ‖C_gen − C_hist‖_F / ‖C_hist‖_F with Pearson correlation matrices.
    pub corr_error: Option<f64>,
    /// Mean over tickers of sd_gen / sd_hist (n − 1), before correction.
    pub sd_ratio: f64,
    /// Mean over tickers of the excess kurtosis (Fisher, biased: SciPy's default).
    pub kurtosis: Option<f64>,
    /// Per ticker: sd_gen / sd_hist, and the excess kurtosis (`None` for a constant ticker).
    pub sd_ratios: Vec<f64>,
    pub kurtoses: Vec<Option<f64>>,
    /// Equal-weight portfolio (mean over tickers of the returns): VaR_q = −quantile_q (NumPy
    /// linear interpolation) and ES_q = −mean of the returns ≤ that quantile, at q = 1% and 5%;
    /// positive numbers are losses, in return units.
    pub var_1: f64,
    pub var_5: f64,
    pub es_1: f64,
    pub es_5: f64,
    /// Mean over tickers and lags 1–10 of ACF(g²).
    pub acf_g2_mean_1_10: Option<f64>,
    /// Share (0–1) of (ticker, lag) values outside the 99% band (±2.576/√N; within paths each
    /// lag's [`AcfCurves::band_at`]), for g (lags 1–40) and g² (1–100).
    pub acf_g_outside_band: Option<f64>,
    pub acf_g2_outside_band: Option<f64>,
    /// Lag-1 ACF of g (mean over tickers, share inside the band); `None` for i.i.d. layouts.
    pub lag1: Option<Lag1>,
    /// Mean over tickers of the 10-day variance ratio (within paths); `None` for i.i.d. layouts
    /// and paths shorter than 10 days.
    pub variance_ratio_10: Option<f64>,
    /// Mean over tickers and lags 11–50 of ACF(g²); `None` unless the paths are over 50 days.
    pub acf_g2_mean_11_50: Option<f64>,
    /// Per-ticker and mean curves. The ACF fields are `None` when a generated g or g² series is
    /// constant (its autocorrelation is undefined).
    pub acf_curves: Option<AcfCurves>,
    /// Generated tickers with zero variance (0-based column indices).
    pub zero_variance_tickers: Vec<usize>,
}

fn check_inputs(hist: ArrayView2<f64>, gen: ArrayView2<f64>) -> Result<(), FinanceError> {
    check_shapes(hist, gen.nrows(), gen.ncols())?;
    non_finite("historical", hist)?;
    non_finite("generated", gen)?;
    check_history_varies(hist)
}

/// The shapes [`evaluate`] accepts: the same tickers, at least one, and 2 days of each set.
pub(crate) fn check_shapes(hist: ArrayView2<f64>, gen_rows: usize, gen_cols: usize) -> Result<(), FinanceError> {
    if hist.ncols() != gen_cols {
        return Err(FinanceError::Shape(format!(
            "historical returns have {} tickers, generated {gen_cols}",
            hist.ncols()
        )));
    }
    if hist.ncols() == 0 || hist.nrows() < 2 || gen_rows < 2 {
        return Err(FinanceError::Shape(format!(
            "need at least 1 ticker and 2 days each (historical {} × {}, generated {gen_rows} × {gen_cols})",
            hist.nrows(),
            hist.ncols(),
        )));
    }
    Ok(())
}

/// The first value of `a` (row by row) that is not finite, as an error naming `what` and where.
pub(crate) fn non_finite(what: &'static str, a: ArrayView2<f64>) -> Result<(), FinanceError> {
    a.indexed_iter()
        .find(|(_, v)| !v.is_finite())
        .map_or(Ok(()), |((day, ticker), v)| Err(FinanceError::NonFinite { what, day, ticker, value: *v }))
}

/// A historical ticker with constant returns is an error.
pub(crate) fn check_history_varies(hist: ArrayView2<f64>) -> Result<(), FinanceError> {
    match (0..hist.ncols()).find(|&j| is_constant(hist.column(j))) {
        Some(j) => Err(FinanceError::ZeroVarianceHistory { ticker: j }),
        None => Ok(()),
    }
}

fn sorted(x: ArrayView1<f64>) -> Vec<f64> {
    if x.len() >= RADIX_MIN {
        return radix_sorted(x);
    }
    let mut v = x.to_vec();
    // Unstable is the same result: total_cmp equal values are the same bits.
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// Below this many values a comparison sort is as fast.
const RADIX_MIN: usize = 4096;

/// `x` sorted by `f64::total_cmp`, by an LSD radix sort (8 passes of 8 bits) of the keys
/// `total_cmp` compares: the same order, so the same values in the same places as a comparison
/// sort, in O(n) per pass.
fn radix_sorted(x: ArrayView1<f64>) -> Vec<f64> {
    const SIGN: u64 = 1 << 63;
    // total_cmp's key (negatives with their magnitude bits flipped) made unsigned; an involution.
    let key = |b: u64| (b ^ (((b as i64 >> 63) as u64) >> 1)) ^ SIGN;
    let mut a: Vec<u64> = x.iter().map(|v| key(v.to_bits())).collect();
    let mut b = vec![0u64; a.len()];
    for shift in (0..64).step_by(8) {
        let mut count = [0usize; 257];
        for &k in &a {
            count[((k >> shift) & 0xff) as usize + 1] += 1;
        }
        if count[1..].contains(&a.len()) {
            continue; // every key has the same digit here
        }
        for i in 1..257 {
            count[i] += count[i - 1];
        }
        for &k in &a {
            let d = ((k >> shift) & 0xff) as usize;
            b[count[d]] = k;
            count[d] += 1;
        }
        std::mem::swap(&mut a, &mut b);
    }
    a.into_iter().map(|k| f64::from_bits(key(k ^ SIGN) ^ SIGN)).collect()
}

/// Evaluates `gen` (N × d) against `hist` (K × d), the rows of `gen` being one time series.
pub fn evaluate(hist: ArrayView2<f64>, gen: ArrayView2<f64>, ks: KsMethod) -> Result<FinanceMetrics, FinanceError> {
    evaluate_layout(hist, gen, ks, Layout::Series)
}

/// One ticker's statistics: KS raw and corrected, sd ratio, kurtosis, zero variance, the ACFs
/// and the within-path checks.
pub(crate) struct PerTicker {
    pub(crate) raw: KsResult,
    pub(crate) cor: KsResult,
    pub(crate) sd_ratio: f64,
    pub(crate) kurt: Option<f64>,
    pub(crate) constant: bool,
    pub(crate) curves: Option<(Vec<f64>, Vec<f64>)>,
    pub(crate) lag1: Option<series::TickerLag1>,
    pub(crate) vr: Option<f64>,
    pub(crate) g2_11_50: Option<f64>,
    pub(crate) mean: f64,
    pub(crate) ss: f64,
}

fn avg(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Excess kurtosis (Fisher, biased) of `x` with mean `mg`; `None` when constant.
fn excess_kurtosis(x: ArrayView1<f64>, mg: f64, constant: bool) -> Option<f64> {
    let n = x.len();
    (!constant)
        .then(|| {
            let (m2, m4) = x.iter().fold((0.0, 0.0), |(a, b), v| {
                let d2 = (v - mg) * (v - mg);
                (a + d2, b + d2 * d2)
            });
            let (m2, m4) = (m2 / n as f64, m4 / n as f64);
            (m2 != 0.0).then(|| m4 / (m2 * m2) - 3.0)
        })
        .flatten()
}

/// ACF of g (lags 1–40) and of g² (`sq`, lags 1–100) of one ticker, within paths for a path
/// layout; `None` when undefined.
fn ticker_curves(x: ArrayView1<f64>, sq: &[f64], layout: Layout) -> Option<(Vec<f64>, Vec<f64>)> {
    match layout {
        Layout::Paths(h) => {
            h.ge(&2).then(|| Some((series::path_acf(x, h, ACF_G_LAGS)?, series::path_acf(aview1(sq), h, ACF_G2_LAGS)?)))
        }
        Layout::Series | Layout::Iid => {
            let g = x.to_vec();
            Some(acf(&g, ACF_G_LAGS).zip(acf(sq, ACF_G2_LAGS)).map(|(a, b)| (a[1..].to_vec(), b[1..].to_vec())))
        }
    }
    .flatten()
}

/// The within-path checks of one ticker (lag-1 ACF, 10-day variance ratio, mean ACF(g²) at lags
/// 11–50), for paths of `path_len` days.
fn path_checks(
    x: ArrayView1<f64>,
    sq: &[f64],
    path_len: Option<usize>,
) -> (Option<series::TickerLag1>, Option<f64>, Option<f64>) {
    match path_len {
        Some(h) => (
            series::ticker_lag1(x, h),
            series::variance_ratio_column(x, h, VR_DAYS),
            (h > 50).then(|| series::path_acf(aview1(sq), h, 50).map(|a| a[10..].iter().sum::<f64>() / 40.0)).flatten(),
        ),
        None => (None, None, None),
    }
}

/// The statistics of generated ticker `x` against historical ticker `hc`.
fn ticker_stats(
    hc: ArrayView1<f64>,
    x: ArrayView1<f64>,
    ks: KsMethod,
    layout: Layout,
    path_len: Option<usize>,
) -> PerTicker {
    let n = x.len();
    let h = sorted(hc);
    let (mh, sh) = (mean(hc), sd(hc));
    // fold_sd's sum, kept: it is also the squared norm of the centred column (correlation).
    let mg = series::fold_mean(x);
    let ss = x.iter().map(|v| (v - mg) * (v - mg)).sum::<f64>();
    let sg = (ss / (n - 1) as f64).sqrt();
    // The correction is increasing (or constant), so the corrected sample sorted is the
    // raw sample sorted, corrected: one sort, the same values as correcting first.
    let raw = sorted(x);
    let scale = if sg > 0.0 { sh / sg } else { 0.0 };
    let offset = mh - mg * scale;
    let cor: Vec<f64> = raw.iter().map(|v| v * scale + offset).collect();
    let constant = is_constant(x);
    let kurt = excess_kurtosis(x, mg, constant);
    let sq: Vec<f64> = x.iter().map(|v| v * v).collect();
    let curves = ticker_curves(x, &sq, layout);
    let (lag1, vr, g2_11_50) = path_checks(x, &sq, path_len);
    PerTicker {
        raw: ks_2samp_sorted(&raw, &h, ks),
        cor: ks_2samp_sorted(&cor, &h, ks),
        sd_ratio: sg / sd(hc),
        kurt,
        constant,
        curves,
        lag1,
        vr,
        g2_11_50,
        mean: mg,
        ss,
    }
}

/// Every ticker's statistics. Bands of tickers in parallel, each copied out of the rows once
/// (one pass over the set per band of a cache line) so that every per-ticker statistic reads
/// contiguous memory, in a buffer the allocator reuses (no N × d copy).
fn per_ticker(
    hist: ArrayView2<f64>,
    gen: ArrayView2<f64>,
    ks: KsMethod,
    layout: Layout,
    path_len: Option<usize>,
) -> Vec<PerTicker> {
    const BAND: usize = 8;
    let d = hist.ncols();
    (0..d.div_ceil(BAND))
        .into_par_iter()
        .flat_map_iter(|b| {
            let tickers = b * BAND..((b + 1) * BAND).min(d);
            let band = gather_columns(gen, tickers.clone());
            tickers
                .enumerate()
                .map(|(jj, j)| ticker_stats(hist.column(j), band.row(jj), ks, layout, path_len))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Equal-weight portfolio tails of one day: (VaR 1%, ES 1%, VaR 5%, ES 5%), losses positive, of
/// the portfolio's simple return (the conventions of [`crate::risk`]).
fn portfolio_tails(gen: ArrayView2<f64>) -> (f64, f64, f64, f64) {
    tails_of(equal_weight_returns(gen))
}

/// [`portfolio_tails`] of the equal-weight portfolio's returns.
pub(crate) fn tails_of(port: Vec<f64>) -> (f64, f64, f64, f64) {
    let port = sorted(ndarray::aview1(&port));
    let tail = |q: f64| {
        let v = quantile_sorted(&port, q);
        let losses: Vec<f64> = port.iter().copied().take_while(|&r| r <= v).collect();
        (-v, -avg(&losses))
    };
    let (var_1, es_1) = tail(0.01);
    let (var_5, es_5) = tail(0.05);
    (var_1, es_1, var_5, es_5)
}

/// Each row's equal-weight portfolio simple return `mean_j (e^{g_j} − 1)` (the conventions of
/// [`crate::risk`]).
pub fn equal_weight_returns(g: ArrayView2<f64>) -> Vec<f64> {
    let d = g.ncols() as f64;
    g.rows().into_iter().map(|r| r.iter().map(|v| v.exp_m1()).sum::<f64>() / d).collect()
}

/// The correlation error ‖C_gen − C_hist‖_F / ‖C_hist‖_F given C_gen; `None` when a matrix is
/// undefined.
fn correlation_error(hist: ArrayView2<f64>, cg: Option<Array2<f64>>) -> Option<f64> {
    match (correlation_matrix(hist), cg) {
        (Some(ch), Some(cg)) => Some(frobenius((&cg - &ch).view()) / frobenius(ch.view())),
        _ => None,
    }
}

/// Each ticker's mean and centred norm, as the correlation of the generated columns needs them.
pub(crate) fn means_norms(per: &[PerTicker]) -> (Vec<f64>, Vec<f64>) {
    (per.iter().map(|p| p.mean).collect(), per.iter().map(|p| p.ss.sqrt()).collect())
}

/// The ACF curves of every ticker, with the band of `layout` over `n` rows.
fn layout_curves(per: &[PerTicker], layout: Layout, n: usize) -> Option<AcfCurves> {
    per.iter().map(|p| p.curves.clone()).collect::<Option<Vec<_>>>().map(|c| {
        let (band, paths) = match layout {
            Layout::Paths(h) => (BAND_Z / (((n / h) * (h - 1)) as f64).sqrt(), Some((n / h, h))),
            Layout::Series | Layout::Iid => (BAND_Z / (n as f64).sqrt(), None),
        };
        curves_of(c, band, paths)
    })
}

/// [`evaluate`] with the rows laid out as `layout` says: for paths the ACF columns pair days
/// within a path only; for i.i.d. days the lag-1 and variance-ratio checks are `None` (the
/// pooled ACF columns are still computed on the rows in order, as published).
pub fn evaluate_layout(
    hist: ArrayView2<f64>,
    gen: ArrayView2<f64>,
    ks: KsMethod,
    layout: Layout,
) -> Result<FinanceMetrics, FinanceError> {
    check_inputs(hist, gen)?;
    let n = gen.nrows();
    let path_len = layout.path_len(n).filter(|&h| h >= 2);
    let per = per_ticker(hist, gen, ks, layout, path_len);
    let cg = (!per.iter().any(|p| p.constant)).then(|| {
        let (means, norms) = means_norms(&per);
        correlation_of_columns(gen, &means, &norms)
    });
    Ok(assemble(hist, n, layout, per, cg.flatten(), portfolio_tails(gen)))
}

/// The metrics from every ticker's statistics, the generated correlation matrix (`None` when
/// undefined or not computed: a constant ticker) and the equal-weight portfolio's tails, for `n`
/// generated rows laid out as `layout`.
pub(crate) fn assemble(
    hist: ArrayView2<f64>,
    n: usize,
    layout: Layout,
    per: Vec<PerTicker>,
    cg: Option<Array2<f64>>,
    (var_1, es_1, var_5, es_5): (f64, f64, f64, f64),
) -> FinanceMetrics {
    let d = hist.ncols();
    let path_len = layout.path_len(n).filter(|&h| h >= 2);
    let zero_variance_tickers: Vec<usize> = (0..d).filter(|&j| per[j].constant).collect();
    let degenerate = !zero_variance_tickers.is_empty();

    let ks_pvalues: Vec<f64> = per.iter().map(|p| p.raw.pvalue).collect();
    let ks_pvalues_corrected: Vec<f64> = per.iter().map(|p| p.cor.pvalue).collect();
    let pass = |ps: &[f64]| ps.iter().filter(|&&p| p > KS_ALPHA).count() as f64 / d as f64;
    let ks_methods: Vec<KsPvalueMethod> =
        per.iter().flat_map(|p| [p.raw.method_used, p.cor.method_used]).collect::<BTreeSet<_>>().into_iter().collect();

    let corr_error = if degenerate { None } else { correlation_error(hist, cg) };
    let kurtoses: Vec<Option<f64>> = per.iter().map(|p| p.kurt).collect();
    let kurtosis = if degenerate {
        None
    } else {
        kurtoses.iter().copied().collect::<Option<Vec<f64>>>().map(|k: Vec<f64>| avg(&k))
    };

    let acf_curves = if degenerate { None } else { layout_curves(&per, layout, n) };
    let path_len = if degenerate { None } else { path_len };
    let all = |f: fn(&PerTicker) -> Option<f64>| per.iter().map(f).collect::<Option<Vec<f64>>>();
    let lag1 = path_len.and_then(|h| {
        per.iter().map(|p| p.lag1).collect::<Option<Vec<_>>>().map(|v| {
            let history: Vec<Option<f64>> =
                hist.columns().into_iter().map(|c| series::ticker_lag1(c, c.len()).map(|t| t.acf)).collect();
            Lag1::from_tickers(&v, n, h, Some(&history))
        })
    });
    let variance_ratio_10 = path_len.and_then(|_| all(|p| p.vr)).map(|v: Vec<f64>| avg(&v));
    let acf_g2_mean_11_50 = path_len.and_then(|_| all(|p| p.g2_11_50)).map(|v: Vec<f64>| avg(&v));
    let (acf_g2_mean_1_10, acf_g_outside_band, acf_g2_outside_band) = match &acf_curves {
        Some(c) => {
            let l = c.mean_g2.len().min(10);
            // Each lag against its own band (within paths, a later lag has fewer pairs).
            let outside = |a: &Array2<f64>| {
                a.indexed_iter().filter(|((_, k), v)| v.abs() > c.band_at(k + 1)).count() as f64 / a.len().max(1) as f64
            };
            (Some(avg(&c.mean_g2[..l])), Some(outside(&c.g)), Some(outside(&c.g2)))
        }
        None => (None, None, None),
    };
    let sd_ratios: Vec<f64> = per.iter().map(|p| p.sd_ratio).collect();

    FinanceMetrics {
        n_hist: hist.nrows(),
        n_gen: n,
        tickers: d,
        ks_methods,
        ks_pass: pass(&ks_pvalues),
        ks_mean_p: avg(&ks_pvalues),
        ks_pass_corrected: pass(&ks_pvalues_corrected),
        ks_mean_p_corrected: avg(&ks_pvalues_corrected),
        ks_pvalues,
        ks_pvalues_corrected,
        corr_error,
        sd_ratio: avg(&sd_ratios),
        sd_ratios,
        kurtosis,
        kurtoses,
        var_1,
        var_5,
        es_1,
        es_5,
        acf_g2_mean_1_10,
        acf_g_outside_band,
        acf_g2_outside_band,
        lag1,
        variance_ratio_10,
        acf_g2_mean_11_50,
        acf_curves,
        zero_variance_tickers,
    }
}

/// ACF of g (lags 1–40) and g² (lags 1–100) per ticker; `None` if any series is constant.
pub fn acf_curves(gen: ArrayView2<f64>) -> Option<AcfCurves> {
    let n = gen.nrows();
    let d = gen.ncols();
    let per: Vec<Option<(Vec<f64>, Vec<f64>)>> = (0..d)
        .into_par_iter()
        .map(|j| {
            let g = gen.column(j).to_vec();
            let g2: Vec<f64> = g.iter().map(|v| v * v).collect();
            Some((acf(&g, ACF_G_LAGS)?[1..].to_vec(), acf(&g2, ACF_G2_LAGS)?[1..].to_vec()))
        })
        .collect();
    let per: Vec<(Vec<f64>, Vec<f64>)> = per.into_iter().collect::<Option<_>>()?;
    Some(curves_of(per, BAND_Z / (n as f64).sqrt(), None))
}

/// The curves of every ticker (ACF of g, ACF of g², lags from 1) as [`AcfCurves`].
impl AcfCurves {
    /// The 99% white-noise band at `lag` (1-based): 2.576/√(pairs the lag-`lag` ACF averages),
    /// the same at every lag for one series, narrowing as h − lag shrinks within paths.
    pub fn band_at(&self, lag: usize) -> f64 {
        match self.paths {
            Some((paths, h)) if lag < h => BAND_Z / ((paths * (h - lag)) as f64).sqrt(),
            _ => self.band,
        }
    }
}

fn curves_of(per: Vec<(Vec<f64>, Vec<f64>)>, band: f64, paths: Option<(usize, usize)>) -> AcfCurves {
    let d = per.len();
    let (l1, l2) = per.first().map_or((0, 0), |p| (p.0.len(), p.1.len()));
    let g = Array2::from_shape_fn((d, l1), |(j, k)| per[j].0[k]);
    let g2 = Array2::from_shape_fn((d, l2), |(j, k)| per[j].1[k]);
    let mean_g = g.mean_axis(Axis(0)).map(|a| a.to_vec()).unwrap_or_default();
    let mean_g2 = g2.mean_axis(Axis(0)).map(|a| a.to_vec()).unwrap_or_default();
    AcfCurves { band, paths, g, g2, mean_g, mean_g2 }
}

/// Rows per block of the correlation's partial products.
pub(crate) const ROW_BLOCK: usize = 16384;

/// Columns `tickers` of `x` (N × d) as rows of a standard-layout array, read in tiles of rows.
fn gather_columns(x: ArrayView2<f64>, tickers: std::ops::Range<usize>) -> Array2<f64> {
    let n = x.nrows();
    let mut out = Array2::zeros((tickers.len(), n));
    for (i, row) in x.rows().into_iter().enumerate() {
        for (jj, j) in tickers.clone().enumerate() {
            out[[jj, i]] = row[j];
        }
    }
    out
}

/// `Zᵀ Z` of one block of rows, `z = (v − mean)/norm` formed in place.
pub(crate) fn block_product(mut z: ndarray::ArrayViewMut2<f64>, means: &[f64], norms: &[f64]) -> Array2<f64> {
    for mut r in z.rows_mut() {
        for ((v, &m), &s) in r.iter_mut().zip(means).zip(norms) {
            *v = (*v - m) / s;
        }
    }
    z.t().dot(&z)
}

/// Pearson correlation matrix of the columns of `x` (N × d) given each column's mean (as
/// [`series::fold_mean`]) and the norm of the centred column: `Z Zᵀ` with `z = (v − mean)/norm`
/// (the values [`correlation_matrix`] forms), summed over fixed blocks of rows computed in
/// parallel and added in block order (independent of the thread count; it differs from one
/// product by rounding only). `None` when a norm is zero or not finite.
fn correlation_of_columns(x: ArrayView2<f64>, means: &[f64], norms: &[f64]) -> Option<Array2<f64>> {
    if norms.iter().any(|&v| v == 0.0 || !v.is_finite()) {
        return None;
    }
    let n = x.nrows();
    let parts: Vec<Array2<f64>> = (0..n.div_ceil(ROW_BLOCK))
        .into_par_iter()
        .map(|b| {
            block_product(
                x.slice(ndarray::s![b * ROW_BLOCK..((b + 1) * ROW_BLOCK).min(n), ..]).to_owned().view_mut(),
                means,
                norms,
            )
        })
        .collect();
    let mut c = parts.into_iter().reduce(|a, b| a + b)?;
    c.diag_mut().fill(1.0);
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use satool_common::stats::excess_kurtosis;

    /// Pseudo-random returns with a per-ticker scale and mean (no RNG crate needed).
    fn panel(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut s = seed;
        Array2::from_shape_simple_fn((n, d), || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.03
        }) + Array2::from_shape_fn((1, d), |(_, j)| 1e-4 * j as f64)
    }

    /// The column-by-column correction as it was written before the row-wise one.
    fn affine_reference(gen: &Array2<f64>, hist: &Array2<f64>) -> Array2<f64> {
        let mut out = gen.to_owned();
        for (mut col, h) in out.axis_iter_mut(Axis(1)).zip(hist.axis_iter(Axis(1))) {
            let (mg, sg) = (mean(col.view()), sd(col.view()));
            let (mh, sh) = (mean(h), sd(h));
            let scale = if sg > 0.0 { sh / sg } else { 0.0 };
            let offset = mh - mg * scale;
            col.mapv_inplace(|v| v * scale + offset);
        }
        out
    }

    #[test]
    fn radix_sort_is_total_cmp_order() {
        let mut v: Vec<f64> = panel(9000, 1, 7).iter().map(|v| v * 1e3).collect();
        v.extend([0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, 1e-310, -1e-310, 5.0, 5.0, -2.5, f64::MIN, f64::MAX]);
        let mut want = v.clone();
        want.sort_by(f64::total_cmp);
        let got = radix_sorted(ndarray::aview1(&v));
        assert_eq!(
            got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn batched_metrics_equal_the_column_by_column_definitions() {
        // More rows than one correlation block, tickers not a multiple of the band.
        let (hist, gen) = (panel(700, 11, 1), panel(20 * 1000 + 7, 11, 2) * 1.3);
        let cor = affine_reference(&gen, &hist);
        assert_eq!(affine_correct(&gen, &hist), cor, "row-wise correction: the same bits");
        let m = evaluate_layout(hist.view(), gen.view(), KsMethod::Auto, Layout::Paths(20)).unwrap();
        for j in 0..11 {
            let h = sorted(hist.column(j));
            let raw = ks_2samp_sorted(&sorted(gen.column(j)), &h, KsMethod::Auto).pvalue;
            let c = ks_2samp_sorted(&sorted(cor.column(j)), &h, KsMethod::Auto).pvalue;
            assert_eq!((m.ks_pvalues[j], m.ks_pvalues_corrected[j]), (raw, c), "ticker {j}");
            assert_eq!(m.sd_ratios[j], sd(gen.column(j)) / sd(hist.column(j)));
            assert_eq!(m.kurtoses[j], excess_kurtosis(gen.column(j)));
            let curves = m.acf_curves.as_ref().unwrap();
            assert_eq!(curves.g.row(j).to_vec(), series::path_acf(gen.column(j), 20, ACF_G_LAGS).unwrap());
        }
        let (ch, cg) = (correlation_matrix(hist.view()).unwrap(), correlation_matrix(gen.view()).unwrap());
        let want = frobenius((&cg - &ch).view()) / frobenius(ch.view());
        assert!((m.corr_error.unwrap() - want).abs() < 1e-12 * want, "{:?} vs {want}", m.corr_error);
        // The lag-1 shares, and history's own lag-1 over its 700 days as one series.
        let per: Vec<_> = (0..11).map(|j| series::ticker_lag1(gen.column(j), 20).unwrap()).collect();
        let history: Vec<_> = (0..11).map(|j| series::ticker_lag1(hist.column(j), 700).map(|t| t.acf)).collect();
        let want = Lag1::from_tickers(&per, gen.nrows(), 20, Some(&history));
        assert_eq!(m.lag1.as_ref().unwrap(), &want);
        assert_eq!(Lag1 { between_zero_and_history: None, ..want }, series::lag1(gen.view(), 20).unwrap());
        assert_eq!(m.variance_ratio_10, series::variance_ratio(gen.view(), 20, VR_DAYS));
    }

    #[test]
    fn the_corrections_do_not_depend_on_the_history_layout() {
        let (hist, gen) = (panel(700, 6, 5), panel(3000, 6, 6) * 1.7);
        let column_major = hist.t().as_standard_layout().reversed_axes().to_owned();
        assert!(!column_major.is_standard_layout() && column_major == hist);
        assert_eq!(affine_correct_view(gen.view(), hist.view()), affine_correct_view(gen.view(), column_major.view()));
        let (mut a, mut b) = (gen.clone(), gen.clone());
        correct_keeping_zeros_in_place(&mut a, hist.view());
        correct_keeping_zeros_in_place(&mut b, column_major.view());
        assert_eq!(a, b);
    }

    #[test]
    fn independent_days_in_paths_fall_outside_the_99_band_about_1_percent_of_the_time() {
        // 2,000 paths of 20 independent days: the lag-k ACF averages 2000·(20 − k) pairs, so one
        // band for every lag (lag 1's) put ~13% outside; each lag's own band, ~1%.
        let (hist, gen) = (panel(500, 8, 3), panel(2000 * 20, 8, 4));
        let m = evaluate_layout(hist.view(), gen.view(), KsMethod::Auto, Layout::Paths(20)).unwrap();
        let c = m.acf_curves.as_ref().unwrap();
        assert_eq!(c.band_at(1), c.band);
        assert!((c.band_at(19) - BAND_Z / 2000f64.sqrt()).abs() < 1e-15);
        for share in [m.acf_g_outside_band.unwrap(), m.acf_g2_outside_band.unwrap()] {
            assert!(share < 0.04, "{share}: outside the 99% band");
        }
    }

    #[test]
    fn the_file_correction_keeps_zero_returns_and_sets_mean_and_sd() {
        // Ticker 0 has every 7th value exactly zero in both sets; ticker 1 has none.
        let zero_every_7th = |mut x: Array2<f64>| {
            x.column_mut(0).iter_mut().step_by(7).for_each(|v| *v = 0.0);
            x
        };
        let hist = zero_every_7th(panel(900, 2, 3));
        let gen = zero_every_7th(panel(5000, 2, 4) * 1.7 + 0.002);
        let mut out = gen.clone();
        correct_keeping_zeros_in_place(&mut out, hist.view());
        for j in 0..2 {
            let (h, o) = (hist.column(j), out.column(j));
            assert!((mean(o) - mean(h)).abs() < 1e-15, "ticker {j}: mean {} vs {}", mean(o), mean(h));
            assert!((sd(o) / sd(h) - 1.0).abs() < 1e-12, "ticker {j}: sd {} vs {}", sd(o), sd(h));
        }
        let zeros = |x: ArrayView1<f64>| x.iter().filter(|&&v| v == 0.0).count();
        assert_eq!(zeros(out.column(0)), zeros(gen.column(0)));
        assert_eq!(zeros(out.column(0)), 5000usize.div_ceil(7));
        // Without zeros the map is the plain affine one (its moments from exact sums, the
        // affine map's from float sums: a few ulps apart).
        let plain = affine_correct(&gen, &hist);
        let worst = out.column(1).iter().zip(plain.column(1)).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst <= 1e-14 * sd(hist.column(1)), "{worst}");
        // The plain map moves the atom, which is what failed the KS test.
        assert_eq!(zeros(affine_correct(&gen, &hist).column(0).view()), 0);
    }
}
