//! The sampler's working precision: f64 (default) or f32 (`--precision f32`, half the memory
//! traffic and twice the SIMD width in every product). Metrics are always computed in f64.

use super::lanes::LaneKernel;
use super::panel::PanelKernel;
use ndarray::LinalgScalar;

/// A float the sampler can run in: `f64` or `f32` (implemented for those two only; the SIMD
/// kernels it requires are private).
pub trait Real: LinalgScalar + PartialOrd + Send + Sync + std::fmt::Debug + PanelKernel + LaneKernel {
    /// The nearest value of this type.
    fn from_f64(v: f64) -> Self;
    /// The value as f64 (exact).
    fn to_f64(self) -> f64;
    /// `exp(x)` for `x ≤ 0`, branch-free (max. 2 ulp in f64; 0 below the smallest normal result).
    fn exp_nonpositive(self) -> Self;
    /// Row softmax in place; returns the logsumexp in f64.
    fn softmax_in_place(row: &mut [Self]) -> f64;
}

/// `exp(x)` for `x ≤ 0` without branches, so loops over it vectorise: round `x·log2 e` to an
/// integer n with the 1.5·2⁵² trick, reduce to |r| ≤ ln2/2, a degree-13 Taylor polynomial for
/// `e^r` (truncation < 5e-18), and scale by 2ⁿ built from the exponent bits. Relative error
/// ≤ 2 ulp for x > −708; smaller x (weights below 1e-307, and −∞ for masked memories) give 0;
/// NaN gives NaN.
// The constants keep fdlibm's printed digits; they round to the intended f64 bits.
#[allow(clippy::excessive_precision)]
#[inline(always)]
pub fn exp_nonpositive(x: f64) -> f64 {
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    const LN2_HI: f64 = 6.931_471_803_691_238_164_9e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_0e-10;
    const C: [f64; 14] = [
        1.0,
        1.0,
        0.5,
        1.666_666_666_666_666_6e-1,
        4.166_666_666_666_666_4e-2,
        8.333_333_333_333_333e-3,
        1.388_888_888_888_888_9e-3,
        1.984_126_984_126_984e-4,
        2.480_158_730_158_730_2e-5,
        2.755_731_922_398_589e-6,
        2.755_731_922_398_589_3e-7,
        2.505_210_838_544_172e-8,
        2.087_675_698_786_81e-9,
        1.605_904_383_682_161_3e-10,
    ];
    // NaN compares false: it keeps itself and propagates (a NaN logit is a NaN weight, never 0).
    let keep = if x <= -708.0 { 0.0 } else { 1.0 };
    let x = if x <= -708.0 { -708.0 } else { x };
    let t = x * std::f64::consts::LOG2_E + SHIFT;
    let n = t - SHIFT;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = C[13];
    for &c in C[..13].iter().rev() {
        p = p * r + c;
    }
    // t's low mantissa bits hold n (two's complement relative to SHIFT); 2^n = (n + 1023) << 52.
    let n_int = (t.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    keep * p * f64::from_bits(((n_int + 1023) << 52) as u64)
}

/// The f32 counterpart: 1.5·2²³ rounding trick, degree-7 Taylor (truncation < 6e-9), for
/// x > −87 (smaller x give 0; NaN gives NaN).
#[inline(always)]
pub fn exp_nonpositive_f32(x: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0; // 1.5 · 2^23
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    const C: [f32; 8] = [1.0, 1.0, 0.5, 0.166_666_67, 0.041_666_668, 0.008_333_334, 0.001_388_888_9, 0.000_198_412_7];
    let keep = if x <= -87.0 { 0.0 } else { 1.0 };
    let x = if x <= -87.0 { -87.0 } else { x };
    let t = x * std::f32::consts::LOG2_E + SHIFT;
    let n = t - SHIFT;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = C[7];
    for &c in C[..7].iter().rev() {
        p = p * r + c;
    }
    let n_int = (t.to_bits() as i32).wrapping_sub(SHIFT.to_bits() as i32);
    keep * p * f32::from_bits(((n_int + 127) << 23) as u32)
}

/// Softmax with `N` independent partial sums: a fixed summation order (so every build and CPU
/// gives the same bits) that fills one AVX-512 vector (`N` = 8 in f64, 16 in f32).
#[inline(always)]
fn softmax_body<T: Real, const N: usize>(row: &mut [T]) -> f64 {
    let max = row.iter().fold(T::from_f64(f64::NEG_INFINITY), |m, &v| if v > m { v } else { m });
    let mut acc = [T::zero(); N];
    let mut chunks = row.chunks_exact_mut(N);
    for ch in &mut chunks {
        for (v, a) in ch.iter_mut().zip(acc.iter_mut()) {
            *v = (*v - max).exp_nonpositive();
            *a = *a + *v;
        }
    }
    for (v, a) in chunks.into_remainder().iter_mut().zip(acc.iter_mut()) {
        *v = (*v - max).exp_nonpositive();
        *a = *a + *v;
    }
    let sum = tree_sum(acc);
    let inv = T::one() / sum;
    for v in row.iter_mut() {
        *v = *v * inv;
    }
    max.to_f64() + sum.to_f64().ln()
}

/// `Σ acc` in a fixed order, in place: the upper half folded onto the lower, then adjacent pairs
/// (for N = 8: ((a0+a4)+(a1+a5)) + ((a2+a6)+(a3+a7))). `N` is a power of two.
#[inline(always)]
fn tree_sum<T: Real, const N: usize>(mut a: [T; N]) -> T {
    let mut n = N / 2;
    for i in 0..n {
        a[i] = a[i] + a[i + n];
    }
    while n > 1 {
        n /= 2;
        for i in 0..n {
            a[i] = a[2 * i] + a[2 * i + 1];
        }
    }
    a[0]
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn softmax_avx512<T: Real, const N: usize>(row: &mut [T]) -> f64 {
    softmax_body::<T, N>(row)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn softmax_avx2<T: Real, const N: usize>(row: &mut [T]) -> f64 {
    softmax_body::<T, N>(row)
}

/// Softmax with the loop compiled for AVX-512 or AVX2 when the CPU has it (chosen at run time,
/// `SATOOL_NO_AVX512=1` forbids the former; no FMA contraction happens, so every path gives the
/// same bits).
fn softmax_dispatch<T: Real, const N: usize>(row: &mut [T]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if super::panel::avx512() {
            // SAFETY: the CPU supports the features the function was compiled for.
            return unsafe { softmax_avx512::<T, N>(row) };
        }
        if super::panel::fma() {
            // SAFETY: as above.
            return unsafe { softmax_avx2::<T, N>(row) };
        }
    }
    softmax_body::<T, N>(row)
}

impl Real for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn exp_nonpositive(self) -> Self {
        exp_nonpositive(self)
    }
    fn softmax_in_place(row: &mut [Self]) -> f64 {
        softmax_dispatch::<f64, 8>(row)
    }
}

impl Real for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn exp_nonpositive(self) -> Self {
        exp_nonpositive_f32(self)
    }
    fn softmax_in_place(row: &mut [Self]) -> f64 {
        softmax_dispatch::<f32, 16>(row)
    }
}

