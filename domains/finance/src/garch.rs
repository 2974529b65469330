//! GARCH(1,1) filtered historical simulation (FHS), the comparator risk desks use.
//!
//! Per ticker: `r_t = μ + ε_t`, `σ²_t = ω + α ε²_{t−1} + β σ²_{t−1}`, fitted by Gaussian
//! quasi-maximum likelihood exactly as the Python `arch` package does it (constant mean, its
//! backcast `σ²_0` = the 0.94-EWMA of the first min(75, n) squared residuals from the sample mean,
//! held fixed during the fit), so the fitted parameters match `arch`'s (checked against
//! tests/reference/garch_reference.json). Nelder–Mead finds the optimum to ~1e-10 in
//! log-likelihood; Newton steps on the analytic gradient then take the parameters to where the
//! gradient vanishes (within 1e-8 of the optimum found independently by
//! tests/reference/garch_forecast_reference.py, closer than `arch`'s own SLSQP stop).
//!
//! Scale: the fit runs on percent returns (100 × r, as `arch` recommends for a well-conditioned
//! optimisation); [`GarchParams`] are converted back to the units of the returns given (μ/100,
//! ω/10⁴; α and β are scale-free).
//!
//! Simulation ([`GarchPanel::simulate`]): each simulated day draws one historical day and uses
//! that day's standardised residuals for every ticker (the cross-section is kept), scaled by each
//! ticker's current conditional sd; the recursion starts from the one-day-ahead variance after
//! the last historical day.

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use ndarray::{Array2, Array3, ArrayView2};
use rand::Rng;
use rayon::prelude::*;
use thiserror::Error;

/// Returns are multiplied by this before fitting (percent returns).
pub const FIT_SCALE: f64 = 100.0;
/// Length and decay of `arch`'s backcast (EWMA of the first squared residuals).
const BACKCAST_DAYS: usize = 75;
const BACKCAST_DECAY: f64 = 0.94;
/// Most Newton steps after Nelder–Mead (it converges in 2–4 from there).
const NEWTON_STEPS: usize = 20;
/// Fewest returns a ticker needs to be fitted (the finance job itself runs from 29).
pub const MIN_DAYS: usize = 20;

/// Why a GARCH fit failed.
#[derive(Debug, Error)]
pub enum GarchError {
    #[error("ticker #{ticker}: {days} returns, a GARCH fit needs at least {MIN_DAYS}")]
    TooShort { ticker: usize, days: usize },
    #[error("ticker #{ticker}: return {day} is {value} (not finite)")]
    NonFinite { ticker: usize, day: usize, value: f64 },
    #[error("ticker #{ticker}: constant returns, no variance to model")]
    Constant { ticker: usize },
    #[error("ticker #{ticker}: the optimiser failed: {message}")]
    Optimizer { ticker: usize, message: String },
}

/// GARCH(1,1) parameters with a constant mean, in the units of the returns they apply to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GarchParams {
    pub mu: f64,
    pub omega: f64,
    pub alpha: f64,
    pub beta: f64,
}

impl GarchParams {
    /// The same model for returns multiplied by `c` (μ scales by c, ω by c²).
    pub fn rescaled(self, c: f64) -> GarchParams {
        GarchParams { mu: self.mu * c, omega: self.omega * c * c, ..self }
    }

    /// Maps unconstrained coordinates to parameters with ω > 0, α, β ≥ 0 and α + β < 1:
    /// θ = (μ, ln ω, logit(α + β), logit(α / (α + β))).
    fn from_theta(t: &[f64]) -> GarchParams {
        let logistic = |x: f64| 1.0 / (1.0 + (-x).exp());
        let (persistence, share) = (logistic(t[2]), logistic(t[3]));
        GarchParams { mu: t[0], omega: t[1].exp(), alpha: persistence * share, beta: persistence * (1.0 - share) }
    }

    fn to_theta(self) -> Vec<f64> {
        let logit = |p: f64| (p / (1.0 - p)).ln();
        let s = self.alpha + self.beta;
        vec![self.mu, self.omega.ln(), logit(s), logit(self.alpha / s)]
    }
}

/// `arch`'s backcast: Σ w_i e_i² over the first min(75, n) residuals, w_i ∝ 0.94^i.
pub fn backcast(resid: &[f64]) -> f64 {
    let tau = resid.len().min(BACKCAST_DAYS);
    let w: Vec<f64> = (0..tau).map(|i| BACKCAST_DECAY.powi(i as i32)).collect();
    let total: f64 = w.iter().sum();
    resid[..tau].iter().zip(&w).map(|(e, w)| e * e * w / total).sum()
}

