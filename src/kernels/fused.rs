//! Attention over a large memory in one pass (flash-attention style), with the chains in the
//! SIMD lanes.
//!
//! The two-pass evaluation (`logits = β Ξ X`, softmax, `Ξ_att = P Xᵀ`) streams the memory twice
//! per step, once for each product. When the memory does not fit in cache that traffic sets the
//! speed. Here the memory is read once, in blocks of `BLOCK` patterns that stay in cache for both
//! products, with an online softmax (running max and sum per chain, earlier sums rescaled when
//! the max grows). Both products keep the chains in the vector lanes and broadcast the memory's
//! elements, so one layout (the plain `Xᵀ`, one pattern per row) serves both without transposing
//! it; each step of the inner loops updates 24 accumulators held in registers (6 patterns × 4 chain
//! vectors in f64: 10 loads per 24 FMAs; 12 × 2 in f32: 14 loads).
//!
//! Segments of the memory (a fixed split that depends only on K) run in parallel, each with its
//! own running max, sum and output, merged in segment order. Every lane's arithmetic involves
//! only its own chain, so results depend neither on the thread count nor on the other chains.

use super::lanes::{LaneBlock, CHUNK};
use super::panel::{avx512, env_flag};
use super::real::Real;
use ndarray::{ArrayView2, ArrayViewMut2};
use std::sync::Mutex;

/// Patterns per block: both products read the block (217 KB at d = 424) from L2.
const BLOCK: usize = 64;
/// Blocks per segment, aimed at; the segment count is rounded to an even number so two cores
/// get equal shares.
const SEGMENT_BLOCKS: usize = 8;

/// The one-pass evaluation needs at least this many patterns (16 blocks, so at least two
/// segments for the two cores; below it the chain groups on separate cores win).
pub const ONE_PASS_MIN_PATTERNS: usize = 1024;
/// In f32 it also needs patterns at most this long: longer ones keep the two-pass evaluation,
/// whose traffic f32 already halves, and batches of 8 chains fill only half an f32 vector.
pub const ONE_PASS_F32_MAX_D: usize = 128;
/// The rule above in words, for `satool bench`.
pub const ONE_PASS_RULE: &str = "K ≥ 1024 (in f32 also d ≤ 128)";

/// Whether attention over a `d × k` memory in precision `T` runs in one pass: the memory is of a
/// shape where it wins (`one_pass_shape`) and `SATOOL_TWO_PASS=1` does not force the two-pass
/// evaluation (for comparison: `satool bench` reports both). Every CPU runs it: without AVX-512
/// the portable bodies (see `lanes`) give the same bits, at a cost (finance shape, d = 424,
/// K = 2766, `SATOOL_NO_AVX512=1`: 38 ULA steps/s against 147 for the two-pass evaluation through
/// `gemm`), but the two-pass fallback's bits depend on how many chains share a batch, and the
/// one-pass evaluation keeps every chain's bits its own.
pub fn one_pass<T: Real>(d: usize, k: usize) -> bool {
    static FORCED_TWO_PASS: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| env_flag(TWO_PASS));
    one_pass_shape::<T>(d, k) && !*FORCED_TWO_PASS
}

/// The switch that forces the two-pass evaluation.
pub const TWO_PASS: &str = "SATOOL_TWO_PASS";

/// The shape rule of [`one_pass`] (the measurements behind it, on AVX-512: bench/README.md,
/// "Design measurements").
pub fn one_pass_shape<T: Real>(d: usize, k: usize) -> bool {
    let f32_shape = std::mem::size_of::<T>() == 8 || d <= ONE_PASS_F32_MAX_D;
    d > 0 && k >= ONE_PASS_MIN_PATTERNS && f32_shape
}

