//! Portfolio risk of a finance run: `--weights`, the VaR/ES and drawdown table of every method,
//! and the per-ticker results (results.json and per_ticker.csv).

use super::{FinanceMethod, FinanceResults, Scenarios};
use crate::input_err;
use crate::output::table;
use anyhow::Result;
use satool_finance as fin;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;

/// How the portfolio aggregates tickers, as results.json and the table state it.
pub const AGGREGATION: &str = "portfolio day = Σ_j w_j (e^{g_j} − 1), the simple return of a portfolio rebalanced \
daily (weights summing to 1); H-day return = Π (1 + R_t) − 1 over H portfolio days of one path: a generated path's first H days (--scenarios), \
else an overlapping H-day window of the method's rows in their generated order (bootstrap and exact: independent \
days; sa: consecutive thinned states of each chain, so its multi-day numbers carry the chains' autocorrelation); \
VaR_c = −quantile_{1−c} (linear), ES_c = −mean of the returns ≤ that quantile; max drawdown = largest fall of the \
portfolio's value from its running peak (the start counts); all as positive losses, fractions of the value";
/// The aggregation in a few words, for the table's heading.
const AGGREGATION_SHORT: &str = "portfolio day = Σ w·(e^g − 1), rebalanced daily; H days compounded";

/// `--weights`: equal weights, or a CSV file of `ticker,weight` lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum WeightsSpec {
    #[default]
    Equal,
    File(PathBuf),
}

impl WeightsSpec {
    /// `equal`, or anything else as a file path.
    pub fn parse(s: &str) -> WeightsSpec {
        if s == "equal" {
            WeightsSpec::Equal
        } else {
            WeightsSpec::File(PathBuf::from(s))
        }
    }
}

/// Weights resolved against the kept tickers (normalised, one per kept ticker).
#[derive(Debug, Clone)]
pub(super) struct Weights {
    pub w: Vec<f64>,
    pub description: String,
}

impl Weights {
    /// The portfolio's daily log returns over the rows of `g` (`what` names them in messages). A
    /// day on which short or leveraged weights lose more than the whole portfolio has no log
    /// return: an input error naming the weights, since they are what cannot be represented.
    pub fn portfolio_returns(&self, g: ndarray::ArrayView2<f64>, what: &str) -> Result<Vec<f64>> {
        fin::risk::portfolio_returns(g, &self.w).map_err(|e| match e {
            fin::risk::RiskError::Ruin => input_err!(
                "--weights {}: on a day of {what} the portfolio loses more than 100% (weighted simple returns ≤ −100%), \
                 which log returns cannot represent; use weights with smaller short or leveraged positions",
                self.description
            ),
            e => anyhow::Error::new(e),
        })
    }
}

/// Reads `--weights` against the tickers the run kept: every listed ticker must be kept, none
/// listed twice; unlisted tickers weigh 0; the weights are normalised to sum to 1. A line naming
/// a ticker the run dropped (`dropped`, by the reader or for constant returns over the training
/// window) is refused with the reason, not renormalised away: the portfolio would not be the one
/// asked for.
pub(super) fn resolve(spec: &WeightsSpec, tickers: &[String], dropped: &[fin::DroppedTicker]) -> Result<Weights> {
    let path = match spec {
        WeightsSpec::Equal => {
            return Ok(Weights { w: vec![1.0 / tickers.len() as f64; tickers.len()], description: "equal".into() })
        }
        WeightsSpec::File(p) => p,
    };
    let file = satool_io::text::shown(path).display();
    // Parsed as it is read: the first bad line stops the read.
    let lines = satool_io::text::TextReader::open(path).map_err(|e| input_err!("--weights {e}"))?.lines();
    let index: HashMap<&str, usize> = tickers.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
    let mut raw = vec![0.0; tickers.len()];
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for item in lines {
        let (line, l) = item.map_err(|e| input_err!("--weights {e}"))?;
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        // A CSV writer may quote a field: "AAPL",0.5 names AAPL.
        let fields: Vec<&str> = l
            .split(',')
            .map(|f| f.trim())
            .map(|f| f.strip_prefix('"').and_then(|f| f.strip_suffix('"')).unwrap_or(f))
            .collect();
        let [ticker, weight] = fields[..] else {
            return Err(input_err!("--weights {file}:{line}: expected 'ticker,weight', got '{l}'"));
        };
        let Ok(weight) = weight.parse::<f64>() else {
            // A header line (`ticker,weight`), not a ticker's line with a typo in its weight.
            let names_ticker = index.contains_key(ticker) || dropped.iter().any(|d| d.ticker == ticker);
            if seen.is_empty() && line == 1 && !names_ticker {
                continue;
            }
            return Err(input_err!("--weights {file}:{line}: weight '{weight}' is not a number"));
        };
        if !weight.is_finite() {
            return Err(input_err!("--weights {file}:{line}: weight '{weight}' is not finite"));
        }
        let &j = index.get(ticker).ok_or_else(|| match dropped.iter().find(|d| d.ticker == ticker) {
            Some(d) => input_err!(
                "--weights {file}:{line}: ticker '{ticker}' was dropped ({}); remove its line or keep it in the run",
                d.reason
            ),
            None => {
                input_err!("--weights {file}:{line}: ticker '{ticker}' is not among the {} tickers kept", tickers.len())
            }
        })?;
        if let Some(first) = seen.insert(j, line) {
            return Err(input_err!("--weights {file}:{line}: ticker '{ticker}' already given on line {first}"));
        }
        raw[j] = weight;
    }
    if seen.is_empty() {
        return Err(input_err!("--weights {file}: no 'ticker,weight' lines"));
    }
    let w = fin::risk::normalise_weights(&raw).map_err(|e| input_err!("--weights {file}: {e}"))?;
    Ok(Weights { w, description: format!("{file} ({} tickers)", seen.len()) })
}

