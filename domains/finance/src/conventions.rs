//! The conventions every evaluator of generated returns shares (the scenario metrics, the
//! path statistics and the per-run ACFs): the KS level, the ACF lags and the white-noise band.

/// KS significance level: a ticker passes when p > 0.05.
pub const KS_ALPHA: f64 = 0.05;
/// Lags of the ACF of g.
pub const ACF_G_LAGS: usize = 40;
/// Lags of the ACF of g².
pub const ACF_G2_LAGS: usize = 100;
/// z of the two-sided 99% white-noise band ±z/√N.
pub const BAND_Z: f64 = 2.576;
