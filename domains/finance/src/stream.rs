//! The metrics of [`crate::evaluate_layout`] for a set of paths read as blocks of whole paths,
//! in order, [`PathMetrics::PASSES`] times (a sum centred on a mean needs the mean first), and
//! the per-ticker correction of [`crate::correct_keeping_zeros_in_place`] in one pass. Per
//! ticker only sums and counts against the history's distinct values are held, so memory does
//! not grow with the number of paths (but for the equal-weight portfolio's return of each row,
//! whose tails are quantiles): the same numbers to the last bit, whatever the blocks.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use satool_common::stats::ks::{ks_of_statistic, KsMethod, KsResult};
use satool_common::stats::{mean, sd};

use crate::conventions::{ACF_G2_LAGS, ACF_G_LAGS};
use crate::error::FinanceError;
use crate::metrics::{assemble, block_product, equal_weight_returns, tails_of, FinanceMetrics, PerTicker, ROW_BLOCK};
use crate::moments::Moments;
use crate::series::{Layout, VR_DAYS};

/// Rows of the correlation's blocks (each held while it fills).
pub const CORRELATION_ROWS: usize = ROW_BLOCK;

/// A history column's distinct values (IEEE equality: −0 and 0 are one), ascending, with how
/// many of its values are at most each.
struct HistColumn {
    values: Vec<f64>,
    at_most: Vec<u64>,
    n: usize,
    mean: f64,
    sd: f64,
}

/// How many values of a sample fall strictly below each distinct history value (and above the
/// last: `below[U]`) after the one before it, and how many equal it.
#[derive(Clone)]
struct Counts {
    below: Vec<u64>,
    equal: Vec<u64>,
}

impl HistColumn {
    fn new(col: ndarray::ArrayView1<f64>) -> HistColumn {
        let mut sorted = col.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (mut values, mut at_most) = (Vec::new(), Vec::new());
        for (i, &x) in sorted.iter().enumerate() {
            if values.last() == Some(&x) {
                *at_most.last_mut().expect("a value before") = i as u64 + 1;
            } else {
                values.push(x);
                at_most.push(i as u64 + 1);
            }
        }
        HistColumn { values, at_most, n: sorted.len(), mean: mean(col), sd: sd(col) }
    }

    fn counts(&self) -> Counts {
        Counts { below: vec![0; self.values.len() + 1], equal: vec![0; self.values.len()] }
    }

    fn count(&self, c: &mut Counts, x: f64) {
        let k = self.values.partition_point(|&u| u < x);
        if k < self.values.len() && self.values[k] == x {
            c.equal[k] += 1;
        } else {
            c.below[k] += 1;
        }
    }

    /// The KS statistic of a sample of `n1` values counted in `c` against this column: the
    /// value `statistic_sorted` finds walking both sorted samples. Between two history values the
    /// ECDF difference only grows with the sample's count, so its extremes there are at the
    /// history value (count ≤ it) and just below the next (count < it).
    fn statistic(&self, c: &Counts, n1: usize) -> f64 {
        let (f1, f2) = (n1 as f64, self.n as f64);
        let diff = |i: u64, j: u64| i as f64 / f1 - j as f64 / f2;
        let last = diff(n1 as u64, self.n as u64);
        let (mut max_diff, mut min_diff) = (last, last);
        let (mut le, mut j_before) = (0u64, 0u64);
        for k in 0..self.values.len() {
            let lt = le + c.below[k];
            let below = diff(lt, j_before);
            le = lt + c.equal[k];
            let at = diff(le, self.at_most[k]);
            max_diff = max_diff.max(below).max(at);
            min_diff = min_diff.min(below).min(at);
            j_before = self.at_most[k];
        }
        let min_side = (-min_diff).clamp(0.0, 1.0);
        if min_side > max_diff {
            min_side
        } else {
            max_diff
        }
    }

    fn test(&self, c: &Counts, n1: usize, ks: KsMethod) -> KsResult {
        ks_of_statistic(self.statistic(c, n1), n1, self.n, ks)
    }
}

/// A sum as ndarray's `sum` of a contiguous array adds it (eight lanes, then the last n mod 8
/// values one by one), fed one value at a time; `n` is the number of values it will get.
struct LaneSum {
    lanes: [f64; 8],
    tail: f64,
    seen: usize,
    full: usize,
}

