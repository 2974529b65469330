//! Per-type SIMD kernels for products with a packed operand (see `packed`): the AVX-512
//! register-blocked panel product and the CPU test that gates it. A leaf: it imports nothing
//! from the crate, so the precision trait can require it without a cycle.

/// The operands of `c ← alpha · a · B` with `B` (m × n) packed in panels: the raw parts of
/// checked ndarray views.
#[derive(Debug, Clone, Copy)]
pub struct PanelProduct<T> {
    /// The scale of the product.
    pub alpha: T,
    /// `rows` rows of `m` contiguous elements, row stride `lda`.
    pub a: *const T,
    /// Row stride of `a`.
    pub lda: isize,
    /// Rows of `a` and `c`.
    pub rows: usize,
    /// Columns of `a`, rows of `B`.
    pub m: usize,
    /// `B` in panels (see `packed::Packed`).
    pub panels: *const T,
    /// Columns of `B` and `c`.
    pub n: usize,
    /// `rows` rows of `n` contiguous elements, row stride `ldc`.
    pub c: *mut T,
    /// Row stride of `c`.
    pub ldc: isize,
}

/// Kernels for one float type. `panel_product` may only be called when `panel_kernel_available`.
pub trait PanelKernel: Sized {
    /// Elements per SIMD register (the panel width).
    const LANES: usize;
    /// Whether this CPU has the kernel.
    fn panel_kernel_available() -> bool;
    /// Computes output panels `p0..p1` (columns `p0·LANES..min(p1·LANES, n)`) of `op`.
    ///
    /// # Safety
    /// The pointers and sizes of `op` describe live, non-overlapping buffers as documented on
    /// [`PanelProduct`]; the CPU has the kernel.
    unsafe fn panel_product(op: PanelProduct<Self>, p0: usize, p1: usize);
}

/// Rows per kernel block (the register budget; see `avx512`).
const MAX_ROWS: usize = 30;

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::PanelProduct;
    use std::arch::x86_64::*;

    /// Up to 30 rows at a time: R accumulators (one per row) per panel, all in registers (30 of
    /// the 32 vector registers, one more for the panel row; each row's scalar is broadcast from
    /// memory inside the FMA). A 30-chain batch thus reads each panel of the big operand once.
    macro_rules! kernels {
        ($name:ident, $block:ident, $t:ty, $lanes:expr, $vec:ty, $mask:ty, $zero:ident, $load:ident, $set1:ident, $fma:ident, $mul:ident, $store:ident) => {
            /// `R` rows of `op` starting at `a` and `c`, output panels `p0..p1`.
            #[target_feature(enable = "avx512f")]
            unsafe fn $block<const R: usize>(op: &PanelProduct<$t>, a: *const $t, c: *mut $t, p0: usize, p1: usize) {
                let PanelProduct { alpha, lda, m, panels, n, ldc, .. } = *op;
                let va = $set1(alpha);
                for p in p0..p1 {
                    let bp = panels.add(p * m * $lanes);
                    let mut acc: [$vec; R] = [$zero(); R];
                    for i in 0..m {
                        let bv = $load(bp.add(i * $lanes));
                        for r in 0..R {
                            acc[r] = $fma($set1(*a.offset(r as isize * lda + i as isize)), bv, acc[r]);
                        }
                    }
                    let rem = n - p * $lanes;
                    let mask: $mask = if rem >= $lanes { <$mask>::MAX } else { ((1u32 << rem) - 1) as $mask };
                    for r in 0..R {
                        $store(c.offset(r as isize * ldc + (p * $lanes) as isize), mask, $mul(va, acc[r]));
                    }
                }
            }

            /// All rows of `op`, in blocks of at most `MAX_ROWS`, output panels `p0..p1`.
            #[target_feature(enable = "avx512f")]
            pub unsafe fn $name(op: PanelProduct<$t>, p0: usize, p1: usize) {
                let mut r0 = 0;
                while r0 < op.rows {
                    let r = (op.rows - r0).min(super::MAX_ROWS);
                    let (a, c) = (op.a.offset(r0 as isize * op.lda), op.c.offset(r0 as isize * op.ldc));
                    match r {
                        1 => $block::<1>(&op, a, c, p0, p1),
                        2 => $block::<2>(&op, a, c, p0, p1),
                        3 => $block::<3>(&op, a, c, p0, p1),
                        4 => $block::<4>(&op, a, c, p0, p1),
                        5 => $block::<5>(&op, a, c, p0, p1),
                        6 => $block::<6>(&op, a, c, p0, p1),
                        7 => $block::<7>(&op, a, c, p0, p1),
                        8 => $block::<8>(&op, a, c, p0, p1),
                        9 => $block::<9>(&op, a, c, p0, p1),
                        10 => $block::<10>(&op, a, c, p0, p1),
                        11 => $block::<11>(&op, a, c, p0, p1),
                        12 => $block::<12>(&op, a, c, p0, p1),
                        13 => $block::<13>(&op, a, c, p0, p1),
                        14 => $block::<14>(&op, a, c, p0, p1),
                        15 => $block::<15>(&op, a, c, p0, p1),
                        16 => $block::<16>(&op, a, c, p0, p1),
                        17 => $block::<17>(&op, a, c, p0, p1),
                        18 => $block::<18>(&op, a, c, p0, p1),
                        19 => $block::<19>(&op, a, c, p0, p1),
                        20 => $block::<20>(&op, a, c, p0, p1),
                        21 => $block::<21>(&op, a, c, p0, p1),
                        22 => $block::<22>(&op, a, c, p0, p1),
                        23 => $block::<23>(&op, a, c, p0, p1),
                        24 => $block::<24>(&op, a, c, p0, p1),
                        25 => $block::<25>(&op, a, c, p0, p1),
                        26 => $block::<26>(&op, a, c, p0, p1),
                        27 => $block::<27>(&op, a, c, p0, p1),
                        28 => $block::<28>(&op, a, c, p0, p1),
                        29 => $block::<29>(&op, a, c, p0, p1),
                        _ => $block::<30>(&op, a, c, p0, p1),
                    }
                    r0 += r;
                }
            }
        };
    }

    kernels!(
        product_f64,
        block_f64,
        f64,
        8,
        __m512d,
        __mmask8,
        _mm512_setzero_pd,
        _mm512_loadu_pd,
        _mm512_set1_pd,
        _mm512_fmadd_pd,
        _mm512_mul_pd,
        _mm512_mask_storeu_pd
    );
    kernels!(
        product_f32,
        block_f32,
        f32,
        16,
        __m512,
        __mmask16,
        _mm512_setzero_ps,
        _mm512_loadu_ps,
        _mm512_set1_ps,
        _mm512_fmadd_ps,
        _mm512_mul_ps,
        _mm512_mask_storeu_ps
    );
}

