//! GMM-PCA baseline (paper appendix J.1).
//!
//! The stored patterns (columns of `X`, d × K) are projected by a second, centred PCA to
//! `r = min(max_dims, d − 1, K − 1)` dimensions; a `C = min(max_components, K − 1)`-component
//! Gaussian mixture with diagonal covariances is fitted to the K codes by EM (k-means++ start);
//! new codes are drawn from the mixture and mapped back with `x = U_r z + mean`.
//! Following the published code (not the paper's text), the samples
//! are **not** renormalised to unit norm.
//!
//! The EM is written here rather than taken from linfa-clustering because that GMM is
//! full-covariance only, cannot sample and fails when a component has fewer points than
//! dimensions — the normal situation with K ≈ 70 patterns in 50 dimensions.
//!
//! Conventions (all deterministic given the caller's generator):
//! - k-means++ seeding: the first centre is a uniformly drawn code, each further centre is drawn
//!   with probability ∝ squared distance to the nearest chosen centre. When every remaining code
//!   coincides with a chosen centre (fewer distinct codes than C), seeding stops early and the
//!   mixture has fewer components. Initial parameters are one M-step on the hard assignment of
//!   every code to its nearest centre (ties → lowest centre index).
//! - Variances are floored at `var_floor` (a floor, `max(σ², floor)`, as the published code does; note
//!   scikit-learn's `reg_covar` instead adds its value).
//! - A component whose total responsibility falls below [`MIN_COMPONENT_MASS`] is **dropped**
//!   (not re-seeded): its weight is then < 1e-10 / K, it cannot be sampled in practice, and
//!   keeping it would mean dividing by ~0. Dropping keeps the log-likelihood monotone up to
//!   that negligible mass.
//! - One iteration = M-step then E-step; it stops when `|LL_t − LL_{t−1}| ≤ tol·|LL_t|` or after
//!   `max_iter` iterations. `LL` is the total (summed over codes) log-likelihood.

use anyhow::{bail, ensure, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Components with less total responsibility than this (in units of data points) are dropped.
pub const MIN_COMPONENT_MASS: f64 = 1e-10;

/// Hyper-parameters of the GMM-PCA baseline; `Default` gives the published values.
#[derive(Debug, Clone, PartialEq)]
pub struct GmmPcaConfig {
    /// Upper bound on the PCA dimension r (published: 50).
    pub max_dims: usize,
    /// Upper bound on the number of mixture components C (published: 10).
    pub max_components: usize,
    /// Maximum number of EM iterations (published: 500).
    pub max_iter: usize,
    /// Relative log-likelihood tolerance for convergence (published: 1e-8).
    pub tol: f64,
    /// Lower bound on every component variance (published: 1e-6).
    pub var_floor: f64,
}

impl Default for GmmPcaConfig {
    fn default() -> Self {
        Self { max_dims: 50, max_components: 10, max_iter: 500, tol: 1e-8, var_floor: 1e-6 }
    }
}

/// Samples and fit diagnostics of [`gmm_pca_sample`].
#[derive(Debug, Clone)]
pub struct GmmPcaOutput {
    /// d × n, one sample per column, in memory space (not renormalised).
    pub samples: Array2<f64>,
    /// PCA dimension r actually used.
    pub dims: usize,
    /// Number of mixture components after fitting (may be < C, see module docs).
    pub components: usize,
    /// EM iterations performed.
    pub iterations: usize,
    /// Whether the relative tolerance was met before `max_iter`.
    pub converged: bool,
    /// Final total log-likelihood of the K codes under the fitted mixture.
    pub log_likelihood: f64,
}

/// A mixture of Gaussians with diagonal covariances in r dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagGmm {
    /// Mixture weights π (length C, sum 1).
    pub weights: Array1<f64>,
    /// Component means, C × r (one component per row).
    pub means: Array2<f64>,
    /// Component variances, C × r (one component per row), all ≥ the variance floor.
    pub variances: Array2<f64>,
}

