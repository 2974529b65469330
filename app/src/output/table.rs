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

/// One method's row of a comparison table: its own cells between the id and label and the
/// acceptance rate and run time every comparison table ends with.
pub struct MethodRow {
    /// The method id (first column).
    pub id: String,
    /// The method label (second column).
    pub label: String,
    /// The metric cells, one per column of [`method_table`]'s `columns`.
    pub cells: Vec<String>,
    /// MALA acceptance rate (the "accept" column).
    pub acceptance: Option<f64>,
    /// Run time (the "s" column).
    pub seconds: f64,
}

impl MethodRow {
    /// The row of method `id` labelled `label`.
    pub fn new(id: impl ToString, label: &str, cells: Vec<String>, acceptance: Option<f64>, seconds: f64) -> Self {
        MethodRow { id: id.to_string(), label: label.to_string(), cells, acceptance, seconds }
    }
}

/// A comparison table: "id", "method", `columns`, "accept" and the run time in seconds ("s"),
/// which is left out when `timing` is false (reports must be byte-for-byte reproducible).
pub fn method_table(columns: &[&str], rows: Vec<MethodRow>, timing: bool) -> Table {
    let mut header = vec!["id", "method"];
    header.extend_from_slice(columns);
    header.push("accept");
    if timing {
        header.push("s");
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            let mut cells = vec![r.id, r.label];
            cells.extend(r.cells);
            cells.push(pct(r.acceptance));
            if timing {
                cells.push(format!("{:.2}", r.seconds));
            }
            cells
        })
        .collect();
    table(&header, rows)
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
