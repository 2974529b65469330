//! Per-type kernels with the chains in the vector lanes (see `fused`): a portable body for every
//! CPU and an AVX-512 override chosen at run time (candle's pattern). A leaf: it imports only the
//! panel kernels' CPU test, so the precision trait can require it without a cycle.
//!
//! Both bodies do the same arithmetic in the same order — one fused multiply-add per term, the
//! terms of each sum added in pattern (or element) order, then one multiply by β or one fused
//! rescale — so they give the same bits. The portable body is compiled for AVX2+FMA when the CPU
//! has it (the loops over the chains vectorise); on an older x86 CPU `mul_add` is the C library's
//! correctly rounded `fma`: the same bits, slower. `SATOOL_NO_AVX512=1` runs the portable bodies
//! on an AVX-512 CPU (see `panel::avx512`).

/// Chains per lane group: four 8-lane f64 vectors, or two 16-lane f32 ones.
pub const CHUNK: usize = 32;

/// A block of `kb` patterns of length `d` (`xt`, one pattern per row) seen by the first `n`
/// chains of a lane group.
#[derive(Debug, Clone, Copy)]
pub struct LaneBlock<T> {
    /// The block's first pattern; `kb` rows of `d` contiguous values.
    pub xt: *const T,
    /// Patterns in the block.
    pub kb: usize,
    /// Pattern length.
    pub d: usize,
    /// Chains that must be computed (whole vectors of `PanelKernel::LANES`: lanes past `n` get
    /// values from their inputs).
    pub n: usize,
}

/// Kernels with the chains in the lanes, on every CPU.
pub trait LaneKernel: Sized {
    /// Whether the AVX-512 bodies run (else the portable ones: the same bits).
    fn lane_simd() -> bool;
    /// `w[k·CHUNK + c] = β Σ_i xt[k·d + i] · xit[i·CHUNK + c]` for patterns `k < kb`.
    ///
    /// # Safety
    /// `b.xt` holds `kb` rows of `d`, `xit` `d` rows of `CHUNK`, `w` `kb` rows of `CHUNK`.
    unsafe fn lane_logits(b: LaneBlock<Self>, xit: *const Self, beta: Self, w: *mut Self);
    /// `ot[j·CHUNK + c] ← scale[c]·ot[j·CHUNK + c] + Σ_{k<kb} w[k·CHUNK + c] · xt[k·d + j]` for
    /// `j < d`.
    ///
    /// # Safety
    /// As for `lane_logits`, with `ot` holding `d` rows of `CHUNK` and `scale` `CHUNK` values.
    unsafe fn lane_accumulate(b: LaneBlock<Self>, w: *const Self, scale: *const Self, ot: *mut Self);
    /// The portable body of `lane_logits`, whatever the CPU (for tests and `SATOOL_NO_AVX512`).
    ///
    /// # Safety
    /// As for `lane_logits`.
    unsafe fn lane_logits_portable(b: LaneBlock<Self>, xit: *const Self, beta: Self, w: *mut Self);
    /// The portable body of `lane_accumulate`, whatever the CPU.
    ///
    /// # Safety
    /// As for `lane_accumulate`.
    unsafe fn lane_accumulate_portable(b: LaneBlock<Self>, w: *const Self, scale: *const Self, ot: *mut Self);
}

