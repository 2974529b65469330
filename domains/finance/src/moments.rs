//! The moments of the scenario-file correction ([`crate::correct_keeping_zeros_in_place`]) as
//! exact sums: per ticker Σv, Σv² and the count of exact zeros, each sum held without rounding
//! ([`ExactSum`]) and rounded once at the end. Exact sums do not depend on the order or the
//! grouping of the values, so moments summed over parts of a set (blocks of one run, or the
//! shards of a run on many machines) and then merged are the whole set's, bit for bit.

use ndarray::{ArrayView2, Axis};
use rayon::prelude::*;
use satool_common::stats::{mean, sd};

/// Bits per chunk of an [`ExactSum`].
const CHUNK_BITS: u32 = 32;
/// Chunks of an [`ExactSum`]: from 2^−1074 (the least subnormal) to 2^1102, room for 2^63 sums of
/// the largest finite value.
const CHUNKS: usize = 68;
/// Adds between two carry propagations: each add puts less than 2^32 into a chunk, so an i64
/// chunk cannot overflow in 2^30 of them.
const ADDS_PER_CARRY: u32 = 1 << 30;

/// A sum of f64 values held exactly: the integer multiple of 2^−1074 split into 32-bit chunks
/// (carries propagated lazily), non-finite values summed apart. [`ExactSum::round`] gives the sum
/// rounded to nearest once, whatever order the values came in.
#[derive(Clone, Debug)]
pub struct ExactSum {
    chunks: [i64; CHUNKS],
    adds: u32,
    /// The sum of the non-finite values added (0 when there are none).
    special: f64,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum { chunks: [0; CHUNKS], adds: 0, special: 0.0 }
    }
}

impl PartialEq for ExactSum {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.normalized(), other.normalized());
        a.chunks == b.chunks && a.special.to_bits() == b.special.to_bits()
    }
}

