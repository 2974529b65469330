//! Text output of a finance run: the header and comparison table printed to stdout (and
//! reused by the report), and the files of `--out`.

use super::{FinanceMethod, FinanceResults, FinanceRun, MethodResult, PathsState, Scenarios};
use crate::output::{atomic::Staging, table};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use flate2::{write::GzEncoder, Compression};
use ndarray::Array2;
use rayon::prelude::*;
use satool_finance::Layout;
use std::io::{BufWriter, Write};

/// Writes results.json, one `<id>.csv` per method, tickers.csv and command.txt into `st`
/// (the caller commits it, after adding the report when that shares the directory).
/// Path runs (`--scenarios`) write each method's paths as the long `<id>.paths.csv` (gzip with
/// `gzip`) instead, and the history as historical.csv with its dates.
pub fn write_out(st: &mut Staging, run: &FinanceRun, command_line: &str, gzip: bool) -> Result<()> {
    let results = &run.results;
    st.write("results.json", crate::output::to_json(results)?.as_bytes())?;
    let paths = results.parameters.scenarios.is_some();
    let first = results.parameters.paths.map_or(0, |p| p[0]);
    for s in &run.scenarios {
        let id = s.method.id();
        if !paths {
            st.write(&format!("{id}.csv"), scenarios_csv(&results.tickers.kept, &s.returns).as_bytes())?;
        } else if s.method == FinanceMethod::Historical {
            st.write("historical.csv", dated_csv(&results.tickers.kept, &s.returns, &run.dates).as_bytes())?;
        } else {
            // A streamed method's file was written as its paths were drawn.
            if s.portfolio.is_none() {
                let name = paths_name(id, gzip);
                let mut w = paths_writer(st, &name, gzip)?;
                write_long(&mut w, &results.tickers.kept, s, &run.dates, first)
                    .with_context(|| format!("writing {name}"))?;
            }
            if results.parameters.paths.is_some() {
                let text = portfolio_csv(s, &results.risk.weights_used, first)?;
                st.write(&format!("{id}.portfolio.csv"), text.as_bytes())?;
            }
        }
    }
    st.write("tickers.csv", super::tickers_csv(&results.tickers).as_bytes())?;
    st.write("command.txt", format!("{command_line}\n").as_bytes())
}

/// The long path file of method `id`: `<id>.paths.csv`, with `.gz` when `gzip`.
pub(super) fn paths_name(id: &str, gzip: bool) -> String {
    format!("{id}.paths.csv{}", if gzip { ".gz" } else { "" })
}

