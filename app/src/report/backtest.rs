//! The rolling backtest's report (`--backtest … --report DIR`): the day-by-day figure of the
//! realised portfolio return against each method's VaR line, with the exceedances marked, and a
//! paragraph that reads it from the results.

use super::plot::{self, Mark, Panel, Series};
use super::style::finance_colour;
use super::{Figure, Report};
use crate::finance::RollingRun;
use anyhow::Result;
use chrono::Datelike;
use satool_finance as fin;

/// A date as a fractional year (the figure's x axis).
fn year(d: &chrono::NaiveDate) -> f64 {
    d.year() as f64 + (d.ordinal0() as f64) / 365.25
}

/// The report of a rolling backtest: its header and table, one figure per shown level.
pub fn rolling(run: &RollingRun, command: String, header: &str, table: &str) -> Result<Report> {
    let stem = std::path::Path::new(&run.results.input.path)
        .file_name()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    Ok(Report {
        title: format!("satool finance rolling backtest — {}", super::markdown_text(&stem)),
        command,
        header: header.to_string(),
        table: format!("```text\n{table}\n```"),
        notes: Vec::new(),
        figures: vec![figure(run)?],
    })
}

/// Two panels (95% and 99%): the realised return as grey points, each method's −VaR as a line,
/// each method's exceedances as points of its colour.
fn figure(run: &RollingRun) -> Result<Figure> {
    let x: Vec<f64> = run.dates.iter().map(year).collect();
    let pct = 100.0;
    let panel = |c: f64| -> Panel {
        let l = fin::risk::LEVELS.iter().position(|&v| v == c).expect("a level of the table");
        let mut series = vec![Series::new(
            "realised",
            plotters::style::RGBColor(150, 150, 150),
            x.iter().zip(&run.realised).map(|(&x, &r)| (x, pct * r)).collect(),
            Mark::Points(1),
        )];
        for (m, per_level) in run.results.methods.iter().zip(&run.var) {
            let v = &per_level[l];
            let colour = finance_colour(m.id);
            series.push(Series::new(
                format!("{} −VaR", m.id),
                colour,
                x.iter().zip(v).map(|(&x, &v)| (x, -pct * v)).collect(),
                Mark::Line,
            ));
            let hits: Vec<(f64, f64)> =
                (0..x.len()).filter(|&t| run.realised[t] < -v[t]).map(|t| (x[t], pct * run.realised[t])).collect();
            series.push(Series::new(format!("{} exceeded", m.id), colour, hits, Mark::Points(4)));
        }
        Panel {
            title: format!("1-day VaR {}%", pct * c),
            x_label: "date (year)".into(),
            y_label: "portfolio return (%)".into(),
            series,
            legend: c == 0.99,
            ..Default::default()
        }
    };
    Ok(Figure {
        heading: "Rolling backtest: realised portfolio return against each method's VaR".into(),
        stem: "backtest".into(),
        svg: plot::grid(&[panel(0.95), panel(0.99)], 1, (900, 360))?,
        paragraph: paragraph(run),
    })
}

/// What the figure shows, with the run's own numbers.
fn paragraph(run: &RollingRun) -> String {
    let r = &run.results;
    let at = |c: f64| -> Vec<String> {
        r.methods
            .iter()
            .filter_map(|m| m.tests.iter().find(|t| t.test.level == c).map(|t| (m, t)))
            .map(|(m, t)| {
                let zone = t.basel_zone.map_or(String::new(), |z| format!(", Basel {z}"));
                format!(
                    "{} {} (Kupiec p {:.3}, independence p {:.3}{zone})",
                    m.id, t.test.exceedances, t.test.p_uc, t.test.p_ind
                )
            })
            .collect()
    };
    let worst = (0..run.realised.len()).min_by(|&a, &b| run.realised[a].total_cmp(&run.realised[b]));
    let worst = worst.map_or(String::new(), |t| {
        format!(
            " The largest loss of the range, {:.2}% on {}, exceeded the 99% VaR of {}.",
            -100.0 * run.realised[t],
            run.dates[t].format("%Y-%m-%d"),
            exceeded_by(run, t, 0.99)
        )
    });
    let expected = |c: f64| (1.0 - c) * r.days as f64;
    let blocks = r.horizon.as_ref().map_or(String::new(), |h| {
        let at: Vec<String> = r
            .methods
            .iter()
            .filter_map(|m| m.horizon_tests.as_ref()?.iter().find(|t| t.test.level == 0.99).map(|t| (m, t)))
            .map(|(m, t)| format!("{} {} (Kupiec p {:.3})", m.id, t.test.exceedances, t.test.p_uc))
            .collect();
        format!(
            " The {}-day VaR, forecast the evening before each of the {} non-overlapping {}-day blocks, is exceeded \
             at 99% ({:.2} expected) by: {} (the second table; a year holds too few blocks for the tests to reject \
             much).",
            h.days,
            h.blocks,
            h.days,
            0.01 * h.blocks as f64,
            at.join("; ")
        )
    });
    format!(
        "Each grey point is a realised day of the portfolio ({} days, {}..{}); each line is minus one method's \
         1-day VaR for that day, forecast the evening before from the data up to it (refitted every {} days, the \
         state moved daily in between). A coloured point below its line is an exceedance. A VaR that follows the \
         market's state drops with the first large losses of a turbulent spell and recovers when it calms, so its \
         exceedances are few and spread out; a static one is exceeded in clusters. At 95% ({:.1} expected): {}. At \
         99% ({:.1} expected; Basel zones over 250 days: green 0–4, yellow 5–9, red 10+): {}.{worst}{blocks}",
        r.days,
        r.first_date,
        r.last_date,
        r.refit_every,
        expected(0.95),
        at(0.95).join("; "),
        expected(0.99),
        at(0.99).join("; "),
    )
}

/// The methods whose VaR at `c` the loss of day `t` exceeded ("none of the methods" if none).
fn exceeded_by(run: &RollingRun, t: usize, c: f64) -> String {
    let l = fin::risk::LEVELS.iter().position(|&v| v == c).expect("a level of the table");
    let ids: Vec<&str> = run
        .results
        .methods
        .iter()
        .zip(&run.var)
        .filter(|(_, v)| run.realised[t] < -v[l][t])
        .map(|(m, _)| m.id.id())
        .collect();
    if ids.is_empty() {
        "none of the methods".into()
    } else {
        ids.join(", ")
    }
}
