//! The finance report's figures: QQ plots, correlation scatter, portfolio tail survival, ACFs.

use super::plot::{self, Mark, Panel, Series};
use super::style::{colour, finance_colour};
use super::{markdown_text, Figure, Report};
use crate::finance::{FinanceMethod, FinanceResults, Scenarios};
use crate::input_err;
use anyhow::Result;
use ndarray::{Array2, ArrayView2, Axis};
use satool_common::stats::quantile_sorted;
use satool_finance as fin;

/// What the report draws from: a finance run's results and scenarios, and the run's text.
pub struct FinanceReportInput<'a> {
    pub results: &'a FinanceResults,
    pub command: String,
    pub header: &'a str,
    pub table_markdown: String,
    /// The days the memory holds (K × d), which every method is compared with.
    pub history: ArrayView2<'a, f64>,
    pub tickers: &'a [String],
    pub generated: &'a [Scenarios],
    /// `--qq-tickers`; default: the five with the largest historical variance.
    pub qq_tickers: Option<&'a [String]>,
}

/// Methods of the QQ figure, in drawing order.
const QQ_METHODS: [FinanceMethod; 3] = [FinanceMethod::Sa, FinanceMethod::SaSequential, FinanceMethod::Bootstrap];
/// Methods of the correlation scatter: the i.i.d. pool and the bootstrap it should beat.
const CORR_METHODS: [FinanceMethod; 2] = [FinanceMethod::Sa, FinanceMethod::Bootstrap];
/// Methods of the ACF figures: those that produce a time series.
const ACF_METHODS: [FinanceMethod; 5] = [
    FinanceMethod::Historical,
    FinanceMethod::SaSequential,
    FinanceMethod::SaRegime,
    FinanceMethod::BlockBootstrap,
    FinanceMethod::GarchFhs,
];
/// Most pairs drawn in a correlation scatter (a fixed stride through the upper triangle).
const MAX_PAIRS: usize = 4000;

/// The finance report: header, table and the figures whose methods were run.
pub fn build(input: &FinanceReportInput) -> Result<Report> {
    let qq = qq_tickers(input)?;
    let mut notes = Vec::new();
    let mut figures = Vec::new();
    let present = |methods: &[FinanceMethod]| -> Vec<&Scenarios> {
        methods.iter().filter_map(|m| input.generated.iter().find(|g| g.method == *m)).collect()
    };
    let missing = |what: &str, methods: &[FinanceMethod]| {
        let ids: Vec<&str> = methods.iter().map(|m| m.id()).collect();
        format!("None of {} was run, so the {what} is left out.", ids.join(", "))
    };

    let sets = present(&QQ_METHODS);
    if sets.is_empty() {
        notes.push(missing("QQ figure", &QQ_METHODS))
    } else {
        figures.push(qq_plots(input, &qq, &sets)?)
    }
    let sets = present(&CORR_METHODS);
    if sets.is_empty() {
        notes.push(missing("correlation scatter", &CORR_METHODS))
    } else {
        figures.push(correlations(input, &sets)?)
    }
    figures.push(survival(input)?);
    let sets = present(&ACF_METHODS);
    if sets.is_empty() {
        notes.push(missing("ACF figures", &ACF_METHODS));
    } else {
        figures.extend(acfs(input, &qq, &sets)?);
    }
    let stem = std::path::Path::new(&input.results.input.path)
        .file_name()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    Ok(Report {
        title: format!("satool finance report — {}", markdown_text(&stem)),
        command: input.command.clone(),
        header: input.header.to_string(),
        table: input.table_markdown.clone(),
        notes,
        figures,
    })
}

/// The names of `tickers` (column indices) as the report's text shows them.
fn shown_names(input: &FinanceReportInput, tickers: &[usize]) -> String {
    tickers.iter().map(|&j| markdown_text(&input.tickers[j])).collect::<Vec<_>>().join(", ")
}

/// Column indices of the QQ tickers: as given, or the five largest historical variances.
fn qq_tickers(input: &FinanceReportInput) -> Result<Vec<usize>> {
    match input.qq_tickers {
        Some(names) => crate::finance::kept_columns("--qq-tickers", names, input.tickers),
        None => {
            let var = input.history.var_axis(Axis(0), 1.0);
            let mut idx: Vec<usize> = (0..var.len()).collect();
            idx.sort_by(|&a, &b| var[b].total_cmp(&var[a]).then(a.cmp(&b)));
            idx.truncate(5);
            Ok(idx)
        }
    }
}

fn sorted(v: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut s: Vec<f64> = v.collect();
    s.sort_by(f64::total_cmp);
    s
}

