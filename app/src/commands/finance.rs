//! `satool finance`: the job, then its table, its `--out` files and its `--report`.

use crate::finance::{self, render, FinanceJob, FinanceRun};
use crate::input_err;
use crate::output::atomic::{commit_all, Staging};
use crate::progress::Progress;
use crate::report::{self, finance::FinanceReportInput, ReportTarget};
use anyhow::Result;
use std::path::PathBuf;

/// Where a finance run's results go besides stdout.
#[derive(Debug, Clone, Default)]
pub struct FinanceOutputs {
    /// `--out DIR`: results.json, `<id>.csv` per method, tickers.csv, command.txt (and
    /// condition_days.csv for a conditioned run).
    pub out: Option<PathBuf>,
    /// `--force`: allow `--out` and `--report` to be existing, non-empty directories.
    pub force: bool,
    /// `--report DIR`: Markdown report with SVG figures (may be the `--out` directory).
    pub report: Option<PathBuf>,
    /// `--qq-tickers`: tickers of the QQ and per-ticker ACF figures (default: largest variance).
    pub qq_tickers: Option<Vec<String>>,
    /// `--gzip`: the long path files as `<id>.paths.csv.gz`.
    pub gzip: bool,
    /// `--extended`: stdout adds the table of the method labels and the columns the default
    /// tables leave out.
    pub extended: bool,
}

/// A finished run and the text stdout shows for it.
#[derive(Debug)]
pub struct FinanceOutput {
    pub run: FinanceRun,
    pub header: String,
    /// The comparison table with its timing column.
    pub table: String,
}

/// Runs `job`, then writes the report and the `--out` directory (both or neither, each atomic).
pub fn run(
    job: &FinanceJob,
    outputs: &FinanceOutputs,
    command_line: &str,
    progress: &Progress,
) -> Result<FinanceOutput> {
    // Both directories are claimed before the work, so a refused one costs nothing.
    let mut staging =
        outputs.out.as_ref().map(|o| Staging::new(o, outputs.force)).transpose().map_err(|e| input_err!("{e:#}"))?;
    let report_target = ReportTarget::prepare(outputs.report.as_deref(), outputs.out.as_deref(), outputs.force)?;
    // Paths are streamed unless the report draws figures from every row.
    let streaming = outputs
        .report
        .is_none()
        .then(|| staging.as_mut().map(|staging| finance::PathFiles { staging, gzip: outputs.gzip }));
    let job = &FinanceJob { report_tickers: outputs.qq_tickers.clone(), ..job.clone() };
    let run = finance::run_with(job, progress, streaming)?;
    let header = render::header(&run.results);
    let mut table = render::terminal_tables(&run.results, outputs.extended);
    table += &format!("\n\n{}", finance::risk_table(&run.results.risk));
    if let Some(b) = &run.results.backtest {
        table += &format!("\n\n{}", finance::backtest_table(b));
    }
    let mut report_staging = None;
    if let Some(target) = report_target {
        progress.line("drawing the report figures");
        let input = FinanceReportInput {
            results: &run.results,
            command: report::invoked_command(),
            header: &header,
            table_markdown: report_tables(&run.results),
            history: run.history.view(),
            tickers: &run.results.tickers.kept,
            generated: &run.scenarios,
            qq_tickers: outputs.qq_tickers.as_deref(),
        };
        report_staging = target.write(&report::finance::build(&input)?, staging.as_mut())?;
    }
    if let Some(st) = &mut staging {
        render::write_out(st, &run, command_line, outputs.gzip)?;
        if let Some(c) = &run.results.condition {
            st.write("condition_days.csv", condition_days_csv(c).as_bytes())?;
        }
        st.write("per_ticker.csv", finance::per_ticker_csv(&run.results).as_bytes())?;
    }
    // Both or neither.
    commit_all(report_staging.into_iter().chain(staging).collect())?;
    Ok(FinanceOutput { run, header, table })
}

/// A finished rolling backtest and the text stdout shows for it.
#[derive(Debug)]
pub struct RollingOutput {
    pub run: finance::RollingRun,
    pub header: String,
    pub table: String,
}