/// A buffered writer of the staged file `name`, gzip-compressed (fast level) when `gzip`: the
/// same bytes for the same text, however it is written in pieces.
pub(super) fn paths_writer(st: &mut Staging, name: &str, gzip: bool) -> Result<Box<dyn Write>> {
    let file = std::fs::File::create(st.path(name)).with_context(|| format!("cannot create {name}"))?;
    Ok(if gzip {
        Box::new(BufWriter::new(GzEncoder::new(file, Compression::fast())))
    } else {
        Box::new(BufWriter::new(file))
    })
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

/// A shard's per-path portfolio simple returns under the run's weights, one path per row
/// (`scenario,day_1,…,day_H`, full precision), from which `satool finance gather` computes the
/// whole run's VaR/ES and drawdowns.
fn portfolio_csv(s: &Scenarios, weights: &[f64], first: usize) -> Result<String> {
    let Layout::Paths(h) = s.layout else { return Ok(String::new()) };
    let port = match &s.portfolio {
        Some(p) => p.clone(),
        None => satool_finance::risk::portfolio_returns(s.returns.view(), weights)?,
    };
    let mut text = String::from("scenario");
    for t in 1..=h {
        text += &format!(",day_{t}");
    }
    text.push('\n');
    for (i, path) in port.chunks(h).enumerate() {
        text += &(first + i + 1).to_string();
        for v in path {
            text.push(',');
            text += &v.to_string();
        }
        text.push('\n');
    }
    Ok(text)
}

/// One historical day per row with its date.
fn dated_csv(tickers: &[String], g: &Array2<f64>, dates: &[NaiveDate]) -> String {
    let mut s = format!("scenario,date,{}\n", tickers.join(","));
    for (i, (row, d)) in g.outer_iter().zip(dates).enumerate() {
        s += &format!("{},{}", i + 1, d.format("%Y-%m-%d"));
        for v in row {
            s.push(',');
            s += &v.to_string();
        }
        s.push('\n');
    }
    s
}

/// The long file of a path method, streamed: `scenario,day,ticker,log_return` (1-based path and
/// day), plus `source_day` (the date of the historical day the row copies or was drawn around)
/// and `regime` where the method has them. A shard's paths are numbered from `first + 1`.
fn write_long(
    w: &mut dyn Write,
    tickers: &[String],
    s: &Scenarios,
    dates: &[NaiveDate],
    first: usize,
) -> std::io::Result<()> {
    let h = match s.layout {
        Layout::Paths(h) => h,
        _ => s.returns.nrows(),
    };
    write_long_header(w, s.source_day.is_some(), s.regime.is_some())?;
    let rows = LongRows { returns: s.returns.view(), source_day: s.source_day.as_deref(), regime: s.regime.as_deref() };
    write_long_rows(w, tickers, &rows, &day_names(dates), first, h)?;
    w.flush()
}

/// The dates of the history's days as the long files write them.
pub(super) fn day_names(dates: &[NaiveDate]) -> Vec<String> {
    dates.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect()
}

/// The header line of a long path file.
pub(super) fn write_long_header(w: &mut dyn Write, source_day: bool, regime: bool) -> std::io::Result<()> {
    write!(w, "scenario,day,ticker,log_return")?;
    if source_day {
        write!(w, ",source_day")?;
    }
    if regime {
        write!(w, ",regime")?;
    }
    writeln!(w)
}

/// Rows of whole paths of a long path file, with what is known of each row.
pub(super) struct LongRows<'a> {
    pub returns: ndarray::ArrayView2<'a, f64>,
    pub source_day: Option<&'a [usize]>,
    pub regime: Option<&'a [u32]>,
}

/// The lines of `rows` (paths of `h` days, the first numbered `first + 1`).
pub(super) fn write_long_rows(
    w: &mut dyn Write,
    tickers: &[String],
    rows: &LongRows,
    days: &[String],
    first: usize,
    h: usize,
) -> std::io::Result<()> {
    // Rows formatted in parallel, a fixed block at a time, and written in order.
    const ROWS: usize = 2048;
    let n = rows.returns.nrows();
    let blocks: Vec<std::ops::Range<usize>> = (0..n).step_by(ROWS).map(|a| a..(a + ROWS).min(n)).collect();
    for group in blocks.chunks(2 * rayon::current_num_threads().max(1)) {
        let texts: Vec<Vec<u8>> = group
            .par_iter()
            .map(|block| {
                let mut b = Vec::with_capacity(block.len() * tickers.len() * 40);
                for r in block.clone() {
                    let (p, t) = (first + r / h + 1, r % h + 1);
                    let src = rows.source_day.map(|v| &days[v[r]]);
                    let reg = rows.regime.map(|v| v[r]);
                    for (ticker, v) in tickers.iter().zip(rows.returns.row(r)) {
                        // Writing to a Vec cannot fail.
                        let _ = write!(b, "{p},{t},{ticker},{v}");
                        if let Some(src) = src {
                            let _ = write!(b, ",{src}");
                        }
                        if let Some(reg) = reg {
                            let _ = write!(b, ",{reg}");
                        }
                        b.push(b'\n');
                    }
                }
                b
            })
            .collect();
        for t in &texts {
            w.write_all(t)?;
        }
    }
    Ok(())
}

/// The first lines of every finance header: the file, its days and what was kept of its tickers.
pub fn input_lines(input: &super::InputInfo, tickers: &super::Tickers) -> String {
    let h = format!(
        "satool finance — {} ({})\n{} days {} → {}; tickers: {} kept, {} dropped, {} suspect jumps (|log return| > {})\n",
        input.path,
        input.format,
        input.days,
        input.first_date,
        input.last_date,
        tickers.kept.len(),
        tickers.dropped.len(),
        tickers.suspect.len(),
        tickers.jump_threshold
    );
    h + &super::header_lines(tickers)
}