/// A fitted mixture together with the EM trace.
#[derive(Debug, Clone)]
pub struct DiagGmmFit {
    /// The fitted mixture.
    pub model: DiagGmm,
    /// EM iterations performed (M-step + E-step pairs).
    pub iterations: usize,
    /// Whether the relative tolerance was met before `max_iter`.
    pub converged: bool,
    /// Total log-likelihood after the initialisation (entry 0) and after each iteration.
    pub ll_history: Vec<f64>,
}

impl DiagGmm {
    /// Number of components C.
    pub fn components(&self) -> usize {
        self.weights.len()
    }

    /// Dimension r.
    pub fn dims(&self) -> usize {
        self.means.ncols()
    }

    /// Total log-likelihood of the points (r × n, one point per column).
    pub fn log_likelihood(&self, points: ArrayView2<f64>) -> f64 {
        let rows = points.t().as_standard_layout().into_owned();
        self.e_step(&rows).1
    }

    /// Draws n points (r × n, one per column): component by π, then N(μ_c, diag σ²_c).
    /// Per sample it consumes one uniform and r standard normals from `rng`, in that order.
    pub fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Array2<f64> {
        let r = self.dims();
        let mut out = Array2::zeros((r, n));
        for mut col in out.columns_mut() {
            let c = pick_weighted(self.weights.as_slice().expect("weights are contiguous"), rng);
            for j in 0..r {
                let eps: f64 = StandardNormal.sample(rng);
                col[j] = self.means[[c, j]] + self.variances[[c, j]].sqrt() * eps;
            }
        }
        out
    }

    /// Responsibilities (n × C) and total log-likelihood of the rows of `points` (n × r),
    /// computed with a per-point log-sum-exp so that far-away points never underflow to 0/0.
    fn e_step(&self, points: &Array2<f64>) -> (Array2<f64>, f64) {
        let (n, r) = points.dim();
        let c_count = self.components();
        let log_2pi = (2.0 * std::f64::consts::PI).ln();
        // log π_c − ½ Σ_j log(2π σ²_cj): the part of log N that does not depend on the point.
        let consts: Vec<f64> = (0..c_count)
            .map(|c| {
                let log_det: f64 = self.variances.row(c).iter().map(|v| v.ln()).sum();
                self.weights[c].ln() - 0.5 * (r as f64 * log_2pi + log_det)
            })
            .collect();
        let inv_var = self.variances.mapv(|v| 1.0 / v);
        let mut resp = Array2::zeros((n, c_count));
        let mut ll = 0.0;
        for i in 0..n {
            let x = points.row(i);
            let mut row = resp.row_mut(i);
            for c in 0..c_count {
                let mu = self.means.row(c);
                let iv = inv_var.row(c);
                let maha: f64 = (0..r).map(|j| (x[j] - mu[j]).powi(2) * iv[j]).sum();
                row[c] = consts[c] - 0.5 * maha;
            }
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = row.iter().map(|&l| (l - max).exp()).sum();
            let lse = max + sum.ln();
            row.mapv_inplace(|l| (l - lse).exp());
            ll += lse;
        }
        (resp, ll)
    }

