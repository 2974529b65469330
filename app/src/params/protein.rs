//! [`ProteinParams`]: the options of `satool protein` that shape the job, typed and checked.

use super::{checked, checked_opt, conflict, in_range, invalid, RunParams};
use crate::protein::{self, HmmerMode, ProteinJob, ProteinMethod};
use anyhow::Result;
use satool_protein::DecodeMethod;
use std::path::{Path, PathBuf};

/// The decode of `satool protein` without `--decode`: chosen per family by an internal split of
/// its members (`--decode norm` is the fixed decode that was the default before).
pub const DEFAULT_DECODE: &str = "calibrated";

/// A protein run's parameters, one field per option of `satool protein` (the output options
/// aside: `--out`, `--report`, `--force`, `--json`, `--score`, `--all-families` say what the
/// command line does with the job, not what the job is).
#[derive(Debug, Clone, PartialEq)]
pub struct ProteinParams {
    pub stockholm: PathBuf,
    pub family: Option<String>,
    pub hmm: Option<PathBuf>,
    pub hmmer: HmmerMode,
    pub hmmer_timeout: Option<f64>,
    pub evaluate: Vec<PathBuf>,
    pub condition_names: Option<String>,
    pub condition_file: Option<PathBuf>,
    /// `None`: every cleaned sequence (`--max-sequences all`).
    pub max_sequences: Option<usize>,
    pub extended: bool,
    pub samples: usize,
    pub beta_gen: Option<f64>,
    pub beta_ret: Option<f64>,
    pub max_identity: Option<f64>,
    pub decode: DecodeMethod,
    pub reweight: Option<f64>,
    pub holdout: Option<f64>,
    pub holdout_folds: usize,
    /// Seed, α, precision and methods.
    pub run: RunParams,
}

impl ProteinParams {
    /// The parameters of `satool protein --stockholm PATH` with every other option at its default.
    pub fn new(stockholm: impl Into<PathBuf>) -> ProteinParams {
        ProteinParams {
            stockholm: stockholm.into(),
            family: None,
            hmm: None,
            hmmer: HmmerMode::Auto,
            hmmer_timeout: None,
            evaluate: Vec::new(),
            condition_names: None,
            condition_file: None,
            max_sequences: Some(protein::DEFAULT_MAX_SEQUENCES),
            extended: false,
            samples: protein::N_SAMPLES,
            beta_gen: None,
            beta_ret: None,
            max_identity: None,
            decode: DEFAULT_DECODE.parse().expect("the default decode parses"),
            reweight: None,
            holdout: None,
            holdout_folds: 1,
            run: RunParams::default(),
        }
    }

    /// Every rule on the parameters, before anything is read: the first one broken is an input
    /// error with the command line's message.
    pub fn check(&self) -> Result<()> {
        let p = self;
        checked_opt("--hmmer-timeout <SECONDS>", p.hmmer_timeout, super::positive_seconds)?;
        checked_opt("--max-sequences <N|all>", p.max_sequences, |n, _| protein::check_max_sequences(n))?;
        checked("--samples <N>", p.samples as u64, |n, _| in_range(n, &super::SAMPLES_RANGE))?;
        checked_opt("--beta-gen <BETA>", p.beta_gen, super::beta)?;
        checked_opt("--beta-ret <BETA>", p.beta_ret, super::beta)?;
        checked_opt("--max-identity <X>", p.max_identity, super::unit_fraction)?;
        checked_opt("--reweight <X>", p.reweight, super::reweight_threshold)?;
        checked_opt("--holdout <F>", p.holdout, super::open_fraction)?;
        checked("--holdout-folds <K>", p.holdout_folds as u64, |n, _| in_range(n, &super::HOLDOUT_FOLDS_RANGE))?;
        if p.condition_names.is_some() && p.condition_file.is_some() {
            return Err(conflict("--condition-names <REGEX>", "--condition-file <IDS.txt>"));
        }
        if p.holdout.is_some() {
            if p.condition_names.is_some() {
                return Err(conflict("--holdout <F>", "--condition-names <REGEX>"));
            }
            if p.condition_file.is_some() {
                return Err(conflict("--holdout <F>", "--condition-file <IDS.txt>"));
            }
        } else if p.holdout_folds != 1 {
            return Err(super::missing(&["--holdout <F>"]));
        }
        p.run.check_alpha()?;
        if let Some(re) = &p.condition_names {
            check_regex("--condition-names", re)?;
        }
        protein_methods(p.run.methods.as_deref())?;
        Ok(())
    }

