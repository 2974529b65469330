//! `--scenarios` paths of the methods that draw every path from its own stream, taken a block of
//! paths at a time: the file correction's moment pass (none with `--moments FILE`), the three metric passes of
//! [`fin::PathMetrics`] and the long path file, so the run holds one block of returns and, per
//! row, only its novelties and portfolio returns, whatever the number of paths. A block is drawn
//! again for every pass (the same paths: each has its own stream), unless the method's whole set
//! fits in [`HELD_BYTES`], when it is drawn once and kept. The numbers and files are those of the
//! run that holds every path, bit for bit.

use super::evaluate::{method_row, Rows};
use super::history::{Generated, History};
use super::paths::{self, PathDraw, PathSpec, CHUNK};
use super::render::{self, LongRows};
use super::risk::Weights;
use super::{FinanceJob, FinanceMethod, MethodResult, Scenarios};
use crate::output::atomic::Staging;
use anyhow::{Context as _, Result};
use ndarray::Array2;
use satool_finance as fin;
use std::io::Write;
use std::time::Instant;

/// Bytes of returns in one block of paths (at most; less under a small memory budget).
const BLOCK_BYTES: u64 = 32 << 20;

/// A method's whole set of returns is drawn once and kept between passes up to this size (at
/// most; less under a small memory budget): drawing `sa_paths` again for each of its five passes
/// took 2.6 times the CPU of drawing once (10,000 × 20 on all_stocks_5yr: 30.5 s against 11.6 s,
/// 268 MB against 973 MB of peak RSS), so a set that fits is drawn once, as before streaming.
const HELD_BYTES: u64 = 1 << 30;

/// The block and held sizes under a memory budget of `budget` bytes: at most 1/64 and 1/8 of it.
pub(super) fn sizes(budget: u64) -> (u64, u64) {
    (BLOCK_BYTES.min(budget / 64).max(1), HELD_BYTES.min(budget / 8))
}

/// Whether `method`'s paths can be drawn a block at a time (each path from its own stream, from
/// what the history fits once): the resamplers, GARCH-FHS, the exact draws and `sa_paths`.
pub(super) fn streams(method: FinanceMethod) -> bool {
    use FinanceMethod::*;
    matches!(method, Bootstrap | BlockBootstrap | GarchFhs | Exact | SaPaths)
}

/// The bytes a streamed method of `rows` path days on `d` tickers works in besides the values it
/// keeps per path day: a block with its copies, or its whole set when held, the correlation's
/// block of rows (two when the run is also compared with the whole history).
pub(super) fn working_bytes(rows: u64, d: u64, conditioned: bool, budget: u64) -> u64 {
    let correlation = fin::stream::CORRELATION_ROWS as u64 * d * 8 * (1 + u64::from(conditioned));
    let (block, held) = sizes(budget);
    let set = rows.saturating_mul(d * 8);
    let held = if set <= held { set } else { 0 };
    held.max(3 * block) + correlation
}

/// Where the long path files of streamed methods are written as their paths are drawn.
pub struct PathFiles<'a> {
    pub staging: &'a mut Staging,
    pub gzip: bool,
}

/// The blocks of `spec`'s paths: whole multiples of the generators' chunk of paths, about
/// `block_bytes` of returns each.
pub(super) fn blocks(spec: PathSpec, d: usize, block_bytes: u64) -> Vec<PathSpec> {
    let per = (block_bytes as usize / (spec.h * d * 8).max(1)).max(1);
    let per = if per >= CHUNK { per - per % CHUNK } else { per };
    (0..spec.n)
        .step_by(per)
        .map(|a| PathSpec { n: per.min(spec.n - a), h: spec.h, first: spec.first + a, total: spec.total })
        .collect()
}

/// A method's blocks of paths, drawn again on every pass or held, corrected once the maps are known.
struct Source<'a> {
    method: FinanceMethod,
    h: &'a History,
    job: &'a FinanceJob,
    blocks: Vec<PathSpec>,
    held: Option<Vec<PathDraw>>,
    maps: Option<Vec<(f64, f64)>>,
}

impl Source<'_> {
    /// Calls `f` with every block and its draw, in path order.
    fn each(&mut self, mut f: impl FnMut(&PathSpec, &PathDraw) -> Result<()>) -> Result<()> {
        for (i, b) in self.blocks.iter().enumerate() {
            satool::check_interrupt()?;
            if let Some(held) = &self.held {
                f(b, &held[i])?;
                continue;
            }
            let mut draw = paths::draw(self.method, self.h, self.job, *b)?;
            if let Some(maps) = &self.maps {
                fin::apply_correction(&mut draw.returns, maps);
            }
            f(b, &draw)?;
        }
        Ok(())
    }

    /// Draws every block once and keeps them.
    fn hold(&mut self) -> Result<()> {
        let mut all = Vec::with_capacity(self.blocks.len());
        for b in &self.blocks {
            satool::check_interrupt()?;
            all.push(paths::draw(self.method, self.h, self.job, *b)?);
        }
        self.held = Some(all);
        Ok(())
    }

    /// From now on every block is corrected by `maps`.
    fn correct(&mut self, maps: Vec<(f64, f64)>) {
        match &mut self.held {
            Some(held) => held.iter_mut().for_each(|d| fin::apply_correction(&mut d.returns, &maps)),
            None => self.maps = Some(maps),
        }
    }
}

