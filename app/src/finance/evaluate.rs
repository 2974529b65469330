//! Scoring: each method's scenarios against the history, as one table row.

use super::history::{Generated, History};
use super::{FinanceJob, MethodResult, VsHistory};
use crate::output::{finite, finite_opt};
use anyhow::Result;
use ndarray::Array2;
use satool::{estimate, Estimate};
use satool_finance as fin;
use std::time::Instant;

/// Standard deviation (n − 1) of the equal-weight portfolio's daily simple return.
pub(super) fn portfolio_sd(g: &Array2<f64>) -> f64 {
    satool_common::stats::sd(ndarray::aview1(&fin::metrics::equal_weight_returns(g.view())))
}

/// The row of one method; `full` is the whole history when the run is conditioned, so the
/// row also says how the scenarios compare with it.
pub(super) fn evaluate(
    g: &Generated,
    job: &FinanceJob,
    h: &History,
    full: Option<&Array2<f64>>,
) -> Result<MethodResult> {
    let t0 = Instant::now();
    let returns = &g.scenarios.returns;
    let layout = g.scenarios.layout;
    let m = fin::evaluate_layout(h.g.view(), returns.view(), fin::KsMethod::Auto, layout)?;
    let vs =
        full.map(|full| fin::evaluate_layout(full.view(), returns.view(), fin::KsMethod::Auto, layout)).transpose()?;
    let rows = Rows { n: returns.nrows(), portfolio_sd: portfolio_sd(returns), seconds: t0.elapsed().as_secs_f64() };
    method_row(g, job, m, vs, rows)
}

/// What a method's row needs of its rows besides their metrics.
pub(super) struct Rows {
    pub n: usize,
    /// The sd of the equal-weight portfolio (row means), as [`portfolio_sd`].
    pub portfolio_sd: f64,
    /// Seconds spent on the metrics (added to the generation's).
    pub seconds: f64,
}

/// The row of one method from its metrics against the days it draws from (`m`) and, when the
/// run is conditioned, against the whole history (`vs`).
pub(super) fn method_row(
    g: &Generated,
    job: &FinanceJob,
    mut m: fin::FinanceMetrics,
    vs: Option<fin::FinanceMetrics>,
    rows: Rows,
) -> Result<MethodResult> {
    let layout = g.scenarios.layout;
    if g.on_history_scale {
        // Correcting again would be the identity up to rounding, which moves exact zeros off
        // zero (and the KS test sees the atom move): the file is already the corrected set.
        m.ks_pvalues_corrected = m.ks_pvalues.clone();
        (m.ks_pass_corrected, m.ks_mean_p_corrected) = (m.ks_pass, m.ks_mean_p);
    }
    let id = g.scenarios.method.id();
    let f = |name: &str, v: f64| finite(&format!("{name} of {id}"), v);
    let vs_history = vs
        .map(|a| -> Result<VsHistory> {
            Ok(VsHistory {
                ks_pass_corrected: f("corrected KS pass vs history", a.ks_pass_corrected)?,
                ks_mean_p_corrected: f("corrected KS mean p vs history", a.ks_mean_p_corrected)?,
                corr_error: finite_opt(&format!("correlation error vs history of {id}"), a.corr_error)?,
                sd_ratio: f("sd ratio vs history", a.sd_ratio)?,
                var_1: f("VaR 1%", a.var_1)?,
                es_1: f("ES 1%", a.es_1)?,
            })
        })
        .transpose()?;
    let nov = estimate(&g.novelty);
    let out_nov = estimate(&g.output_novelty);
    let near = g.output_novelty.iter().filter(|&&v| v < 0.01).count() as f64 / g.output_novelty.len().max(1) as f64;
    let lag1 = m.lag1.as_ref();
    let opt = |name: &str, v: Option<f64>| finite_opt(&format!("{name} of {id}"), v);
    let paths = match layout {
        fin::Layout::Paths(h) => Some((rows.n / h.max(1), h)),
        _ => None,
    };
    Ok(MethodResult {
        id: g.scenarios.method,
        label: g.scenarios.method.label(job),
        n: rows.n,
        ks_pass: f("KS pass", m.ks_pass)?,
        ks_pass_corrected: f("corrected KS pass", m.ks_pass_corrected)?,
        ks_mean_p: f("KS mean p", m.ks_mean_p)?,
        ks_mean_p_corrected: f("corrected KS mean p", m.ks_mean_p_corrected)?,
        corr_error: finite_opt(&format!("correlation error of {id}"), m.corr_error)?,
        novelty: Estimate { mean: f("novelty", nov.mean)?, se: finite_opt(&format!("novelty SE of {id}"), nov.se)? },
        output_novelty: Estimate {
            mean: f("output novelty", out_nov.mean)?,
            se: finite_opt(&format!("output novelty SE of {id}"), out_nov.se)?,
        },
        near_copies: near,
        sd_ratio: f("sd ratio", m.sd_ratio)?,
        kurtosis: finite_opt(&format!("kurtosis of {id}"), m.kurtosis)?,
        var_1: f("VaR 1%", m.var_1)?,
        var_5: f("VaR 5%", m.var_5)?,
        es_1: f("ES 1%", m.es_1)?,
        es_5: f("ES 5%", m.es_5)?,
        portfolio_sd: f("portfolio sd", rows.portfolio_sd)?,
        acf_g2_mean_1_10: finite_opt(&format!("mean ACF(g²) lags 1-10 of {id}"), m.acf_g2_mean_1_10)?,
        acf_g_outside_band: finite_opt(&format!("ACF(g) outside band of {id}"), m.acf_g_outside_band)?,
        acf_g2_outside_band: finite_opt(&format!("ACF(g²) outside band of {id}"), m.acf_g2_outside_band)?,
        acf_g_lag1: opt("lag-1 ACF(g)", lag1.map(|l| l.mean))?,
        acf_g_lag1_inside_band: lag1.map(|l| l.inside_band),
        acf_g_lag1_band: lag1.map(|l| l.band),
        acf_g_lag1_inside_robust_band: lag1.map(|l| l.inside_robust_band),
        acf_g_lag1_between_zero_and_history: lag1.and_then(|l| l.between_zero_and_history),
        variance_ratio_10: opt("10-day variance ratio", m.variance_ratio_10)?,
        acf_g2_mean_11_50: opt("mean ACF(g²) lags 11-50", m.acf_g2_mean_11_50)?,
        paths: paths.map(|p| p.0),
        horizon: paths.map(|p| p.1),
        ks_pvalue_method: m.ks_methods.iter().map(|k| k.short_name()).collect::<Vec<_>>().join(", "),
        acceptance: g.acceptance,
        vs_history,
        seconds: g.seconds + rows.seconds,
        per_ticker: super::risk::per_ticker(&m),
    })
}
