//! The volatility-state path generator (`sa_paths`): each day is a fresh exact draw of the
//! Gaussian-mixture law restricted to the historical days whose volatility state is nearest the
//! path's current state, and the state then moves with the day drawn. Day-to-day dependence is
//! only in the state (volatility), never in the return direction: no momentum, while a large
//! day raises the state and the next days are drawn from turbulent history (clustering).
//!
//! Each day is centred on its neighbourhood: the neighbourhood's mean day (weighted as the
//! mixture weights it) is replaced by the history's mean. Consecutive days share most of their
//! neighbourhood, so without this the noise in a ~20-day mean would be a drift common to
//! consecutive days, a spurious lag-1 ACF (bench/README.md, "Design measurements").

use super::{stateful_paths, PathDraw, PathSpec};
use crate::finance::history::History;
use anyhow::Result;
use ndarray::{Array2, ArrayView1, Axis};
use rand::Rng as _;
use rand_distr::StandardNormal;
use satool::Rng;

/// Decay of the exponentially weighted mean square that is the volatility state (RiskMetrics'
/// daily λ; half-life ≈ 11 days).
pub const STATE_DECAY: f64 = 0.94;
/// Share of the history each day may draw from: the days nearest the current state (the
/// smallest share whose volatility clustering and correlation error stop improving:
/// bench/README.md, "Design measurements").
pub const STATE_SHARE: f64 = 0.01;
/// Fewest days a neighbourhood holds (short histories).
const MIN_POOL: usize = 20;

/// The historical states, sorted, with what each day contributes to the next state.
pub(in crate::finance) struct States {
    /// Day indices sorted by their state, and the sorted states.
    order: Vec<usize>,
    sorted: Vec<f64>,
    /// Cross-sectional mean of each day's squared returns, each in units of its ticker's mean.
    mean_sq: Vec<f64>,
    /// Per ticker, 1 / its mean g² over the history (0 for a ticker that never moved).
    unit: Vec<f64>,
    /// The state after the history's last day: the state of the next day's forecast.
    after_last: f64,
    /// Neighbourhood size.
    pool: usize,
    /// Log mixture weight of every day (`satool::mixture_log_weights`).
    log_w: Vec<f64>,
    /// Row `lo`: what centring adds to a day drawn from the neighbourhood `order[lo..lo + pool]`:
    /// the history's mean day minus the neighbourhood's mixture-weighted mean day, per ticker
    /// divided by the weighted share of the neighbourhood's days on which the ticker moved.
    shift: Array2<f64>,
}