    /// M-step from responsibilities (n × C) of the rows of `points` (n × r). Components whose
    /// mass is below [`MIN_COMPONENT_MASS`] are dropped; returns `None` if none is left.
    fn m_step(points: &Array2<f64>, resp: &Array2<f64>, var_floor: f64) -> Option<DiagGmm> {
        let (n, r) = points.dim();
        let mass = resp.sum_axis(Axis(0));
        let kept: Vec<usize> = (0..mass.len()).filter(|&c| mass[c] >= MIN_COMPONENT_MASS).collect();
        if kept.is_empty() {
            return None;
        }
        let total: f64 = kept.iter().map(|&c| mass[c]).sum();
        let mut weights = Array1::zeros(kept.len());
        let mut means = Array2::<f64>::zeros((kept.len(), r));
        let mut variances = Array2::<f64>::zeros((kept.len(), r));
        for (k, &c) in kept.iter().enumerate() {
            let nc = mass[c];
            weights[k] = nc / total;
            let mut mu = means.row_mut(k);
            for i in 0..n {
                mu.scaled_add(resp[[i, c]], &points.row(i));
            }
            mu /= nc;
            // Two-pass variance: Σ r (x − μ)² / N_c, not E[x²] − μ², to avoid cancellation.
            let mut var = variances.row_mut(k);
            for i in 0..n {
                let w = resp[[i, c]];
                for j in 0..r {
                    var[j] += w * (points[[i, j]] - mu[j]).powi(2);
                }
            }
            var.mapv_inplace(|v| (v / nc).max(var_floor));
        }
        Some(DiagGmm { weights, means, variances })
    }
}

/// Index drawn with probability ∝ `weights` (non-negative, positive sum) from one uniform.
fn pick_weighted<R: Rng + ?Sized>(weights: &[f64], rng: &mut R) -> usize {
    let total: f64 = weights.iter().sum();
    let u = rng.random::<f64>() * total;
    let mut cum = 0.0;
    for (i, &w) in weights.iter().enumerate() {
        cum += w;
        if u < cum {
            return i;
        }
    }
    // Round-off can leave u ≥ the accumulated sum: take the last index with positive weight.
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(weights.len() - 1)
}

/// k-means++ seeding over the rows of `points`; returns at most `c` distinct row indices.
fn kmeans_pp_seeds<R: Rng + ?Sized>(points: &Array2<f64>, c: usize, rng: &mut R) -> Vec<usize> {
    let n = points.nrows();
    let sq_dist =
        |a: usize, b: usize| -> f64 { points.row(a).iter().zip(points.row(b)).map(|(x, y)| (x - y).powi(2)).sum() };
    let mut seeds = vec![rng.random_range(0..n)];
    let mut nearest: Vec<f64> = (0..n).map(|i| sq_dist(i, seeds[0])).collect();
    while seeds.len() < c {
        if nearest.iter().all(|&d| d <= 0.0) {
            break; // every point coincides with a centre: no further distinct centre exists
        }
        let next = pick_weighted(&nearest, rng);
        seeds.push(next);
        for (i, d) in nearest.iter_mut().enumerate() {
            *d = d.min(sq_dist(i, next));
        }
    }
    seeds
}

