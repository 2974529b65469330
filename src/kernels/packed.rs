//! Products with the memory matrix, which never changes during a run: it is stored once in
//! column panels one SIMD register wide, and an AVX-512 kernel streams those panels contiguously
//! while a whole chain group's accumulators stay in registers. General GEMM libraries re-pack
//! the big operand on every call; for our thin "15 chains × fixed matrix" products that packing
//! is a large share of the time. CPUs without AVX-512 use `linalg::matmul` on the plain matrix.
//!
//! Each output element is one sequential sum over the reduction index, so results do not depend
//! on the thread count (chain groups run on separate threads, never one product).

use super::linalg::matmul;
use super::panel::PanelProduct;
use super::real::Real;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// A fixed right operand `B` (m × n): the plain matrix, plus its panels when a kernel exists.
#[derive(Debug, Clone)]
pub struct Packed<T: Real> {
    plain: Array2<T>,
    /// `B` in panels of `T::LANES` columns: element (i, p·LANES + l) at `(p·m + i)·LANES + l`,
    /// the last panel zero-padded. Empty when this CPU has no kernel.
    panels: Vec<T>,
}

impl<T: Real> Packed<T> {
    pub fn new(plain: Array2<T>) -> Self {
        let panels = if T::panel_kernel_available() { pack(&plain, T::LANES) } else { Vec::new() };
        Packed { plain, panels }
    }

    /// The plain matrix only: products with it use `linalg::matmul`.
    pub fn plain_only(plain: Array2<T>) -> Self {
        Packed { plain, panels: Vec::new() }
    }

    /// The plain matrix (row-major).
    pub fn plain(&self) -> ArrayView2<'_, T> {
        self.plain.view()
    }
}

fn pack<T: Real>(b: &Array2<T>, lanes: usize) -> Vec<T> {
    let (m, n) = b.dim();
    let mut out = vec![T::zero(); n.div_ceil(lanes) * m * lanes];
    for ((i, j), &v) in b.indexed_iter() {
        let (p, l) = (j / lanes, j % lanes);
        out[(p * m + i) * lanes + l] = v;
    }
    out
}

/// `c ← alpha · a · B` with `a` (rows × m) and `c` (rows × n) row-major.
pub fn matmul_packed<T: Real>(alpha: T, a: ArrayView2<T>, b: &Packed<T>, mut c: ArrayViewMut2<T>) {
    let (rows, m) = a.dim();
    let (m2, n) = b.plain.dim();
    assert!(
        m == m2 && c.dim() == (rows, n),
        "matmul_packed shapes {:?} × {:?} → {:?}",
        a.dim(),
        b.plain.dim(),
        c.dim()
    );
    let contiguous_rows = a.strides()[1] == 1 && c.strides()[1] == 1;
    if b.panels.is_empty() || !contiguous_rows || rows == 0 || n == 0 || m == 0 {
        return matmul(alpha, &a, &b.plain, c);
    }
    // Large products split their output panels into contiguous ranges, one per thread. Every
    // element is still one sequential sum, so the result does not depend on the split.
    let n_panels = n.div_ceil(T::LANES);
    let parts = if 2 * rows * m * n >= PARALLEL_FLOPS { rayon::current_num_threads().clamp(1, n_panels) } else { 1 };
    let (ap, bp, cp) = (a.as_ptr() as usize, b.panels.as_ptr() as usize, c.as_mut_ptr() as usize);
    let (lda, ldc) = (a.strides()[0], c.strides()[0]);
    let run = |part: usize| {
        let (p0, p1) = (part * n_panels / parts, (part + 1) * n_panels / parts);
        // SAFETY: shapes checked above; rows of `a` and `c` are contiguous (unit column stride)
        // with the given row strides; `panels` holds ceil(n/LANES)·m·LANES elements; `c` is a
        // unique view and the parts write disjoint column ranges of it.
        let op =
            PanelProduct { alpha, a: ap as *const T, lda, rows, m, panels: bp as *const T, n, c: cp as *mut T, ldc };
        unsafe { T::panel_product(op, p0, p1) }
    };
    if parts == 1 {
        run(0);
    } else {
        use rayon::prelude::*;
        (0..parts).into_par_iter().for_each(run);
    }
}

/// Products of at least this many flops split their output panels over the rayon threads.
const PARALLEL_FLOPS: usize = 4_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::linalg::matmul_reference;

    fn check<T: Real>(rows: usize, m: usize, n: usize, tol: f64) {
        let a64 = Array2::from_shape_fn((rows, m), |(i, j)| (((i * 7 + j * 3) % 11) as f64 - 5.0) * 0.1);
        let b64 = Array2::from_shape_fn((m, n), |(i, j)| (((i * 5 + j * 13) % 17) as f64 - 8.0) * 0.05);
        let mut want = Array2::zeros((rows, n));
        matmul_reference(1.5, &a64, &b64, &mut want);
        let packed = Packed::new(b64.mapv(T::from_f64));
        let mut got = Array2::from_elem((rows, n), T::from_f64(f64::NAN));
        matmul_packed(T::from_f64(1.5), a64.mapv(T::from_f64).view(), &packed, got.view_mut());
        let scale = want.iter().fold(1.0f64, |e, v| e.max(v.abs()));
        for (g, w) in got.iter().zip(&want) {
            assert!((g.to_f64() - w).abs() <= tol * scale, "({rows},{m},{n}): {} vs {w}", g.to_f64());
        }
    }

    #[test]
    fn matches_the_reference_on_every_row_count_and_panel_tail() {
        for rows in [1, 2, 7, 15, 16, 17, 31, 33] {
            for (m, n) in [(59, 68), (3, 1), (1, 9), (424, 37), (20, 16), (5, 33)] {
                check::<f64>(rows, m, n, 1e-12);
                check::<f32>(rows, m, n, 1e-5);
            }
        }
    }

    #[test]
    fn strided_rows_use_the_fallback_and_agree() {
        let a = Array2::from_shape_fn((6, 10), |(i, j)| (i + 2 * j) as f64);
        let b = Packed::new(Array2::from_shape_fn((5, 9), |(i, j)| (i * j) as f64 - 3.0));
        let sub = a.slice(ndarray::s![.., ..;2]); // column stride 2
        let mut got = Array2::zeros((6, 9));
        matmul_packed(1.0, sub, &b, got.view_mut());
        let mut want = Array2::zeros((6, 9));
        matmul_reference(1.0, &sub, &b.plain(), &mut want);
        assert_eq!(got, want);
    }
}