impl States {
    /// s_t = λ s_{t−1} + (1 − λ) m_{t−1}, s_0 = mean of m: the state before day t.
    pub(in crate::finance) fn new(h: &History, beta: f64) -> States {
        let g = &h.g;
        let unit = ticker_units(g.view());
        let mean_sq: Vec<f64> = g.rows().into_iter().map(|r| mean_sq_in(r, &unit)).collect();
        let mut s = mean_sq.iter().sum::<f64>() / mean_sq.len() as f64;
        let state: Vec<f64> = mean_sq
            .iter()
            .map(|&m| {
                let now = s;
                s = STATE_DECAY * s + (1.0 - STATE_DECAY) * m;
                now
            })
            .collect();
        let after_last = s;
        let mut order: Vec<usize> = (0..state.len()).collect();
        order.sort_by(|&a, &b| state[a].total_cmp(&state[b]));
        let sorted: Vec<f64> = order.iter().map(|&t| state[t]).collect();
        let k = state.len();
        let pool = ((STATE_SHARE * k as f64).round() as usize).max(MIN_POOL).min(k);
        let history_mean = g.mean_axis(Axis(0)).expect("the history has days");
        let log_w = satool::mixture_log_weights(&h.mem, beta);
        let mut shift = Array2::zeros((k - pool + 1, g.ncols()));
        let mut w = Vec::with_capacity(pool);
        for (lo, mut row) in shift.rows_mut().into_iter().enumerate() {
            pool_weights(&log_w, &order[lo..lo + pool], &mut w);
            let total: f64 = w.iter().sum();
            let mut moving = vec![0.0; g.ncols()];
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
        States { order, sorted, mean_sq, unit, after_last, pool, log_w, shift }
    }

    /// The state after the history's last day (what `--as-of` starts every path from).
    pub(in crate::finance) fn after_last(&self) -> f64 {
        self.after_last
    }

    /// The state after one more day (`day`: its returns, a day after the history or one of it),
    /// in the history's units: the history itself is not changed.
    pub(in crate::finance) fn advance(&self, state: f64, day: ArrayView1<f64>) -> f64 {
        STATE_DECAY * state + (1.0 - STATE_DECAY) * mean_sq_in(day, &self.unit)
    }

    /// Where the neighbourhood of `state` starts: the days `order[lo..lo + pool]` nearest it (a
    /// window of the sorted states centred on its rank).
    fn neighbourhood(&self, state: f64) -> usize {
        let rank = self.sorted.partition_point(|&v| v < state);
        rank.saturating_sub(self.pool / 2).min(self.order.len() - self.pool)
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
    w: Vec<f64>,
    logits: Vec<f64>,
    rows: Vec<&'a [f64]>,
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
    let pool = &states.order[lo..lo + states.pool];
    pool_weights(&states.log_w, pool, &mut sc.w);
    let u = rng.random::<f64>() * sc.w.iter().sum::<f64>();
    let mut acc = 0.0;
    let pick = sc.w.iter().position(|&v| {
        acc += v;
        u < acc
    });
    let k = pool[pick.unwrap_or(pool.len() - 1)];
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
    out.copy_from_slice(states.shift.row(lo).to_slice().expect("row of a standard array"));
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

/// N paths of H days, each from its own stream, starting at the state of a uniformly drawn
/// historical day (`as_of` false) or every one at the state after the history's last day (`as_of`
/// true: the forecast from that evening on). Each chunk of paths writes its rows of the result in place.
pub(super) fn state_paths(
    h: &History,
    beta: f64,
    spec: PathSpec,
    seed: u64,
    id: &str,
    as_of: bool,
) -> Result<PathDraw> {
    let states = States::new(h, beta);
    let k = h.g.nrows();
    stateful_paths(
        h,
        spec,
        seed,
        id,
        |rng| if as_of { states.after_last } else { states.sorted[rng.random_range(0..k)] },
        |state: &mut f64, xi, out, rng, sc: &mut Scratch| {
            let day = draw_day(h, beta, &states, states.neighbourhood(*state), xi, out, rng, sc);
            *state = STATE_DECAY * *state + (1.0 - STATE_DECAY) * states.mean_sq[day];
            day
        },
    )
}

/// `exact` as of the history's last day: N paths of H days, each day an exact draw of the
/// mixture law restricted to the neighbourhood of the state after the last day (as the first day
/// of `sa_paths` from it), the state held for the whole horizon (today's volatility kept, as the
/// square-root-of-time rule keeps it), each path from its own stream.
pub(super) fn held_state_paths(h: &History, beta: f64, spec: PathSpec, seed: u64, id: &str) -> Result<PathDraw> {
    let states = States::new(h, beta);
    let lo = states.neighbourhood(states.after_last);
    stateful_paths(
        h,
        spec,
        seed,
        id,
        |_| (),
        |_: &mut (), xi, out, rng, sc: &mut Scratch| draw_day(h, beta, &states, lo, xi, out, rng, sc),
    )
}

/// `n` one-day draws from the state `state` (the first day of a path started there), each
/// day's returns handed to `each` in turn; one stream for all of them.
pub(in crate::finance) fn one_day_draws(
    h: &History,
    beta: f64,
    states: &States,
    state: f64,
    n: usize,
    rng: &mut Rng,
    mut each: impl FnMut(&[f64]),
) {
    let lo = states.neighbourhood(state);
    let mut xi = vec![0.0; h.mem.d()];
    let mut out = vec![0.0; h.g.ncols()];
    let mut sc = Scratch::default();
    for _ in 0..n {
        draw_day(h, beta, states, lo, &mut xi, &mut out, rng, &mut sc);
        each(&out);
    }
}