/// 2^e as f64, for e within the normal range.
fn pow2(e: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// `x` × 2^e, in two exact steps (rounded once only if the result is subnormal or overflows).
fn scale(x: f64, e: i32) -> f64 {
    let half = e / 2;
    x * pow2(half) * pow2(e - half)
}

impl ExactSum {
    /// Adds `v` exactly.
    pub fn add(&mut self, v: f64) {
        if !v.is_finite() {
            self.special += v;
            return;
        }
        if v == 0.0 {
            return;
        }
        let bits = v.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as usize;
        let frac = bits & ((1 << 52) - 1);
        // v = ±mant × 2^(p − 1074).
        let (mant, p) = if biased == 0 { (frac, 0) } else { (frac | (1 << 52), biased - 1) };
        let (c, s) = (p / CHUNK_BITS as usize, p % CHUNK_BITS as usize);
        let m = u128::from(mant) << s;
        let sign = if v < 0.0 { -1 } else { 1 };
        let mask = (1u128 << CHUNK_BITS) - 1;
        for i in 0..3 {
            self.chunks[c + i] += sign * ((m >> (CHUNK_BITS as usize * i)) & mask) as i64;
        }
        self.adds += 1;
        if self.adds == ADDS_PER_CARRY {
            self.carry();
        }
    }

    /// Adds the product `a` × `b` exactly (its rounded value and the rounding error, from a
    /// fused multiply-add; a product so small that its error is subnormal loses that error's
    /// last bits, the same bits whatever the order).
    pub fn add_product(&mut self, a: f64, b: f64) {
        let p = a * b;
        if !p.is_finite() {
            self.special += p;
            return;
        }
        self.add(p);
        self.add(a.mul_add(b, -p));
    }

    /// Adds `other` × `factor`: each of its chunks' exact value times `factor`, as
    /// [`ExactSum::add_product`] adds it.
    pub fn add_scaled(&mut self, other: &ExactSum, factor: f64) {
        self.special += other.special * factor;
        let (negative, o) = other.sign_magnitude();
        let factor = if negative { -factor } else { factor };
        for (i, &c) in o.chunks.iter().enumerate().filter(|(_, &c)| c != 0) {
            let weight = i as i32 * CHUNK_BITS as i32 - 1074;
            self.add_product(scale(c as f64, weight), factor);
        }
    }

    /// Adds every value `other` holds.
    pub fn merge(&mut self, other: &ExactSum) {
        self.carry();
        let o = other.normalized();
        for (a, b) in self.chunks.iter_mut().zip(&o.chunks) {
            *a += b;
        }
        self.special += o.special;
        self.carry();
    }

    /// Propagates the carries: every chunk but the last in [0, 2^32), the last signed.
    fn carry(&mut self) {
        let mut carry = 0i64;
        for c in self.chunks.iter_mut().take(CHUNKS - 1) {
            let v = *c + carry;
            *c = v & ((1 << CHUNK_BITS) - 1);
            carry = v >> CHUNK_BITS;
        }
        self.chunks[CHUNKS - 1] += carry;
        self.adds = 0;
    }

    fn normalized(&self) -> ExactSum {
        let mut s = self.clone();
        s.carry();
        s
    }

    /// Whether the finite part is negative, and its magnitude (every chunk in [0, 2^32)).
    fn sign_magnitude(&self) -> (bool, ExactSum) {
        let mut s = self.normalized();
        let negative = s.chunks[CHUNKS - 1] < 0;
        if negative {
            s.chunks.iter_mut().for_each(|c| *c = -*c);
            s.carry();
        }
        (negative, s)
    }

    /// The sum rounded to the nearest f64 (ties to even); ±∞ or NaN when a non-finite value was
    /// added (as a float sum would give).
    pub fn round(&self) -> f64 {
        if self.special != 0.0 || self.special.is_nan() {
            return self.special;
        }
        let (negative, s) = self.sign_magnitude();
        let Some(t) = s.chunks.iter().rposition(|&c| c != 0) else { return 0.0 };
        let low = t.saturating_sub(2);
        let mut v: u128 = 0;
        for i in (low..=t).rev() {
            v = (v << CHUNK_BITS) | s.chunks[i] as u128;
        }
        // The bits below the three top chunks only break a tie: one sticky bit, far below the
        // 53 kept of at least 65.
        if s.chunks[..low].iter().any(|&c| c != 0) {
            v |= 1;
        }
        let x = scale(v as f64, low as i32 * CHUNK_BITS as i32 - 1074);
        if negative {
            -x
        } else {
            x
        }
    }

    /// The sum as text: `0`, `inf`, `-inf`, `NaN`, or `LO:C,…` (the magnitude's 32-bit chunks
    /// from index LO up, after a `-` when negative), which [`ExactSum::parse`] reads back exactly.
    pub fn to_text(&self) -> String {
        if self.special != 0.0 || self.special.is_nan() {
            return format!("{}", self.special);
        }
        let (negative, s) = self.sign_magnitude();
        let Some(lo) = s.chunks.iter().position(|&c| c != 0) else { return "0".to_string() };
        let hi = s.chunks.iter().rposition(|&c| c != 0).expect("a nonzero chunk");
        let body: Vec<String> = s.chunks[lo..=hi].iter().map(|c| c.to_string()).collect();
        format!("{}{lo}:{}", if negative { "-" } else { "" }, body.join(","))
    }

    /// Reads [`ExactSum::to_text`]'s text; the error says what is wrong.
    pub fn parse(text: &str) -> Result<ExactSum, String> {
        let mut s = ExactSum::default();
        match text {
            "0" => return Ok(s),
            "inf" | "-inf" | "NaN" => {
                s.special = text.parse().expect("a float");
                return Ok(s);
            }
            _ => {}
        }
        let bad = || format!("'{text}' is not an exact sum ([-]LO:C,…)");
        let (negative, magnitude) = match text.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, text),
        };
        let (lo, body) = magnitude.split_once(':').ok_or_else(bad)?;
        let lo: usize = lo.parse().map_err(|_| bad())?;
        let chunks: Vec<i64> = body.split(',').map(|c| c.parse().map_err(|_| bad())).collect::<Result<_, _>>()?;
        let last = lo + chunks.len();
        if last > CHUNKS || !chunks.iter().all(|c| (0..1 << CHUNK_BITS).contains(c)) {
            return Err(bad());
        }
        s.chunks[lo..last].copy_from_slice(&chunks);
        if negative {
            s.chunks.iter_mut().for_each(|c| *c = -*c);
            s.carry();
        }
        Ok(s)
    }
}

/// One ticker's exact Σv, Σv² and count of exact zeros.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnMoments {
    pub sum: ExactSum,
    pub sum_sq: ExactSum,
    pub zeros: u64,
}

impl ColumnMoments {
    fn push(&mut self, v: f64) {
        self.sum.add(v);
        self.sum_sq.add_product(v, v);
        self.zeros += u64::from(v == 0.0);
    }

    fn merge(&mut self, other: &ColumnMoments) {
        self.sum.merge(&other.sum);
        self.sum_sq.merge(&other.sum_sq);
        self.zeros += other.zeros;
    }

    /// The mean Σv / n (Σv rounded once) and the sum of squares about it, Σ(v − mean)², computed
    /// exactly as Σv² − 2·mean·Σv + n·mean² and rounded once.
    fn mean_and_ss(&self, n: u64) -> (f64, f64) {
        if n == 0 {
            return (0.0, 0.0);
        }
        let mean = self.sum.round() / n as f64;
        let mut ss = self.sum_sq.clone();
        ss.add_scaled(&self.sum, -2.0 * mean);
        let sq = mean * mean;
        ss.add_product(n as f64, sq);
        ss.add_product(n as f64, mean.mul_add(mean, -sq));
        (mean, ss.round())
    }
}

