//! Terminal tables (comfy-table) and number formatting shared by every command.

use comfy_table::{CellAlignment, ContentArrangement, Table};
use satool::Estimate;

/// `0.623 ± 0.004`, or just the mean when there is no SE.
pub fn est(e: &Estimate, digits: usize) -> String {
    match e.se {
        Some(se) => format!("{:.*} ± {:.*}", digits, e.mean, digits, se),
        None => format!("{:.*}", digits, e.mean),
    }
}

/// `0.623(4)`: the mean and, in brackets, the SE in units of the mean's last digit (the
/// concise notation of metrology: 0.623(4) = 0.623 ± 0.004); just the mean when there is no SE.
pub fn est_short(e: &Estimate, digits: usize) -> String {
    match e.se {
        Some(se) => {
            let units = (se * 10f64.powi(digits as i32)).round();
            format!("{:.*}({units:.0})", digits, e.mean)
        }
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

/// A whole-number percentage of a fraction (`75%`), or `—`.
pub fn pct0(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{:.0}%", 100.0 * v))
}

/// Scientific notation for E-values, or `—`.
pub fn sci(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{v:.2e}"))
}

/// The width prose lines are wrapped at (headers, captions, notes and warnings), as protein's and
/// `--help`'s; tables may be wider, up to [`MAX_WIDTH`].
pub const TEXT_WIDTH: usize = 100;

/// The widest line of the default terminal output, tables included.
pub const MAX_WIDTH: usize = 120;

/// The display width of `s` in terminal columns.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Word-wraps `text` to `width` display columns, the first line after `first`, the others after
/// `rest`; a word longer than a line stays whole. Ends without a newline.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::from(first);
    let mut col = self::width(first);
    let mut line_empty = true;
    for word in text.split_whitespace() {
        let w = self::width(word);
        if !line_empty && col + 1 + w > width {
            out.push('\n');
            out.push_str(rest);
            col = self::width(rest);
            line_empty = true;
        }
        if !line_empty {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += w;
        line_empty = false;
    }
    out
}

/// Wraps every line of `text` wider than `width` at word boundaries, each continuation indented
/// two columns past the line's own indent (past its `- ` for a list item); narrower lines, the
/// line breaks and a final newline are kept as they are.
pub fn wrap_lines(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / width.max(1) * 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if self::width(line) <= width {
            out.push_str(line);
            continue;
        }
        let body = line.trim_start_matches(' ');
        let indent = &line[..line.len() - body.len()];
        let (first, body) = match body.strip_prefix("- ") {
            Some(item) => (format!("{indent}- "), item),
            None => (indent.to_string(), body),
        };
        let rest = " ".repeat(self::width(indent) + 2);
        out.push_str(&wrap(body, width, &first, &rest));
    }
    out
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

/// Rules above and below the table and under the header, no vertical lines: two spaces between
/// columns, so a dozen numeric columns fit in 100 terminal columns.
const RULES_ONLY: &str = "  ── ──      ──    ";

/// A table with a header row; the columns after the first two (id and label) are right-aligned.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> Table {
    table_from(header, rows, 2)
}

/// A table with a header row whose columns from `numeric` on are right-aligned.
pub fn table_from(header: &[&str], rows: Vec<Vec<String>>, numeric: usize) -> Table {
    let mut t = Table::new();
    t.load_preset(RULES_ONLY).set_content_arrangement(ContentArrangement::Disabled).set_header(header.to_vec());
    for r in rows {
        t.add_row(r);
    }
    right_align_from(&mut t, numeric, header.len());
    t
}

/// Right-aligns columns `from..to` (the numeric ones) and sets every column's padding.
fn right_align_from(t: &mut Table, from: usize, to: usize) {
    for i in 0..to {
        if let Some(c) = t.column_mut(i) {
            // No padding on the left: the blank vertical rule already separates columns.
            c.set_padding((0, 1));
            if i >= from {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_estimates_put_the_se_in_last_digit_units() {
        assert_eq!(est_short(&Estimate { mean: 0.6174, se: Some(0.0061) }, 3), "0.617(6)");
        assert_eq!(est_short(&Estimate { mean: 3.112, se: Some(0.0594) }, 3), "3.112(59)");
        assert_eq!(est_short(&Estimate { mean: -0.5, se: Some(1e-9) }, 3), "-0.500(0)");
        assert_eq!(est_short(&Estimate { mean: 0.5, se: None }, 2), "0.50");
    }

    #[test]
    fn wrap_breaks_between_words_and_indents() {
        assert_eq!(wrap("aa bb cc dd", 8, "- ", "  "), "- aa bb\n  cc dd");
        assert_eq!(wrap("ε-smoothed ü", 12, "", ""), "ε-smoothed ü");
        assert_eq!(wrap("averyveryverylongword x", 5, "", ""), "averyveryverylongword\nx");
        // Display columns, not bytes: a wide character takes two.
        assert_eq!(wrap("ab 日本 cd", 7, "", ""), "ab 日本\ncd");
    }

    #[test]
    fn wrap_lines_wraps_only_long_lines_with_a_hanging_indent() {
        let text = "short line\nconventions:\n  - alpha beta gamma delta\nepsilon zeta eta theta\n";
        assert_eq!(
            wrap_lines(text, 14),
            "short line\nconventions:\n  - alpha beta\n    gamma\n    delta\nepsilon zeta\n  eta theta\n"
        );
        // Runs of spaces inside a short line (a table row) are kept.
        assert_eq!(wrap_lines("id   H  VaR95", 20), "id   H  VaR95");
        for line in wrap_lines(&"word ".repeat(60), 30).lines() {
            assert!(width(line) <= 30, "{line}");
        }
    }
}
