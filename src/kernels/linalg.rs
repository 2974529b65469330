//! The one matrix-multiply entry point of the sampler.
//!
//! Chains are batched as rows, so every product is "a few rows × a fixed memory matrix". The
//! `gemm` crate (runtime-dispatched AVX2 / AVX-512 / NEON kernels) is faster than ndarray's
//! `matrixmultiply` backend on these thin shapes (bench/README.md, "Design measurements"); it runs
//! single-threaded here because chain groups are already spread over the cores, and so its
//! results do not depend on the thread count.

use super::real::Real;
use ndarray::{ArrayBase, ArrayViewMut2, Data, Ix2};

/// `c ← alpha·a·b` (c is overwritten), in f64 or f32.
pub fn matmul<T, A, B>(alpha: T, a: &ArrayBase<A, Ix2>, b: &ArrayBase<B, Ix2>, mut c: ArrayViewMut2<T>)
where
    T: Real,
    A: Data<Elem = T>,
    B: Data<Elem = T>,
{
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert!(k == k2 && c.dim() == (m, n), "matmul shapes {:?} × {:?} → {:?}", a.dim(), b.dim(), c.dim());
    let (sa, sb) = (a.strides(), b.strides());
    let sc = [c.strides()[0], c.strides()[1]];
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.fill(T::zero());
        return;
    }
    // SAFETY: the pointers and strides come from live ndarray views whose shapes were checked
    // above; `c` is a unique mutable view that does not alias `a` or `b` (borrow rules).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            sc[1],
            sc[0],
            false,
            a.as_ptr(),
            sa[1],
            sa[0],
            b.as_ptr(),
            sb[1],
            sb[0],
            T::zero(),
            alpha,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Reference product through ndarray (used by the tests to check `matmul`).
#[cfg(test)]
pub(crate) fn matmul_reference<A, B>(
    alpha: f64,
    a: &ArrayBase<A, Ix2>,
    b: &ArrayBase<B, Ix2>,
    c: &mut ndarray::Array2<f64>,
) where
    A: Data<Elem = f64>,
    B: Data<Elem = f64>,
{
    ndarray::linalg::general_mat_mul(alpha, a, b, 0.0, c);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn matches_ndarray_on_thin_and_transposed_shapes() {
        for (m, k, n) in [(15, 59, 68), (4, 464, 1258), (1, 3, 2), (30, 7, 1)] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
            let b = Array2::from_shape_fn((n, k), |(i, j)| ((i * 5 + j * 13) % 17) as f64 * 0.1).reversed_axes();
            let mut want = Array2::zeros((m, n));
            matmul_reference(2.5, &a, &b, &mut want);
            let mut got = Array2::from_elem((m, n), f64::NAN);
            matmul(2.5, &a, &b, got.view_mut());
            let err = (&got - &want).iter().fold(0.0f64, |e, v| e.max(v.abs()));
            assert!(err <= 1e-9 * want.iter().fold(1.0f64, |e, v| e.max(v.abs())), "({m},{k},{n}) err {err}");
        }
    }
}
