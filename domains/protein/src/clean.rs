//! Gap cleaning of a seed alignment (as published): keep a column when at most half of
//! its characters are gaps, then keep a sequence when at most 30% of its kept columns are
//! gaps. Gaps are `.`, `-` and `~`; `*` and non-standard letters count as residues here.

use crate::input::is_gap;
use crate::{Alignment, ProteinError};

/// Largest column gap fraction that is kept.
pub const MAX_COLUMN_GAP_FRACTION: f64 = 0.5;
/// Largest sequence gap fraction (over the kept columns) that is kept.
pub const MAX_SEQUENCE_GAP_FRACTION: f64 = 0.3;

/// A cleaned alignment: K sequences of length L over the kept columns.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanAlignment {
    /// Names of the kept sequences, in input order.
    pub names: Vec<String>,
    /// Kept sequences, each of length L (gaps as written).
    pub seqs: Vec<Vec<u8>>,
    /// 0-based input columns that were kept, increasing.
    pub kept_columns: Vec<usize>,
    /// 0-based input rows that were kept, increasing.
    pub kept_rows: Vec<usize>,
    /// Number of input sequences.
    pub n_input_rows: usize,
    /// Number of input columns.
    pub n_input_cols: usize,
}

impl CleanAlignment {
    /// Number of kept sequences K.
    pub fn k(&self) -> usize {
        self.seqs.len()
    }

    /// Number of kept columns L.
    pub fn len(&self) -> usize {
        self.kept_columns.len()
    }

    /// True when no column was kept (never the case for a value returned by [`clean()`]).
    pub fn is_empty(&self) -> bool {
        self.kept_columns.is_empty()
    }

    /// The same alignment with only sequences `idx` (indices into the cleaned sequences,
    /// increasing), e.g. the published cap of a random 100; the kept columns are unchanged.
    pub fn keep_sequences(&self, idx: &[usize]) -> CleanAlignment {
        debug_assert!(idx.windows(2).all(|w| w[0] < w[1]) && idx.iter().all(|&i| i < self.k()));
        CleanAlignment {
            names: idx.iter().map(|&i| self.names[i].clone()).collect(),
            seqs: idx.iter().map(|&i| self.seqs[i].clone()).collect(),
            kept_columns: self.kept_columns.clone(),
            kept_rows: idx.iter().map(|&i| self.kept_rows[i]).collect(),
            n_input_rows: self.n_input_rows,
            n_input_cols: self.n_input_cols,
        }
    }
}

/// Applies the published gap filters. Fails when fewer than 2 sequences or 2 columns remain.
pub fn clean(a: &Alignment) -> Result<CleanAlignment, ProteinError> {
    let (k_in, l_in) = (a.n_rows(), a.width());
    // Fractions are compared as gaps/n ≤ threshold in f64, the published arithmetic, so that
    // borderline rows (e.g. 3 gaps in 10 columns against 0.3) are decided the same way.
    let kept_columns: Vec<usize> = (0..l_in)
        .filter(|&j| {
            let gaps = a.rows.iter().filter(|r| is_gap(r[j])).count();
            gaps as f64 / k_in as f64 <= MAX_COLUMN_GAP_FRACTION
        })
        .collect();
    let l = kept_columns.len();
    let kept_rows: Vec<usize> = (0..k_in)
        .filter(|&k| {
            let gaps = kept_columns.iter().filter(|&&j| is_gap(a.rows[k][j])).count();
            l > 0 && gaps as f64 / l as f64 <= MAX_SEQUENCE_GAP_FRACTION
        })
        .collect();
    if kept_rows.len() < 2 || l < 2 {
        return Err(ProteinError::TooSmallAfterCleaning {
            file: a.source.clone(),
            line: a.first_line,
            rows: kept_rows.len(),
            cols: l,
            input_rows: k_in,
            input_cols: l_in,
        });
    }
    let seqs = kept_rows.iter().map(|&k| kept_columns.iter().map(|&j| a.rows[k][j]).collect()).collect();
    Ok(CleanAlignment {
        names: kept_rows.iter().map(|&k| a.names[k].clone()).collect(),
        seqs,
        kept_columns,
        kept_rows,
        n_input_rows: k_in,
        n_input_cols: l_in,
    })
}
