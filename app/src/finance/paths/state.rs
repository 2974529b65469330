//! The volatility-state path generator (`sa_paths`): each day is drawn from the historical days
//! whose volatility state is nearest the path's current state (a component of the Gaussian-mixture
//! law restricted to them, by its mixture weight), and the state then moves with the day drawn.
//! Day-to-day dependence is only in the state (volatility), never in the return direction: no
//! momentum, while a large day raises the state and the next days are drawn from turbulent
//! history (clustering).
//!
//! The day written is the historical day drawn itself (the default, [`DayDraw::Historical`]),
//! scaled by √(path's state / that day's state) so that a state beyond the history's draws
//! proportionally larger days, or the attention blend M softmax(β Xᵀξ) of the neighbourhood around
//! a fresh exact draw ξ (`--paths-state ewma-blend`, [`DayDraw::Blend`]). The blend averages days,
//! so its spread is smaller than the neighbourhood's: conditional (`--as-of`, backtest) draws,
//! which are not rescaled to the history's sd, then understate the risk (bench/README.md,
//! "Design measurements").
//!
//! `--paths-state runs` ([`DayDraw::Runs`]) also replays history's own sequences: each day after a
//! path's first continues with the historical day after the one drawn last, with probability
//! [`RUN_CONTINUE`], scaled to the path's state and not centred, else it is a fresh day of the
//! neighbourhood. A crash then unfolds with history's rebounds (its negative ACF at lags 1–6),
//! which the 20-day tails need, at the price of history's lag-1 ACF (docs/paths-and-risk.md).
//!
//! A path's first day draws from a wider neighbourhood ([`FIRST_DAY_MIN_POOL`] days at least):
//! every path of a forecast starts from the same state, so that neighbourhood is the whole law of
//! the forecast's first day, and its 1% quantile needs more than 25 days. Such a forecast (from a
//! given day: `--as-of`, the rolling backtest) starts from the larger of the state and a fast one
//! ([`FAST_DECAY`]), so that a shock raises the next day's risk at once.
//!
//! Each day is centred on its neighbourhood: the neighbourhood's mean day (weighted as the
//! mixture weights it) is replaced by the history's mean. Consecutive days share most of their
//! neighbourhood, so without this the noise in a ~20-day mean would be a drift common to
//! consecutive days, a spurious lag-1 ACF (bench/README.md, "Design measurements").

use super::{paths_from, stateful_paths, PathDraw, PathSpec};
use crate::finance::history::History;
use anyhow::Result;
use ndarray::{Array2, ArrayView1, Axis};
use rand::Rng as _;
use rand_distr::StandardNormal;
use satool::Rng;

/// Decay of the exponentially weighted mean square that is the volatility state (RiskMetrics'
/// daily λ; half-life ≈ 11 days).
pub const STATE_DECAY: f64 = 0.94;
/// Decay of the fast state a conditional forecast also follows (half-life ≈ 2 days): the
/// forecast starts from the larger of the two ([`States::forecast_start`]), so that a shock the
/// slow state has not absorbed yet (a crash's first days) raises the next day's risk at once,
/// while a calm spell keeps the slow state's level (as margin models take the larger of a short
/// and a long volatility). 0.70: of 0.90, 0.85, 0.80, 0.75 and 0.70 measured on the crash years
/// (and 0.65 on the ETFs), then checked on eight other years (docs/paths-and-risk.md, "The
/// forecast's start").
pub const FAST_DECAY: f64 = 0.70;
/// Share of the history each day may draw from: the days nearest the current state (the
/// smallest share whose volatility clustering and correlation error stop improving:
/// bench/README.md, "Design measurements").
pub const STATE_SHARE: f64 = 0.01;
/// Fewest days a neighbourhood holds (short histories): with historical days, and with the blend.
/// Twenty-five days give a calm state's 1-day VaR99 more than the few worst calm days
/// (bench/README.md, "Design measurements").
const MIN_POOL: usize = 25;
/// `--paths-state runs`: the chance that a day continues history's sequence from the day drawn
/// last (mean run 1 / (1 − p) = 5 days). Measured at 0.3, 0.5 and 0.8: only 0.8 brings the 20-day
/// skew of the sp500 file within 0.5 of history's on every seed (docs/paths-and-risk.md).
pub const RUN_CONTINUE: f64 = 0.8;
const MIN_POOL_BLEND: usize = 20;
/// Fewest days the neighbourhood of a path's first day holds (historical days). Every path of a
/// forecast starts from the same state, so the law of its first day is that neighbourhood's days
/// alone, and the 1% quantile of 25 days is their worst (about their 4% quantile): on histories of
/// 1,250–1,500 days the rolling 1-day VaR99 of a crash year ran red. Later days mix over the paths'
/// own states. 200: of 100, 200 and 300, the one with no red zone in the 2020 and 2008 backtests
/// measured (docs/paths-and-risk.md, "A path's first day").
pub const FIRST_DAY_MIN_POOL: usize = 200;

