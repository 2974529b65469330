//! Finance domain of satool: daily price files → log returns → memories, and the evaluators of
//! generated return scenarios (KS, correlation, tails, autocorrelation). Knows nothing of the
//! sampler.
//!
//! Return scale: daily natural-log returns, not annualised (see [`returns`]).

pub mod backtest;
pub mod bootstrap;
pub mod conventions;
pub mod error;
pub mod garch;
pub mod metrics;
pub mod moments;
pub mod prices;
pub mod returns;
pub mod risk;
pub mod runs;
pub mod series;
pub mod stream;

pub use bootstrap::{
    iid_bootstrap, politis_white_block_length, politis_white_panel, stationary_bootstrap, stationary_rows,
};
pub use error::{CellProblem, FinanceError};
pub use metrics::{
    acf_curves, affine_correct, affine_correct_in_place, affine_correct_view, correct_keeping_zeros_in_place, evaluate,
    evaluate_layout, AcfCurves, FinanceMetrics,
};
pub use moments::{ExactSum, Moments};
pub use prices::{
    near_split_fraction, parse_prices, read_prices, Coverage, DroppedRange, DroppedTicker, Format, PriceTable,
    ReadOptions, SharedJumpDay, SuspectJump, TickerCoverage, WindowRule,
};
pub use returns::{log_returns, scaled_memory};
pub use runs::{
    acf_runs, acf_summary_runs, acovf_runs, centred_rolling_mean_runs, consecutive_runs, fit_transitions_runs,
    politis_white_panel_runs, stationary_bootstrap_runs, stationary_rows_runs,
};
pub use series::{Lag1, Layout};
pub use stream::{apply_correction, Correction, PathMetrics};
// The statistics live in satool-common; re-exported so that users of this crate (the app) reach
// them next to the metrics that report them.
pub use satool_common::stats::{
    acf, acovf, describe as stats, kolmogorov, ks, ks_2samp, KsMethod, KsPvalueMethod, KsResult,
};