impl LaneSum {
    fn new(n: usize) -> LaneSum {
        LaneSum { lanes: [0.0; 8], tail: 0.0, seen: 0, full: n - n % 8 }
    }

    fn push(&mut self, v: f64) {
        if self.seen < self.full {
            self.lanes[self.seen % 8] += v;
        } else {
            if self.seen == self.full {
                self.tail = self.lanes_sum();
            }
            self.tail += v;
        }
        self.seen += 1;
    }

    /// The eight lanes added as ndarray adds them: 0 + (p0 + p4), then + (p1 + p5), …
    fn lanes_sum(&self) -> f64 {
        let p = &self.lanes;
        let mut acc = 0.0;
        for i in 0..4 {
            acc += p[i] + p[i + 4];
        }
        acc
    }

    fn sum(&self) -> f64 {
        if self.seen > self.full {
            self.tail
        } else {
            self.lanes_sum()
        }
    }
}

/// One ticker's sums and counts, pass by pass.
struct Ticker {
    first: Option<f64>,
    varies: bool,
    sum: f64,
    sum_sq: f64,
    raw: Counts,
    windows: LaneSum,
    mean: f64,
    mean_sq: f64,
    window_mean: f64,
    ss: f64,
    m4: (f64, f64),
    ss_sq: f64,
    acf: Vec<f64>,
    acf_sq: Vec<f64>,
    /// Σ (c_t c_{t+1})² within paths: the lag-1 ACF's robust se.
    lag1_squares: f64,
    window_ss: f64,
    scale: f64,
    offset: f64,
    cor: Counts,
}

/// The sums of `q`-day windows of each path of `x` (paths of `h` days), as
/// `series::variance_ratio_column` forms them.
fn windows(x: &[f64], h: usize, q: usize, mut f: impl FnMut(f64)) {
    if h < q || q == 0 {
        return;
    }
    for path in x.chunks_exact(h) {
        let mut s: f64 = path[..q].iter().sum();
        f(s);
        for t in q..h {
            s += path[t] - path[t - q];
            f(s);
        }
    }
}

/// Adds the within-path lagged products of `c` (paths of `h` days) to `acc` (lag 1 first), in
/// path order then day order, as `series::path_acf` does.
fn lagged_products(c: &[f64], h: usize, acc: &mut [f64]) {
    let lags = acc.len();
    for path in c.chunks_exact(h) {
        for (t, &a) in path.iter().enumerate() {
            let ahead = &path[t + 1..(t + 1 + lags).min(h)];
            for (s, &b) in acc.iter_mut().zip(ahead) {
                *s += a * b;
            }
        }
    }
}

impl Ticker {
    fn new(hc: &HistColumn, n: usize, h: usize) -> Ticker {
        let windows = if h >= VR_DAYS { (n / h) * (h - VR_DAYS + 1) } else { 0 };
        Ticker {
            first: None,
            varies: false,
            sum: 0.0,
            sum_sq: 0.0,
            raw: hc.counts(),
            windows: LaneSum::new(windows),
            mean: 0.0,
            mean_sq: 0.0,
            window_mean: 0.0,
            ss: 0.0,
            m4: (0.0, 0.0),
            ss_sq: 0.0,
            acf: vec![0.0; ACF_G_LAGS.min(h.saturating_sub(1))],
            acf_sq: vec![0.0; ACF_G2_LAGS.min(h.saturating_sub(1))],
            lag1_squares: 0.0,
            window_ss: 0.0,
            scale: 0.0,
            offset: 0.0,
            cor: hc.counts(),
        }
    }

    fn pass0(&mut self, hc: &HistColumn, x: &[f64], h: usize) {
        for &v in x {
            match self.first {
                None => self.first = Some(v),
                Some(f) => self.varies |= v != f,
            }
            self.sum += v;
            self.sum_sq += v * v;
            hc.count(&mut self.raw, v);
        }
        let lanes = &mut self.windows;
        windows(x, h, VR_DAYS, |s| lanes.push(s));
    }

