//! Numeric kernels: the precision trait, the one matrix-multiply entry point, the packed
//! AVX-512 product with the fixed memory matrix and the one-pass attention over large memories.
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
pub use peak::f64_fma_peak_gflops;
pub use real::{Precision, Real};