/// Conditional variances σ²_1..σ²_n and the one-day-ahead σ²_{n+1}, from σ²_0 = `backcast`
/// (`arch`'s recursion: the first day uses the backcast for both ε² and σ²).
fn variances(r: &[f64], p: GarchParams, backcast: f64, out: &mut Vec<f64>) -> f64 {
    out.clear();
    let (mut prev_e2, mut prev_s2) = (backcast, backcast);
    for &x in r {
        let s2 = p.omega + p.alpha * prev_e2 + p.beta * prev_s2;
        out.push(s2);
        prev_e2 = (x - p.mu) * (x - p.mu);
        prev_s2 = s2;
    }
    p.omega + p.alpha * prev_e2 + p.beta * prev_s2
}

/// Gaussian log-likelihood of `r` under `p` with the given backcast (the value `arch` reports
/// as `loglikelihood` when `r` are its fitted data and `backcast` is [`backcast`] of r − mean).
pub fn loglikelihood(r: &[f64], p: GarchParams, backcast: f64) -> f64 {
    let mut s2 = Vec::with_capacity(r.len());
    variances(r, p, backcast, &mut s2);
    let ln2pi = (2.0 * std::f64::consts::PI).ln();
    r.iter().zip(&s2).map(|(x, s)| -0.5 * (ln2pi + s.ln() + (x - p.mu) * (x - p.mu) / s)).sum()
}

/// The log-likelihood of `r` under `p` and its gradient in (μ, ω, α, β), by differentiating
/// the variance recursion (σ²_0 = the backcast is held fixed, as in the fit).
fn loglikelihood_gradient(r: &[f64], p: GarchParams, backcast: f64) -> (f64, [f64; 4]) {
    let ln2pi = (2.0 * std::f64::consts::PI).ln();
    let (mut prev_e, mut prev_e2, mut prev_s2) = (0.0, backcast, backcast);
    // dσ²/d(μ, ω, α, β) of the previous day (zero for σ²_0).
    let mut ds = [0.0f64; 4];
    let (mut ll, mut grad) = (0.0, [0.0f64; 4]);
    for (t, &x) in r.iter().enumerate() {
        let s2 = p.omega + p.alpha * prev_e2 + p.beta * prev_s2;
        let dmu_e2 = if t == 0 { 0.0 } else { -2.0 * prev_e };
        ds = [
            p.alpha * dmu_e2 + p.beta * ds[0],
            1.0 + p.beta * ds[1],
            prev_e2 + p.beta * ds[2],
            prev_s2 + p.beta * ds[3],
        ];
        let e = x - p.mu;
        ll += -0.5 * (ln2pi + s2.ln() + e * e / s2);
        let w = -0.5 * (1.0 / s2 - e * e / (s2 * s2));
        for (g, d) in grad.iter_mut().zip(&ds) {
            *g += w * d;
        }
        grad[0] += e / s2;
        (prev_e, prev_e2, prev_s2) = (e, e * e, s2);
    }
    (ll, grad)
}

/// Solves the 4 × 4 system `a x = b` by Gaussian elimination with partial pivoting (None when
/// singular).
#[allow(clippy::needless_range_loop)] // row operations read clearest with indices
fn solve4(mut a: [[f64; 4]; 4], mut b: [f64; 4]) -> Option<[f64; 4]> {
    for c in 0..4 {
        let piv = (c..4).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[piv][c].abs() < 1e-300 || !a[piv][c].is_finite() {
            return None;
        }
        a.swap(c, piv);
        b.swap(c, piv);
        for i in c + 1..4 {
            let f = a[i][c] / a[c][c];
            for k in c..4 {
                a[i][k] -= f * a[c][k];
            }
            b[i] -= f * b[c];
        }
    }
    let mut x = [0.0; 4];
    for c in (0..4).rev() {
        x[c] = (b[c] - (c + 1..4).map(|k| a[c][k] * x[k]).sum::<f64>()) / a[c][c];
    }
    Some(x)
}