    fn end0(&mut self, n: usize) {
        self.mean = self.sum / n as f64;
        self.mean_sq = self.sum_sq / n as f64;
        if self.windows.seen > 0 {
            self.window_mean = self.windows.sum() / self.windows.seen as f64;
        }
    }

    fn pass1(&mut self, x: &[f64], h: usize) {
        let (m, msq) = (self.mean, self.mean_sq);
        let c: Vec<f64> = x.iter().map(|v| v - m).collect();
        let csq: Vec<f64> = x.iter().map(|v| v * v - msq).collect();
        for (&d, &e) in c.iter().zip(&csq) {
            let d2 = d * d;
            self.ss += d2;
            self.m4 = (self.m4.0 + d2, self.m4.1 + d2 * d2);
            self.ss_sq += e * e;
        }
        lagged_products(&c, h, &mut self.acf);
        lagged_products(&csq, h, &mut self.acf_sq);
        if h >= 2 {
            crate::series::add_lag1_squares(&c, h, &mut self.lag1_squares);
        }
        let wm = self.window_mean;
        let mut ss = self.window_ss;
        windows(x, h, VR_DAYS, |s| ss += (s - wm) * (s - wm));
        self.window_ss = ss;
    }

    fn end1(&mut self, hc: &HistColumn, n: usize) {
        let sg = (self.ss / (n - 1) as f64).sqrt();
        self.scale = if sg > 0.0 { hc.sd / sg } else { 0.0 };
        self.offset = hc.mean - self.mean * self.scale;
    }

    fn pass2(&mut self, hc: &HistColumn, x: &[f64]) {
        for &v in x {
            hc.count(&mut self.cor, v * self.scale + self.offset);
        }
    }

    /// `series::path_acf` from the products and the sum of squares.
    fn acf_of(products: &[f64], ss: f64, n: usize, h: usize) -> Option<Vec<f64>> {
        let var = ss / n as f64;
        if var.is_nan() || var <= 0.0 || h < 2 {
            return None;
        }
        let paths = n / h;
        Some(products.iter().enumerate().map(|(i, v)| v / (paths * (h - i - 1)) as f64 / var).collect())
    }

    fn finish(self, hc: &HistColumn, n: usize, h: usize, ks: KsMethod) -> PerTicker {
        let constant = !self.varies;
        let (m2, m4) = (self.m4.0 / n as f64, self.m4.1 / n as f64);
        let kurt = (!constant).then(|| (m2 != 0.0).then(|| m4 / (m2 * m2) - 3.0)).flatten();
        let g = Ticker::acf_of(&self.acf, self.ss, n, h);
        let g2 = Ticker::acf_of(&self.acf_sq, self.ss_sq, n, h);
        let one = if n < 2 { 0.0 } else { (self.ss / (n - 1) as f64).sqrt() };
        let w = self.windows.seen;
        let many = if w < 2 { 0.0 } else { (self.window_ss / (w - 1) as f64).sqrt() };
        let vr = (h >= VR_DAYS && one > 0.0 && w > 1).then(|| many * many / (VR_DAYS as f64 * one * one));
        let g2_11_50 = (h > 50).then(|| g2.as_ref().map(|a| a[10..50].iter().sum::<f64>() / 40.0)).flatten();
        PerTicker {
            raw: hc.test(&self.raw, n, ks),
            cor: hc.test(&self.cor, n, ks),
            sd_ratio: (self.ss / (n - 1) as f64).sqrt() / hc.sd,
            kurt,
            constant,
            lag1: g.as_ref().and_then(|a| a.first().copied()).map(|acf| crate::series::TickerLag1 {
                acf,
                robust_se: crate::series::lag1_robust_se(self.lag1_squares, self.ss, n, (n / h) * (h - 1)),
            }),
            curves: if h >= 2 { g.zip(g2) } else { None },
            vr,
            g2_11_50,
            mean: self.mean,
            ss: self.ss,
        }
    }
}

