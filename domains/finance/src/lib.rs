//! Finance domain of satool: daily price files → log returns → memories, and the evaluators of
//! generated return scenarios (KS, correlation, tails, autocorrelation). Knows nothing of the
//! sampler.
//!
//! Return scale: daily natural-log returns, not annualised (see [`returns`]).

pub mod bootstrap;
pub mod error;
pub mod metrics;
pub mod prices;
pub mod returns;
pub mod series;

pub use bootstrap::{
    iid_bootstrap, politis_white_block_length, politis_white_panel, stationary_bootstrap, stationary_rows,
};
pub use error::{CellProblem, FinanceError};
pub use metrics::{
    acf_curves, affine_correct, affine_correct_view, evaluate, evaluate_layout, AcfCurves, FinanceMetrics,
};
pub use prices::{parse_prices, read_prices, DroppedTicker, Format, PriceTable, ReadOptions, SuspectJump};
pub use returns::{log_returns, scaled_memory};
pub use series::{Lag1, Layout};
// The statistics live in satool-common; re-exported so that users of this crate (the app) reach
// them next to the metrics that report them.
pub use satool_common::stats::{
    acf, acovf, describe as stats, kolmogorov, ks, ks_2samp, KsMethod, KsPvalueMethod, KsResult,
};