/// Newton's method on the log-likelihood from an interior optimum `p` found by Nelder–Mead:
/// the analytic gradient, its Jacobian by central differences, steps halved until the
/// likelihood rises and the parameters stay admissible (ω > 0, α, β ≥ 0, α + β < 1). Nelder–Mead
/// stops where the likelihood is flat to ~1e-10; Newton takes the parameters to where the
/// gradient vanishes, as `arch` solved to a tight tolerance does. Returns `p` unchanged when no
/// step helps (e.g. an optimum on the boundary).
fn newton_polish(r: &[f64], p: GarchParams, backcast: f64) -> GarchParams {
    let as_vec = |p: GarchParams| [p.mu, p.omega, p.alpha, p.beta];
    let of_vec = |v: [f64; 4]| GarchParams { mu: v[0], omega: v[1], alpha: v[2], beta: v[3] };
    let admissible = |p: GarchParams| p.omega > 0.0 && p.alpha >= 0.0 && p.beta >= 0.0 && p.alpha + p.beta < 1.0;
    let (mut v, (mut ll, mut grad)) = (as_vec(p), loglikelihood_gradient(r, p, backcast));
    for _ in 0..NEWTON_STEPS {
        let mut hess = [[0.0; 4]; 4];
        for i in 0..4 {
            let h = 1e-5 * v[i].abs().max(1e-3);
            let (mut up, mut down) = (v, v);
            up[i] += h;
            down[i] -= h;
            let (gu, gd) = (
                loglikelihood_gradient(r, of_vec(up), backcast).1,
                loglikelihood_gradient(r, of_vec(down), backcast).1,
            );
            for k in 0..4 {
                hess[k][i] = (gu[k] - gd[k]) / (2.0 * h);
            }
        }
        // Symmetrised; the step solves H δ = −∇.
        let hess: [[f64; 4]; 4] = std::array::from_fn(|i| std::array::from_fn(|k| 0.5 * (hess[i][k] + hess[k][i])));
        let Some(step) = solve4(hess, grad.map(|g| -g)) else { break };
        let mut scale = 1.0;
        let mut accepted = false;
        while scale > 1e-3 {
            let trial = std::array::from_fn(|i| v[i] + scale * step[i]);
            if admissible(of_vec(trial)) {
                let (l, g) = loglikelihood_gradient(r, of_vec(trial), backcast);
                if l.is_finite() && l >= ll - 1e-14 * ll.abs() {
                    (v, ll, grad, accepted) = (trial, l, g, true);
                    break;
                }
            }
            scale *= 0.5;
        }
        let small = (0..4).all(|i| (scale * step[i]).abs() <= 1e-12 * v[i].abs().max(1e-6));
        if !accepted || small {
            break;
        }
    }
    of_vec(v)
}

/// The negative mean log-likelihood in θ coordinates (what Nelder–Mead minimises).
struct Objective<'a> {
    r: &'a [f64],
    backcast: f64,
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> Result<f64, argmin::core::Error> {
        let ll = loglikelihood(self.r, GarchParams::from_theta(theta), self.backcast);
        // A non-finite value (variance underflow) ranks last instead of poisoning the simplex.
        Ok(if ll.is_finite() { -ll / self.r.len() as f64 } else { f64::INFINITY })
    }
}

/// One ticker's fitted model.
#[derive(Debug, Clone)]
pub struct GarchFit {
    /// In the units of the returns given.
    pub params: GarchParams,
    /// Gaussian log-likelihood of the percent returns (comparable with `arch`'s).
    pub loglikelihood_percent: f64,
    /// Standardised residuals (r_t − μ)/σ_t, one per historical day.
    pub std_resid: Vec<f64>,
    /// σ²_{n+1}: the variance the simulation starts from (units of the returns given, squared).
    pub next_variance: f64,
    /// σ²_0 of the recursion (`arch`'s backcast of the fitted days), in percent².
    pub backcast_percent: f64,
}

impl GarchFit {
    /// One-day-ahead variances σ²_1..σ²_{n+1} over `r`: the fitted days first, then any days
    /// after them, filtered with the fitted parameters and backcast (units of the returns, squared).
    /// Element t is the forecast for day t made after day t − 1: `arch`'s
    /// `fit(last_obs=n).forecast(start=…, horizon=1)` for the days after the fit.
    pub fn one_day_variances(&self, r: &[f64]) -> Vec<f64> {
        let x: Vec<f64> = r.iter().map(|v| v * FIT_SCALE).collect();
        let mut s2 = Vec::with_capacity(x.len() + 1);
        let next = variances(&x, self.params.rescaled(FIT_SCALE), self.backcast_percent, &mut s2);
        s2.push(next);
        s2.iter().map(|v| v / (FIT_SCALE * FIT_SCALE)).collect()
    }
}