fn qq_plots(input: &FinanceReportInput, tickers: &[usize], sets: &[&Scenarios]) -> Result<Figure> {
    let hist = input.history.to_owned();
    let corrected: Vec<Array2<f64>> = sets.iter().map(|s| fin::affine_correct(&s.returns, &hist)).collect();
    let panels: Vec<Panel> = tickers
        .iter()
        .map(|&j| {
            let h = sorted(hist.column(j).iter().copied());
            let series = sets
                .iter()
                .zip(&corrected)
                .map(|(s, c)| {
                    let g = sorted(c.column(j).iter().copied());
                    let m = h.len().min(g.len()).min(400);
                    let pts = (0..m).map(|i| {
                        let q = (i as f64 + 0.5) / m as f64;
                        (quantile_sorted(&h, q), quantile_sorted(&g, q))
                    });
                    Series::new(s.method.id(), finance_colour(s.method), pts.collect(), Mark::Points(2))
                })
                .collect();
            Panel {
                title: input.tickers[j].clone(),
                x_label: "historical daily log return".into(),
                y_label: "generated daily log return".into(),
                series,
                diagonal: true,
                square: true,
                legend: j == tickers[0],
                legend_left: true,
                ..Default::default()
            }
        })
        .collect();
    let ks: Vec<String> = input
        .results
        .methods
        .iter()
        .filter(|m| sets.iter().any(|s| s.method == m.id))
        .map(|m| format!("{} {:.1}%", m.id, 100.0 * m.ks_pass_corrected))
        .collect();
    Ok(Figure {
        heading: "QQ plots of generated vs historical returns".into(),
        stem: "qq".into(),
        svg: plot::grid(&panels, 3, (360, 330))?,
        paragraph: format!(
            "Quantiles of each generated set's daily log returns (y) against the historical ones (x) for {} ({}), \
             at up to 400 evenly spaced probabilities; y = x dashed. Generated returns are shown after the \
             per-ticker affine correction (mean and sd set to the history's), the same correction as the table's \
             corrected KS column, so the plot shows shape, not scale. Points bending away from the diagonal at the \
             ends mean tails that are too light (towards the x axis) or too heavy. Corrected KS pass rate over all \
             tickers: {}.",
            shown_names(input, tickers),
            if input.qq_tickers.is_some() {
                "chosen with --qq-tickers"
            } else {
                "the five largest historical variances"
            },
            ks.join(", ")
        ),
    })
}

/// Upper-triangle entries of a correlation matrix at a fixed stride, at most `MAX_PAIRS`.
fn pairs(c: &Array2<f64>, stride: usize) -> Vec<f64> {
    let d = c.nrows();
    (0..d).flat_map(|i| (i + 1..d).map(move |j| (i, j))).step_by(stride).map(|(i, j)| c[[i, j]]).collect()
}

fn correlations(input: &FinanceReportInput, sets: &[&Scenarios]) -> Result<Figure> {
    let d = input.history.ncols();
    let total = d * (d - 1) / 2;
    let stride = total.div_ceil(MAX_PAIRS).max(1);
    let hist = fin::stats::correlation_matrix(input.history)
        .ok_or_else(|| input_err!("a historical ticker has zero variance; no correlation figure"))?;
    let hx = pairs(&hist, stride);
    let mut panels = Vec::new();
    let mut shifts = Vec::new();
    for s in sets {
        let id = s.method.id();
        let Some(c) = fin::stats::correlation_matrix(s.returns.view()) else { continue };
        let all = pairs(&c, 1);
        let shift = all.iter().zip(pairs(&hist, 1)).map(|(g, h)| g - h).sum::<f64>() / all.len().max(1) as f64;
        shifts.push(format!("{id} {shift:+.3}"));
        let err = input.results.methods.iter().find(|m| m.id == s.method).and_then(|m| m.corr_error);
        panels.push(Panel {
            title: format!("{id}: correlation error {}", err.map_or("—".into(), |e| format!("{:.1}%", 100.0 * e))),
            x_label: "historical pairwise correlation".into(),
            y_label: format!("{id} pairwise correlation"),
            series: vec![Series::new(
                "",
                colour(id),
                hx.iter().copied().zip(pairs(&c, stride)).collect(),
                Mark::Points(1),
            )],
            diagonal: true,
            square: true,
            ..Default::default()
        });
    }
    Ok(Figure {
        heading: "Pairwise correlations: generated vs historical".into(),
        stem: "correlations".into(),
        svg: plot::grid(&panels, panels.len().max(1), (420, 400))?,
        paragraph: format!(
            "Each point is a pair of tickers: its correlation over the historical days (x) and over the generated \
             scenarios (y); y = x dashed. {} of the {total} pairs are drawn (every {stride}th in row order). A cloud \
             tight on the diagonal keeps the cross-asset dependence; a cloud flatter than the diagonal shrinks \
             correlations towards zero, one above it makes assets move together more than they did. Mean \
             generated − historical correlation over all pairs: {}. The titles give the table's Frobenius \
             correlation error ‖C_gen − C_hist‖_F / ‖C_hist‖_F over all pairs.",
            hx.len(),
            shifts.join(", ")
        ),
    })
}

