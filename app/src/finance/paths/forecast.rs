//! `sa_paths` forecasts from a given volatility state, for the rolling backtest: the generator
//! `--paths-state` chooses, fitted once on a history, its state moved one realised day at a time,
//! and paths (or one-day draws) from that state, day for day those of a `--scenarios` path started
//! there on the same stream.

use super::multiscale::MultiScale;
use super::state::{DayDraw, OneScale, States};
use super::PathsState;
use crate::finance::history::History;
use ndarray::ArrayView1;
use satool::Rng;

/// A generator's volatility state: the one-scale slow and fast states in the first two places, or
/// the three scales.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::finance) struct VolState([f64; 3]);

/// The `sa_paths` generator of a `--paths-state`, fitted on a history.
pub(in crate::finance) enum Forecaster<'a> {
    OneScale(OneScale<'a>),
    MultiScale(MultiScale<'a>),
}

impl<'a> Forecaster<'a> {
    pub(in crate::finance) fn new(h: &'a History, beta: f64, state: PathsState) -> Forecaster<'a> {
        match state {
            PathsState::Ewma => Forecaster::OneScale(OneScale::new(h, beta, DayDraw::Historical)),
            PathsState::EwmaBlend => Forecaster::OneScale(OneScale::new(h, beta, DayDraw::Blend)),
            PathsState::Multiscale => Forecaster::MultiScale(MultiScale::new(h, beta)),
            PathsState::EwmaLeverage => Forecaster::OneScale(OneScale::new(h, beta, DayDraw::Leverage)),
            PathsState::Runs => Forecaster::OneScale(OneScale::new(h, beta, DayDraw::Runs)),
        }
    }

    /// The state after the history's last day (where `--as-of` paths start).
    pub(in crate::finance) fn after_last(&self) -> VolState {
        match self {
            Forecaster::OneScale(g) => {
                let [slow, fast] = g.after_last();
                VolState([slow, fast, 0.0])
            }
            Forecaster::MultiScale(g) => VolState(g.after_last()),
        }
    }

    /// The leverage γ fitted on the history (`--paths-state ewma-leverage`), else `None`.
    pub(in crate::finance) fn leverage(&self) -> Option<f64> {
        match self {
            Forecaster::OneScale(g) => g.leverage(),
            Forecaster::MultiScale(_) => None,
        }
    }

    /// The state after one more realised day (`day`: its returns), in the history's units.
    pub(in crate::finance) fn advance(&self, s: VolState, day: ArrayView1<f64>) -> VolState {
        match self {
            Forecaster::OneScale(g) => {
                let [slow, fast] = g.advance([s.0[0], s.0[1]], day);
                VolState([slow, fast, 0.0])
            }
            Forecaster::MultiScale(g) => VolState(g.advance(&s.0, day)),
        }
    }

    /// `n` paths of `horizon` days, every one from `s`, one after the other from `rng`; each
    /// path's days handed to `each` as one horizon × tickers row-major slice (horizon 1: `n`
    /// one-day draws from the state).
    pub(in crate::finance) fn paths(
        &self,
        s: VolState,
        n: usize,
        horizon: usize,
        rng: &mut Rng,
        each: impl FnMut(&[f64]),
    ) {
        match self {
            Forecaster::OneScale(g) => g.paths(States::forecast_start([s.0[0], s.0[1]]), n, horizon, rng, each),
            Forecaster::MultiScale(g) => g.paths(s.0, n, horizon, rng, each),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{multiscale::multiscale_paths, path_stream, state::state_paths, PathSpec};
    use super::*;
    use ndarray::s;

    /// Paths (or one-day draws) from the state after the last day are, day for day and bit for
    /// bit, the `--as-of` paths of `--scenarios` on the same stream, for every `--paths-state`.
    #[test]
    fn forecasts_are_the_days_of_as_of_paths_on_the_same_stream() {
        let h = super::super::state::tests::history(400, 6);
        let (beta, seed, id, horizon) = (25.0, 3, "sa_paths", 4);
        let spec = PathSpec::all(3, horizon);
        let mut first_days = Vec::new();
        for state in [
            PathsState::Ewma,
            PathsState::EwmaBlend,
            PathsState::Multiscale,
            PathsState::EwmaLeverage,
            PathsState::Runs,
        ] {
            let want = match state {
                PathsState::Ewma => state_paths(&h, beta, spec, seed, id, true, DayDraw::Historical),
                PathsState::EwmaBlend => state_paths(&h, beta, spec, seed, id, true, DayDraw::Blend),
                PathsState::Multiscale => multiscale_paths(&h, beta, spec, seed, id, true),
                PathsState::EwmaLeverage => state_paths(&h, beta, spec, seed, id, true, DayDraw::Leverage),
                PathsState::Runs => state_paths(&h, beta, spec, seed, id, true, DayDraw::Runs),
            }
            .unwrap()
            .returns;
            let f = Forecaster::new(&h, beta, state);
            for p in 0..3 {
                let mut got = Vec::new();
                f.paths(f.after_last(), 1, horizon, &mut path_stream(seed, id, p), |x| got.extend_from_slice(x));
                let rows = want.slice(s![p * horizon..(p + 1) * horizon, ..]);
                assert_eq!(got, rows.iter().copied().collect::<Vec<_>>(), "{state:?} path {p}");
                let mut one = Vec::new();
                f.paths(f.after_last(), 1, 1, &mut path_stream(seed, id, p), |x| one.extend_from_slice(x));
                assert_eq!(one, got[..6], "{state:?} path {p}: a one-day draw is the path's first day");
            }
            assert!(want.iter().any(|&v| v != 0.0));
            first_days.push(want.row(0).to_vec());
        }
        assert!(first_days[0] != first_days[1] && first_days[1] != first_days[2], "the states draw differently");
        assert!(first_days[3] != first_days[0], "the leverage moves the state");
        assert_eq!(first_days[4], first_days[0], "a path's first day has no run to continue");
    }

    /// A realised day without moves decays each state by its own λ (the market state towards 0).
    #[test]
    fn a_quiet_day_decays_each_state() {
        let h = super::super::state::tests::history(400, 6);
        let zero = ndarray::Array1::zeros(6);
        for state in [PathsState::Ewma, PathsState::Multiscale] {
            let f = Forecaster::new(&h, 25.0, state);
            let (before, after) = (f.after_last(), f.advance(f.after_last(), zero.view()));
            let decays = if state == PathsState::Ewma { [0.94, 0.70, 0.0] } else { super::super::multiscale::DECAYS };
            for (i, decay) in decays.iter().enumerate() {
                assert_eq!(after.0[i], decay * before.0[i], "{state:?} state {i}");
            }
            assert!(before.0[0] > 0.0);
        }
    }
}
