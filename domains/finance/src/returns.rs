//! Returns and memories.
//!
//! Scale: daily natural-log returns `g_t = ln(S_t / S_{t−1})`, **not annualised**. The published
//! code multiplies by 252; that is a pure scale factor, which the scaled memory removes (each day
//! column is normalised) and which would only rescale the raw memory (the returns G themselves,
//! which a generated scenario averages with softmax(β Xᵀ ξ) weights), the generated scenarios and
//! the VaR/ES numbers.

use ndarray::{Array2, Axis};

use crate::prices::PriceTable;

/// Daily log returns, K = days − 1 rows × d tickers columns.
pub fn log_returns(table: &PriceTable) -> Array2<f64> {
    let p = &table.prices;
    let k = p.nrows().saturating_sub(1);
    Array2::from_shape_fn((k, p.ncols()), |(t, j)| (p[[t + 1, j]] / p[[t, j]]).ln())
}

/// Scaled memory X (d × K): day column `g_t` centred over tickers (minus its cross-sectional
/// mean) and divided by its Euclidean norm + 1e-12, so a flat day maps to 0 rather than NaN.
pub fn scaled_memory(g: &Array2<f64>) -> Array2<f64> {
    let mut x = g.t().to_owned();
    for mut col in x.axis_iter_mut(Axis(1)) {
        let mean = col.mean().unwrap_or(0.0);
        col.mapv_inplace(|v| v - mean);
        let norm = col.dot(&col).sqrt();
        col.mapv_inplace(|v| v / (norm + 1e-12));
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prices::Format;
    use ndarray::array;

    #[test]
    fn log_returns_and_memories_by_hand() {
        let table = PriceTable {
            format: Format::Wide,
            dates: vec![],
            tickers: vec!["A".into(), "B".into(), "C".into()],
            prices: array![[100.0, 10.0, 1.0], [110.0, 10.0, 2.0], [99.0, 12.5, 1.0]],
            dropped: vec![],
            suspect: vec![],
            dropped_dates: vec![],
            coverage: Default::default(),
            gzip: false,
            unread_rows: 0,
        };
        let g = log_returns(&table);
        let want = array![[1.1f64.ln(), 0.0, 2f64.ln()], [0.9f64.ln(), 1.25f64.ln(), 0.5f64.ln()]];
        assert!((&g - &want).iter().all(|e| e.abs() < 1e-15));

        let x = scaled_memory(&g);
        assert_eq!(x.dim(), (3, 2));
        for t in 0..2 {
            let col = x.column(t);
            assert!(col.sum().abs() < 1e-14);
            // Unit norm up to the 1e-12 guard (norms here are ≈ 0.5).
            assert!((col.dot(&col) - 1.0).abs() < 1e-10);
            // Same direction as the centred day.
            let m = g.row(t).mean().unwrap();
            let c: Vec<f64> = g.row(t).iter().map(|v| v - m).collect();
            let n = c.iter().map(|v| v * v).sum::<f64>().sqrt();
            for j in 0..3 {
                assert!((col[j] - c[j] / (n + 1e-12)).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn flat_day_maps_to_zero_not_nan() {
        let g = array![[0.01, 0.01, 0.01], [0.02, -0.01, 0.0]];
        let x = scaled_memory(&g);
        assert!(x.column(0).iter().all(|&v| v == 0.0));
    }
}