/// One method's risk at every horizon.
#[derive(Debug, Serialize)]
pub struct MethodRisk {
    pub id: FinanceMethod,
    /// `paths` (each of the N generated paths once per horizon, its first H days) or `windows`
    /// (every overlapping H-day window of the method's rows).
    pub from: &'static str,
    pub horizons: Vec<fin::risk::HorizonRisk>,
}

/// The portfolio risk of every method (the VaR/ES table).
#[derive(Debug, Serialize)]
pub struct RiskResults {
    /// `equal`, or the weights file and how many tickers it names.
    pub weights: String,
    /// One weight per kept ticker (normalised), in `tickers.kept` order.
    pub weights_used: Vec<f64>,
    pub aggregation: &'static str,
    pub levels: Vec<f64>,
    pub methods: Vec<MethodRisk>,
}

/// The `weights` portfolio's log return of each row of `s` (kept when its rows were streamed).
pub(super) fn scenario_portfolio<'a>(weights: &Weights, s: &'a Scenarios) -> Result<std::borrow::Cow<'a, [f64]>> {
    match &s.portfolio {
        Some(p) => Ok(std::borrow::Cow::Borrowed(p)),
        None => Ok(weights.portfolio_returns(s.returns.view(), &format!("the {} scenarios", s.method))?.into()),
    }
}

/// VaR/ES and drawdowns of every method's scenarios under `weights`.
/// With `--scenarios`, the horizons are those of the table up to the path length plus the
/// path length itself.
pub(super) fn evaluate(weights: &Weights, scenarios: &[Scenarios], path_horizon: Option<usize>) -> Result<RiskResults> {
    let methods = scenarios
        .iter()
        .map(|s| -> Result<MethodRisk> {
            let port = scenario_portfolio(weights, s)?;
            Ok(match s.layout {
                fin::Layout::Paths(h) => {
                    let paths = ndarray::ArrayView2::from_shape((port.len() / h, h), &port)?;
                    let horizons =
                        fin::risk::paths_risk(paths, &fin::risk::report_horizons(h, Some(h)), &fin::risk::LEVELS)?;
                    MethodRisk { id: s.method, from: "paths", horizons }
                }
                _ => {
                    let horizons = fin::risk::report_horizons(port.len(), path_horizon);
                    MethodRisk { id: s.method, from: "windows", horizons: fin::risk::series_risk(&port, &horizons)? }
                }
            })
        })
        .collect::<Result<_>>()?;
    Ok(RiskResults {
        weights: weights.description.clone(),
        weights_used: weights.w.clone(),
        aggregation: AGGREGATION,
        levels: fin::risk::LEVELS.to_vec(),
        methods,
    })
}

/// The VaR/ES table with its caption, as the terminal shows it.
pub fn risk_table(r: &RiskResults) -> String {
    format!("{}\n{}", table::wrap_lines(&risk_caption(r), table::TEXT_WIDTH), risk_grid(r))
}