/// Runs the rolling backtest of `job` (`--backtest`), then writes the report and the `--out`
/// directory (results.json, backtest.csv, tickers.csv, command.txt), both or neither.
pub fn run_rolling(
    job: &FinanceJob,
    outputs: &FinanceOutputs,
    command_line: &str,
    progress: &Progress,
) -> Result<RollingOutput> {
    let mut staging =
        outputs.out.as_ref().map(|o| Staging::new(o, outputs.force)).transpose().map_err(|e| input_err!("{e:#}"))?;
    let report_target = ReportTarget::prepare(outputs.report.as_deref(), outputs.out.as_deref(), outputs.force)?;
    let run = finance::run_rolling(job, progress)?;
    let r = &run.results;
    let mut header = render::input_lines(&r.input, &r.tickers);
    header += &format!("β = {}, seed = {}\nforecasts: {}\n", r.beta, r.seed, r.var_rule);
    if let Some(c) = &r.condition {
        header += &format!("conditioned on {}: {}\n", c.description, c.rule);
    }
    let header = crate::output::table::wrap_lines(&header, crate::output::table::TEXT_WIDTH);
    let table = finance::rolling_table(r);
    let mut report_staging = None;
    if let Some(target) = report_target {
        progress.line("drawing the report figures");
        let built = report::backtest::rolling(&run, report::invoked_command(), &header, &table)?;
        report_staging = target.write(&built, staging.as_mut())?;
    }
    if let Some(st) = &mut staging {
        st.write("results.json", crate::output::to_json(r)?.as_bytes())?;
        st.write("backtest.csv", finance::rolling_csv(&run).as_bytes())?;
        st.write("tickers.csv", finance::tickers_csv(&r.tickers).as_bytes())?;
        st.write("command.txt", format!("{command_line}\n").as_bytes())?;
    }
    commit_all(report_staging.into_iter().chain(staging).collect())?;
    Ok(RollingOutput { run, header, table })
}

/// The return days a conditioned run selected, with the run of consecutive days each belongs to.
fn condition_days_csv(c: &finance::ConditionInfo) -> String {
    let mut s = String::from("date,run\n");
    for (d, r) in c.dates.iter().zip(&c.run_of_day) {
        s += &format!("{d},{r}\n");
    }
    s
}

/// `--moments-only`: the moments of the paths' correction, written to `--out DIR`/moments.json;
/// returns the line that says so.
pub fn moments_only(job: &FinanceJob, outputs: &FinanceOutputs, progress: &Progress) -> Result<String> {
    let out = outputs.out.as_ref().ok_or_else(|| input_err!("--moments-only writes moments.json: give --out DIR"))?;
    let mut staging = Staging::new(out, outputs.force).map_err(|e| input_err!("{e:#}"))?;
    let file = finance::moments_pass(job, progress)?;
    staging.write(finance::MOMENTS_FILE, crate::output::to_json(&file)?.as_bytes())?;
    staging.commit()?;
    Ok(format!(
        "moments of paths {}..{} ({} method{}) written to {}",
        file.paths[0],
        file.paths[1],
        file.methods.len(),
        if file.methods.len() == 1 { "" } else { "s" },
        out.join(finance::MOMENTS_FILE).display()
    ))
}

/// The report's tables: the comparison table (without timings, so the report is the same bytes
/// on every run), the scenario-level checks and the portfolio risk table with its caption.
fn report_tables(r: &finance::FinanceResults) -> String {
    // The caption's lines as lines (a hard break each), its names shown as they are.
    let caption: Vec<String> = finance::risk_caption(&r.risk).lines().map(report::markdown_text).collect();
    format!(
        "{}\nScenario-level checks: novelty of the states and of the output, near copies, serial dependence.\n\n{}\n{}\n\n{}",
        report::markdown_table(render::comparison_table(r, false)),
        report::markdown_table(render::scenario_table(r)),
        caption.join("  \n"),
        report::markdown_table(finance::risk_grid(&r.risk)),
    )
}