/// The historical states, sorted, with what each day contributes to the next state.
pub(in crate::finance) struct States {
    /// Day indices sorted by their state, and the sorted states.
    order: Vec<usize>,
    sorted: Vec<f64>,
    /// Cross-sectional mean of each day's squared returns, each in units of its ticker's mean
    /// (times the leverage's factor, with one): what the day adds to the next state.
    mean_sq: Vec<f64>,
    /// Per ticker, 1 / its mean g² over the history (0 for a ticker that never moved).
    unit: Vec<f64>,
    /// The state after the history's last day, and the fast state's ([`FAST_DECAY`]).
    after_last: f64,
    fast_after_last: f64,
    /// The neighbourhoods of every day of a path after its first.
    near: Pools,
    /// The wider neighbourhoods of a path's first day ([`FIRST_DAY_MIN_POOL`]); `None`: `near`.
    first: Option<Box<Pools>>,
    /// The state before each day.
    state: Vec<f64>,
    /// The fitted leverage of the state (`--paths-state ewma-leverage`; none: every day counts
    /// its mean g² alone).
    leverage: Option<Leverage>,
}

/// The neighbourhoods of one size: the days `order[lo..lo + pool]` for each `lo`.
struct Pools {
    pool: usize,
    /// Row `lo`: the mixture weights of the days `order[lo..lo + pool]` (unnormalised, from
    /// `satool::mixture_log_weights`), computed once rather than at every draw; `totals[lo]` their sum.
    weights: Array2<f64>,
    totals: Vec<f64>,
    /// Row `lo`: what centring adds to a day drawn from the neighbourhood `order[lo..lo + pool]`:
    /// the history's mean day minus the neighbourhood's mixture-weighted mean day, per ticker
    /// divided by the weighted share of the neighbourhood's days on which the ticker moved.
    shift: Array2<f64>,
}

impl Pools {
    fn new(g: &Array2<f64>, history_mean: ArrayView1<f64>, order: &[usize], log_w: &[f64], pool: usize) -> Pools {
        let k = order.len();
        let mut shift = Array2::zeros((k - pool + 1, g.ncols()));
        let (mut weights, mut totals) = (Array2::zeros((k - pool + 1, pool)), vec![0.0; k - pool + 1]);
        let (mut w, mut moving) = (Vec::with_capacity(pool), vec![0.0; g.ncols()]);
        for (lo, mut row) in shift.rows_mut().into_iter().enumerate() {
            pool_weights(log_w, &order[lo..lo + pool], &mut w);
            let total: f64 = w.iter().sum();
            weights.row_mut(lo).iter_mut().zip(&w).for_each(|(a, &b)| *a = b);
            totals[lo] = total;
            moving.fill(0.0);
            row.assign(&history_mean);
            for (&t, &wt) in order[lo..lo + pool].iter().zip(&w) {
                row.scaled_add(-wt / total, &g.row(t));
                for (m, &v) in moving.iter_mut().zip(g.row(t)) {
                    *m += if v != 0.0 { wt / total } else { 0.0 };
                }
            }
            // Zero-return days stay zero (see `draw_day`), so the others carry the whole shift.
            for (v, &m) in row.iter_mut().zip(&moving) {
                *v = if m > 0.0 { *v / m } else { 0.0 };
            }
        }
        Pools { pool, weights, totals, shift }
    }

    /// Where the neighbourhood of `state` starts (`sorted`: the history's states, sorted): a
    /// window of the sorted states centred on its rank.
    fn start(&self, sorted: &[f64], state: f64) -> usize {
        let rank = sorted.partition_point(|&v| v < state);
        rank.saturating_sub(self.pool / 2).min(sorted.len() - self.pool)
    }
}

/// A GJR-type leverage of the state: a day on which the equal-weight market fell (mean g < 0)
/// counts (1 + γ) times its mean g², a rising day once, both times `norm`, which keeps the days'
/// mean contribution (the state's unconditional level) the history's mean g².
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::finance) struct Leverage {
    /// γ, fitted by quasi-maximum likelihood on the history.
    pub gamma: f64,
    norm: f64,
}

/// The grid of γ the fit searches: 0, 1/20, …, 80/20 = 4.
const LEVERAGE_PER_UNIT: f64 = 20.0;
const LEVERAGE_STEPS: usize = 80;