/// Equal-weight portfolio simple return of each day (the table's convention).
fn portfolio(g: ArrayView2<f64>) -> Vec<f64> {
    fin::metrics::equal_weight_returns(g)
}

/// Points (x, P(side·g > x)) for x > 0 at each observed tail value.
fn survival_points(p: &[f64], side: f64) -> Vec<(f64, f64)> {
    let mut t: Vec<f64> = p.iter().map(|v| side * v).filter(|v| *v > 0.0).collect();
    t.sort_by(|a, b| b.total_cmp(a));
    let n = p.len() as f64;
    t.iter().enumerate().map(|(i, &x)| (x, (i + 1) as f64 / n)).collect()
}

fn survival(input: &FinanceReportInput) -> Result<Figure> {
    let mut sets: Vec<(&str, Vec<f64>)> = Vec::new();
    // The history is always drawn, as the reference, even when `historical` was not run.
    if !input.generated.iter().any(|g| g.method == FinanceMethod::Historical) {
        sets.push((FinanceMethod::Historical.id(), portfolio(input.history)));
    }
    sets.extend(input.generated.iter().map(|g| (g.method.id(), portfolio(g.returns.view()))));
    let panel = |side: f64, title: &str, x_label: &str| Panel {
        title: title.into(),
        x_label: x_label.into(),
        y_label: "probability (log scale)".into(),
        y_log: true,
        series: sets.iter().map(|(id, p)| Series::new(*id, colour(id), survival_points(p, side), Mark::Line)).collect(),
        legend: side > 0.0,
        ..Default::default()
    };
    let panels = [
        panel(1.0, "Right tail P(R > x)", "x: equal-weight portfolio daily return"),
        panel(-1.0, "Left tail P(R < −x)", "x: loss, −(portfolio daily return)"),
    ];
    let es: Vec<String> = input.results.methods.iter().map(|m| format!("{} {:.4}", m.id, m.es_1)).collect();
    Ok(Figure {
        heading: "Tails of the equal-weight portfolio".into(),
        stem: "survival".into(),
        svg: plot::grid(&panels, 2, (480, 380))?,
        paragraph: format!(
            "Empirical survival functions of the equal-weight portfolio's daily simple return (the mean over \
             tickers of e^g − 1 on each day or scenario): the probability of a gain above x (left) and of a loss beyond x (right), on \
             a log axis so the rare days are visible. Curves that fall earlier than the historical one have lighter \
             tails; curves that stop early have no day that extreme. Each curve ends at 1/n of its own sample size n \
             (900 for the i.i.d. pools, the number of historical days for the series). For reference, the table's \
             portfolio ES at 1%: {}.",
            es.join(", ")
        ),
    })
}

