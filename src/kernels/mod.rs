//! Numeric kernels: the precision trait, the one matrix-multiply entry point, the packed
//! AVX-512 product with the fixed memory matrix and the one-pass attention over large memories.
//!
//! Every kernel has a portable path that runs on any CPU; the AVX-512 ones are overrides chosen
//! at run time. Environment switches (each on when set to `1`, read once per process):
//! `SATOOL_NO_AVX512` runs the portable paths on an AVX-512 CPU (CI tests them so);
//! `SATOOL_NO_PACKED_KERNEL` only the packed products' fallback; `SATOOL_TWO_PASS` the two-pass
//! attention over large memories instead of the one-pass one (for comparison).
//!
//! A leaf: nothing here imports the rest of the crate, and every `unsafe` block of the crate is
//! here. Inside, `panel` and `lanes` (per-type SIMD kernels) import nothing; `real` requires
//! them as supertraits; `linalg`, `packed` and `fused` build on `real`.

mod fused;
mod lanes;
mod linalg;
mod packed;
mod panel;
mod peak;
mod real;

pub use fused::ONE_PASS_RULE;
pub(crate) use fused::{one_pass, OnePass};
pub(crate) use linalg::matmul;
pub(crate) use packed::{matmul_packed, Packed};

/// The kernels' environment switches (see above): each accepts `1` (on) or `0` (off).
pub const ENV_SWITCHES: [&str; 3] = [panel::NO_AVX512, panel::NO_PACKED_KERNEL, fused::TWO_PASS];
pub use peak::f64_fma_peak_gflops;
pub use real::{Precision, Real};
