//! `satool finance gather DIR…`: the shards of one `--scenarios` run (each `--paths A..B`
//! with `--out DIR`) joined into the whole run's VaR/ES/drawdown table, computed from the union
//! of the shards' per-path portfolio returns (the same numbers as the single run), and, with
//! `--out`, its `<id>.paths.csv` files (the shards' bodies in path order under one header).

use super::risk::{MethodRisk, RiskResults, AGGREGATION};
use super::{render, FinanceMethod};
use crate::input_err;
use crate::output::atomic::Staging;
use anyhow::{Context, Result};
use flate2::read::MultiGzDecoder;
use ndarray::Array2;
use satool_finance as fin;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// One shard directory and what its results.json says.
struct Shard {
    dir: PathBuf,
    range: [usize; 2],
    results: Value,
}

impl Shard {
    fn read(dir: &Path) -> Result<Shard> {
        let file = dir.join("results.json");
        let text = std::fs::read_to_string(&file).map_err(|e| input_err!("{}: {e}", file.display()))?;
        let results: Value =
            serde_json::from_str(&text).map_err(|e| input_err!("{}: not a results.json ({e})", file.display()))?;
        let range = results["parameters"]["paths"]
            .as_array()
            .and_then(|p| Some([p.first()?.as_u64()? as usize, p.get(1)?.as_u64()? as usize]))
            .ok_or_else(|| {
                input_err!(
                    "{}: not a shard of a finance path run (made with --scenarios N --paths A..B)",
                    dir.display()
                )
            })?;
        Ok(Shard { dir: dir.to_path_buf(), range, results })
    }

    /// What must be the same in every shard of one run: the parameters but the range, the
    /// input, the tickers, the weights and the methods.
    fn run_key(&self) -> Value {
        let mut p = self.results["parameters"].clone();
        if let Some(o) = p.as_object_mut() {
            o.remove("paths");
        }
        let r = &self.results;
        let methods: Vec<&Value> =
            r["risk"]["methods"].as_array().map(|m| m.iter().map(|m| &m["id"]).collect()).unwrap_or_default();
        serde_json::json!([p, r["input"], r["tickers"]["kept"], r["risk"]["weights_used"], methods])
    }
}

/// The shards in path order, checked to be parts of one run that cover its paths exactly once.
fn shards(dirs: &[PathBuf]) -> Result<(Vec<Shard>, usize, usize)> {
    let mut shards: Vec<Shard> = dirs.iter().map(|d| Shard::read(d)).collect::<Result<_>>()?;
    shards.sort_by_key(|s| s.range);
    let first = shards.first().ok_or_else(|| input_err!("gather: name at least one shard directory"))?;
    let key = first.run_key();
    for s in &shards[1..] {
        if s.run_key() != key {
            return Err(input_err!(
                "{} and {}: shards of different runs (their parameters, input, tickers, weights or methods differ)",
                first.dir.display(),
                s.dir.display()
            ));
        }
    }
    let n = first.results["parameters"]["scenarios"].as_u64().unwrap_or(0) as usize;
    let h = first.results["parameters"]["horizon"].as_u64().unwrap_or(0) as usize;
    let ranges: Vec<(PathBuf, [usize; 2])> = shards.iter().map(|s| (s.dir.clone(), s.range)).collect();
    check_cover(&ranges, n)?;
    Ok((shards, n, h))
}

/// Checks that the shards' path ranges (in order, each with its directory or file) cover the
/// paths 0..n of the run exactly once.
pub(super) fn check_cover(ranges: &[(PathBuf, [usize; 2])], n: usize) -> Result<()> {
    let mut next = 0;
    for (dir, range) in ranges {
        if range[0] != next {
            let what = if range[0] > next { "missing" } else { "generated twice" };
            return Err(input_err!(
                "{}: paths {}..{} follow path {next}: paths {}..{} {what}",
                dir.display(),
                range[0],
                range[1],
                next.min(range[0]),
                next.max(range[0])
            ));
        }
        next = range[1];
    }
    if next != n {
        return Err(input_err!("the shards cover paths 0..{next} of {n}: paths {next}..{n} missing"));
    }
    Ok(())
}