/// Fits a diagonal-covariance mixture of (at most) `components` Gaussians to the points
/// (r × n, one point per column) by EM from a k-means++ start; see the module docs for the
/// exact conventions. Errors on empty or non-finite input or a zero component count.
pub fn fit_diag_gmm<R: Rng + ?Sized>(
    points: ArrayView2<f64>,
    components: usize,
    cfg: &GmmPcaConfig,
    rng: &mut R,
) -> Result<DiagGmmFit> {
    let (r, n) = points.dim();
    ensure!(n >= 1 && r >= 1, "GMM fit needs at least one point of dimension ≥ 1 (got {r} × {n})");
    ensure!(components >= 1, "GMM fit needs at least one component");
    ensure!(
        cfg.var_floor > 0.0 && cfg.var_floor.is_finite(),
        "GMM variance floor must be positive and finite (got {})",
        cfg.var_floor
    );
    ensure!(cfg.tol >= 0.0, "GMM tolerance must be non-negative (got {})", cfg.tol);
    if let Some(((j, i), v)) = points.indexed_iter().find(|(_, v)| !v.is_finite()) {
        bail!("GMM fit: non-finite value {v} at dimension {j} of point {i}");
    }
    let rows = points.t().as_standard_layout().into_owned();

    let seeds = kmeans_pp_seeds(&rows, components.min(n), rng);
    let mut hard = Array2::zeros((n, seeds.len()));
    for i in 0..n {
        let dist: Vec<f64> =
            seeds.iter().map(|&s| rows.row(i).iter().zip(rows.row(s)).map(|(x, y)| (x - y).powi(2)).sum()).collect();
        // Nearest seed, ties to the lowest index.
        let best = (1..dist.len()).fold(0, |b, k| if dist[k] < dist[b] { k } else { b });
        hard[[i, best]] = 1.0;
    }
    // Every seed owns at least itself (distinct seeds), so no component can be empty here.
    let mut model = DiagGmm::m_step(&rows, &hard, cfg.var_floor)
        .ok_or_else(|| anyhow::anyhow!("GMM fit: k-means++ initialisation left every component empty"))?;
    let (mut resp, mut ll) = model.e_step(&rows);
    let mut ll_history = vec![ll];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < cfg.max_iter {
        satool::check_interrupt()?;
        model = match DiagGmm::m_step(&rows, &resp, cfg.var_floor) {
            Some(m) => m,
            None => {
                bail!("GMM fit: every component lost its responsibility (total mass < {MIN_COMPONENT_MASS})")
            }
        };
        let (new_resp, new_ll) = model.e_step(&rows);
        iterations += 1;
        ensure!(new_ll.is_finite(), "GMM fit: log-likelihood became {new_ll} at iteration {iterations}");
        ll_history.push(new_ll);
        let done = (new_ll - ll).abs() <= cfg.tol * new_ll.abs();
        resp = new_resp;
        ll = new_ll;
        if done {
            converged = true;
            break;
        }
    }
    Ok(DiagGmmFit { model, iterations, converged, ll_history })
}

/// Centred PCA basis of the columns of `x` (d × K): the column means and the top-`r` left
/// singular vectors (d × r) of the centred matrix, by decreasing singular value.
fn centred_pca_basis(x: ArrayView2<f64>, r: usize) -> Result<(Array1<f64>, Array2<f64>)> {
    let mean = x.mean_axis(Axis(1)).expect("K ≥ 2 checked by the caller");
    let centred = &x - &mean.view().insert_axis(Axis(1));
    if centred.iter().all(|&v| v == 0.0) {
        // All columns identical: any orthonormal basis spans the (empty) spread equally well.
        let mut u = Array2::zeros((x.nrows(), r));
        for j in 0..r {
            u[[j, j]] = 1.0;
        }
        return Ok((mean, u));
    }
    let (u, _) = left_singular_vectors(&centred)?;
    ensure!(u.ncols() >= r, "GMM-PCA: SVD returned {} singular vectors, {r} needed", u.ncols());
    Ok((mean, u.slice_move(ndarray::s![.., ..r])))
}

/// The left singular vectors of `a` by decreasing singular value, and those values (the protein
/// domain's thin SVD: faer, on one thread).
fn left_singular_vectors(a: &Array2<f64>) -> Result<(Array2<f64>, Vec<f64>)> {
    let svd = satool_protein::encode::thin_svd(a.view())
        .map_err(|e| anyhow::anyhow!("GMM-PCA: SVD of the centred memory: {e}"))?;
    Ok((svd.u, svd.values))
}