/// Whether this crate's AVX-512 code may run: the CPU has AVX-512F and the environment does not
/// set `SATOOL_NO_AVX512=1`. Read once per process. The switch makes every kernel of this module
/// tree take its portable path (packed products through `linalg::matmul`, the lane kernels'
/// portable bodies, the softmax loops compiled for AVX2 or the baseline), so the portable paths
/// run and are tested on an AVX-512 CPU (CI runs the kernel tests with it). It does not reach
/// inside the `gemm` crate, which picks its own kernels.
pub fn avx512() -> bool {
    static ON: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| {
        #[cfg(target_arch = "x86_64")]
        {
            !env_flag(NO_AVX512) && std::arch::is_x86_feature_detected!("avx512f")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    });
    *ON
}

/// Whether the CPU has AVX2 and FMA (the portable bodies are compiled for them when it does).
pub fn fma() -> bool {
    static ON: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    });
    *ON
}

/// The switch that forces the portable paths (see [`avx512`]).
pub const NO_AVX512: &str = "SATOOL_NO_AVX512";
/// The switch that forces `linalg::matmul` for the packed products (and the portable lane bodies).
pub const NO_PACKED_KERNEL: &str = "SATOOL_NO_PACKED_KERNEL";

/// A switch of the environment: on when set to `1`, off when unset or `0`. Any other value is
/// refused by the command line before anything runs; here it counts as off.
pub fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| v == "1")
}

macro_rules! panel_kernel_impl {
    ($t:ty, $lanes:expr, $f:ident) => {
        impl PanelKernel for $t {
            const LANES: usize = $lanes;
            fn panel_kernel_available() -> bool {
                static ON: std::sync::LazyLock<bool> =
                    std::sync::LazyLock::new(|| avx512() && !env_flag(NO_PACKED_KERNEL));
                *ON
            }
            #[allow(unused_variables)]
            unsafe fn panel_product(op: PanelProduct<Self>, p0: usize, p1: usize) {
                #[cfg(target_arch = "x86_64")]
                avx512::$f(op, p0, p1);
                #[cfg(not(target_arch = "x86_64"))]
                unreachable!("no panel kernel on this architecture");
            }
        }
    };
}

panel_kernel_impl!(f64, 8, product_f64);
panel_kernel_impl!(f32, 16, product_f32);
