//! `--paths-state multiscale`: the `sa_paths` generator with a state of three scales instead of
//! one. Each day is still a fresh exact draw of the mixture law restricted to a neighbourhood of
//! historical days, centred on the neighbourhood's mean; what changes is which days are
//! neighbours. A day's state is
//! - a fast EWMA (λ = 0.94) of the cross-sectional mean of g² (each ticker in units of its mean g²),
//! - a slow EWMA (λ = 0.99) of the same: with it a path tells the start of a turbulent episode
//!   (fast above slow) from its end (slow still high), so turbulence decays as it did in history
//!   instead of lingering,
//! - an EWMA (λ = 0.9) of the equal-weight market's log return: after falls a path draws from the
//!   days that followed falls in history, which were more volatile than the days after rises (the
//!   leverage effect behind the negative skew of multi-day returns).
//!
//! The neighbourhood is the 1% (at least 20) of days nearest the path's state in rank space:
//! distance² = Δrank_fast² + Δrank_slow² + (w·Δrank_market)², each rank the share of historical
//! days below. Day-to-day dependence stays in the state only: no momentum (bench/README.md,
//! "Design measurements", for the measurements behind the decays and w).

use super::{paths_from, stateful_paths, PathDraw, PathSpec};
use crate::finance::history::History;
use anyhow::Result;
use ndarray::{ArrayView1, ArrayView2};
use rand::Rng as _;
use rand_distr::StandardNormal;
use satool::Rng;

/// Decays of the fast and slow volatility states and of the market state.
pub const DECAYS: [f64; 3] = [0.94, 0.99, 0.9];
/// Weights of the three ranks in the distance that chooses the neighbourhood.
pub const WEIGHTS: [f64; 3] = [1.0, 1.0, 0.1];
/// Share of the history in a neighbourhood, and the fewest days (as the one-scale state).
const SHARE: f64 = 0.01;
const MIN_POOL: usize = 20;

type State = [f64; 3];

/// The historical days' states and ranks, and what each day adds to a state.
struct Scales {
    /// What day t adds to each state: its cross-sectional mean g² (twice) and market return.
    inc: Vec<State>,
    /// Per ticker, 1 / its mean g² over the history (the units of the mean g²).
    unit: Vec<f64>,
    /// Each dimension's states of the history, sorted.
    sorted: [Vec<f64>; 3],
    /// The state before each day, and its ranks (shares of days below, per dimension).
    state: Vec<State>,
    /// The state after the history's last day (where `--as-of` paths start).
    after_last: State,
    rank: Vec<State>,
    /// Days in order of their fast rank, and those ranks.
    by_fast: Vec<usize>,
    fast_ranks: Vec<f64>,
    pool: usize,
    log_w: Vec<f64>,
    history_mean: Vec<f64>,
}

impl Scales {
    /// From the history's returns (days × tickers) and the log mixture weight of every day.
    fn new(g: ArrayView2<f64>, log_w: Vec<f64>) -> Scales {
        let k = g.nrows();
        let unit = super::state::ticker_units(g);
        let inc: Vec<State> = g.rows().into_iter().map(|r| increment(r, &unit)).collect();
        let mut s: State = std::array::from_fn(|i| inc.iter().map(|x| x[i]).sum::<f64>() / k as f64);
        let state: Vec<State> = inc
            .iter()
            .map(|x| {
                let now = s;
                s = advance(&s, x);
                now
            })
            .collect();
        let after_last = s;
        let sorted: [Vec<f64>; 3] = std::array::from_fn(|i| {
            let mut v: Vec<f64> = state.iter().map(|x| x[i]).collect();
            v.sort_by(f64::total_cmp);
            v
        });
        let rank: Vec<State> = state.iter().map(|x| ranks(&sorted, x)).collect();
        let mut by_fast: Vec<usize> = (0..k).collect();
        by_fast.sort_by(|&a, &b| rank[a][0].total_cmp(&rank[b][0]).then(a.cmp(&b)));
        let fast_ranks = by_fast.iter().map(|&t| rank[t][0]).collect();
        let pool = ((SHARE * k as f64).round() as usize).max(MIN_POOL).min(k);
        let history_mean = g.mean_axis(ndarray::Axis(0)).expect("the history has days").to_vec();
        Scales { inc, unit, sorted, state, after_last, rank, by_fast, fast_ranks, pool, log_w, history_mean }
    }