/// Each ticker's (scale, offset) of [`crate::correct_keeping_zeros_in_place`] for a set of `n` rows
/// whose columns have means `mg`, sds `sg` (n − 1) and `zeros` exact zeros.
fn correction_maps(hist: ArrayView2<f64>, n: usize, mg: &[f64], sg: &[f64], zeros: &[usize]) -> Vec<(f64, f64)> {
    hist.axis_iter(Axis(1))
        .enumerate()
        .map(|(j, h)| {
            let (mh, sh) = (mean(h), sd(h));
            let plain = {
                let scale = if sg[j] > 0.0 { sh / sg[j] } else { 0.0 };
                (scale, mh - mg[j] * scale)
            };
            if zeros[j] == 0 || zeros[j] == n || n < 2 {
                return plain;
            }
            // Nonzero share q, their mean m and population variance v (from the column's
            // moments: the zeros add nothing to the sums).
            let q = (n - zeros[j]) as f64 / n as f64;
            let raw2 = sg[j] * sg[j] * (n - 1) as f64 / n as f64 + mg[j] * mg[j];
            let (m, v) = (mg[j] / q, raw2 / q - (mg[j] / q).powi(2));
            // Target: mean mh, second raw moment sh²(n−1)/n + mh² over all n values.
            let num = sh * sh * (n - 1) as f64 / n as f64 + mh * mh - mh * mh / q;
            if v <= 0.0 || num <= 0.0 {
                return plain;
            }
            let c = (num / (q * v)).sqrt();
            (c, mh / q - c * m)
        })
        .collect()
}

/// Rows per unit of work when a block of rows is summed in parallel.
const ROWS_PER_TASK: usize = 2048;

/// The correction's moments of a set of rows (d tickers): exact, so any split of the rows into
/// parts, [`Moments::add`]ed in any order or [`Moments::merge`]d, gives the same moments.
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    /// Rows added.
    pub rows: u64,
    pub columns: Vec<ColumnMoments>,
}

impl Moments {
    /// No rows yet, `d` tickers.
    pub fn new(d: usize) -> Moments {
        Moments { rows: 0, columns: vec![ColumnMoments::default(); d] }
    }

    /// Adds a block of rows (d columns).
    pub fn add(&mut self, block: ArrayView2<f64>) {
        let d = self.columns.len();
        assert_eq!(block.ncols(), d, "a block of {} columns for moments of {d}", block.ncols());
        let starts: Vec<usize> = (0..block.nrows()).step_by(ROWS_PER_TASK).collect();
        let part = starts
            .into_par_iter()
            .map(|a| {
                let rows = block.slice(ndarray::s![a..(a + ROWS_PER_TASK).min(block.nrows()), ..]);
                let mut m = Moments::new(d);
                for row in rows.rows() {
                    m.columns.iter_mut().zip(row).for_each(|(c, &v)| c.push(v));
                }
                m.rows = rows.nrows() as u64;
                m
            })
            .reduce(
                || Moments::new(d),
                |mut a, b| {
                    a.merge(&b);
                    a
                },
            );
        self.merge(&part);
    }

    /// Adds another part's moments (same tickers).
    pub fn merge(&mut self, other: &Moments) {
        assert_eq!(self.columns.len(), other.columns.len(), "moments of different numbers of tickers");
        self.rows += other.rows;
        self.columns.iter_mut().zip(&other.columns).for_each(|(a, b)| a.merge(b));
    }