/// One method's portfolio paths (n × h), read from the shards' `<id>.portfolio.csv` in order.
fn portfolio_paths(shards: &[Shard], id: &str, n: usize, h: usize) -> Result<Array2<f64>> {
    let mut values = Vec::with_capacity(n * h);
    for s in shards {
        let file = s.dir.join(format!("{id}.portfolio.csv"));
        let reader = BufReader::new(std::fs::File::open(&file).map_err(|e| input_err!("{}: {e}", file.display()))?);
        let mut rows = 0;
        for (i, line) in reader.lines().enumerate().skip(1) {
            let line = line?;
            let fields: Vec<&str> = line.split(',').skip(1).collect();
            if fields.len() != h {
                return Err(input_err!("{}:{}: expected a path number and {h} values", file.display(), i + 1));
            }
            for f in fields {
                // A day's simple return: the run refuses a loss of 100% or more.
                match f.parse::<f64>() {
                    Ok(v) if v.is_finite() && v > -1.0 => values.push(v),
                    _ => {
                        return Err(input_err!(
                            "{}:{}: '{f}' is not a portfolio return (a finite number above -1)",
                            file.display(),
                            i + 1
                        ))
                    }
                }
            }
            rows += 1;
        }
        if rows != s.range[1] - s.range[0] {
            return Err(input_err!("{}: {rows} paths, expected {}", file.display(), s.range[1] - s.range[0]));
        }
    }
    Ok(Array2::from_shape_vec((n, h), values)?)
}

/// The whole run's risk from its shards: the path methods' from the union of their portfolio
/// paths, the others' (the history's windows) as every shard has them.
fn risk(shards: &[Shard], n: usize, h: usize) -> Result<RiskResults> {
    let r = &shards[0].results["risk"];
    let methods = r["methods"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|m| -> Result<MethodRisk> {
            let id_text = m["id"].as_str().unwrap_or_default();
            let id: FinanceMethod = id_text.parse().map_err(|e| input_err!("results.json: {e}"))?;
            Ok(if m["from"] == "paths" {
                let paths = portfolio_paths(shards, id_text, n, h)?;
                let horizons =
                    fin::risk::paths_risk(paths.view(), &fin::risk::report_horizons(h, Some(h)), &fin::risk::LEVELS)?;
                MethodRisk { id, from: "paths", horizons }
            } else {
                MethodRisk { id, from: "windows", horizons: serde_json::from_value(m["horizons"].clone())? }
            })
        })
        .collect::<Result<_>>()?;
    Ok(RiskResults {
        weights: r["weights"].as_str().unwrap_or_default().to_string(),
        weights_used: serde_json::from_value(r["weights_used"].clone())?,
        aggregation: AGGREGATION,
        levels: fin::risk::LEVELS.to_vec(),
        methods,
    })
}

/// A shard's path file of method `id`, plain or gzip (whichever the shard wrote), decompressed.
fn shard_paths(dir: &Path, id: &str) -> Result<Box<dyn BufRead>> {
    let (plain, gz) = (dir.join(render::paths_name(id, false)), dir.join(render::paths_name(id, true)));
    let open = |f: &Path| std::fs::File::open(f).map_err(|e| input_err!("{}: {e}", f.display()));
    Ok(if !plain.exists() && gz.exists() {
        Box::new(BufReader::new(MultiGzDecoder::new(BufReader::new(open(&gz)?))))
    } else {
        Box::new(BufReader::new(open(&plain)?))
    })
}

/// Writes `<id>.paths.csv` (`.gz` with `gzip`): the first shard's header, then every shard's
/// rows in path order; each shard's file may be plain or gzip. Every shard must have the first
/// one's header and exactly its own rows (a truncated or edited file is refused, naming its line).
fn join_paths(st: &mut Staging, shards: &[Shard], id: &str, h: usize, gzip: bool) -> Result<()> {
    let name = render::paths_name(id, gzip);
    let mut w = render::paths_writer(st, &name, gzip)?;
    let tickers: Vec<&str> = shards[0].results["tickers"]["kept"]
        .as_array()
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut first_header = Vec::new();
    for (i, s) in shards.iter().enumerate() {
        let label = s.dir.join(render::paths_name(id, false));
        let mut reader = shard_paths(&s.dir, id)?;
        let mut header = Vec::new();
        reader.read_until(b'\n', &mut header).with_context(|| format!("{}: reading", label.display()))?;
        if i == 0 {
            w.write_all(&header)?;
            first_header = header;
        } else if header != first_header {
            return Err(input_err!(
                "{}:1: header '{}' differs from {}'s",
                label.display(),
                String::from_utf8_lossy(&header).trim_end(),
                shards[0].dir.display()
            ));
        }
        let extra = first_header.iter().filter(|&&b| b == b',').count().saturating_sub(3);
        let rows = ShardRows { label: &label, range: s.range, h, tickers: &tickers, extra };
        rows.copy(&mut reader, &mut w)?;
    }
    w.flush()?;
    Ok(())
}