/// The portable bodies for one element type, `$lanes` chains per SIMD vector of the AVX-512 body
/// (the lanes it computes: whole vectors up to `n`).
macro_rules! portable_kernels {
    ($logits:ident, $accumulate:ident, $t:ty, $lanes:literal) => {
        pub mod $logits {
            use super::super::{LaneBlock, CHUNK};

            #[inline(always)]
            unsafe fn body(b: LaneBlock<$t>, xit: *const $t, beta: $t, w: *mut $t) {
                let lanes = b.n.div_ceil($lanes) * $lanes;
                for k in 0..b.kb {
                    let mut acc = [0.0 as $t; CHUNK];
                    for i in 0..b.d {
                        let x = *b.xt.add(k * b.d + i);
                        let v = std::slice::from_raw_parts(xit.add(i * CHUNK), CHUNK);
                        for (a, &v) in acc[..lanes].iter_mut().zip(&v[..lanes]) {
                            *a = x.mul_add(v, *a);
                        }
                    }
                    let out = std::slice::from_raw_parts_mut(w.add(k * CHUNK), CHUNK);
                    for (o, &a) in out[..lanes].iter_mut().zip(&acc[..lanes]) {
                        *o = beta * a;
                    }
                }
            }

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn fma(b: LaneBlock<$t>, xit: *const $t, beta: $t, w: *mut $t) {
                body(b, xit, beta, w)
            }

            /// See `LaneKernel::lane_logits`.
            pub unsafe fn run(b: LaneBlock<$t>, xit: *const $t, beta: $t, w: *mut $t) {
                #[cfg(target_arch = "x86_64")]
                if super::super::super::panel::fma() {
                    return fma(b, xit, beta, w);
                }
                body(b, xit, beta, w)
            }
        }

        pub mod $accumulate {
            use super::super::{LaneBlock, CHUNK};

            #[inline(always)]
            unsafe fn body(b: LaneBlock<$t>, w: *const $t, scale: *const $t, ot: *mut $t) {
                let lanes = b.n.div_ceil($lanes) * $lanes;
                let scale = std::slice::from_raw_parts(scale, CHUNK);
                for j in 0..b.d {
                    let mut acc = [0.0 as $t; CHUNK];
                    for k in 0..b.kb {
                        let x = *b.xt.add(k * b.d + j);
                        let v = std::slice::from_raw_parts(w.add(k * CHUNK), CHUNK);
                        for (a, &v) in acc[..lanes].iter_mut().zip(&v[..lanes]) {
                            *a = x.mul_add(v, *a);
                        }
                    }
                    let out = std::slice::from_raw_parts_mut(ot.add(j * CHUNK), CHUNK);
                    for ((o, &a), &s) in out[..lanes].iter_mut().zip(&acc[..lanes]).zip(&scale[..lanes]) {
                        *o = o.mul_add(s, a);
                    }
                }
            }

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn fma(b: LaneBlock<$t>, w: *const $t, scale: *const $t, ot: *mut $t) {
                body(b, w, scale, ot)
            }

            /// See `LaneKernel::lane_accumulate`.
            pub unsafe fn run(b: LaneBlock<$t>, w: *const $t, scale: *const $t, ot: *mut $t) {
                #[cfg(target_arch = "x86_64")]
                if super::super::super::panel::fma() {
                    return fma(b, w, scale, ot);
                }
                body(b, w, scale, ot)
            }
        }
    };
}

mod portable {
    portable_kernels!(logits_f64, accumulate_f64, f64, 8);
    portable_kernels!(logits_f32, accumulate_f32, f32, 16);
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::CHUNK;
    use std::arch::x86_64::*;

    /// Calls `$f::<M, CV>(args)` for the runtime `m` (patterns or output columns) and `cv`
    /// (chain vectors), from the listed literals; the lists keep M·CV ≤ 24 accumulators, so
    /// they, CV loaded vectors and one broadcast fit in the 32 registers.
    macro_rules! dispatch {
        ($f:ident, $m:expr, [$($ms:literal)*], $cv:expr, $cvs:tt, $args:tt) => {
            match $m {
                $($ms => dispatch!(@cv $f, $ms, $cv, $cvs, $args),)*
                _ => unreachable!("block height out of range"),
            }
        };
        (@cv $f:ident, $m:literal, $cv:expr, [$($cvs:literal)*], $args:tt) => {
            match $cv {
                $($cvs => $f::<$m, $cvs> $args,)*
                _ => unreachable!("chain vectors out of range"),
            }
        };
    }