/// What a streamed method's row and risk are drawn from, besides the run's job and history.
pub(super) struct Shared<'a, 'b> {
    pub weights: &'a Weights,
    /// The whole history, when the run is conditioned (the row's comparison with it).
    pub full: Option<&'a Array2<f64>>,
    pub tickers: &'a [String],
    pub files: Option<&'a mut PathFiles<'b>>,
}

/// The long path file of a streamed method, opened at its first block.
struct LongFile {
    w: Box<dyn Write>,
    name: String,
}

/// Per row of the set: what the row of the table and the risk need, filled in the first pass.
#[derive(Default)]
struct PerRow {
    /// How many of the first rows the novelty diagnostics measure.
    novelty_rows: usize,
    novelty: Vec<f64>,
    output_novelty: Vec<f64>,
    portfolio: Vec<f64>,
    means: Vec<f64>,
}

/// One path method's `spec` paths, streamed: its scenarios (rows not held, with their portfolio
/// returns) and its row of the table.
pub(super) fn run(
    method: FinanceMethod,
    h: &History,
    job: &FinanceJob,
    spec: PathSpec,
    cx: &mut Shared<'_, '_>,
) -> Result<(Generated, MethodResult)> {
    let t0 = Instant::now();
    let d = h.g.ncols();
    let rows = spec.n * spec.h;
    let (block_bytes, held_bytes) = sizes(crate::budget::memory_budget()?);
    let held = (rows as u64).saturating_mul(d as u64 * 8) <= held_bytes;
    let mut src = Source { method, h, job, blocks: blocks(spec, d, block_bytes), held: None, maps: None };
    if held {
        src.hold()?;
    }
    let correct = job.corrects(method);
    if correct {
        let maps = match &job.correction {
            Some(given) => given.maps(method, h.g.view())?,
            None => {
                let mut c = fin::Correction::new(rows, d);
                src.each(|_, draw| {
                    c.add(draw.returns.view());
                    Ok(())
                })?;
                c.maps(h.g.view())
            }
        };
        src.correct(maps);
    }
    let ks = fin::KsMethod::Auto;
    let mut m = fin::PathMetrics::new(h.g.view(), ks, spec.n, spec.h)?;
    let mut vs = cx.full.map(|f| fin::PathMetrics::new(f.view(), ks, spec.n, spec.h)).transpose()?;
    let mut per = PerRow { novelty_rows: paths::novelty_rows(spec), ..PerRow::default() };
    let mut file: Option<LongFile> = None;
    let days = render::day_names(&h.dates);
    for pass in 0..fin::PathMetrics::PASSES {
        src.each(|b, draw| {
            m.add(draw.returns.view())?;
            if let Some(v) = vs.as_mut() {
                v.add(draw.returns.view())?;
            }
            if pass == 0 {
                first_pass(method, h, cx, b, draw, &mut per, &mut file, &days)?;
            }
            Ok(())
        })?;
    }
    if let Some(LongFile { mut w, name }) = file {
        w.flush().with_context(|| format!("writing {name}"))?;
    }
    let scenarios = Scenarios {
        method,
        returns: Array2::zeros((0, d)),
        layout: fin::Layout::Paths(spec.h),
        source_day: None,
        regime: None,
        portfolio: Some(per.portfolio),
    };
    let g = Generated {
        scenarios,
        novelty: per.novelty,
        output_novelty: per.output_novelty,
        acceptance: None,
        on_history_scale: correct,
        seconds: 0.0,
    };
    let sd = satool_common::stats::sd(ndarray::aview1(&per.means));
    let vs = vs.map(|v| v.finish()).transpose()?;
    let row =
        method_row(&g, job, m.finish()?, vs, Rows { n: rows, portfolio_sd: sd, seconds: t0.elapsed().as_secs_f64() })?;
    Ok((g, row))
}

/// The first pass over a block: its rows' novelties and portfolio returns, and its lines of the
/// long path file.
#[allow(clippy::too_many_arguments)]
fn first_pass(
    method: FinanceMethod,
    h: &History,
    cx: &mut Shared<'_, '_>,
    b: &PathSpec,
    draw: &PathDraw,
    per: &mut PerRow,
    file: &mut Option<LongFile>,
    days: &[String],
) -> Result<()> {
    // The novelty diagnostics measure the first rows of the whole set only, as when it is held.
    let needed = per.novelty_rows.saturating_sub(per.output_novelty.len()).min(draw.returns.nrows());
    let out = paths::output_novelty(h, draw.returns.slice(ndarray::s![..needed, ..]));
    per.novelty.extend(draw.state_novelty.as_ref().map_or(&out[..], |v| &v[..needed]));
    per.output_novelty.extend(out);
    per.portfolio.extend(cx.weights.portfolio_returns(draw.returns.view(), &format!("the {method} scenarios"))?);
    per.means.extend(fin::metrics::equal_weight_returns(draw.returns.view()));
    if let Some(files) = cx.files.as_mut() {
        if file.is_none() {
            let name = render::paths_name(method.id(), files.gzip);
            let mut w = render::paths_writer(files.staging, &name, files.gzip)?;
            render::write_long_header(&mut w, draw.source.is_some(), draw.regime.is_some())
                .with_context(|| format!("writing {name}"))?;
            *file = Some(LongFile { w, name });
        }
        let LongFile { w, name } = file.as_mut().expect("opened above");
        let rows = LongRows {
            returns: draw.returns.view(),
            source_day: draw.source.as_deref(),
            regime: draw.regime.as_deref(),
        };
        render::write_long_rows(w, cx.tickers, &rows, days, b.first, b.h).with_context(|| format!("writing {name}"))?;
    }
    Ok(())
}