fn acfs(input: &FinanceReportInput, tickers: &[usize], sets: &[&Scenarios]) -> Result<Vec<Figure>> {
    let curves: Vec<(FinanceMethod, fin::AcfCurves)> =
        sets.iter().filter_map(|s| fin::acf_curves(s.returns.view()).map(|c| (s.method, c))).collect();
    let band = fin::acf_curves(input.history).map(|c| c.band);
    let lags = |v: &[f64]| -> Vec<(f64, f64)> { v.iter().enumerate().map(|(k, &a)| ((k + 1) as f64, a)).collect() };
    let panel = |title: String, y_label: &str, pick: &dyn Fn(&fin::AcfCurves) -> Vec<f64>, legend: bool| Panel {
        title,
        x_label: "lag (trading days)".into(),
        y_label: y_label.into(),
        series: curves
            .iter()
            .map(|(m, c)| Series::new(m.id(), finance_colour(*m), lags(&pick(c)), Mark::Line))
            .collect(),
        band,
        legend,
        ..Default::default()
    };
    let mean = [
        panel("ACF of returns g, mean over tickers".into(), "autocorrelation", &|c| c.mean_g.clone(), false),
        panel("ACF of squared returns g², mean over tickers".into(), "autocorrelation", &|c| c.mean_g2.clone(), true),
    ];
    let mut per = Vec::new();
    for &j in tickers {
        let t = &input.tickers[j];
        per.push(panel(format!("{t}: ACF of g"), "autocorrelation", &|c| c.g.row(j).to_vec(), false));
        per.push(panel(format!("{t}: ACF of g²"), "autocorrelation", &|c| c.g2.row(j).to_vec(), j == tickers[0]));
    }
    let summary: Vec<String> = input
        .results
        .methods
        .iter()
        .filter(|m| sets.iter().any(|s| s.method == m.id))
        .filter_map(|m| m.acf_g2_mean_1_10.map(|v| format!("{} {v:.3}", m.id)))
        .collect();
    let band_text = band.map_or(String::new(), |b| {
        format!(" (±{b:.3} = 2.576/√N for the N = {} historical days)", input.history.nrows())
    });
    // Lag-1 autocorrelation of returns, mean over tickers: the first thing a sequential generator can get wrong.
    let lag1: Vec<(FinanceMethod, f64)> =
        curves.iter().filter_map(|(m, c)| c.mean_g.first().map(|&v| (*m, v))).collect();
    let hist_lag1 = lag1.iter().find(|(m, _)| *m == FinanceMethod::Historical).map(|p| p.1);
    let momentum: Vec<&str> = match (hist_lag1, band) {
        (Some(h), Some(b)) => {
            lag1.iter().filter(|(m, v)| *m != FinanceMethod::Historical && v - h > b / 2.0).map(|p| p.0.id()).collect()
        }
        _ => vec![],
    };
    let lag1_text = format!(
        " Lag-1 ACF(g), mean over tickers: {}.{}",
        lag1.iter().map(|(id, v)| format!("{id} {v:.3}")).collect::<Vec<_>>().join(", "),
        if momentum.is_empty() {
            String::new()
        } else {
            format!(
                " {} carr{} positive lag-1 autocorrelation that the history does not have: consecutive generated \
                 days are only {} Langevin steps (--inner-steps) apart, so the chain state, and with it the \
                 emitted return, carries over to the next day (momentum). The table's ACF-outside-band fraction, \
                 pooled over 40 lags, dilutes this; the target is ACF(g) inside the band at every lag.",
                momentum.join(" and "),
                if momentum.len() == 1 { "ies" } else { "y" },
                input.results.parameters.inner_steps
            )
        }
    );
    Ok(vec![
        Figure {
            heading: "Autocorrelation of returns and of squared returns".into(),
            stem: "acf_mean".into(),
            svg: plot::grid(&mean, 2, (520, 380))?,
            paragraph: format!(
                "Autocorrelation by lag, averaged over all tickers, for the methods that produce a time series; the \
                 grey band is the 99% band of white noise{band_text}. Left, returns g: real returns are nearly \
                 uncorrelated, so every curve should stay inside the band. Right, squared returns g²: the \
                 historical curve stays above zero for many lags (volatility clustering); a generator that treats \
                 days as independent shows a flat line at 0. The band is for one series: a mean over tickers \
                 varies much less, so a mean curve can be meaningfully off zero while inside it. Mean ACF(g²) over \
                 lags 1–10 (table column): {}.{lag1_text}",
                summary.join(", ")
            ),
        },
        Figure {
            heading: "Autocorrelation for the QQ tickers".into(),
            stem: "acf_tickers".into(),
            svg: plot::grid(&per, 2, (480, 260))?,
            paragraph: format!(
                "The same curves for single tickers ({}): ACF of g (left) and of g² (right), with the same 99% \
                 band. Single series are noisier than the mean over tickers, so read the level of the g² curves \
                 over the first lags rather than individual spikes.",
                shown_names(input, tickers)
            ),
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survival_counts_the_tail() {
        let p = [-0.03, -0.01, 0.0, 0.01, 0.02];
        assert_eq!(survival_points(&p, 1.0), vec![(0.02, 0.2), (0.01, 0.4)]);
        assert_eq!(survival_points(&p, -1.0), vec![(0.03, 0.2), (0.01, 0.4)]);
    }

    #[test]
    fn strided_pairs() {
        let c = Array2::from_shape_fn((4, 4), |(i, j)| (10 * i + j) as f64);
        assert_eq!(pairs(&c, 1), vec![1.0, 2.0, 3.0, 12.0, 13.0, 23.0]);
        assert_eq!(pairs(&c, 2), vec![1.0, 3.0, 13.0]);
    }
}