/// Segment boundaries in patterns: whole blocks, an even number of segments where possible.
fn segment_bounds(k: usize) -> Vec<usize> {
    let blocks = k.div_ceil(BLOCK);
    let segments = (2 * blocks.div_ceil(2 * SEGMENT_BLOCKS)).clamp(1, blocks.max(1));
    (0..=segments).map(|s| (s * blocks / segments * BLOCK).min(k)).collect()
}

/// Buffers of one batch's one-pass evaluations, allocated once and reused every step.
#[derive(Debug)]
pub struct OnePass<T: Real> {
    rows: usize,
    /// `segment_bounds(K)`, kept so the step loop does not allocate.
    bounds: Vec<usize>,
    /// The states transposed per chunk of `CHUNK` chains (d × CHUNK each, unused lanes zero).
    xit: Vec<T>,
    /// Per segment and chunk: unnormalised `Σ exp(l − m) x` (d × CHUNK), running max `m` and
    /// sum of `exp(l − m)` (CHUNK each).
    out: Vec<T>,
    max: Vec<T>,
    sum: Vec<T>,
    /// The merged sums of one chunk (d × CHUNK).
    acc: Vec<T>,
    /// Per-thread block scratch (block weights, rescale factors); nothing in it outlives one
    /// block, so results do not depend on which thread's scratch a segment gets.
    scratch: Vec<Mutex<Vec<T>>>,
}

impl<T: Real> Clone for OnePass<T> {
    fn clone(&self) -> Self {
        OnePass::new(self.rows)
    }
}

