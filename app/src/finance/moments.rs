//! Shards of a `--scenarios` run whose paths are set to the history's per-ticker mean and sd:
//! `--moments-only` writes the exact moments of a shard's paths (moments.json),
//! [`gather_moments`] (`satool finance moments DIR…`) adds the shards' into the whole run's, and
//! `--moments FILE` sets a shard's paths with them ([`Given`]). The moments are exact sums
//! ([`fin::Moments`]), so the whole run's from its shards are the single run's bit for bit, and
//! so are the shards' path files and portfolio returns.

use super::history::History;
use super::paths::{self, PathSpec};
use super::results::{InputInfo, Parameters};
use super::{streamed, FinanceJob, FinanceMethod};
use crate::input_err;
use crate::output::atomic::Staging;
use anyhow::Result;
use satool_finance as fin;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The file a `--moments-only` run and `satool finance moments` write in their --out directory.
pub const FILE: &str = "moments.json";
/// The first field of a moments file, naming its format.
pub(super) const FORMAT: &str = "satool finance moments 1";

/// `--moments-only` or `--moments FILE`.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum MomentsMode {
    /// A run that corrects its paths with their own moments (or does not correct them).
    #[default]
    None,
    /// `--moments-only`: the moments of the paths' correction only.
    Only,
    /// `--moments FILE`: the correction with the whole run's moments from FILE.
    From(PathBuf),
}

/// What a moments file holds: the run it belongs to, the paths it covers and, per corrected
/// method, the exact per-ticker Σv, Σv² and count of zeros over those paths.
#[derive(Debug, Serialize, Deserialize)]
pub struct MomentsFile {
    pub format: String,
    /// The run's parameters (but the shard's range), input and tickers: the same in every shard.
    pub run: Value,
    /// The paths covered, 0-based, the end excluded.
    pub paths: [usize; 2],
    pub methods: Vec<MethodMoments>,
}

/// One method's moments in a moments file.
#[derive(Debug, Serialize, Deserialize)]
pub struct MethodMoments {
    pub id: String,
    pub rows: u64,
    /// Per ticker: Σv and Σv² as [`fin::ExactSum`] text, and the count of exact zeros.
    pub tickers: Vec<(String, String, u64)>,
}

impl MethodMoments {
    fn of(id: &str, m: &fin::Moments) -> MethodMoments {
        let tickers = m.columns.iter().map(|c| (c.sum.to_text(), c.sum_sq.to_text(), c.zeros)).collect();
        MethodMoments { id: id.to_string(), rows: m.rows, tickers }
    }

    fn moments(&self, file: &Path) -> Result<fin::Moments> {
        let bad = |e: String| input_err!("{}: method {}: {e}", file.display(), self.id);
        let columns = self
            .tickers
            .iter()
            .map(|(s, q, z)| {
                let (sum, sum_sq) = (fin::ExactSum::parse(s).map_err(bad)?, fin::ExactSum::parse(q).map_err(bad)?);
                Ok(fin::moments::ColumnMoments { sum, sum_sq, zeros: *z })
            })
            .collect::<Result<_>>()?;
        Ok(fin::Moments { rows: self.rows, columns })
    }
}

/// The run a moments file belongs to: what must be the same in every shard.
pub(super) fn run_key(parameters: &Parameters, input: &InputInfo, kept: &[String]) -> Result<Value> {
    let mut p = serde_json::to_value(parameters)?;
    if let Some(o) = p.as_object_mut() {
        o.remove("paths");
    }
    Ok(serde_json::json!({ "parameters": p, "input": input, "tickers": kept }))
}

/// The moments of the corrected methods' paths `spec` (drawn a block at a time where the method
/// allows it), with a warning for each method that could not model the history.
pub(super) fn compute(job: &FinanceJob, h: &History, spec: PathSpec) -> Result<(Vec<MethodMoments>, Vec<String>)> {
    let d = h.g.ncols();
    let methods: Vec<FinanceMethod> = job.methods.iter().copied().filter(|&m| job.corrects(m)).collect();
    let (block_bytes, _) = streamed::sizes(crate::budget::memory_budget()?);
    let drawn: Vec<Result<MethodMoments>> = methods
        .iter()
        .map(|&m| {
            let blocks = if streamed::streams(m) { streamed::blocks(spec, d, block_bytes) } else { vec![spec] };
            let mut moments = fin::Moments::new(d);
            for b in blocks {
                satool::check_interrupt()?;
                moments.add(paths::draw(m, h, job, b)?.returns.view());
            }
            Ok(MethodMoments::of(m.id(), &moments))
        })
        .collect();
    super::keep_methods_that_ran(&methods, drawn)
}

/// A moments file read whole.
fn read(path: &Path) -> Result<(PathBuf, MomentsFile)> {
    let file = if path.is_dir() { path.join(FILE) } else { path.to_path_buf() };
    let text = std::fs::read_to_string(&file).map_err(|e| input_err!("{}: {e}", file.display()))?;
    let m: MomentsFile = serde_json::from_str(&text)
        .map_err(|e| input_err!("{}: not a moments file of satool finance --moments-only ({e})", file.display()))?;
    if m.format != FORMAT {
        return Err(input_err!("{}: format '{}', expected '{FORMAT}'", file.display(), m.format));
    }
    Ok((file, m))
}