/// Fits GARCH(1,1) to one return series (`ticker` only names it in errors).
pub fn fit(r: &[f64], ticker: usize) -> Result<GarchFit, GarchError> {
    if r.len() < MIN_DAYS {
        return Err(GarchError::TooShort { ticker, days: r.len() });
    }
    if let Some((day, &value)) = r.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(GarchError::NonFinite { ticker, day, value });
    }
    let x: Vec<f64> = r.iter().map(|v| v * FIT_SCALE).collect();
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    if var <= 0.0 {
        return Err(GarchError::Constant { ticker });
    }
    let resid: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let bc = backcast(&resid);
    // Start from the best point of a small grid (as `arch` does), then Nelder–Mead, restarted
    // from its own optimum with a smaller simplex until the likelihood stops improving, then
    // Newton steps until the gradient vanishes.
    let objective = Objective { r: &x, backcast: bc };
    let mut start = GarchParams { mu: mean, omega: var * 0.05, alpha: 0.05, beta: 0.90 };
    let mut best = f64::INFINITY;
    for alpha in [0.01, 0.05, 0.1, 0.2] {
        for persistence in [0.5, 0.7, 0.9, 0.98] {
            let p = GarchParams { mu: mean, omega: var * (1.0 - persistence), alpha, beta: persistence - alpha };
            let c = objective.cost(&p.to_theta()).unwrap_or(f64::INFINITY);
            if c < best {
                (best, start) = (c, p);
            }
        }
    }
    let mut theta = start.to_theta();
    let steps = [0.1 * var.sqrt(), 0.5, 0.5, 0.5];
    for round in 0..6 {
        let shrink = 0.2f64.powi(round);
        let mut simplex = vec![theta.clone()];
        for (i, s) in steps.iter().enumerate() {
            let mut v = theta.clone();
            v[i] += s * shrink;
            simplex.push(v);
        }
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(1e-13)
            .map_err(|e| GarchError::Optimizer { ticker, message: e.to_string() })?;
        let res = Executor::new(Objective { r: &x, backcast: bc }, solver)
            .configure(|s| s.max_iters(4000))
            .run()
            .map_err(|e| GarchError::Optimizer { ticker, message: e.to_string() })?;
        let cost = res.state().get_best_cost();
        let Some(p) = res.state().get_best_param().cloned() else { break };
        let improved = best - cost;
        if cost <= best {
            (best, theta) = (cost, p);
        }
        if round > 0 && improved < 1e-12 {
            break;
        }
    }
    if !best.is_finite() {
        return Err(GarchError::Optimizer { ticker, message: "no finite likelihood found".into() });
    }
    let p = newton_polish(&x, GarchParams::from_theta(&theta), bc);
    let best = -loglikelihood(&x, p, bc) / n;
    let mut s2 = Vec::with_capacity(x.len());
    let next = variances(&x, p, bc, &mut s2);
    let std_resid = x.iter().zip(&s2).map(|(v, s)| (v - p.mu) / s.sqrt()).collect();
    Ok(GarchFit {
        params: p.rescaled(1.0 / FIT_SCALE),
        loglikelihood_percent: -best * n,
        std_resid,
        next_variance: next / (FIT_SCALE * FIT_SCALE),
        backcast_percent: bc,
    })
}

/// Every ticker's fit, and the standardised residuals as days × tickers for joint resampling.
#[derive(Debug, Clone)]
pub struct GarchPanel {
    pub fits: Vec<GarchFit>,
    /// K × d standardised residuals (row = historical day).
    pub std_resid: Array2<f64>,
}

impl GarchPanel {
    /// Fits every column of `g` (K days × d tickers) in parallel.
    pub fn fit(g: ArrayView2<f64>) -> Result<GarchPanel, GarchError> {
        let fits: Vec<GarchFit> =
            (0..g.ncols()).into_par_iter().map(|j| fit(&g.column(j).to_vec(), j)).collect::<Result<_, _>>()?;
        let std_resid = Array2::from_shape_fn(g.dim(), |(t, j)| fits[j].std_resid[t]);
        Ok(GarchPanel { fits, std_resid })
    }

    /// `n_paths` paths of `horizon` days (n_paths × horizon × d), each from the one-day-ahead
    /// variance after the last historical day; each simulated day reuses one historical day's
    /// standardised residual vector (drawn uniformly, with replacement) for all tickers.
    pub fn simulate<R: Rng + ?Sized>(&self, n_paths: usize, horizon: usize, rng: &mut R) -> Array3<f64> {
        let start: Vec<f64> = self.fits.iter().map(|f| f.next_variance).collect();
        self.simulate_from(&start, n_paths, horizon, rng)
    }

    /// As [`GarchPanel::simulate`], from the one-day-ahead variance `start[j]` of each ticker
    /// (e.g. one filtered through days after the fit, [`GarchFit::one_day_variances`]).
    pub fn simulate_from<R: Rng + ?Sized>(
        &self,
        start: &[f64],
        n_paths: usize,
        horizon: usize,
        rng: &mut R,
    ) -> Array3<f64> {
        let d = self.fits.len();
        let k = self.std_resid.nrows();
        let mut out = Array3::zeros((n_paths, horizon, d));
        for path in 0..n_paths {
            let mut var = start.to_vec();
            for day in 0..horizon {
                let z = self.std_resid.row(rng.random_range(0..k));
                for (j, f) in self.fits.iter().enumerate() {
                    let GarchParams { mu, omega, alpha, beta } = f.params;
                    let e = var[j].sqrt() * z[j];
                    out[[path, day, j]] = mu + e;
                    var[j] = omega + alpha * e * e + beta * var[j];
                }
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "garch_tests.rs"]
mod tests;
