//! Text output of a finance run: the header and comparison table printed to stdout (and
//! reused by the report), and the files of `--out`.

use super::{FinanceResults, FinanceRun};
use crate::output::{atomic::Staging, table};
use anyhow::Result;
use ndarray::Array2;

/// Writes results.json, one `<id>.csv` per method, tickers.csv and command.txt into `st`
/// (the caller commits it, after adding the report when that shares the directory).
pub fn write_out(st: &mut Staging, run: &FinanceRun, command_line: &str) -> Result<()> {
    let results = &run.results;
    st.write("results.json", crate::output::to_json(results)?.as_bytes())?;
    for s in &run.scenarios {
        st.write(&format!("{}.csv", s.method.id()), scenarios_csv(&results.tickers.kept, &s.returns).as_bytes())?;
    }
    st.write("tickers.csv", super::tickers_csv(&results.tickers).as_bytes())?;
    st.write("command.txt", format!("{command_line}\n").as_bytes())
}

/// One scenario per row, one column per ticker, full precision (round-trips exactly).
fn scenarios_csv(tickers: &[String], g: &Array2<f64>) -> String {
    let mut s = String::from("scenario,");
    s += &tickers.join(",");
    s.push('\n');
    for (i, row) in g.outer_iter().enumerate() {
        s += &(i + 1).to_string();
        for v in row {
            s.push(',');
            s += &v.to_string();
        }
        s.push('\n');
    }
    s
}

/// The text above the table: input, tickers, condition, parameters and conventions.
pub fn header(r: &FinanceResults) -> String {
    let p = &r.parameters;
    let mut h = format!(
        "satool finance — {} ({})\n{} days {} → {}; tickers: {} kept, {} dropped, {} suspect jumps (|log return| > {})\n",
        r.input.path,
        r.input.format,
        r.input.days,
        r.input.first_date,
        r.input.last_date,
        r.tickers.kept.len(),
        r.tickers.dropped.len(),
        r.tickers.suspect.len(),
        r.tickers.jump_threshold
    );
    h += &super::header_lines(&r.tickers);
    if let Some(c) = &r.condition {
        h += &format!(
            "condition: {} — {} of {} return days in {} run(s) of consecutive days (longest {}; blocks, regimes and ACFs stay inside a run); the `historical` row is these days; whole history: portfolio sd {:.4}, ES 1% {:.4}\n",
            c.description, c.days, c.of_days, c.runs, c.longest_run, c.history_portfolio_sd, c.history_es_1
        );
    }
    h += &format!(
        "d = {} tickers, K = {} return days; β = {}, β_seq = {}, α = {}, SNR = {:.4}; β* = {:.3} for reference [{}]\n",
        p.d, p.K, p.beta, p.beta_sequential, p.alpha, p.snr, p.beta_star, p.beta_star_rule
    );
    h += &format!(
        "block bootstrap mean block length {:.2} days; KS p-values: {}; seed = {}\nconventions:\n",
        p.block_length, p.ks_method, p.seed
    );
    for c in &r.conventions {
        h += &format!("  - {c}\n");
    }
    h
}

/// The comparison table; `timing` adds the seconds column (left out where output must be reproducible).
pub fn comparison_table(r: &FinanceResults, timing: bool) -> comfy_table::Table {
    let rows = r
        .methods
        .iter()
        .map(|m| {
            let cells = vec![
                format!("{:.1}% / {:.3}", 100.0 * m.ks_pass, m.ks_mean_p),
                format!("{:.1}% / {:.3}", 100.0 * m.ks_pass_corrected, m.ks_mean_p_corrected),
                table::opt(m.corr_error, 3),
                table::est(&m.novelty, 3),
                format!("{:.3}", m.sd_ratio),
                table::opt(m.kurtosis, 2),
                format!("{:.4} / {:.4}", m.var_1, m.var_5),
                format!("{:.4} / {:.4}", m.es_1, m.es_5),
                format!("{:.4}", m.portfolio_sd),
                table::opt(m.acf_g2_mean_1_10, 3),
                format!("{} / {}", table::pct(m.acf_g_outside_band), table::pct(m.acf_g2_outside_band)),
            ];
            table::MethodRow::new(m.id, &m.label, cells, m.acceptance, m.seconds)
        })
        .collect();
    table::method_table(
        &[
            "KS pass / p",
            "KS corr. pass / p",
            "corr err",
            "novelty",
            "sd ratio",
            "ex. kurt",
            "VaR 1% / 5%",
            "ES 1% / 5%",
            "port. sd",
            "ACF g² 1-10",
            "ACF out g / g²",
        ],
        rows,
        timing,
    )
}