/// What differs between two run keys, in words.
fn difference(a: &Value, b: &Value) -> String {
    let (pa, pb) = (&a["parameters"], &b["parameters"]);
    if let Some(o) = pa.as_object() {
        let keys = o.keys().chain(pb.as_object().into_iter().flat_map(|p| p.keys()));
        if let Some(k) = keys.into_iter().find(|k| pa.get(k.as_str()) != pb.get(k.as_str())) {
            let show = |v: Option<&Value>| v.map_or("absent".to_string(), Value::to_string);
            return format!("its {k} is {}, not {}", show(pa.get(k.as_str())), show(pb.get(k.as_str())));
        }
    }
    for (what, key) in [("input", "input"), ("tickers", "tickers")] {
        if a[key] != b[key] {
            return format!("its {what} differ ({} against {})", a[key], b[key]);
        }
    }
    "its run differs".to_string()
}

/// `satool finance moments PART…`: the shards' moments (their --out directories or files) added
/// into the whole run's, written to `out`/moments.json; returns a line saying so.
pub fn gather_moments(parts: &[PathBuf], out: &Path, force: bool) -> Result<String> {
    let mut st = Staging::new(out, force).map_err(|e| input_err!("{e:#}"))?;
    let mut read: Vec<(PathBuf, MomentsFile)> = parts.iter().map(|p| read(p)).collect::<Result<_>>()?;
    read.sort_by_key(|(_, m)| m.paths);
    let (first_file, first) = read.first().ok_or_else(|| input_err!("moments: name at least one shard's moments"))?;
    let ids = |m: &MomentsFile| m.methods.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    for (file, m) in &read[1..] {
        if m.run != first.run {
            let why = difference(&m.run, &first.run);
            return Err(input_err!("{}: not a part of {}'s run: {why}", file.display(), first_file.display()));
        }
        if ids(m) != ids(first) {
            return Err(input_err!(
                "{}: moments of methods {:?}, {} has {:?}",
                file.display(),
                ids(m),
                first_file.display(),
                ids(first)
            ));
        }
    }
    let n = first.run["parameters"]["scenarios"].as_u64().unwrap_or(0) as usize;
    let ranges: Vec<(PathBuf, [usize; 2])> = read.iter().map(|(f, m)| (f.clone(), m.paths)).collect();
    super::gather::check_cover(&ranges, n)?;
    let mut methods = Vec::new();
    for (i, x) in first.methods.iter().enumerate() {
        let mut total = x.moments(first_file)?;
        for (file, m) in &read[1..] {
            total.merge(&m.methods[i].moments(file)?);
        }
        methods.push(MethodMoments::of(&x.id, &total));
    }
    let whole = MomentsFile { format: FORMAT.to_string(), run: first.run.clone(), paths: [0, n], methods };
    st.write(FILE, crate::output::to_json(&whole)?.as_bytes())?;
    st.commit()?;
    Ok(format!(
        "moments of {} method{} over paths 0..{n} from {} shard{} written to {}",
        whole.methods.len(),
        if whole.methods.len() == 1 { "" } else { "s" },
        read.len(),
        if read.len() == 1 { "" } else { "s" },
        out.join(FILE).display()
    ))
}

/// The moments of `--moments FILE`, checked to be the whole run's.
#[derive(Debug)]
pub struct Given {
    file: PathBuf,
    methods: Vec<(String, fin::Moments)>,
}

impl Given {
    /// Reads `path` (a moments file, or a directory holding one) and checks it is the moments of
    /// every path of `job`'s run `key` (`spec.total` paths of `spec.h` days on `d` tickers), with
    /// those of every method `job` corrects.
    pub(super) fn load(path: &Path, job: &FinanceJob, key: &Value, d: usize) -> Result<Given> {
        let spec = job.paths.ok_or_else(|| input_err!("--moments FILE needs --scenarios N --horizon H"))?;
        let (file, m) = read(path)?;
        if &m.run != key {
            return Err(input_err!("{}: the moments of another run: {}", file.display(), difference(&m.run, key)));
        }
        if m.paths != [0, spec.total] {
            return Err(input_err!(
                "{}: the moments of paths {}..{} of {}, not of the whole run: join every shard's with \
                 `satool finance moments` first",
                file.display(),
                m.paths[0],
                m.paths[1],
                spec.total
            ));
        }
        let rows = (spec.total * spec.h) as u64;
        let mut methods = Vec::new();
        for x in &m.methods {
            if x.rows != rows || x.tickers.len() != d {
                return Err(input_err!(
                    "{}: method {}: moments of {} rows of {} tickers, expected {rows} of {d}",
                    file.display(),
                    x.id,
                    x.rows,
                    x.tickers.len()
                ));
            }
            methods.push((x.id.clone(), x.moments(&file)?));
        }
        let given = Given { file, methods };
        for &method in job.methods.iter().filter(|&&m| job.corrects(m)) {
            given.of(method)?;
        }
        Ok(given)
    }

    /// `method`'s correction maps (scale, offset) per ticker.
    pub(super) fn maps(&self, method: FinanceMethod, hist: ndarray::ArrayView2<f64>) -> Result<Vec<(f64, f64)>> {
        Ok(self.of(method)?.maps(hist))
    }

    fn of(&self, method: FinanceMethod) -> Result<&fin::Moments> {
        let (_, m) = self.methods.iter().find(|(id, _)| id == method.id()).ok_or_else(|| {
            input_err!(
                "{}: no moments of method {method}, which this run sets to the history's mean and sd (was it in \
                 --methods of the --moments-only runs?)",
                self.file.display()
            )
        })?;
        Ok(m)
    }
}