impl Leverage {
    /// The leverage fitted on the history: γ minimising the quasi-likelihood loss Σ_t ln s_t + m_t / s_t of the state s (λ = 0.94,
    /// s_0 = mean m) as the conditional mean of the day's mean g², m_t (the first minimum on
    /// the grid); `down[t]`: the market fell on day t.
    pub(in crate::finance) fn of(h: &History) -> Leverage {
        let unit = ticker_units(h.g.view());
        let mean_sq: Vec<f64> = h.g.rows().into_iter().map(|r| mean_sq_in(r, &unit)).collect();
        let down: Vec<bool> = h.g.rows().into_iter().map(market_fell).collect();
        Leverage::fit(&mean_sq, &down)
    }

    /// [`Leverage::of`] from each day's mean g² and whether the market fell on it.
    fn fit(mean_sq: &[f64], down: &[bool]) -> Leverage {
        let mut best = (f64::INFINITY, Leverage::with_gamma(0.0, mean_sq, down));
        let s0 = mean_sq.iter().sum::<f64>() / mean_sq.len() as f64;
        for i in 0..=LEVERAGE_STEPS {
            let lev = Leverage::with_gamma(i as f64 / LEVERAGE_PER_UNIT, mean_sq, down);
            let mut s = s0;
            let mut loss = 0.0;
            for (&m, &d) in mean_sq.iter().zip(down) {
                loss += s.ln() + m / s;
                s = STATE_DECAY * s + (1.0 - STATE_DECAY) * m * lev.factor(d);
            }
            if loss < best.0 {
                best = (loss, lev);
            }
        }
        best.1
    }

    fn with_gamma(gamma: f64, mean_sq: &[f64], down: &[bool]) -> Leverage {
        let total: f64 = mean_sq.iter().sum();
        let weighted: f64 = mean_sq.iter().zip(down).map(|(&m, &d)| if d { (1.0 + gamma) * m } else { m }).sum();
        Leverage { gamma, norm: if weighted > 0.0 { total / weighted } else { 1.0 } }
    }

    /// What a day's mean g² is multiplied by in the state.
    fn factor(&self, down: bool) -> f64 {
        if down {
            (1.0 + self.gamma) * self.norm
        } else {
            self.norm
        }
    }
}

/// Whether the equal-weight market fell on the day.
fn market_fell(day: ArrayView1<f64>) -> bool {
    day.sum() < 0.0
}

/// What a day of `sa_paths` writes: the historical day drawn, centred and scaled to the path's
/// state, or the attention blend of the neighbourhood around a fresh exact draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DayDraw {
    Historical,
    Blend,
    /// Historical days, the state with a fitted [`Leverage`].
    Leverage,
    /// Historical days, continuing history's sequence with probability [`RUN_CONTINUE`].
    Runs,
}

/// Where a path is: its volatility state, and the historical day it drew last (`None` before its
/// first day), which `--paths-state runs` continues from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Walk {
    state: f64,
    last: Option<usize>,
}

impl Walk {
    fn at(state: f64) -> Walk {
        Walk { state, last: None }
    }
}

impl States {
    /// s_t = λ s_{t−1} + (1 − λ) m_{t−1}, s_0 = mean of m: the state before day t; neighbourhoods
    /// for historical days, a path's first day's the same as the others' (the generator's own:
    /// [`OneScale::new`]).
    #[cfg(test)]
    pub(in crate::finance) fn new(h: &History, beta: f64) -> States {
        States::with_min_pool(h, beta, MIN_POOL, None, false)
    }

    /// Neighbourhoods of 1% of the days, at least `min_pool` (and at least `first_min_pool` for a
    /// path's first day). With `leverage`, the state's [`Leverage`] fitted on the history, and each
    /// day's contribution to the next state its mean g² times the leverage's factor.
    fn with_min_pool(h: &History, beta: f64, min_pool: usize, first_min_pool: Option<usize>, leverage: bool) -> States {
        let g = &h.g;
        let unit = ticker_units(g.view());
        let mut mean_sq: Vec<f64> = g.rows().into_iter().map(|r| mean_sq_in(r, &unit)).collect();
        let leverage = leverage.then(|| {
            // Leverage::of, on the mean g² just computed.
            let down: Vec<bool> = g.rows().into_iter().map(market_fell).collect();
            let lev = Leverage::fit(&mean_sq, &down);
            for (m, &d) in mean_sq.iter_mut().zip(&down) {
                *m *= lev.factor(d);
            }
            lev
        });
        let mut s = mean_sq.iter().sum::<f64>() / mean_sq.len() as f64;
        let mut fast = s;
        let state: Vec<f64> = mean_sq
            .iter()
            .map(|&m| {
                let now = s;
                s = STATE_DECAY * s + (1.0 - STATE_DECAY) * m;
                fast = FAST_DECAY * fast + (1.0 - FAST_DECAY) * m;
                now
            })
            .collect();
        let (after_last, fast_after_last) = (s, fast);
        let mut order: Vec<usize> = (0..state.len()).collect();
        order.sort_by(|&a, &b| state[a].total_cmp(&state[b]));
        let sorted: Vec<f64> = order.iter().map(|&t| state[t]).collect();
        let k = state.len();
        let size = |min: usize| ((STATE_SHARE * k as f64).round() as usize).max(min).min(k);
        let log_w = satool::mixture_log_weights(&h.mem, beta);
        let mean = g.mean_axis(Axis(0)).expect("the history has days");
        let pools = |p: usize| Pools::new(g, mean.view(), &order, &log_w, p);
        let near = pools(size(min_pool));
        let first = first_min_pool.map(size).filter(|&p| p > near.pool).map(|p| Box::new(pools(p)));
        States { order, sorted, mean_sq, unit, after_last, fast_after_last, near, first, state, leverage }
    }