    /// The two lane kernels for one element type: `$lanes` chains per vector, so a chunk of
    /// `CHUNK` chains is `CHUNK / $lanes` vectors and blocks of up to `$mmax` patterns keep
    /// 24 accumulators in registers.
    macro_rules! lane_kernels {
        ($logits:ident, $accumulate:ident, $t:ty, $lanes:literal, $mmax:literal, $ms:tt, $cvs:tt,
         $vec:ty, $zero:ident, $load:ident, $set1:ident, $fma:ident, $mul:ident, $store:ident) => {
            pub mod $logits {
                use super::*;

                #[target_feature(enable = "avx512f")]
                unsafe fn block<const M: usize, const CV: usize>(
                    xt: *const $t,
                    d: usize,
                    xit: *const $t,
                    beta: $t,
                    w: *mut $t,
                ) {
                    let mut acc = [[$zero(); CV]; M];
                    for i in 0..d {
                        let mut xv = [$zero(); CV];
                        for (c, v) in xv.iter_mut().enumerate() {
                            *v = $load(xit.add(i * CHUNK + c * $lanes));
                        }
                        for (m, row) in acc.iter_mut().enumerate() {
                            let b: $vec = $set1(*xt.add(m * d + i));
                            for (a, &v) in row.iter_mut().zip(&xv) {
                                *a = $fma(b, v, *a);
                            }
                        }
                    }
                    let vb = $set1(beta);
                    for (m, row) in acc.iter().enumerate() {
                        for (c, &a) in row.iter().enumerate() {
                            $store(w.add(m * CHUNK + c * $lanes), $mul(vb, a));
                        }
                    }
                }

                /// See `LaneKernel::lane_logits`.
                #[target_feature(enable = "avx512f")]
                pub unsafe fn run(xt: *const $t, kb: usize, d: usize, xit: *const $t, n: usize, beta: $t, w: *mut $t) {
                    let cv = n.div_ceil($lanes);
                    let mut k = 0;
                    while k < kb {
                        let m = (kb - k).min($mmax);
                        dispatch!(block, m, $ms, cv, $cvs, (xt.add(k * d), d, xit, beta, w.add(k * CHUNK)));
                        k += m;
                    }
                }
            }

            pub mod $accumulate {
                use super::*;

                #[target_feature(enable = "avx512f")]
                unsafe fn block<const M: usize, const CV: usize>(
                    xt: *const $t,
                    d: usize,
                    kb: usize,
                    w: *const $t,
                    scale: *const $t,
                    ot: *mut $t,
                ) {
                    let mut acc = [[$zero(); CV]; M];
                    for k in 0..kb {
                        let mut wv = [$zero(); CV];
                        for (c, v) in wv.iter_mut().enumerate() {
                            *v = $load(w.add(k * CHUNK + c * $lanes));
                        }
                        for (m, row) in acc.iter_mut().enumerate() {
                            let b: $vec = $set1(*xt.add(k * d + m));
                            for (a, &v) in row.iter_mut().zip(&wv) {
                                *a = $fma(b, v, *a);
                            }
                        }
                    }
                    for (m, row) in acc.iter().enumerate() {
                        for (c, &a) in row.iter().enumerate() {
                            let o = ot.add(m * CHUNK + c * $lanes);
                            $store(o, $fma($load(o), $load(scale.add(c * $lanes)), a));
                        }
                    }
                }

                /// See `LaneKernel::lane_accumulate`.
                #[target_feature(enable = "avx512f")]
                pub unsafe fn run(
                    xt: *const $t,
                    kb: usize,
                    d: usize,
                    w: *const $t,
                    scale: *const $t,
                    n: usize,
                    ot: *mut $t,
                ) {
                    let cv = n.div_ceil($lanes);
                    let mut j = 0;
                    while j < d {
                        let m = (d - j).min($mmax);
                        dispatch!(block, m, $ms, cv, $cvs, (xt.add(j), d, kb, w, scale, ot.add(j * CHUNK)));
                        j += m;
                    }
                }
            }
        };
    }

    lane_kernels!(logits_f64, accumulate_f64, f64, 8, 6, [1 2 3 4 5 6], [1 2 3 4],
        __m512d, _mm512_setzero_pd, _mm512_loadu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_mul_pd, _mm512_storeu_pd);
    lane_kernels!(logits_f32, accumulate_f32, f32, 16, 12, [1 2 3 4 5 6 7 8 9 10 11 12], [1 2],
        __m512, _mm512_setzero_ps, _mm512_loadu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_mul_ps, _mm512_storeu_ps);
}

macro_rules! lane_kernel_impl {
    ($t:ty, $logits:ident, $accumulate:ident) => {
        impl LaneKernel for $t {
            /// The same CPU test (and `SATOOL_NO_AVX512`, `SATOOL_NO_PACKED_KERNEL` switches) as
            /// the packed kernel's.
            fn lane_simd() -> bool {
                <$t as super::panel::PanelKernel>::panel_kernel_available()
            }
            unsafe fn lane_logits(b: LaneBlock<$t>, xit: *const $t, beta: $t, w: *mut $t) {
                #[cfg(target_arch = "x86_64")]
                if Self::lane_simd() {
                    return avx512::$logits::run(b.xt, b.kb, b.d, xit, b.n, beta, w);
                }
                portable::$logits::run(b, xit, beta, w)
            }
            unsafe fn lane_accumulate(b: LaneBlock<$t>, w: *const $t, scale: *const $t, ot: *mut $t) {
                #[cfg(target_arch = "x86_64")]
                if Self::lane_simd() {
                    return avx512::$accumulate::run(b.xt, b.kb, b.d, w, scale, b.n, ot);
                }
                portable::$accumulate::run(b, w, scale, ot)
            }
            unsafe fn lane_logits_portable(b: LaneBlock<$t>, xit: *const $t, beta: $t, w: *mut $t) {
                portable::$logits::run(b, xit, beta, w)
            }
            unsafe fn lane_accumulate_portable(b: LaneBlock<$t>, w: *const $t, scale: *const $t, ot: *mut $t) {
                portable::$accumulate::run(b, w, scale, ot)
            }
        }
    };
}

lane_kernel_impl!(f64, logits_f64, accumulate_f64);
lane_kernel_impl!(f32, logits_f32, accumulate_f32);