    /// Each ticker's map (scale, offset) to the history's mean and sd, exact zeros kept: the
    /// maps of [`crate::correct_keeping_zeros_in_place`].
    pub fn maps(&self, hist: ArrayView2<f64>) -> Vec<(f64, f64)> {
        let n = self.rows;
        let (mg, ss): (Vec<f64>, Vec<f64>) = self.columns.iter().map(|c| c.mean_and_ss(n)).unzip();
        let sg: Vec<f64> = ss.iter().map(|s| if n < 2 { 0.0 } else { (s / (n - 1) as f64).sqrt() }).collect();
        let zeros: Vec<usize> = self.columns.iter().map(|c| c.zeros as usize).collect();
        correction_maps(hist, n as usize, &mg, &sg, &zeros)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// The exact sum of values that are all multiples of 2^−60 and below 2^60, in i128.
    fn integer_sum(x: &[f64]) -> f64 {
        let s: i128 = x.iter().map(|&v| (v * 2f64.powi(60)) as i128).sum();
        // Exact as an f64 when it fits 53 bits; otherwise rounded once by the conversion.
        s as f64 / 2f64.powi(60)
    }

    #[test]
    fn exact_sums_are_rounded_once_in_any_order() {
        let x: Vec<f64> =
            (0..5000).map(|i| (((i * 7919) % 10007) as f64 - 5003.0) * 2f64.powi(-20) * (1 + i % 7) as f64).collect();
        let mut a = ExactSum::default();
        x.iter().for_each(|&v| a.add(v));
        assert_eq!(a.round(), integer_sum(&x));
        let mut b = ExactSum::default();
        x.iter().rev().for_each(|&v| b.add(v));
        assert_eq!(a, b);
        assert_eq!(b.round().to_bits(), a.round().to_bits());
        // A float sum loses the small terms; the exact one keeps them.
        let mut c = ExactSum::default();
        [1e16, 1.0, -1e16, 0.5, 2f64.powi(-1074), -0.5].iter().for_each(|&v| c.add(v));
        assert_eq!(c.round(), 1.0);
        let mut tiny = ExactSum::default();
        tiny.add(2f64.powi(-1074));
        tiny.add(2f64.powi(-1074));
        assert_eq!(tiny.round(), 2f64.powi(-1073));
        let mut big = ExactSum::default();
        big.add(f64::MAX);
        big.add(f64::MAX);
        big.add(-f64::MAX);
        assert_eq!(big.round(), f64::MAX);
        // Ties round to even: 2^53 + 1 is halfway between 2^53 and 2^53 + 2.
        let mut tie = ExactSum::default();
        tie.add(2f64.powi(53));
        tie.add(1.0);
        assert_eq!(tie.round(), 2f64.powi(53));
        tie.add(2f64.powi(-60));
        assert_eq!(tie.round(), 2f64.powi(53) + 2.0);
        let mut neg = ExactSum::default();
        neg.add(-3.25);
        neg.add(1.0);
        assert_eq!(neg.round(), -2.25);
        let mut inf = ExactSum::default();
        inf.add(1.0);
        inf.add(f64::INFINITY);
        assert_eq!(inf.round(), f64::INFINITY);
        inf.add(f64::NEG_INFINITY);
        assert!(inf.round().is_nan());
    }

    #[test]
    fn text_reads_back_exactly_and_bad_text_is_refused() {
        let mut a = ExactSum::default();
        for v in [1e-300, -2.5, 3e200, 7.0e-3, -1e-310] {
            a.add(v);
            a.add_product(v, 1.1);
        }
        let back = ExactSum::parse(&a.to_text()).unwrap();
        assert_eq!(back, a);
        assert_eq!(back.round().to_bits(), a.round().to_bits());
        for special in ["0", "inf", "-inf", "NaN"] {
            assert_eq!(ExactSum::parse(special).unwrap().to_text(), special);
        }
        let mut neg = ExactSum::default();
        [-0.02, 0.003, -1e-300].iter().for_each(|&v| neg.add(v));
        assert!(neg.to_text().starts_with('-'));
        assert_eq!(ExactSum::parse(&neg.to_text()).unwrap(), neg);
        for bad in ["", "1", "x:1", "3:", "3:1,a", "3:4294967296,1", "67:1,1", "0:-1,1", "--3:1"] {
            assert!(ExactSum::parse(bad).unwrap_err().contains("not an exact sum"), "{bad}");
        }
    }

    #[test]
    fn moments_of_parts_merged_are_the_whole_set_moments() {
        let x = Array2::from_shape_fn((9001, 3), |(t, j)| {
            if (t + j) % 11 == 0 {
                0.0
            } else {
                ((t * 2654435761 + j * 40503) % 10007) as f64 / 10007.0 * 0.03 - 0.0151 + j as f64 * 1e-3
            }
        });
        let mut whole = Moments::new(3);
        whole.add(x.view());
        let mut parts = Moments::new(3);
        for rows in [(5000, 9001), (0, 17), (17, 5000)] {
            let mut p = Moments::new(3);
            p.add(x.slice(ndarray::s![rows.0..rows.1, ..]));
            parts.merge(&p);
        }
        assert_eq!(parts, whole);
        assert_eq!(whole.rows, 9001);
        // A negative sum (ticker 0) and positive ones.
        assert!(whole.columns[0].sum.round() < 0.0 && whole.columns[2].sum.round() > 0.0);
        assert_eq!(whole.columns[0].zeros, x.column(0).iter().filter(|&&v| v == 0.0).count() as u64);
        // Mean and sd as a careful two-pass float computation has them, to a few ulps.
        for (j, c) in whole.columns.iter().enumerate() {
            let col = x.column(j);
            let m = col.sum() / 9001.0;
            let ss: f64 = col.iter().map(|v| (v - m) * (v - m)).sum();
            let (mean, exact_ss) = c.mean_and_ss(9001);
            assert!((mean - m).abs() <= 1e-15, "{mean} {m}");
            assert!((exact_ss - ss).abs() <= 1e-12 * ss, "{exact_ss} {ss}");
        }
    }
}