/// The metrics of a set of `paths` paths of `h` days fed as blocks of whole paths (rows in
/// order, path-major), the whole set once per pass: [`PathMetrics::add`] each block of the
/// first pass, then of the second and third, then [`PathMetrics::finish`].
pub struct PathMetrics<'a> {
    hist: ArrayView2<'a, f64>,
    columns: Vec<HistColumn>,
    tickers: Vec<Ticker>,
    ks: KsMethod,
    n: usize,
    h: usize,
    pass: usize,
    rows: usize,
    portfolio: Vec<f64>,
    correlation: Option<(Array2<f64>, usize, Option<Array2<f64>>)>,
}

impl<'a> PathMetrics<'a> {
    /// How many times the set is fed.
    pub const PASSES: usize = 3;

    /// For `paths` paths of `h` days against `hist` (K × d); refuses what `evaluate_layout`
    /// refuses before it reads the set.
    pub fn new(hist: ArrayView2<'a, f64>, ks: KsMethod, paths: usize, h: usize) -> Result<Self, FinanceError> {
        let n = paths * h;
        crate::metrics::check_shapes(hist, n, hist.ncols())?;
        crate::metrics::non_finite("historical", hist)?;
        let columns: Vec<HistColumn> =
            (0..hist.ncols()).into_par_iter().map(|j| HistColumn::new(hist.column(j))).collect();
        let tickers = columns.iter().map(|c| Ticker::new(c, n, h)).collect();
        Ok(PathMetrics {
            hist,
            columns,
            tickers,
            ks,
            n,
            h,
            pass: 0,
            rows: 0,
            portfolio: Vec::with_capacity(n),
            correlation: None,
        })
    }

    /// The pass the next block belongs to (0, 1, 2; [`PathMetrics::PASSES`] when all are done).
    pub fn pass(&self) -> usize {
        self.pass
    }

    /// The next block of the current pass: whole paths (rows a multiple of the horizon), d columns.
    pub fn add(&mut self, block: ArrayView2<f64>) -> Result<(), FinanceError> {
        let (rows, h) = (block.nrows(), self.h);
        if self.pass >= Self::PASSES || rows % h != 0 || block.ncols() != self.hist.ncols() || self.rows + rows > self.n
        {
            return Err(FinanceError::Shape(format!(
                "pass {} of a streamed evaluation: a block of {rows} × {} after {} of {} rows of paths of {h} days",
                self.pass,
                block.ncols(),
                self.rows,
                self.n
            )));
        }
        if self.pass == 0 {
            if let Some(((day, ticker), v)) = block.indexed_iter().find(|(_, v)| !v.is_finite()) {
                return Err(FinanceError::NonFinite { what: "generated", day: self.rows + day, ticker, value: *v });
            }
            self.portfolio.extend(equal_weight_returns(block));
        }
        if self.pass == 2 {
            self.add_correlation(block);
        }
        let columns = block.t().as_standard_layout().into_owned();
        let pass = self.pass;
        let flat = columns.as_slice().expect("a standard array");
        self.tickers.par_iter_mut().zip(&self.columns).zip(flat.par_chunks(rows)).for_each(|((t, hc), x)| match pass {
            0 => t.pass0(hc, x, h),
            1 => t.pass1(x, h),
            _ => t.pass2(hc, x),
        });
        self.rows += rows;
        if self.rows == self.n {
            self.end_pass()?;
        }
        Ok(())
    }

    fn end_pass(&mut self) -> Result<(), FinanceError> {
        let n = self.n;
        match self.pass {
            0 => {
                crate::metrics::check_history_varies(self.hist)?;
                self.tickers.iter_mut().for_each(|t| t.end0(n));
            }
            1 => {
                for (t, hc) in self.tickers.iter_mut().zip(&self.columns) {
                    t.end1(hc, n);
                }
                let norms: Vec<f64> = self.tickers.iter().map(|t| t.ss.sqrt()).collect();
                let defined = self.tickers.iter().all(|t| t.varies) && norms.iter().all(|&v| v != 0.0 && v.is_finite());
                let d = self.hist.ncols();
                self.correlation = defined.then(|| (Array2::zeros((ROW_BLOCK.min(n), d)), 0, None));
            }
            _ => self.flush_correlation(),
        }
        self.pass += 1;
        self.rows = 0;
        Ok(())
    }