    /// The slow and the fast state after the history's last day.
    pub(in crate::finance) fn after_last(&self) -> [f64; 2] {
        [self.after_last, self.fast_after_last]
    }

    /// Where a forecast from the slow and fast states `[slow, fast]` starts (what `--as-of` and
    /// the rolling backtest start every path from): the larger of the two.
    pub(in crate::finance) fn forecast_start([slow, fast]: [f64; 2]) -> f64 {
        slow.max(fast)
    }

    /// The start of a conditional forecast after the history's last day ([`Self::forecast_start`]),
    /// of the state with the fitted [`Leverage`] when `leverage` (`--paths-state ewma-leverage`).
    pub(in crate::finance) fn start_after_last(h: &History, beta: f64, leverage: bool) -> f64 {
        States::forecast_start(States::with_min_pool(h, beta, MIN_POOL, None, leverage).after_last())
    }

    /// The slow and fast states after one more day (`day`: its returns, a day after the history
    /// or one of it), in the history's units: the history itself is not changed.
    pub(in crate::finance) fn advance(&self, [slow, fast]: [f64; 2], day: ArrayView1<f64>) -> [f64; 2] {
        let m = mean_sq_in(day, &self.unit);
        let m = match self.leverage {
            Some(lev) => m * lev.factor(market_fell(day)),
            None => m,
        };
        [STATE_DECAY * slow + (1.0 - STATE_DECAY) * m, FAST_DECAY * fast + (1.0 - FAST_DECAY) * m]
    }

    /// The neighbourhoods of a path's first day (`first`) or of its later days, and where the one
    /// of `state` starts: the days `order[lo..lo + pool]` nearest it.
    fn neighbourhood(&self, state: f64, first: bool) -> (&Pools, usize) {
        let pools = if first { self.first.as_deref().unwrap_or(&self.near) } else { &self.near };
        (pools, pools.start(&self.sorted, state))
    }
}

/// Cross-sectional mean of a day's squared returns, each ticker's in its unit (`unit` = 1 / its mean g²).
fn mean_sq_in(day: ArrayView1<f64>, unit: &[f64]) -> f64 {
    day.iter().zip(unit).map(|(v, u)| v * v * u).sum::<f64>() / day.len() as f64
}

/// Each ticker's 1 / mean g² (0 for a ticker that never moved): a day's g² in these units counts
/// every ticker alike in the market's state (not mostly the most volatile ones).
pub(super) fn ticker_units(g: ndarray::ArrayView2<f64>) -> Vec<f64> {
    g.columns()
        .into_iter()
        .map(|c| {
            let ms = c.iter().map(|v| v * v).sum::<f64>() / c.len() as f64;
            if ms > 0.0 {
                1.0 / ms
            } else {
                0.0
            }
        })
        .collect()
}

/// The mixture weights of the days in `pool` from their log weights, unnormalised (scaled by the
/// pool's largest, so a pool far below the memory's largest weight does not underflow), into `w`.
fn pool_weights(log_w: &[f64], pool: &[usize], w: &mut Vec<f64>) {
    w.clear();
    w.extend(pool.iter().map(|&k| log_w[k]));
    let max = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    w.iter_mut().for_each(|l| *l = (*l - max).exp());
}

/// Buffers of [`draw_day`], reused from day to day.
#[derive(Default)]
struct Scratch<'a> {
    logits: Vec<f64>,
    rows: Vec<&'a [f64]>,
}

/// A day of the neighbourhood of `pools` starting at `lo`, drawn by the mixture weights.
fn pick_day(states: &States, pools: &Pools, lo: usize, rng: &mut Rng) -> usize {
    let pool = &states.order[lo..lo + pools.pool];
    let u = rng.random::<f64>() * pools.totals[lo];
    let mut acc = 0.0;
    let pick = pools.weights.row(lo).iter().position(|&v| {
        acc += v;
        u < acc
    });
    pool[pick.unwrap_or(pool.len() - 1)]
}

