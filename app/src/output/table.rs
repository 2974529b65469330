//! Terminal tables (comfy-table) and number formatting shared by every command.

use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement, Table};
use satool::Estimate;

/// `0.623 ± 0.004`, or just the mean when there is no SE.
pub fn est(e: &Estimate, digits: usize) -> String {
    match e.se {
        Some(se) => format!("{:.*} ± {:.*}", digits, e.mean, digits, se),
        None => format!("{:.*}", digits, e.mean),
    }
}

/// A number with fixed decimals, or `—` when it does not apply.
pub fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{:.*}", digits, v))
}

/// A percentage of a fraction, or `—`.
pub fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{:.1}%", 100.0 * v))
}

/// Scientific notation for E-values, or `—`.
pub fn sci(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{v:.2e}"))
}

/// `table` whose last column is the run time in seconds ("s"), dropped when `timing` is false
/// (reports must be byte-for-byte reproducible).
pub fn timed_table(header: &[&str], mut rows: Vec<Vec<String>>, timing: bool) -> Table {
    debug_assert_eq!(header.last(), Some(&"s"));
    if timing {
        return table(header, rows);
    }
    for r in &mut rows {
        r.pop();
    }
    table(&header[..header.len() - 1], rows)
}

/// A table with a header row; numeric columns are right-aligned.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    for r in rows {
        t.add_row(r);
    }
    for i in 2..header.len() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}