/// The text above the table: input, tickers, condition, parameters and conventions, each line
/// wrapped at [`table::TEXT_WIDTH`].
pub fn header(r: &FinanceResults) -> String {
    let p = &r.parameters;
    let mut h = input_lines(&r.input, &r.tickers);
    if let Some(c) = &r.condition {
        h += &format!(
            "condition: {} — {} of {} return days in {} run(s) of consecutive days (longest {}; blocks, regimes and ACFs stay inside a run); the `historical` row is these days; whole history: portfolio sd {:.4}, ES 1% {:.4}\n",
            c.description, c.days, c.of_days, c.runs, c.longest_run, c.history_portfolio_sd, c.history_es_1
        );
    }
    if let Some(d) = &p.as_of {
        if let Some(s) = p.as_of_state {
            let leverage = if p.paths_state == PathsState::EwmaLeverage { ", with the fitted leverage" } else { "" };
            h += &format!(
                "volatility state after {d}: {s:.3} × the history's average day (the larger of the EWMA states with \
                 λ 0.94 and 0.70{leverage})\n"
            );
        }
        h += &format!(
            "as of {d}: the sa_paths, exact and garch_fhs paths start from the volatility state after {d}, \
             computed from the history up to it (no row dated later was read; --as-of unconditional for the \
             history's own risk); their risk rows are the forecast published that evening, and their path files \
             keep their scale (no correction to the history's mean and sd); the bootstraps are unconditional\n"
        );
    } else if p.paths_start.is_some() {
        h += "unconditional paths: sa_paths start from the state of a uniformly drawn historical day, exact draws \
              from the whole mixture, garch_fhs starts after the last day; every path file is set to the history's \
              mean and sd unless --raw\n";
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
    table::wrap_lines(&h, table::TEXT_WIDTH)
}

/// The tables stdout shows for a run, each within [`table::MAX_WIDTH`] columns: the
/// [`distribution_table`] with timings and the [`scenario_table`], and with `extended` the
/// [`extended_table`] of what those two leave out of the [`comparison_table`].
pub fn terminal_tables(r: &FinanceResults, extended: bool) -> String {
    let mut out = format!("{}\n{}", distribution_table(r), scenario_table(r));
    if extended {
        out += &format!("\n\n{}\n{}", table::wrap_lines(EXTENDED_CAPTION, table::TEXT_WIDTH), extended_table(r));
    }
    out
}

/// The caption of [`extended_table`].
const EXTENDED_CAPTION: &str =
    "each method's label, its rows (days, or paths × days), the daily portfolio VaR and ES at \
     1% / 5% of its scenarios (conventions above) and its MALA acceptance";

/// The full comparison table, one column per metric (the report's); `timing` adds the seconds
/// column (left out where output must be reproducible). The terminal splits it between
/// [`terminal_tables`]' tables.
pub fn comparison_table(r: &FinanceResults, timing: bool) -> comfy_table::Table {
    let rows = r
        .methods
        .iter()
        .map(|m| {
            let cells = vec![
                ks_cell(m.ks_pass, m.ks_mean_p),
                ks_cell(m.ks_pass_corrected, m.ks_mean_p_corrected),
                table::opt(m.corr_error, 3),
                table::est(&m.novelty, 3),
                format!("{:.3}", m.sd_ratio),
                table::opt(m.kurtosis, 2),
                var_cell(m),
                es_cell(m),
                format!("{:.4}", m.portfolio_sd),
                table::opt(m.acf_g2_mean_1_10, 3),
                acf_outside_cell(m),
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

/// The terminal's first table: how the scenario days are distributed against the history (KS
/// per ticker, correlations, scale, tails, portfolio sd, serial dependence) and each row's wall
/// time. Novelty and ACF(g²) 1–10 are in [`scenario_table`], VaR/ES in the risk table below it
/// (and, as [`comparison_table`] has them, in [`extended_table`]).
pub fn distribution_table(r: &FinanceResults) -> comfy_table::Table {
    let rows = method_rows(r, |m| {
        vec![
            ks_cell(m.ks_pass, m.ks_mean_p),
            ks_cell(m.ks_pass_corrected, m.ks_mean_p_corrected),
            table::opt(m.corr_error, 3),
            format!("{:.3}", m.sd_ratio),
            table::opt(m.kurtosis, 2),
            format!("{:.4}", m.portfolio_sd),
            acf_outside_cell(m),
            format!("{:.2}", m.seconds),
        ]
    });
    let header = [
        "id",
        "KS pass / p",
        "KS corr. pass / p",
        "corr err",
        "sd ratio",
        "ex. kurt",
        "port. sd",
        "ACF out g / g²",
        "s",
    ];
    table::table_from(&header, rows, 1)
}

/// `--extended`: each method's label and the columns of [`comparison_table`] the terminal's
/// default tables leave out: the rows generated, the 1% / 5% VaR and ES and the MALA acceptance.
pub fn extended_table(r: &FinanceResults) -> comfy_table::Table {
    let rows =
        method_rows(r, |m| vec![m.label.clone(), rows_cell(m), var_cell(m), es_cell(m), table::pct(m.acceptance)]);
    table::table(&["id", "method", "rows", "VaR 1% / 5%", "ES 1% / 5%", "accept"], rows)
}

/// One row per method: its id, then `cells`.
fn method_rows(r: &FinanceResults, cells: impl Fn(&MethodResult) -> Vec<String>) -> Vec<Vec<String>> {
    r.methods.iter().map(|m| std::iter::once(m.id.id().to_string()).chain(cells(m)).collect()).collect()
}

/// `100.0% / 0.780`: the share of tickers whose KS test passes and the mean p-value.
fn ks_cell(pass: f64, mean_p: f64) -> String {
    format!("{:.1}% / {mean_p:.3}", 100.0 * pass)
}

fn var_cell(m: &MethodResult) -> String {
    format!("{:.4} / {:.4}", m.var_1, m.var_5)
}

fn es_cell(m: &MethodResult) -> String {
    format!("{:.4} / {:.4}", m.es_1, m.es_5)
}

/// The shares of ACF values of g and g² outside the band.
fn acf_outside_cell(m: &MethodResult) -> String {
    format!("{} / {}", table::pct(m.acf_g_outside_band), table::pct(m.acf_g2_outside_band))
}

/// The rows a method generated: days, or paths × days.
fn rows_cell(m: &MethodResult) -> String {
    match (m.paths, m.horizon) {
        (Some(n), Some(h)) => format!("{n} × {h}"),
        _ => format!("{}", m.n),
    }
}

/// The scenario-level checks, beside the first table: what the output days are (novelty of the
/// states and of the output, near copies of one historical day) and whether they move like
/// prices (lag-1 ACF of g, 10-day variance ratio, volatility clustering at short and long lags).
/// "—" where the rows are not a time series.
pub fn scenario_table(r: &FinanceResults) -> comfy_table::Table {
    let rows = method_rows(r, |m| {
        vec![
            table::est(&m.novelty, 3),
            table::est(&m.output_novelty, 3),
            format!("{:.1}%", 100.0 * m.near_copies),
            match (m.acf_g_lag1, m.acf_g_lag1_inside_band, m.acf_g_lag1_inside_robust_band) {
                (Some(a), Some(b), Some(r)) => format!("{a:+.3} / {:.0}% / {:.0}%", 100.0 * b, 100.0 * r),
                _ => "—".into(),
            },
            table::opt(m.variance_ratio_10, 3),
            format!("{} / {}", table::opt(m.acf_g2_mean_1_10, 3), table::opt(m.acf_g2_mean_11_50, 3)),
        ]
    });
    let header = [
        "id",
        "state novelty",
        "output novelty",
        "cos>0.99",
        "lag-1 ACF g / in band / robust",
        "VR 10d",
        "ACF g² 1-10 / 11-50",
    ];
    table::table_from(&header, rows, 1)
}