/// One day at the state `now` from the neighbourhood of `pools` starting at `lo`: the historical
/// day k drawn by the mixture weights, centred, times √(now / state before day k), zero where day
/// k is; returns k.
fn historical_day(
    now: f64,
    h: &History,
    states: &States,
    (pools, lo): (&Pools, usize),
    out: &mut [f64],
    rng: &mut Rng,
) -> usize {
    let k = pick_day(states, pools, lo, rng);
    let scale = (now / states.state[k]).sqrt();
    for ((o, &v), &c) in out.iter_mut().zip(h.g.row(k)).zip(pools.shift.row(lo)) {
        *o = if v != 0.0 { (v + c) * scale } else { 0.0 };
    }
    k
}

/// Historical day `k` itself at the state `now`: times √(now / state before day k), not centred
/// (a continued run is history's own sequence; zeros stay zero).
fn continued_day(now: f64, h: &History, states: &States, k: usize, out: &mut [f64]) {
    let scale = (now / states.state[k]).sqrt();
    for (o, &v) in out.iter_mut().zip(h.g.row(k)) {
        *o = v * scale;
    }
}

/// One day from the neighbourhood starting at `lo`: ξ = x_k + β^{-1/2}z with k drawn from it by
/// the mixture weights, and its projection M softmax(β Xᵀξ) over the same days, centred, zero
/// where day k is; returns k.
#[allow(clippy::too_many_arguments)]
fn draw_day<'a>(
    h: &'a History,
    beta: f64,
    states: &States,
    lo: usize,
    xi: &mut [f64],
    out: &mut [f64],
    rng: &mut Rng,
    sc: &mut Scratch<'a>,
) -> usize {
    let xt = h.mem.xt();
    let pools = &states.near;
    let pool = &states.order[lo..lo + pools.pool];
    let k = pick_day(states, pools, lo, rng);
    let sigma = beta.powf(-0.5);
    for (v, &m) in xi.iter_mut().zip(xt.row(k)) {
        *v = m + sigma * rng.sample::<f64, _>(StandardNormal);
    }
    // The pool's dot products side by side, one accumulator each, every one summed in the order
    // of its coordinates as a single dot product is (from −0.0, as `f64: Sum` starts): the same
    // bits, without waiting on one addition chain at a time.
    sc.rows.clear();
    let dm = xt.ncols();
    let all: &'a [f64] = xt.to_slice().expect("Xᵀ is in standard layout");
    sc.rows.extend(pool.iter().map(|&j| &all[j * dm..(j + 1) * dm]));
    sc.logits.clear();
    sc.logits.resize(pool.len(), -0.0);
    for (i, &x) in xi.iter().enumerate() {
        for (acc, row) in sc.logits.iter_mut().zip(&sc.rows) {
            *acc += row[i] * x;
        }
    }
    sc.logits.iter_mut().for_each(|l| *l *= beta);
    satool::softmax_in_place(&mut sc.logits);
    out.copy_from_slice(pools.shift.row(lo).to_slice().expect("row of a standard array"));
    add_blend_keep_zeros(out, h.g.view(), pool, &sc.logits, k);
    k
}

/// Adds the attention blend Σ a_j g_j of the pool's days to `out`, then sets to zero each ticker
/// whose price did not move on the drawn day `k`: exact-zero returns (price ticks) are an atom of
/// the history that blending and centring would otherwise smear. Both path states end a day here.
pub(super) fn add_blend_keep_zeros(
    out: &mut [f64],
    g: ndarray::ArrayView2<f64>,
    pool: &[usize],
    attention: &[f64],
    k: usize,
) {
    for (&j, &a) in pool.iter().zip(attention) {
        for (o, &v) in out.iter_mut().zip(g.row(j)) {
            *o += a * v;
        }
    }
    for (o, &v) in out.iter_mut().zip(g.row(k)) {
        if v == 0.0 {
            *o = 0.0;
        }
    }
}

/// The one-scale generator of `sa_paths`: the history, β, its states and how a day is made.
pub(in crate::finance) struct OneScale<'a> {
    h: &'a History,
    beta: f64,
    states: States,
    days: DayDraw,
    /// Per historical day, whether the next row of the history is the next day of its run
    /// (`--paths-state runs` continues only inside a run; empty for the other day draws).
    continues: Vec<bool>,
}