    /// The `pool` days nearest `x` (ties by day index), sorted, into `out`: the days within a
    /// fast-rank window, widened until no day outside it can be nearer.
    fn neighbourhood(&self, x: &State, cand: &mut Vec<(f64, usize)>, out: &mut Vec<usize>) {
        let k = self.state.len();
        let r = ranks(&self.sorted, x);
        let mut half = 2.0 * self.pool as f64 / k as f64;
        loop {
            let lo = self.fast_ranks.partition_point(|&v| v < r[0] - half);
            let hi = self.fast_ranks.partition_point(|&v| v <= r[0] + half);
            cand.clear();
            cand.extend(self.by_fast[lo..hi].iter().map(|&t| {
                let d = (0..3).map(|i| (WEIGHTS[i] * (self.rank[t][i] - r[i])).powi(2)).sum::<f64>();
                (d, t)
            }));
            let whole = lo == 0 && hi == k;
            if cand.len() >= self.pool {
                cand.select_nth_unstable_by(self.pool - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                if cand[self.pool - 1].0 <= half * half || whole {
                    break;
                }
            }
            half *= 2.0;
        }
        out.clear();
        out.extend(cand[..self.pool].iter().map(|c| c.1));
        out.sort_unstable();
    }
}

/// What a day adds to the three states: its cross-sectional mean g² (each ticker in `unit`s),
/// twice, and the log of the equal-weight market's simple return.
fn increment(r: ArrayView1<f64>, unit: &[f64]) -> State {
    let m = r.iter().zip(unit).map(|(v, u)| v * v * u).sum::<f64>() / r.len() as f64;
    let market = (r.iter().map(|v| v.exp()).sum::<f64>() / r.len() as f64).ln();
    [m, m, market]
}

/// Each coordinate's share of historical states below it.
fn ranks(sorted: &[Vec<f64>; 3], x: &State) -> State {
    std::array::from_fn(|i| sorted[i].partition_point(|&v| v < x[i]) as f64 / sorted[i].len() as f64)
}

/// The state after a day adding `inc`.
fn advance(s: &State, inc: &State) -> State {
    std::array::from_fn(|i| DECAYS[i] * s[i] + (1.0 - DECAYS[i]) * inc[i])
}

/// Buffers of [`draw_day`].
#[derive(Default)]
struct Scratch {
    cand: Vec<(f64, usize)>,
    pool: Vec<usize>,
    w: Vec<f64>,
    logits: Vec<f64>,
}

/// One day from the neighbourhood in `sc.pool`: ξ = x_k + β^{-1/2}z with k drawn by the mixture
/// weights, its projection M softmax(β Xᵀξ) over the neighbourhood, centred on the
/// neighbourhood's weighted mean (per ticker over the days it moved), zero where day k is zero.
fn draw_day(
    h: &History,
    beta: f64,
    scales: &Scales,
    xi: &mut [f64],
    out: &mut [f64],
    rng: &mut Rng,
    sc: &mut Scratch,
) -> usize {
    let xt = h.mem.xt();
    sc.w.clear();
    sc.w.extend(sc.pool.iter().map(|&t| scales.log_w[t]));
    let max = sc.w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    sc.w.iter_mut().for_each(|l| *l = (*l - max).exp());
    let total: f64 = sc.w.iter().sum();
    let u = rng.random::<f64>() * total;
    let mut acc = 0.0;
    let pick = sc.w.iter().position(|&v| {
        acc += v;
        u < acc
    });
    let k = sc.pool[pick.unwrap_or(sc.pool.len() - 1)];
    let sigma = beta.powf(-0.5);
    for (v, &m) in xi.iter_mut().zip(xt.row(k)) {
        *v = m + sigma * rng.sample::<f64, _>(StandardNormal);
    }
    sc.logits.clear();
    sc.logits.extend(sc.pool.iter().map(|&j| beta * xt.row(j).iter().zip(xi.iter()).map(|(a, b)| a * b).sum::<f64>()));
    satool::softmax_in_place(&mut sc.logits);
    // Centring: the history's mean day minus the neighbourhood's weighted mean, per ticker over
    // the weighted share of days on which it moved (zero days stay zero below).
    let d = out.len();
    let mut moving = vec![0.0; d];
    out.copy_from_slice(&scales.history_mean);
    for (&t, &wt) in sc.pool.iter().zip(&sc.w) {
        for ((o, m), &v) in out.iter_mut().zip(moving.iter_mut()).zip(h.g.row(t)) {
            *o -= wt / total * v;
            if v != 0.0 {
                *m += wt / total;
            }
        }
    }
    for (o, &m) in out.iter_mut().zip(&moving) {
        *o = if m > 0.0 { *o / m } else { 0.0 };
    }
    super::state::add_blend_keep_zeros(out, h.g.view(), &sc.pool, &sc.logits, k);
    k
}

/// The three-scale generator of `sa_paths`: the history, β and its states.
pub(in crate::finance) struct MultiScale<'a> {
    h: &'a History,
    beta: f64,
    scales: Scales,
}

