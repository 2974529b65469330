//! Statistics with the NumPy/SciPy/statsmodels conventions the reports name: descriptive
//! statistics, the two-sample KS test with SciPy's p-values, the Kolmogorov distribution, ACF.

pub mod acf;
pub mod describe;
pub mod kolmogorov;
pub mod ks;

pub use acf::{acf, acovf};
pub use describe::*;
pub use ks::{ks_2samp, KsMethod, KsPvalueMethod, KsResult};