    /// Rows into the correlation's blocks of [`ROW_BLOCK`] rows (of the whole set), each block's
    /// product added to the sum in block order, as `correlation_of_columns` does.
    fn add_correlation(&mut self, block: ArrayView2<f64>) {
        let mut next = 0;
        while next < block.nrows() {
            let Some((buf, filled, _)) = self.correlation.as_mut() else { return };
            let take = (ROW_BLOCK - *filled).min(block.nrows() - next);
            buf.slice_mut(ndarray::s![*filled..*filled + take, ..])
                .assign(&block.slice(ndarray::s![next..next + take, ..]));
            *filled += take;
            next += take;
            if *filled == ROW_BLOCK {
                self.flush_correlation();
            }
        }
    }

    fn flush_correlation(&mut self) {
        let (means, norms): (Vec<f64>, Vec<f64>) = self.tickers.iter().map(|t| (t.mean, t.ss.sqrt())).unzip();
        let Some((buf, filled, sum)) = self.correlation.as_mut() else { return };
        if *filled == 0 {
            return;
        }
        let part = block_product(buf.slice_mut(ndarray::s![..*filled, ..]), &means, &norms);
        *sum = Some(match sum.take() {
            Some(s) => s + part,
            None => part,
        });
        *filled = 0;
    }

    /// The equal-weight portfolio's return of each row fed so far in the first pass.
    pub fn portfolio(&self) -> &[f64] {
        &self.portfolio
    }

    /// The metrics, once every pass has been fed: those of `evaluate_layout` on the whole set
    /// laid out as paths of `h` days, bit for bit.
    pub fn finish(self) -> Result<FinanceMetrics, FinanceError> {
        if self.pass < Self::PASSES {
            return Err(FinanceError::Shape(format!("a streamed evaluation finished in pass {}", self.pass)));
        }
        let (n, h, ks) = (self.n, self.h, self.ks);
        let per: Vec<PerTicker> =
            self.tickers.into_par_iter().zip(&self.columns).map(|(t, hc)| t.finish(hc, n, h, ks)).collect();
        let cg = self.correlation.and_then(|(_, _, sum)| sum).map(|mut c| {
            c.diag_mut().fill(1.0);
            c
        });
        Ok(assemble(self.hist, n, Layout::Paths(h), per, cg, tails_of(self.portfolio)))
    }
}

/// The per-ticker correction of [`crate::correct_keeping_zeros_in_place`] from a set fed once
/// as blocks of rows (in any order): [`Correction::add`] every block, then
/// [`Correction::maps`]; [`apply_correction`] then maps each block. Its moments are exact
/// ([`Moments`]), so those of a part of the set ([`Correction::moments`]) merge with the other
/// parts' into the whole set's.
pub struct Correction {
    n: usize,
    moments: Moments,
}

impl Correction {
    /// For a set of `n` rows of `d` values.
    pub fn new(n: usize, d: usize) -> Correction {
        Correction { n, moments: Moments::new(d) }
    }

    /// Whether every row has been fed.
    pub fn ready(&self) -> bool {
        self.moments.rows as usize >= self.n
    }

    /// The next block of rows.
    pub fn add(&mut self, block: ArrayView2<f64>) {
        self.moments.add(block);
    }

    /// The moments of the rows fed so far.
    pub fn moments(&self) -> &Moments {
        &self.moments
    }

    /// Each ticker's map (scale, offset) to the history's mean and sd, exact zeros kept.
    pub fn maps(&self, hist: ArrayView2<f64>) -> Vec<(f64, f64)> {
        self.moments.maps(hist)
    }
}