/// GMM-PCA baseline: fit on the K columns of `x` (d × K, one stored pattern per column) and draw
/// `n` samples (d × n). Errors when K < 2 or d < 2 (no spread to model), on non-finite input or
/// a zero `max_dims` / `max_components`.
pub fn gmm_pca_sample<R: Rng + ?Sized>(
    x: ArrayView2<f64>,
    n: usize,
    cfg: &GmmPcaConfig,
    rng: &mut R,
) -> Result<GmmPcaOutput> {
    let (d, k) = x.dim();
    // What a family lacks (too few sequences or PCA dimensions) is the input's, not a bug.
    if k < 2 || d < 2 {
        return Err(crate::input_err!(
            "GMM-PCA needs at least 2 stored patterns and pattern dimension d ≥ 2 (got K = {k}, d = {d})"
        ));
    }
    ensure!(cfg.max_dims >= 1, "GMM-PCA: max_dims must be ≥ 1");
    ensure!(cfg.max_components >= 1, "GMM-PCA: max_components must be ≥ 1");
    if let Some(((i, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        bail!("GMM-PCA: non-finite value {v} in the memory at row {i}, column {j}");
    }
    let r = cfg.max_dims.min(d - 1).min(k - 1);
    let c = cfg.max_components.min(k - 1);

    let (mean, u) = centred_pca_basis(x, r)?;
    let codes = u.t().dot(&(&x - &mean.view().insert_axis(Axis(1))));
    let fit = fit_diag_gmm(codes.view(), c, cfg, rng)?;

    let mut samples = u.dot(&fit.model.sample(n, rng));
    samples += &mean.view().insert_axis(Axis(1));
    Ok(GmmPcaOutput {
        samples,
        dims: r,
        components: fit.model.components(),
        iterations: fit.iterations,
        converged: fit.converged,
        log_likelihood: *fit.ll_history.last().expect("history holds the initial LL"),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ndarray::{array, s, Array2};
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn rng(seed: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(seed)
    }

    /// PF00076 memory X (d × K = 59 × 68) built as the protein job builds it, with a minimal Stockholm reader:
    /// clean (columns gap ≤ 0.5, then sequences gap ≤ 0.3), one-hot, centred PCA to 95 % of the
    /// variance, unit-normalised codes. Shared with the VAE tests for realistic timings.
    pub(crate) fn pf00076_memory() -> Array2<f64> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/PF00076.sto");
        let text = std::fs::read_to_string(path).expect("PF00076 fixture");
        let mut names: Vec<String> = Vec::new();
        let mut seqs: Vec<String> = Vec::new();
        for line in text.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
                continue;
            }
            let mut it = line.split_whitespace();
            let (name, res) = (it.next().unwrap(), it.next().unwrap());
            match names.iter().position(|n| n == name) {
                Some(i) => seqs[i].push_str(&res.to_uppercase()),
                None => {
                    names.push(name.to_string());
                    seqs.push(res.to_uppercase());
                }
            }
        }
        let rows: Vec<Vec<u8>> = seqs.iter().map(|s| s.bytes().collect()).collect();
        let is_gap = |b: u8| matches!(b, b'.' | b'-' | b'~');
        let width = rows[0].len();
        let cols: Vec<usize> = (0..width)
            .filter(|&j| rows.iter().filter(|r| is_gap(r[j])).count() as f64 / rows.len() as f64 <= 0.5)
            .collect();
        let kept: Vec<&Vec<u8>> = rows
            .iter()
            .filter(|r| cols.iter().filter(|&&j| is_gap(r[j])).count() as f64 / cols.len() as f64 <= 0.3)
            .collect();
        let alphabet = b"ACDEFGHIKLMNPQRSTVWY";
        let (k, l) = (kept.len(), cols.len());
        let mut onehot = Array2::<f64>::zeros((k, 20 * l));
        for (i, r) in kept.iter().enumerate() {
            for (p, &j) in cols.iter().enumerate() {
                if let Some(a) = alphabet.iter().position(|&c| c == r[j]) {
                    onehot[[i, p * 20 + a]] = 1.0;
                }
            }
        }
        let centred = &onehot - &onehot.mean_axis(Axis(0)).unwrap();
        let (vt, sv) = left_singular_vectors(&centred.t().to_owned()).unwrap();
        let vt = vt.t().to_owned();
        let total: f64 = sv.iter().map(|s| s * s).sum();
        let mut acc = 0.0;
        let d = sv
            .iter()
            .position(|s| {
                acc += s * s;
                acc / total >= 0.95
            })
            .unwrap()
            + 1;
        let mut z = centred.dot(&vt.slice(s![..d, ..]).t()); // K × d codes
        for mut row in z.rows_mut() {
            let norm = row.dot(&row).sqrt();
            row /= norm + 1e-12;
        }
        z.reversed_axes() // d × K
    }

    #[test]
    fn one_em_step_matches_numpy() {
        // Expected values from tests/reference/gmm_em_step.py (NumPy, textbook EM; see that file).
        let x = array![[0.1, -0.2], [0.3, 0.0], [-0.1, 0.25], [1.9, 2.1], [2.2, 1.8], [1.0, 1.1]];
        let model = DiagGmm {
            weights: array![0.5, 0.5],
            means: array![[0.0, 0.0], [2.0, 2.0]],
            variances: array![[0.05, 0.08], [0.1, 0.02]],
        };
        let (resp, ll0) = model.e_step(&x);
        assert!((ll0 - -18.731092308308934).abs() < 1e-12, "ll0 {ll0}");
        assert!((resp[[5, 1]] - 0.0006480292983829622).abs() < 1e-15);
        let next = DiagGmm::m_step(&x, &resp, 1e-6).unwrap();
        let want_w = [0.6665586617836028, 0.33344133821639715];
        let want_mu = [[0.32489062733672536, 0.2873683477201323], [2.0496598948174105, 1.9497246767569514]];
        let want_var = [[0.17182901101065134, 0.24540153936945247], [0.022849706801985583, 0.02272666098550493]];
        for c in 0..2 {
            assert!((next.weights[c] - want_w[c]).abs() < 1e-14);
            for j in 0..2 {
                assert!((next.means[[c, j]] - want_mu[c][j]).abs() < 1e-14);
                assert!((next.variances[[c, j]] - want_var[c][j]).abs() < 1e-14);
            }
        }
        let ll1 = next.e_step(&x).1;
        assert!((ll1 - -6.926897217363184).abs() < 1e-12, "ll1 {ll1}");
    }

    #[test]
    fn recovers_two_separated_clusters() {
        // 60 points around (0, 0) and 140 around (5, -5), 20+ standard deviations apart: the
        // responsibilities are 0/1 to machine precision, so the EM fixed point is exactly each
        // cluster's sample mean, biased sample variance and share of the points.
        let mut g = rng(7);
        let mut pts = Array2::zeros((2, 200));
        let (sd_a, sd_b) = ([0.1, 0.2], [0.3, 0.1]);
        for i in 0..200 {
            let (centre, sd) = if i < 60 { ([0.0, 0.0], sd_a) } else { ([5.0, -5.0], sd_b) };
            for j in 0..2 {
                let e: f64 = StandardNormal.sample(&mut g);
                pts[[j, i]] = centre[j] + sd[j] * e;
            }
        }
        let cfg = GmmPcaConfig::default();
        let fit = fit_diag_gmm(pts.view(), 2, &cfg, &mut g).unwrap();
        assert!(fit.converged);
        let m = &fit.model;
        // Identify the component that sits on cluster A.
        let a = if m.means[[0, 0]] < 2.5 { 0 } else { 1 };
        for (comp, range) in [(a, 0..60), (1 - a, 60..200)] {
            let block = pts.slice(s![.., range.clone()]);
            let mean = block.mean_axis(Axis(1)).unwrap();
            let var = block.var_axis(Axis(1), 0.0);
            assert!((m.weights[comp] - range.len() as f64 / 200.0).abs() < 1e-12);
            for j in 0..2 {
                assert!((m.means[[comp, j]] - mean[j]).abs() < 1e-12);
                assert!((m.variances[[comp, j]] - var[j]).abs() < 1e-12);
            }
        }
        // And these are close to the generating parameters (3 standard errors of a variance).
        assert!((m.variances[[a, 1]] / 0.04 - 1.0).abs() < 3.0 * (2.0f64 / 60.0).sqrt());
        assert!((m.variances[[1 - a, 0]] / 0.09 - 1.0).abs() < 3.0 * (2.0f64 / 140.0).sqrt());
    }

    #[test]
    fn log_likelihood_never_decreases() {
        // 10 components on 68 codes in 50 dims (the PF00076 shape): the hard case for EM.
        let x = pf00076_memory();
        let mut g = rng(11);
        let codes = x.slice(s![..50, ..]).to_owned();
        let fit = fit_diag_gmm(codes.view(), 10, &GmmPcaConfig::default(), &mut g).unwrap();
        assert!(fit.ll_history.len() >= 3);
        for w in fit.ll_history.windows(2) {
            assert!(w[1] >= w[0] - 1e-9 * w[0].abs(), "LL decreased: {} -> {}", w[0], w[1]);
        }
        assert!(fit.ll_history.last().unwrap() > &fit.ll_history[0]);
    }

    #[test]
    fn samples_follow_the_mixture_moments() {
        let model = DiagGmm {
            weights: array![0.2, 0.8],
            means: array![[1.0, -2.0, 0.0], [-1.0, 0.5, 3.0]],
            variances: array![[0.5, 1e-6, 2.0], [0.1, 0.3, 0.05]],
        };
        let n = 200_000;
        let z = model.sample(n, &mut rng(3));
        for j in 0..3 {
            let mean: f64 = (0..2).map(|c| model.weights[c] * model.means[[c, j]]).sum();
            let second: f64 =
                (0..2).map(|c| model.weights[c] * (model.variances[[c, j]] + model.means[[c, j]].powi(2))).sum();
            let var = second - mean * mean;
            let got = z.row(j);
            let got_mean = got.mean().unwrap();
            let got_var = got.var(1.0);
            // 4 standard errors of the mean / of the variance (kurtosis-safe bound 3σ⁴·…).
            assert!((got_mean - mean).abs() < 4.0 * (var / n as f64).sqrt(), "dim {j}: {got_mean} vs {mean}");
            assert!((got_var / var - 1.0).abs() < 4.0 * (3.0 / n as f64).sqrt(), "dim {j}: {got_var} vs {var}");
        }
    }

    #[test]
    fn samples_lie_in_the_affine_pca_subspace_and_are_not_renormalised() {
        // K = 3 patterns in d = 5: r = min(50, 4, 2) = 2, so samples − mean lie in the span of
        // the centred patterns.
        let x = array![[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 0.5], [0.2, 0.1, 0.0], [0.0, 0.3, 0.4]];
        let out = gmm_pca_sample(x.view(), 50, &GmmPcaConfig::default(), &mut rng(5)).unwrap();
        assert_eq!((out.dims, out.components), (2, 2));
        let mean = x.mean_axis(Axis(1)).unwrap();
        let centred = &x - &mean.view().insert_axis(Axis(1));
        let (u, _) = left_singular_vectors(&centred).unwrap();
        let u2 = u.slice(s![.., ..2]).to_owned();
        let dev = &out.samples - &mean.view().insert_axis(Axis(1));
        let resid = &dev - &u2.dot(&u2.t().dot(&dev));
        assert!(resid.iter().all(|v| v.abs() < 1e-12));
        let norms: Vec<f64> = out.samples.columns().into_iter().map(|c| c.dot(&c).sqrt()).collect();
        assert!(norms.iter().any(|n| (n - 1.0).abs() > 1e-3), "samples look renormalised");
    }

    #[test]
    fn same_seed_same_bits() {
        let x = pf00076_memory();
        let cfg = GmmPcaConfig::default();
        let a = gmm_pca_sample(x.view(), 150, &cfg, &mut rng(42)).unwrap();
        let b = gmm_pca_sample(x.view(), 150, &cfg, &mut rng(42)).unwrap();
        let c = gmm_pca_sample(x.view(), 150, &cfg, &mut rng(43)).unwrap();
        assert!(a.samples.iter().zip(b.samples.iter()).all(|(p, q)| p.to_bits() == q.to_bits()));
        assert_eq!(a.log_likelihood.to_bits(), b.log_likelihood.to_bits());
        assert!(a.samples != c.samples);
    }

    #[test]
    fn pf00076_shape_and_protocol() {
        let x = pf00076_memory();
        assert_eq!(x.dim(), (59, 68), "published: d = 59, K = 68 on PF00076");
        let out = gmm_pca_sample(x.view(), 150, &GmmPcaConfig::default(), &mut rng(1)).unwrap();
        eprintln!(
            "GMM-PCA on PF00076: r = {}, C = {}, {} iterations, converged = {}, LL = {:.3}",
            out.dims, out.components, out.iterations, out.converged, out.log_likelihood
        );
        assert_eq!(out.dims, 50);
        assert!(out.components >= 1 && out.components <= 10);
        assert!(out.log_likelihood.is_finite() && out.iterations >= 1);
        assert_eq!(out.samples.dim(), (59, 150));
        assert!(out.samples.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn degenerate_inputs_give_errors_or_finite_samples() {
        let cfg = GmmPcaConfig::default();
        // K < 2 and d < 2 are errors with a message naming the problem.
        let e = gmm_pca_sample(Array2::zeros((4, 1)).view(), 5, &cfg, &mut rng(0)).unwrap_err();
        assert!(e.to_string().contains("K = 1"), "{e}");
        let e = gmm_pca_sample(Array2::zeros((1, 6)).view(), 5, &cfg, &mut rng(0)).unwrap_err();
        assert!(e.to_string().contains("d = 1"), "{e}");
        let mut bad = Array2::<f64>::eye(3);
        bad[[1, 2]] = f64::NAN;
        let e = gmm_pca_sample(bad.view(), 5, &cfg, &mut rng(0)).unwrap_err();
        assert!(e.to_string().contains("row 1, column 2"), "{e}");

        // K = 2: one dimension, one component, centred on the midpoint.
        let two = array![[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]];
        let out = gmm_pca_sample(two.view(), 20, &cfg, &mut rng(1)).unwrap();
        assert_eq!((out.dims, out.components), (1, 1));
        assert!(out.samples.iter().all(|v| v.is_finite()));

        // Identical columns: no spread, one component, samples = pattern + N(0, 1e-6) noise.
        let same = Array2::from_shape_fn((4, 6), |(i, _)| i as f64 * 0.5);
        let out = gmm_pca_sample(same.view(), 100, &cfg, &mut rng(2)).unwrap();
        assert_eq!(out.components, 1);
        for col in out.samples.columns() {
            for i in 0..4 {
                assert!((col[i] - i as f64 * 0.5).abs() < 1e-2);
            }
        }

        // Only two distinct columns among six: k-means++ cannot seed more than 2 components.
        let twice = array![[1.0, 1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]];
        let out = gmm_pca_sample(twice.view(), 10, &cfg, &mut rng(3)).unwrap();
        assert_eq!(out.components, 2);
        assert!(out.samples.iter().all(|v| v.is_finite()));

        // n = 0 is a valid (empty) request.
        let out = gmm_pca_sample(two.view(), 0, &cfg, &mut rng(4)).unwrap();
        assert_eq!(out.samples.dim(), (3, 0));
    }

    #[test]
    fn a_component_without_responsibility_is_dropped() {
        let x = array![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]];
        let resp = array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]];
        let m = DiagGmm::m_step(&x, &resp, 1e-6).unwrap();
        assert_eq!(m.components(), 2);
        assert_eq!(m.weights, array![2.0 / 3.0, 1.0 / 3.0]);
        assert_eq!(m.means, array![[1.0, 1.0], [1.0, 1.0]]);
        assert_eq!(m.variances, array![[1.0, 1.0], [1e-6, 1e-6]]);
        assert!(DiagGmm::m_step(&x, &Array2::zeros((3, 2)), 1e-6).is_none());
    }
}