/// The VaR/ES table: one row per method and horizon, in percent of the portfolio's value.
pub fn risk_grid(r: &RiskResults) -> comfy_table::Table {
    let levels: Vec<String> = fin::risk::LEVELS.iter().map(|l| format!("{}", 100.0 * l)).collect();
    let mut header: Vec<String> = vec!["id".into(), "H".into()];
    header.extend(levels.iter().map(|l| format!("VaR{l}")));
    header.extend(levels.iter().map(|l| format!("ES{l}")));
    header.extend(["MDD50".into(), "MDD99".into(), "skew".into()]);
    let pct = |v: f64| format!("{:.2}", 100.0 * v);
    let mut rows = Vec::new();
    for m in &r.methods {
        for h in &m.horizons {
            let mut row = vec![m.id.to_string(), h.horizon.to_string()];
            row.extend(h.tails.iter().map(|t| pct(t.var)));
            row.extend(h.tails.iter().map(|t| pct(t.es)));
            row.extend([pct(h.drawdown_quantiles[0]), pct(h.drawdown_quantiles[2])]);
            row.push(h.skew.map_or_else(|| "—".into(), |s| format!("{s:+.2}")));
            rows.push(row);
        }
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    table::table_from(&header, rows, 1)
}

/// What [`risk_grid`] shows: the weights, the measures, where each method's H-day returns come from.
pub fn risk_caption(r: &RiskResults) -> String {
    let from = |f: &str| r.methods.iter().filter(|m| m.from == f).map(|m| m.id.id()).collect::<Vec<_>>().join(", ");
    let mut sources = String::new();
    for (f, what) in [("paths", "each generated path's first H days"), ("windows", "every overlapping H-day window")] {
        if r.methods.iter().any(|m| m.from == f) {
            sources += &format!("\nfrom {what}: {}", from(f));
        }
    }
    format!(
        "portfolio risk (weights: {})\nVaR/ES at 95–99.5%, the median and 99% quantile of the maximum \
         drawdown (MDD) and the skew of the returns over H days, in % of value; {AGGREGATION_SHORT}{sources}",
        r.weights,
    )
}

/// One method's per-ticker results, each list in `tickers.kept` order.
#[derive(Debug, Serialize)]
pub struct PerTicker {
    pub ks_p: Vec<f64>,
    pub ks_p_corrected: Vec<f64>,
    pub sd_ratio: Vec<f64>,
    pub kurtosis: Vec<Option<f64>>,
    /// ACF of g at lag 1 and of g² at lags 1–10 (absent when a generated series is constant).
    pub acf_g_1: Vec<Option<f64>>,
    pub acf_g2_1_10: Vec<Option<Vec<f64>>>,
}

/// The per-ticker numbers of one method, from its metrics and its scenarios.
pub(super) fn per_ticker(m: &fin::FinanceMetrics) -> PerTicker {
    let d = m.tickers;
    let acf = m.acf_curves.as_ref();
    PerTicker {
        ks_p: m.ks_pvalues.clone(),
        ks_p_corrected: m.ks_pvalues_corrected.clone(),
        sd_ratio: m.sd_ratios.clone(),
        kurtosis: m.kurtoses.clone(),
        acf_g_1: (0..d).map(|j| acf.and_then(|c| c.g.get([j, 0]).copied())).collect(),
        acf_g2_1_10: (0..d).map(|j| acf.map(|c| c.g2.row(j).iter().take(10).copied().collect::<Vec<f64>>())).collect(),
    }
}

/// per_ticker.csv: one line per (method, ticker), loadable with `pandas.read_csv`.
pub fn per_ticker_csv(r: &FinanceResults) -> String {
    let mut s = String::from("method,ticker,ks_p,ks_p_corrected,sd_ratio,excess_kurtosis,acf_g_1");
    for lag in 1..=10 {
        s += &format!(",acf_g2_{lag}");
    }
    s.push('\n');
    let opt = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
    for m in &r.methods {
        let p = &m.per_ticker;
        for (j, ticker) in r.tickers.kept.iter().enumerate() {
            s += &format!("{},{ticker},{},{},{}", m.id, p.ks_p[j], p.ks_p_corrected[j], p.sd_ratio[j]);
            s += &format!(",{},{}", opt(p.kurtosis[j]), opt(p.acf_g_1[j]));
            let g2 = p.acf_g2_1_10[j].as_deref().unwrap_or(&[]);
            for lag in 0..10 {
                s += &format!(",{}", opt(g2.get(lag).copied()));
            }
            s.push('\n');
        }
    }
    s
}