/// Maps every nonzero value of `block` (rows of d values) by its ticker's `(scale, offset)`.
pub fn apply_correction(block: &mut Array2<f64>, maps: &[(f64, f64)]) {
    crate::metrics::apply_maps_keeping_zeros(block, maps);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::evaluate_layout;
    use ndarray::Axis;

    /// Paths whose columns have fat tails, clustering, zeros and repeated values.
    fn set(rows: usize, d: usize, seed: u64) -> Array2<f64> {
        Array2::from_shape_fn((rows, d), |(t, j)| {
            let u = ((t as u64 * 2654435761 + j as u64 * 40503 + seed * 97) % 10007) as f64 / 10007.0 - 0.5;
            if (t + j) % 13 == 0 {
                0.0
            } else {
                (u * u * u * 8.0 + 0.01 * ((t / 7) % 5) as f64 * u).round_ties_even() / 64.0 + u * 1e-3
            }
        })
    }

    fn streamed(hist: ArrayView2<f64>, gen: ArrayView2<f64>, h: usize, block_paths: usize) -> FinanceMetrics {
        let mut m = PathMetrics::new(hist, KsMethod::Auto, gen.nrows() / h, h).unwrap();
        for _ in 0..PathMetrics::PASSES {
            for b in gen.axis_chunks_iter(Axis(0), block_paths * h) {
                m.add(b).unwrap();
            }
        }
        m.finish().unwrap()
    }

    #[test]
    fn streamed_metrics_are_the_whole_set_metrics_bit_for_bit() {
        let hist = set(300, 5, 1);
        // Paths of 20 days (the default), of 60 (lags 11–50), and of 3 (shorter than the
        // variance ratio's 10 days); exact and asymptotic KS p-values (n ≤ or > 10,000).
        for (paths, h, blocks) in [(40, 20, [1, 7, 40]), (9, 60, [2, 4, 9]), (4000, 3, [1000, 333, 4000])] {
            let gen = set(paths * h, 5, 2);
            let whole =
                format!("{:?}", evaluate_layout(hist.view(), gen.view(), KsMethod::Auto, Layout::Paths(h)).unwrap());
            for b in blocks {
                assert_eq!(format!("{:?}", streamed(hist.view(), gen.view(), h, b)), whole, "h {h}, block {b}");
            }
        }
    }

    #[test]
    fn correlation_blocks_span_path_blocks() {
        // More rows than one correlation block, fed in blocks that do not divide it.
        let hist = set(200, 3, 3);
        let gen = set(ROW_BLOCK + 4016, 3, 4);
        let whole =
            format!("{:?}", evaluate_layout(hist.view(), gen.view(), KsMethod::Auto, Layout::Paths(20)).unwrap());
        assert_eq!(format!("{:?}", streamed(hist.view(), gen.view(), 20, 151)), whole);
    }

    #[test]
    fn a_constant_generated_ticker_and_a_non_finite_value_are_as_in_the_whole_set() {
        let hist = set(100, 3, 5);
        let mut gen = set(200, 3, 6);
        gen.column_mut(1).fill(0.25);
        let whole =
            format!("{:?}", evaluate_layout(hist.view(), gen.view(), KsMethod::Auto, Layout::Paths(10)).unwrap());
        assert_eq!(format!("{:?}", streamed(hist.view(), gen.view(), 10, 3)), whole);
        gen[[57, 2]] = f64::NAN;
        let mut m = PathMetrics::new(hist.view(), KsMethod::Auto, 20, 10).unwrap();
        let e = m.add(gen.view()).unwrap_err().to_string();
        let whole =
            evaluate_layout(hist.view(), gen.view(), KsMethod::Auto, Layout::Paths(10)).unwrap_err().to_string();
        assert_eq!(e, whole);
    }

    #[test]
    fn the_correction_fed_by_blocks_is_the_in_place_correction() {
        let hist = set(300, 4, 7);
        let gen = set(1000, 4, 8).mapv(|v| v * 1.7 + 0.001 * f64::from(v != 0.0));
        let mut whole = gen.clone();
        crate::correct_keeping_zeros_in_place(&mut whole, hist.view());
        let mut c = Correction::new(1000, 4);
        for b in gen.axis_chunks_iter(Axis(0), 77) {
            assert!(!c.ready());
            c.add(b);
        }
        assert!(c.ready());
        let mut out = gen.clone();
        apply_correction(&mut out, &c.maps(hist.view()));
        assert!(out.iter().zip(&whole).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn lane_sums_are_ndarray_sums() {
        for n in [0, 1, 7, 8, 9, 16, 23, 100] {
            let x: Vec<f64> = (0..n).map(|i| ((i * 37 % 11) as f64 - 5.3) * 1.1e-3).collect();
            let mut s = LaneSum::new(n);
            x.iter().for_each(|&v| s.push(v));
            assert_eq!(s.sum().to_bits(), ndarray::aview1(&x).sum().to_bits(), "n = {n}");
        }
    }
}