    /// The job these parameters ask for, checked, with nothing written (no `--out`, no
    /// `--report`): reads the `--condition-file` names.
    pub fn job(&self) -> Result<ProteinJob> {
        self.check()?;
        let p = self;
        // A --hmm file hmmsearch cannot use would fail (or, with --hmmer auto, only warn) after
        // the whole run: checked first.
        if let (Some(hmm), false) = (&p.hmm, p.hmmer == HmmerMode::Off) {
            if !satool_io::text::is_stdin(hmm) {
                // The error kept as the cause (Python maps an unreadable file to OSError by it);
                // the message is the context's alone, which ends with the cause's text.
                satool_protein::hmmer::check_profile_file(hmm).map_err(|e| {
                    let shown = format!("--hmm {e}");
                    anyhow::Error::new(e).context(shown)
                })?;
            }
        }
        Ok(ProteinJob {
            stockholm: p.stockholm.clone(),
            family: p.family.clone(),
            hmm: p.hmm.clone(),
            hmmer: p.hmmer,
            hmmer_timeout: p.hmmer_timeout,
            out: None,
            force: false,
            sampling: protein::Sampling {
                seed: p.run.seed,
                alpha: p.run.alpha,
                precision: p.run.precision,
                samples: p.samples,
                decode: p.decode,
                max_identity: p.max_identity,
            },
            extended: p.extended,
            max_sequences: p.max_sequences,
            beta_gen: p.beta_gen,
            beta_ret: p.beta_ret,
            condition: match (&p.condition_names, &p.condition_file) {
                (Some(re), _) => Some(protein::NameCondition::Regex(re.clone())),
                (None, Some(path)) => Some(protein::NameCondition::Names(read_names(path)?)),
                (None, None) => None,
            },
            evaluate: p.evaluate.clone(),
            methods: protein_methods(p.run.methods.as_deref())?,
            report: None,
            reweight: p.reweight,
            holdout: p.holdout.map(|fraction| protein::holdout::Holdout { fraction, folds: p.holdout_folds }),
        })
    }
}

/// `--decode` given as text (the Python package's `decode`), refused as the command line does.
pub fn parse_decode(s: &str) -> Result<DecodeMethod> {
    s.parse().map_err(|why: String| invalid("--decode <DECODE>", s, &why))
}

/// `--methods` of `satool protein`: every method of this build in table order when not given; an
/// unknown, repeated or not built id is a usage error naming the valid ids.
fn protein_methods(given: Option<&[String]>) -> Result<Vec<ProteinMethod>> {
    let Some(given) = given else { return Ok(ProteinMethod::defaults()) };
    let mut methods = Vec::with_capacity(given.len());
    for id in given {
        let m: ProteinMethod = id.parse().map_err(|e| crate::input_err!("--methods: {e}"))?;
        if !m.is_built() {
            return Err(crate::input_err!("--methods: {}", crate::baselines::VAE_NOT_BUILT));
        }
        if methods.contains(&m) {
            return Err(crate::input_err!("--methods: '{m}' given twice"));
        }
        methods.push(m);
    }
    Ok(methods)
}

/// Sequence names for --condition-file: one per line, blank lines and `#` comments skipped.
fn read_names(path: &Path) -> Result<Vec<String>> {
    // The shared reader: gzip, BOM and the input size limits like every other input file.
    let read_err = |e| crate::input_err!("--condition-file {e}");
    let mut names: Vec<String> = Vec::new();
    for item in satool_io::text::TextReader::open(path).map_err(read_err)?.lines() {
        let (_, line) = item.map_err(read_err)?;
        let l = line.trim();
        if !l.is_empty() && !l.starts_with('#') {
            names.push(l.split_whitespace().next().unwrap_or(l).to_string());
        }
    }
    if names.is_empty() {
        return Err(crate::input_err!(
            "--condition-file {}: no sequence names in the file",
            satool_io::text::shown(path).display()
        ));
    }
    Ok(names)
}

/// A regular expression checked before any work, its error on one line naming the option (the
/// regex crate's own message spans four lines: pattern, caret, cause).
fn check_regex(option: &str, re: &str) -> Result<()> {
    match regex::Regex::new(re) {
        Ok(_) => Ok(()),
        Err(e) => {
            let text = e.to_string();
            let cause = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(&text).trim();
            let cause = cause.strip_prefix("error: ").unwrap_or(cause);
            Err(crate::input_err!("{option} '{re}': invalid regular expression: {cause}"))
        }
    }
}