impl<'a> OneScale<'a> {
    /// Neighbourhoods of at least 25 days for historical days (200 for a path's first day), 20
    /// for the blend (whose draws are not the neighbourhood's days themselves).
    pub(super) fn new(h: &'a History, beta: f64, days: DayDraw) -> OneScale<'a> {
        let (min_pool, first) = match days {
            DayDraw::Blend => (MIN_POOL_BLEND, None),
            _ => (MIN_POOL, Some(FIRST_DAY_MIN_POOL)),
        };
        let states = States::with_min_pool(h, beta, min_pool, first, days == DayDraw::Leverage);
        let mut continues = Vec::new();
        if days == DayDraw::Runs {
            continues = vec![false; h.g.nrows()];
            for r in &h.runs {
                continues[r.start..r.end.saturating_sub(1)].iter_mut().for_each(|c| *c = true);
            }
        }
        OneScale { h, beta, states, days, continues }
    }

    /// The slow and fast states after the history's last day.
    pub(super) fn after_last(&self) -> [f64; 2] {
        self.states.after_last()
    }

    /// The fitted leverage γ (`--paths-state ewma-leverage`), else `None`.
    pub(super) fn leverage(&self) -> Option<f64> {
        self.states.leverage.map(|l| l.gamma)
    }

    /// The slow and fast states after one more realised day, in the history's units.
    pub(super) fn advance(&self, state: [f64; 2], day: ArrayView1<f64>) -> [f64; 2] {
        self.states.advance(state, day)
    }

    /// One day of a path at its state into `out` (ξ into `xi` for the blend), the state moved
    /// with the historical day drawn; returns that day.
    fn step(&self, walk: &mut Walk, xi: &mut [f64], out: &mut [f64], rng: &mut Rng, sc: &mut Scratch<'a>) -> usize {
        let (h, states, now) = (self.h, &self.states, walk.state);
        let run = match walk.last {
            // The coin is tossed only where a run can continue, so every other draw keeps its stream.
            Some(k) if self.days == DayDraw::Runs && self.continues[k] => rng.random::<f64>() < RUN_CONTINUE,
            _ => false,
        };
        let day = if run {
            let k = walk.last.expect("a run continues from a day drawn") + 1;
            continued_day(now, h, states, k, out);
            k
        } else {
            let at = states.neighbourhood(now, walk.last.is_none());
            match self.days {
                DayDraw::Historical | DayDraw::Leverage | DayDraw::Runs => historical_day(now, h, states, at, out, rng),
                DayDraw::Blend => draw_day(h, self.beta, states, at.1, xi, out, rng, sc),
            }
        };
        walk.state = STATE_DECAY * now + (1.0 - STATE_DECAY) * states.mean_sq[day];
        walk.last = Some(day);
        day
    }

    /// `n` paths of `horizon` days, every one from `state`, one after the other from one stream;
    /// each path's days handed to `each` as one horizon × tickers row-major slice. The days of a
    /// path are those of a `--scenarios` path started at `state` on the same stream.
    pub(super) fn paths(&self, state: f64, n: usize, horizon: usize, rng: &mut Rng, each: impl FnMut(&[f64])) {
        let d_xi = if self.days == DayDraw::Blend { self.h.mem.d() } else { 0 };
        paths_from(
            (self.h.g.ncols(), d_xi),
            Walk::at(state),
            n,
            horizon,
            rng,
            each,
            |w, xi, out, rng, sc: &mut Scratch<'a>| self.step(w, xi, out, rng, sc),
        )
    }
}

/// N paths of H days, each from its own stream, starting at the state of a uniformly drawn
/// historical day (`as_of` false) or every one at the state after the history's last day (`as_of`
/// true: the forecast from that evening on), each day made as `days` says. Each chunk of paths
/// writes its rows of the result in place.
#[allow(clippy::too_many_arguments)]
pub(super) fn state_paths(
    h: &History,
    beta: f64,
    spec: PathSpec,
    seed: u64,
    id: &str,
    as_of: bool,
    days: DayDraw,
) -> Result<PathDraw> {
    let gen = OneScale::new(h, beta, days);
    let k = h.g.nrows();
    let from_last = States::forecast_start(gen.after_last());
    let start = |rng: &mut Rng| Walk::at(if as_of { from_last } else { gen.states.sorted[rng.random_range(0..k)] });
    let with_xi = days == DayDraw::Blend;
    stateful_paths(h, spec, seed, id, with_xi, start, |walk: &mut Walk, xi, out, rng, sc: &mut Scratch| {
        gen.step(walk, xi, out, rng, sc)
    })
}

/// `exact` as of the history's last day: N paths of H days, each day an exact draw of the
/// mixture law restricted to the neighbourhood of the state after the last day (the neighbourhood
/// of at least 20 days that `sa_paths --paths-state ewma-blend` starts from), the state held for the whole horizon (today's volatility kept, as the
/// square-root-of-time rule keeps it), each path from its own stream.
pub(super) fn held_state_paths(h: &History, beta: f64, spec: PathSpec, seed: u64, id: &str) -> Result<PathDraw> {
    let states = States::with_min_pool(h, beta, MIN_POOL_BLEND, None, false);
    let (_, lo) = states.neighbourhood(States::forecast_start(states.after_last()), false);
    stateful_paths(
        h,
        spec,
        seed,
        id,
        true,
        |_| (),
        |_: &mut (), xi, out, rng, sc: &mut Scratch| draw_day(h, beta, &states, lo, xi, out, rng, sc),
    )
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// Returns whose volatility comes and goes, with some exact zeros.
    pub(in crate::finance::paths) fn history(k: usize, d: usize) -> History {
        let g = Array2::from_shape_fn((k, d), |(t, j)| {
            let vol = 0.01 * (1.0 + 3.0 * ((t as f64 / 37.0).sin().max(0.0)));
            let u = ((t * 7919 + j * 104729) % 1009) as f64 / 1009.0 - 0.5;
            if (t + j) % 17 == 0 {
                0.0
            } else {
                vol * u
            }
        });
        let day0 = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        History::days_only(g, (0..k).map(|t| day0 + chrono::Days::new(t as u64)).collect()).unwrap()
    }

    /// Days after a fall twice as turbulent as after a rise: the fit finds γ > 0 (near the
    /// (1 + γ) = 2 that generated them), the renormalised factors keep the days' mean contribution, and
    /// without any asymmetry γ is 0.
    #[test]
    fn leverage_is_fitted_where_falls_raise_the_next_days() {
        let (mut s, k) = (1.0, 4000);
        let mut rng = satool::stream(11, "leverage");
        let (mut m, mut down) = (Vec::with_capacity(k), Vec::with_capacity(k));
        let mut symmetric = Vec::with_capacity(k);
        for _ in 0..k {
            let z: f64 = rng.sample(StandardNormal);
            let d = rng.random::<f64>() < 0.5;
            m.push(s * z * z);
            symmetric.push(z * z);
            down.push(d);
            s = STATE_DECAY * s + (1.0 - STATE_DECAY) * z * z * s * if d { 2.0 } else { 1.0 } / 1.5;
        }
        let lev = Leverage::fit(&m, &down);
        assert!(lev.gamma > 0.5 && lev.gamma < 2.0, "γ {}", lev.gamma);
        let total: f64 = m.iter().sum();
        let weighted: f64 = m.iter().zip(&down).map(|(&v, &d)| v * lev.factor(d)).sum();
        assert!((weighted / total - 1.0).abs() < 1e-12);
        assert_eq!(Leverage::fit(&symmetric, &down).gamma, 0.0);
    }

    /// `--paths-state runs`: a path's first day is the default's; after it, about 80% of days are
    /// the historical day after the one drawn last, written as that day scaled to the path's state
    /// (not centred); a run never crosses the end of a run of consecutive days.
    #[test]
    fn runs_continue_history_from_the_day_drawn_last() {
        let mut h = history(600, 5);
        h.runs = vec![0..300, 300..600];
        let gen = OneScale::new(&h, 25.0, DayDraw::Runs);
        let plain = OneScale::new(&h, 25.0, DayDraw::Historical);
        let (mut continued, mut steps) = (0, 0);
        let mut sc = Scratch::default();
        for p in 0..200 {
            let start = gen.states.sorted[(p * 7) % 600];
            let (mut walk, mut rng) = (Walk::at(start), satool::stream(5, &format!("runs{p}")));
            let (mut w0, mut rng0) = (Walk::at(start), satool::stream(5, &format!("runs{p}")));
            let (mut out, mut out0) = (vec![0.0; 5], vec![0.0; 5]);
            let first = gen.step(&mut walk, &mut [], &mut out, &mut rng, &mut sc);
            assert_eq!(first, plain.step(&mut w0, &mut [], &mut out0, &mut rng0, &mut sc), "path {p}: first day");
            assert_eq!(out, out0);
            let mut last = first;
            for _ in 0..19 {
                let now = walk.state;
                let k = gen.step(&mut walk, &mut [], &mut out, &mut rng, &mut sc);
                if last != 299 && last != 599 {
                    steps += 1;
                }
                if k == last + 1 && last != 299 {
                    continued += 1;
                    let scale = (now / gen.states.state[k]).sqrt();
                    let want: Vec<f64> = h.g.row(k).iter().map(|v| v * scale).collect();
                    // A fresh draw may land on the next day too (about 1 in 25): then it is centred.
                    let centred: Vec<f64> =
                        h.g.row(k)
                            .iter()
                            .zip(gen.states.near.shift.row(gen.states.neighbourhood(now, false).1))
                            .map(|(&v, &c)| if v != 0.0 { (v + c) * scale } else { 0.0 })
                            .collect();
                    assert!(out == want || out == centred, "a continued day is history's, scaled");
                }
                assert_eq!(walk.last, Some(k));
                last = k;
            }
        }
        let share = continued as f64 / steps as f64;
        assert!((share - RUN_CONTINUE).abs() < 0.04, "share of continued days {share}");
        // After the last day of a run no coin is tossed: the day is the default's fresh draw.
        for p in 0..50 {
            let end = Walk { state: gen.states.state[299], last: Some(299) };
            let (mut w, mut w0) = (end, end);
            let (mut rng, mut rng0) = (satool::stream(6, &format!("end{p}")), satool::stream(6, &format!("end{p}")));
            let (mut out, mut out0) = (vec![0.0; 5], vec![0.0; 5]);
            let k = gen.step(&mut w, &mut [], &mut out, &mut rng, &mut sc);
            assert_eq!(k, plain.step(&mut w0, &mut [], &mut out0, &mut rng0, &mut sc), "end of a run, path {p}");
            assert_eq!(out, out0);
        }
    }

    /// A path's first day draws from the 200 days nearest its state, so a forecast's 1-day law has
    /// 200 days, not 25; every later day from the 25 nearest the path's state then.
    #[test]
    fn a_paths_first_day_draws_from_the_wider_neighbourhood() {
        let h = history(600, 5);
        let gen = OneScale::new(&h, 25.0, DayDraw::Historical);
        let states = &gen.states;
        assert_eq!((states.near.pool, states.first.as_ref().map(|p| p.pool)), (MIN_POOL, Some(FIRST_DAY_MIN_POOL)));
        let now = states.sorted[300];
        let (first, lo) = states.neighbourhood(now, true);
        assert_eq!(first.pool, FIRST_DAY_MIN_POOL);
        let (mut sc, mut out) = (Scratch::default(), vec![0.0; 5]);
        let mut seen = std::collections::BTreeSet::new();
        for p in 0..2000 {
            let (mut walk, mut rng) = (Walk::at(now), satool::stream(8, &format!("first{p}")));
            let k = gen.step(&mut walk, &mut [], &mut out, &mut rng, &mut sc);
            assert!(states.order[lo..lo + FIRST_DAY_MIN_POOL].contains(&k), "path {p}: first day {k}");
            seen.insert(k);
            let (_, near) = states.neighbourhood(walk.state, false);
            let second = gen.step(&mut walk, &mut [], &mut out, &mut rng, &mut sc);
            assert!(states.order[near..near + MIN_POOL].contains(&second), "path {p}: second day");
        }
        assert!(
            seen.len() > FIRST_DAY_MIN_POOL * 3 / 4,
            "first days spread over the wide neighbourhood: {}",
            seen.len()
        );
        // The blend's draws are not its days: its first day draws as the later ones.
        assert!(OneScale::new(&h, 25.0, DayDraw::Blend).states.first.is_none());
    }

    #[test]
    fn a_historical_day_is_centred_and_scaled_to_the_state() {
        let h = history(600, 5);
        let states = States::new(&h, 25.0);
        assert_eq!(states.near.pool, MIN_POOL);
        assert!(states.first.is_none(), "States::new: a first day draws as the later days");
        // A state beyond the history's largest: the top neighbourhood, days scaled up.
        let now = 2.0 * states.sorted[599];
        let (pools, lo) = states.neighbourhood(now, false);
        assert_eq!(lo, 600 - MIN_POOL);
        let pool = &states.order[lo..lo + pools.pool];
        let mut rng = satool::stream(7, "test");
        let (mut out, mut w) = (vec![0.0; 5], Vec::new());
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let k = historical_day(now, &h, &states, (pools, lo), &mut out, &mut rng);
            assert!(pool.contains(&k));
            seen.insert(k);
            let scale = (now / states.state[k]).sqrt();
            assert!(scale > 1.3, "a state twice the largest scales every day up ({scale})");
            for (j, &o) in out.iter().enumerate() {
                let v = h.g[[k, j]];
                let want = if v == 0.0 { 0.0 } else { (v + pools.shift[[lo, j]]) * scale };
                assert_eq!(o, want);
            }
        }
        assert!(seen.len() > MIN_POOL / 2, "the days drawn spread over the neighbourhood");
        // Centring: the neighbourhood's weighted mean day, the days a ticker did not move kept at
        // zero, is the history's mean.
        pool_weights(&satool::mixture_log_weights(&h.mem, 25.0), pool, &mut w);
        let total: f64 = w.iter().sum();
        assert_eq!((pools.weights.row(lo).to_vec(), pools.totals[lo]), (w.clone(), total), "the weights kept");
        for j in 0..5 {
            let mut mean = 0.0;
            for (&t, &wt) in pool.iter().zip(&w) {
                if h.g[[t, j]] != 0.0 {
                    mean += wt / total * (h.g[[t, j]] + pools.shift[[lo, j]]);
                }
            }
            let hist = h.g.column(j).mean().unwrap();
            assert!((mean - hist).abs() < 1e-15, "ticker {j}: {mean} vs {hist}");
        }
    }
}