/// What one shard's path file must hold after its header: for each of its paths, day and
/// ticker in the order the run writes them, one row with a finite log return and the header's
/// other columns.
struct ShardRows<'a> {
    label: &'a Path,
    range: [usize; 2],
    h: usize,
    tickers: &'a [&'a str],
    /// Columns after `log_return` (`source_day`, `regime`).
    extra: usize,
}

impl ShardRows<'_> {
    /// Copies the rows to `w`, byte for byte, checking each one.
    fn copy(&self, reader: &mut dyn BufRead, w: &mut dyn Write) -> Result<()> {
        let (mut line, mut prefix) = (Vec::new(), String::new());
        let mut number = 1; // the header's
        for p in self.range[0] + 1..=self.range[1] {
            for day in 1..=self.h {
                for ticker in self.tickers {
                    line.clear();
                    number += 1;
                    reader
                        .read_until(b'\n', &mut line)
                        .with_context(|| format!("{}:{number}: reading", self.label.display()))?;
                    prefix.clear();
                    use std::fmt::Write as _;
                    let _ = write!(prefix, "{p},{day},{ticker},");
                    self.check(&line, &prefix, number)?;
                    w.write_all(&line)?;
                }
            }
        }
        line.clear();
        reader.read_until(b'\n', &mut line).with_context(|| format!("{}: reading", self.label.display()))?;
        if !line.is_empty() {
            return Err(input_err!(
                "{}:{}: a row after the shard's last path ({})",
                self.label.display(),
                number + 1,
                self.range[1]
            ));
        }
        Ok(())
    }

    /// One row: complete (ends in a newline), the expected path, day and ticker, a finite log
    /// return and as many columns as the header.
    fn check(&self, line: &[u8], prefix: &str, number: usize) -> Result<()> {
        let file = self.label.display();
        if line.is_empty() {
            return Err(input_err!("{file}:{number}: the file ends here, expected the row '{prefix}…' (truncated?)"));
        }
        let text = std::str::from_utf8(line).map_err(|_| input_err!("{file}:{number}: not UTF-8 text"))?;
        let Some(body) = text.strip_suffix('\n') else {
            return Err(input_err!("{file}:{number}: the last row is cut short (no line end; truncated?)"));
        };
        let Some(rest) = body.strip_prefix(prefix) else {
            let shown: String = body.chars().take(60).collect();
            return Err(input_err!("{file}:{number}: '{shown}' where the row '{prefix}…' belongs"));
        };
        let mut fields = rest.split(',');
        let value = fields.next().unwrap_or_default();
        if !value.parse::<f64>().is_ok_and(f64::is_finite) {
            return Err(input_err!("{file}:{number}: '{value}' is not a log return (a finite number)"));
        }
        if fields.count() != self.extra {
            return Err(input_err!(
                "{file}:{number}: {} columns, the header has {}",
                rest.split(',').count() + 3,
                self.extra + 4
            ));
        }
        Ok(())
    }
}

/// Gathers the shards in `dirs`: the whole run's risk, and with `out` its risk.json and path files.
/// `gzip` writes the path files gzip-compressed (the single run's `--gzip` files, byte for byte).
pub fn gather(dirs: &[PathBuf], out: Option<&Path>, force: bool, gzip: bool) -> Result<RiskResults> {
    let (shards, n, h) = shards(dirs)?;
    let risk = risk(&shards, n, h)?;
    if let Some(out) = out {
        let mut st = Staging::new(out, force).map_err(|e| input_err!("{e:#}"))?;
        st.write("risk.json", crate::output::to_json(&risk)?.as_bytes())?;
        for m in risk.methods.iter().filter(|m| m.from == "paths") {
            join_paths(&mut st, &shards, m.id.id(), h, gzip)?;
        }
        st.commit()?;
    }
    Ok(risk)
}