impl<T: Real> OnePass<T> {
    pub fn new(rows: usize) -> Self {
        OnePass {
            rows,
            bounds: Vec::new(),
            xit: Vec::new(),
            out: Vec::new(),
            max: Vec::new(),
            sum: Vec::new(),
            acc: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// `att ← X softmax(β Xᵀ ξ)` and `lse ← logsumexp(β Xᵀ ξ)` for the rows of `xi`, given the
    /// memory as `xt` (K × d, one pattern per row, contiguous); `bias` (K values) is added to
    /// every row's logits (pattern weights `ln w_k`).
    #[allow(clippy::too_many_arguments)]
    pub fn attend(
        &mut self,
        xt: ArrayView2<T>,
        beta: f64,
        xi: ArrayView2<T>,
        bias: Option<&[T]>,
        att: ArrayViewMut2<T>,
        lse: &mut [f64],
    ) {
        let (k, d) = xt.dim();
        let rows = xi.nrows();
        assert!(rows == self.rows && xi.ncols() == d && att.dim() == (rows, d) && lse.len() == rows);
        assert!(xt.is_standard_layout(), "one-pass attention needs the memory's rows contiguous");
        let chunks = rows.div_ceil(CHUNK);
        if self.bounds.last() != Some(&k) {
            self.bounds = segment_bounds(k);
        }
        let (bounds, segments) = (&self.bounds, self.bounds.len() - 1);
        self.xit.resize(chunks * d * CHUNK, T::zero());
        for (r, row) in xi.outer_iter().enumerate() {
            let (c, l) = (r / CHUNK, r % CHUNK);
            for (i, &v) in row.iter().enumerate() {
                self.xit[(c * d + i) * CHUNK + l] = v;
            }
        }
        self.out.resize(segments * chunks * d * CHUNK, T::zero());
        self.max.resize(segments * chunks * CHUNK, T::zero());
        self.sum.resize(segments * chunks * CHUNK, T::zero());
        let threads = rayon::current_num_threads().max(1);
        while self.scratch.len() < threads {
            self.scratch.push(Mutex::new(vec![T::zero(); BLOCK * CHUNK + CHUNK]));
        }

        let beta_t = T::from_f64(beta);
        let (xt_ptr, xit) = (xt.as_ptr() as usize, &self.xit);
        let scratch = &self.scratch;
        let run_segment = |s: usize, out: &mut [T], max: &mut [T], sum: &mut [T]| {
            let slot = rayon::current_thread_index().unwrap_or(0) % scratch.len();
            let mut guard = scratch[slot].lock().expect("scratch lock");
            let (w, scale) = guard.split_at_mut(BLOCK * CHUNK);
            out.fill(T::zero());
            max.fill(T::from_f64(f64::NEG_INFINITY));
            sum.fill(T::zero());
            for k0 in (bounds[s]..bounds[s + 1]).step_by(BLOCK) {
                let kb = (bounds[s + 1] - k0).min(BLOCK);
                // SAFETY: rows k0..k0+kb of the contiguous K × d memory exist.
                let block = unsafe { (xt_ptr as *const T).add(k0 * d) };
                for c in 0..chunks {
                    let n = (rows - c * CHUNK).min(CHUNK);
                    let lanes_block = LaneBlock { xt: block, kb, d, n };
                    // SAFETY: `xit` chunk c is d × CHUNK; `w` is BLOCK × CHUNK with kb ≤ BLOCK.
                    unsafe { T::lane_logits(lanes_block, xit.as_ptr().add(c * d * CHUNK), beta_t, w.as_mut_ptr()) };
                    if let Some(b) = bias {
                        for (wk, &bk) in w[..kb * CHUNK].chunks_exact_mut(CHUNK).zip(&b[k0..k0 + kb]) {
                            wk.iter_mut().for_each(|v| *v = *v + bk);
                        }
                    }
                    // only the vectors holding chains (8 rows in f64: a quarter of the lanes)
                    let lanes = c * CHUNK..c * CHUNK + n.div_ceil(T::LANES) * T::LANES;
                    let active = lanes.len();
                    online_softmax_dispatch(
                        &mut w[..kb * CHUNK],
                        &mut max[lanes.clone()],
                        &mut sum[lanes],
                        &mut scale[..active],
                    );
                    // SAFETY: as above; `out` chunk c is d × CHUNK, `scale` CHUNK values.
                    unsafe {
                        T::lane_accumulate(lanes_block, w.as_ptr(), scale.as_ptr(), out.as_mut_ptr().add(c * d * CHUNK))
                    };
                }
            }
        };
        {
            use rayon::prelude::*;
            let per = chunks * CHUNK;
            let parts =
                self.out.par_chunks_mut(per * d).zip(self.max.par_chunks_mut(per)).zip(self.sum.par_chunks_mut(per));
            parts.enumerate().for_each(|(s, ((out, max), sum))| run_segment(s, out, max, sum));
        }
        self.acc.resize(d * CHUNK, T::zero());
        merge(&self.out, &self.max, &self.sum, segments, &mut self.acc, att, lse);
    }
}

/// `online_softmax` for the `max.len()` active lanes (a whole number of vectors: 8, 16, 24 or
/// 32). The lane count is a constant of each instance so the running maxima stay in registers.
fn online_softmax_dispatch<T: Real>(w: &mut [T], max: &mut [T], sum: &mut [T], scale: &mut [T]) {
    match max.len() {
        8 => online_softmax_wide::<T, 8>(w, max, sum, scale),
        16 => online_softmax_wide::<T, 16>(w, max, sum, scale),
        24 => online_softmax_wide::<T, 24>(w, max, sum, scale),
        _ => online_softmax_wide::<T, CHUNK>(w, max, sum, scale),
    }
}

/// `online_softmax` compiled for AVX-512 where the CPU has it (see `panel::avx512`; no FMA
/// contraction happens, so the bits do not depend on the vector width).
fn online_softmax_wide<T: Real, const L: usize>(w: &mut [T], max: &mut [T], sum: &mut [T], scale: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        unsafe fn wide<T: Real, const L: usize>(w: &mut [T], max: &mut [T], sum: &mut [T], scale: &mut [T]) {
            online_softmax::<T, L>(w, max, sum, scale)
        }
        if avx512() {
            // SAFETY: the CPU supports the features the function was compiled for.
            return unsafe { wide::<T, L>(w, max, sum, scale) };
        }
    }
    online_softmax::<T, L>(w, max, sum, scale)
}

/// Turns a block's logits `w` (kb × CHUNK, a chain per lane) into weights `exp(l − m)` against
/// each chain's updated running max `m`, adds them to the running sums, and leaves in `scale`
/// the factors `exp(m_old − m)` for the earlier sums, for the first `L` lanes (`max`, `sum` and
/// `scale` hold `L` values; the other lanes of `w` are left alone).
#[inline(always)]
fn online_softmax<T: Real, const L: usize>(w: &mut [T], max: &mut [T], sum: &mut [T], scale: &mut [T]) {
    assert!(max.len() == L && sum.len() == L && scale.len() == L && L <= CHUNK);
    let ninf = T::from_f64(f64::NEG_INFINITY);
    let mut new_max = [ninf; L];
    new_max.copy_from_slice(max);
    for wk in w.chunks_exact(CHUNK) {
        for (m, &v) in new_max.iter_mut().zip(&wk[..L]) {
            *m = if v > *m { v } else { *m };
        }
    }
    // A chain whose logits so far are all −∞ keeps max −∞: its weights are exp(−∞) = 0
    // against a shift of 0, and its (zero) sums are left as they are.
    let mut shift = [T::zero(); L];
    for l in 0..L {
        let live = new_max[l] > ninf;
        shift[l] = if live { new_max[l] } else { T::zero() };
        scale[l] = if live { (max[l] - new_max[l]).exp_nonpositive() } else { T::one() };
    }
    let mut block_sum = [T::zero(); L];
    for wk in w.chunks_exact_mut(CHUNK) {
        for ((v, s), &m) in wk[..L].iter_mut().zip(&mut block_sum).zip(&shift) {
            *v = (*v - m).exp_nonpositive();
            *s = *s + *v;
        }
    }
    for l in 0..L {
        sum[l] = sum[l] * scale[l] + block_sum[l];
        max[l] = new_max[l];
    }
}

/// Combines the segments in order: `att = Σ_s e^{m_s − m} out_s / Σ_s e^{m_s − m} sum_s`, lane
/// by lane into `acc` (d × CHUNK, contiguous, so the loops vectorise), then into the rows of `att`.
fn merge<T: Real>(
    out: &[T],
    max: &[T],
    sum: &[T],
    segments: usize,
    acc: &mut [T],
    mut att: ArrayViewMut2<T>,
    lse: &mut [f64],
) {
    let (rows, d) = att.dim();
    let chunks = rows.div_ceil(CHUNK);
    let per = chunks * CHUNK;
    for c in 0..chunks {
        let lanes = |s: usize| s * per + c * CHUNK..s * per + (c + 1) * CHUNK;
        let mut m = [T::from_f64(f64::NEG_INFINITY); CHUNK];
        for s in 0..segments {
            for (a, &b) in m.iter_mut().zip(&max[lanes(s)]) {
                *a = if b > *a { b } else { *a };
            }
        }
        // Lanes past the last row may hold anything (inf, NaN); they are never read back.
        let m0: [T; CHUNK] = m.map(|v| if v > T::from_f64(f64::NEG_INFINITY) { v } else { T::zero() });
        let mut total = [T::zero(); CHUNK];
        acc.fill(T::zero());
        for s in 0..segments {
            let mut w = [T::zero(); CHUNK];
            for l in 0..CHUNK {
                w[l] = (max[lanes(s)][l] - m0[l]).exp_nonpositive();
                total[l] = total[l] + w[l] * sum[lanes(s)][l];
            }
            let o = &out[(s * chunks + c) * d * CHUNK..(s * chunks + c + 1) * d * CHUNK];
            for (a, ov) in acc.chunks_exact_mut(CHUNK).zip(o.chunks_exact(CHUNK)) {
                for l in 0..CHUNK {
                    a[l] = a[l] + w[l] * ov[l];
                }
            }
        }
        let inv = total.map(|t| T::one() / t);
        for l in 0..(rows - c * CHUNK).min(CHUNK) {
            let r = c * CHUNK + l;
            for (j, a) in att.row_mut(r).iter_mut().enumerate() {
                *a = acc[j * CHUNK + l] * inv[l];
            }
            lse[r] = m[l].to_f64() + total[l].to_f64().ln();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::{Rng as _, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Direct evaluation in f64 (logits, max-subtracted softmax, weighted sum): `(att, lse)`.
    fn reference(xt: &Array2<f64>, beta: f64, xi: &Array2<f64>) -> (Array2<f64>, Vec<f64>) {
        let (k, d) = xt.dim();
        let mut att = Array2::zeros((xi.nrows(), d));
        let mut lse = vec![0.0; xi.nrows()];
        for (r, row) in xi.rows().into_iter().enumerate() {
            let logits: Vec<f64> = (0..k).map(|j| beta * xt.row(j).dot(&row)).collect();
            let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let w: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
            let z: f64 = w.iter().sum();
            lse[r] = max + z.ln();
            for (wj, pattern) in w.iter().zip(xt.rows()) {
                att.row_mut(r).scaled_add(wj / z, &pattern);
            }
        }
        (att, lse)
    }

    /// One-pass against the direct evaluation in precision `T`, to `tol`.
    fn check_in<T: Real>(d: usize, k: usize, rows: usize, beta: f64, tol: f64) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let xt = Array2::from_shape_simple_fn((k, d), || T::from_f64(rng.random::<f64>() - 0.5));
        let xi = Array2::from_shape_simple_fn((rows, d), || T::from_f64(rng.random::<f64>() - 0.5));
        let (want_att, want_lse) = reference(&xt.mapv(T::to_f64), beta, &xi.mapv(T::to_f64));
        let (mut att, mut lse) = (Array2::from_elem((rows, d), T::from_f64(f64::NAN)), vec![f64::NAN; rows]);
        let mut one = OnePass::new(rows);
        // first with other states: buffers reused from one evaluation must not leak into the next
        one.attend(xt.view(), beta, xi.mapv(|v| v * T::from_f64(0.5)).view(), None, att.view_mut(), &mut lse);
        one.attend(xt.view(), beta, xi.view(), None, att.view_mut(), &mut lse);
        for r in 0..rows {
            assert!(
                (lse[r] - want_lse[r]).abs() <= tol * want_lse[r].abs().max(1.0),
                "({d},{k},{rows}) lse {} vs {}",
                lse[r],
                want_lse[r]
            );
            for j in 0..d {
                let (g, w) = (att[[r, j]].to_f64(), want_att[[r, j]]);
                assert!((g - w).abs() <= tol, "({d},{k},{rows}) att[{r},{j}] {g} vs {w}");
            }
        }
    }

    fn check(d: usize, k: usize, rows: usize, beta: f64) {
        check_in::<f64>(d, k, rows, beta, 1e-12);
        check_in::<f32>(d, k, rows, beta, 2e-5);
    }

    #[test]
    fn one_pass_equals_two_pass_attention() {
        // tails in both d and K, more rows than one kernel block, one and many segments
        for (d, k, rows) in [
            (59, 68, 15),
            (13, 1001, 33),
            (424, 700, 30),
            (7, 9, 1),
            (8, 2000, 2),
            (64, 3000, 31),
            (5, 1300, 70),
            (25, 1100, 17),
        ] {
            check(d, k, rows, 8.0);
        }
        // large β: the running max moves block after block and most weights underflow
        check(40, 1500, 6, 400.0);
    }

    #[test]
    fn one_pass_takes_the_shapes_where_it_was_measured_to_win() {
        let wins = [(20, 8312), (100, 2000), (48, 6000), (128, 1024)];
        assert!(wins.iter().all(|&(d, k)| one_pass_shape::<f64>(d, k) && one_pass_shape::<f32>(d, k)));
        assert!([(59, 68), (784, 100), (20, 1023)]
            .iter()
            .all(|&(d, k)| !one_pass_shape::<f64>(d, k) && !one_pass_shape::<f32>(d, k)));
        // the finance shapes: one pass in f64, two in f32
        assert!([(424, 2766), (464, 1258), (129, 5000)]
            .iter()
            .all(|&(d, k)| one_pass_shape::<f64>(d, k) && !one_pass_shape::<f32>(d, k)));
        assert_eq!(one_pass::<f64>(20, 8312), !env_flag(TWO_PASS));
    }

    /// The kernels this CPU runs (AVX-512 where it has it and `SATOOL_NO_AVX512` is not set) give
    /// the same bits as the portable bodies: the same fused multiply-adds in the same order. Every
    /// block height, tail of d, and lane count (whole vectors up to `n`) of both precisions.
    #[test]
    fn lane_kernels_equal_their_portable_bodies_bit_for_bit() {
        fn check<T: Real>(kb: usize, d: usize, n: usize, seed: u64) {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut draw = |len: usize| (0..len).map(|_| T::from_f64(rng.random::<f64>() - 0.5)).collect::<Vec<T>>();
            let (xt, xit, scale, ot0) = (draw(kb * d), draw(d * CHUNK), draw(CHUNK), draw(d * CHUNK));
            let w0 = draw(kb * CHUNK);
            let block = LaneBlock { xt: xt.as_ptr(), kb, d, n };
            let beta = T::from_f64(7.5);
            let (mut wa, mut wb) = (w0.clone(), w0.clone());
            let (mut oa, mut ob) = (ot0.clone(), ot0.clone());
            // SAFETY: the buffers have the sizes `LaneKernel` documents.
            unsafe {
                T::lane_logits(block, xit.as_ptr(), beta, wa.as_mut_ptr());
                T::lane_logits_portable(block, xit.as_ptr(), beta, wb.as_mut_ptr());
                T::lane_accumulate(block, w0.as_ptr(), scale.as_ptr(), oa.as_mut_ptr());
                T::lane_accumulate_portable(block, w0.as_ptr(), scale.as_ptr(), ob.as_mut_ptr());
            }
            let bits = |v: &[T]| v.iter().map(|x| x.to_f64().to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&wa), bits(&wb), "logits kb {kb} d {d} n {n}");
            assert_eq!(bits(&oa), bits(&ob), "accumulate kb {kb} d {d} n {n}");
            // the lanes past the computed vectors are left alone
            let lanes = n.div_ceil(T::LANES) * T::LANES;
            assert!((0..kb).all(|k| wb[k * CHUNK + lanes..(k + 1) * CHUNK] == w0[k * CHUNK + lanes..(k + 1) * CHUNK]));
            assert!(wb.iter().any(|v| v.to_f64() != 0.0));
        }
        let mut seed = 0;
        for kb in [1, 5, 6, 7, 12, 13, 64] {
            for d in [1, 3, 6, 13, 59] {
                for n in [1, 8, 9, 17, 32] {
                    seed += 1;
                    check::<f64>(kb, d, n, seed);
                    check::<f32>(kb, d, n, seed);
                }
            }
        }
    }

    #[test]
    fn segments_cover_the_patterns_in_whole_blocks() {
        for k in [1, 7, 64, 65, 500, 2766, 8000] {
            let b = segment_bounds(k);
            assert_eq!((b[0], *b.last().unwrap()), (0, k));
            assert!(b.windows(2).all(|w| w[0] < w[1]), "{k}: {b:?}");
            assert!(b[..b.len() - 1].iter().all(|&p| p % BLOCK == 0));
        }
        assert_eq!(segment_bounds(2766).len() - 1, 6, "the finance shape: six segments, three per core");
    }
}