impl<'a> MultiScale<'a> {
    pub(super) fn new(h: &'a History, beta: f64) -> MultiScale<'a> {
        MultiScale { h, beta, scales: Scales::new(h.g.view(), satool::mixture_log_weights(&h.mem, beta)) }
    }

    /// The state after the history's last day.
    pub(super) fn after_last(&self) -> State {
        self.scales.after_last
    }

    /// The state after one more realised day, in the history's units.
    pub(super) fn advance(&self, state: &State, day: ArrayView1<f64>) -> State {
        advance(state, &increment(day, &self.scales.unit))
    }

    /// One day of a path at `state` into `out` (ξ into `xi`), the state moved with the
    /// historical day drawn; returns that day.
    fn step(&self, state: &mut State, xi: &mut [f64], out: &mut [f64], rng: &mut Rng, sc: &mut Scratch) -> usize {
        self.scales.neighbourhood(state, &mut sc.cand, &mut sc.pool);
        let day = draw_day(self.h, self.beta, &self.scales, xi, out, rng, sc);
        *state = advance(state, &self.scales.inc[day]);
        day
    }

    /// `n` paths of `horizon` days, every one from `state`, one after the other from one stream;
    /// each path's days handed to `each` as one horizon × tickers row-major slice. The days of a
    /// path are those of a `--scenarios` path started at `state` on the same stream.
    pub(super) fn paths(&self, state: State, n: usize, horizon: usize, rng: &mut Rng, each: impl FnMut(&[f64])) {
        paths_from(
            (self.h.g.ncols(), self.h.mem.d()),
            state,
            n,
            horizon,
            rng,
            each,
            |s, xi, out, rng, sc: &mut Scratch| self.step(s, xi, out, rng, sc),
        )
    }
}

/// N paths of H days, each from its own stream, starting at the state of a uniformly drawn
/// historical day (`as_of` false) or every one at the state after the history's last day.
pub(super) fn multiscale_paths(
    h: &History,
    beta: f64,
    spec: PathSpec,
    seed: u64,
    id: &str,
    as_of: bool,
) -> Result<PathDraw> {
    let gen = MultiScale::new(h, beta);
    let k = h.g.nrows();
    stateful_paths(
        h,
        spec,
        seed,
        id,
        true,
        |rng| if as_of { gen.after_last() } else { gen.scales.state[rng.random_range(0..k)] },
        |state: &mut State, xi, out, rng, sc: &mut Scratch| gen.step(state, xi, out, rng, sc),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn history(k: usize, d: usize) -> Array2<f64> {
        // Deterministic returns with a volatility that comes and goes.
        Array2::from_shape_fn((k, d), |(t, j)| {
            let vol = 0.01 * (1.0 + 3.0 * ((t as f64 / 37.0).sin().max(0.0)));
            vol * ((((t * 7919 + j * 104729) % 1009) as f64 / 1009.0) - 0.5)
        })
    }

    #[test]
    fn the_neighbourhood_is_the_nearest_pool_in_rank_space() {
        let g = history(2500, 4);
        let s = Scales::new(g.view(), vec![0.0; 2500]);
        assert_eq!(s.pool, 25);
        let (mut cand, mut got) = (Vec::new(), Vec::new());
        for probe in [0, 17, 600, 1999, 2499] {
            let x = s.state[probe];
            s.neighbourhood(&x, &mut cand, &mut got);
            // Brute force over every day.
            let r = ranks(&s.sorted, &x);
            let mut all: Vec<(f64, usize)> = (0..2500)
                .map(|t| ((0..3).map(|i| (WEIGHTS[i] * (s.rank[t][i] - r[i])).powi(2)).sum::<f64>(), t))
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut want: Vec<usize> = all[..25].iter().map(|a| a.1).collect();
            want.sort_unstable();
            assert_eq!(got, want, "day {probe}");
            assert!(got.contains(&probe), "a day is in its own neighbourhood");
        }
    }

    #[test]
    fn states_follow_their_recursions() {
        let g = history(300, 3);
        let s = Scales::new(g.view(), vec![0.0; 300]);
        // Day 0's state is the mean of the increments; then each EWMA of its own increment.
        let mean_m = s.inc.iter().map(|x| x[0]).sum::<f64>() / 300.0;
        assert!((s.state[0][0] - mean_m).abs() < 1e-15 && (s.state[0][1] - mean_m).abs() < 1e-15);
        for t in 1..300 {
            for (i, decay) in DECAYS.iter().enumerate() {
                let want = decay * s.state[t - 1][i] + (1.0 - decay) * s.inc[t - 1][i];
                assert!((s.state[t][i] - want).abs() < 1e-15);
            }
        }
        // The market increment is the log of the equal-weight simple return.
        let r = g.row(5);
        let want = (r.iter().map(|v| v.exp()).sum::<f64>() / 3.0).ln();
        assert!((s.inc[5][2] - want).abs() < 1e-15);
        assert_eq!(s.after_last, advance(&s.state[299], &s.inc[299]));
        // Ranks are shares of states below.
        let below = s.state.iter().filter(|x| x[1] < s.state[42][1]).count() as f64 / 300.0;
        assert_eq!(s.rank[42][1], below);
    }
}