/// Working precision of the samplers (`"f64"` or `"f32"` as text and in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Double precision (default).
    #[default]
    F64,
    /// Single precision products and softmax; energies, metrics and outputs stay f64.
    F32,
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "f64" => Ok(Precision::F64),
            "f32" => Ok(Precision::F32),
            _ => Err(format!("unknown precision '{s}' (expected f64 or f32)")),
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Precision::F64 => "f64",
            Precision::F32 => "f32",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_matches_libm_to_two_ulp() {
        let mut worst = 0.0f64;
        for i in 0..=200_000 {
            let x = -707.9 * i as f64 / 200_000.0;
            let (got, want) = (exp_nonpositive(x), x.exp());
            worst = worst.max(((got - want) / want).abs());
        }
        for x in [0.0, -1e-300, -0.5 * std::f64::consts::LN_2, -1.0, -745.0, f64::NEG_INFINITY] {
            let got = exp_nonpositive(x);
            assert!(got.is_finite() && (0.0..=1.0).contains(&got), "exp({x}) = {got}");
        }
        assert_eq!(exp_nonpositive(f64::NEG_INFINITY), 0.0, "masked memories get exactly zero weight");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(worst < 4.5e-16, "worst relative error {worst}");
        assert_eq!((exp_nonpositive(-708.0), exp_nonpositive(-707.99) > 0.0), (0.0, true), "the cut-off");
    }

    /// A NaN logit is a NaN weight and logsumexp, never a weight of 0 that the rest of the row
    /// would silently renormalise away.
    #[test]
    fn nan_propagates_through_exp_and_softmax() {
        assert!(exp_nonpositive(f64::NAN).is_nan() && exp_nonpositive_f32(f32::NAN).is_nan());
        let mut row = [0.5, f64::NAN, -1.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.6];
        assert!(f64::softmax_in_place(&mut row).is_nan());
        assert!(row.iter().all(|p| p.is_nan()), "{row:?}");
        let mut row = [0.5f32, -1.0, f32::NAN];
        assert!(f32::softmax_in_place(&mut row).is_nan());
    }

    #[test]
    fn fast_exp_f32_is_accurate_to_a_few_ulp() {
        let mut worst = 0.0f64;
        for i in 0..=100_000 {
            let x = -86.9f32 * i as f32 / 100_000.0;
            let (got, want) = (exp_nonpositive_f32(x) as f64, (x as f64).exp());
            worst = worst.max(((got - want) / want).abs());
        }
        assert_eq!(exp_nonpositive_f32(0.0), 1.0);
        assert_eq!(exp_nonpositive_f32(f32::NEG_INFINITY), 0.0);
        assert!(worst < 3.0 * f32::EPSILON as f64, "worst relative error {worst}");
    }

    #[test]
    fn partial_sums_add_in_the_documented_order() {
        // values whose sum depends on the order (the f64 softmax's bits must not change)
        let a: [f64; 8] = [1e16, 1.0, -1e16, 3.0, 1.0, -7e15, 0.5, 7e15];
        let want = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
        assert_eq!(tree_sum(a).to_bits(), want.to_bits());
        let b: [f32; 16] = std::array::from_fn(|i| if i % 3 == 0 { 1e8 * (i as f32 - 7.5) } else { 1.0 + i as f32 });
        let c: [f32; 8] = std::array::from_fn(|i| b[i] + b[i + 8]);
        let want = ((c[0] + c[1]) + (c[2] + c[3])) + ((c[4] + c[5]) + (c[6] + c[7]));
        assert_eq!(tree_sum(b).to_bits(), want.to_bits());
    }

    #[test]
    fn f32_softmax_agrees_with_f64() {
        let logits: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1009) as f64 * 0.05 - 20.0).collect();
        let (mut a, mut b) = (logits.clone(), logits.iter().map(|&v| v as f32).collect::<Vec<f32>>());
        let (la, lb) = (f64::softmax_in_place(&mut a), f32::softmax_in_place(&mut b));
        assert!((la - lb).abs() < 1e-5 * la.abs().max(1.0));
        for (x, y) in a.iter().zip(&b) {
            // f32 rounding of logits up to |30| perturbs each weight by ~2e-6 relative.
            assert!((x - *y as f64).abs() < 1e-5 * x, "{x} vs {y}");
        }
    }
}
