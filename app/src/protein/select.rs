//! Choosing what to model: the Stockholm record (`--family`), and the subfamily a condition keeps.

use crate::input_err;
use anyhow::Result;
use rand::seq::SliceRandom;
use satool_protein as prot;
use std::path::Path;

/// The published protocol's cap on K (SPEC §2): at most this many cleaned sequences.
pub const DEFAULT_MAX_SEQUENCES: usize = 100;

/// The random stream (of `--seed`) that picks the sequences the cap keeps.
pub const MAX_SEQUENCES_STREAM: &str = "max-sequences";

/// `--max-sequences N|all`: the cap on K (`None`: no cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxSequences(pub Option<usize>);

/// Parses `--max-sequences`: a count of at least 2, or `all` (no cap).
pub fn parse_max_sequences(s: &str) -> Result<MaxSequences, String> {
    if s.eq_ignore_ascii_case("all") {
        return Ok(MaxSequences(None));
    }
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 2 => Ok(MaxSequences(Some(n))),
        Ok(n) => Err(format!("{n} is too few: at least 2 sequences are needed (or 'all')")),
        Err(_) => Err(format!("expected a number of sequences (at least 2) or 'all', got '{s}'")),
    }
}

/// The published cap (SPEC §2, L491, L516–521): when more than `max` sequences remain after
/// cleaning, keep a random `max` of them, drawn from the stream [`MAX_SEQUENCES_STREAM`] of
/// `seed`, in their original order. Returns the number of cleaned sequences when it applied.
pub fn cap_sequences(
    clean: prot::CleanAlignment,
    max: Option<usize>,
    seed: u64,
) -> (prot::CleanAlignment, Option<usize>) {
    match max {
        Some(n) if clean.k() > n => {
            let mut idx: Vec<usize> = (0..clean.k()).collect();
            idx.shuffle(&mut satool::stream(seed, MAX_SEQUENCES_STREAM));
            idx.truncate(n);
            idx.sort_unstable();
            let cleaned = clean.k();
            (clean.keep_sequences(&idx), Some(cleaned))
        }
        _ => (clean, None),
    }
}

/// Reads the record to model, record by record: the file's only record, or the first one whose
/// ID or accession is `family` (so a broken record elsewhere in the file does not stop it).
/// Without `family`, the file must read cleanly: its first unreadable record is the error.
/// With it, a file whose only record is unreadable fails with that record's error.
pub fn select_record(path: &Path, family: Option<&str>) -> Result<prot::Alignment> {
    let file = prot::StockholmFile::open(path)?;
    let mut readable = Vec::new();
    let mut unreadable = Vec::new();
    for record in file.records() {
        match record {
            Ok(a) if family.is_some_and(|want| is_named(&a, want)) => return Ok(a),
            Ok(a) => readable.push(a),
            Err(e) => unreadable.push(e),
        }
    }
    let names = readable
        .iter()
        .map(|a| format!("{} ({})", a.id.as_deref().unwrap_or("?"), a.accession.as_deref().unwrap_or("no AC")))
        .collect::<Vec<_>>()
        .join(", ");
    match family {
        // A one-record file: its own error says more than "not found".
        Some(_) if readable.is_empty() && unreadable.len() == 1 => Err(unreadable.swap_remove(0).into()),
        Some(want) => {
            // The wanted record may be one of the unreadable ones: show what went wrong with them.
            const SHOWN: usize = 3;
            let mut broken = match unreadable.len() {
                0 => String::new(),
                1 => "; 1 record could not be read: ".to_string(),
                n => format!("; {n} records could not be read: "),
            };
            broken += &unreadable.iter().take(SHOWN).map(ToString::to_string).collect::<Vec<_>>().join("; ");
            if unreadable.len() > SHOWN {
                broken += &format!("; and {} more", unreadable.len() - SHOWN);
            }
            Err(input_err!("{}: no record with ID or AC '{want}' (records: {names}){broken}", path.display()))
        }
        None if !unreadable.is_empty() => Err(unreadable.swap_remove(0).into()),
        None if readable.len() == 1 => Ok(readable.pop().expect("one record")),
        None => Err(input_err!(
            "{}: holds {} alignments; choose one with --family ID_OR_AC (records: {names})",
            path.display(),
            readable.len()
        )),
    }
}

/// `--family` matches the record's ID, its accession, or the accession without its version.
fn is_named(a: &prot::Alignment, want: &str) -> bool {
    a.id.as_deref() == Some(want)
        || a.accession.as_deref().is_some_and(|ac| ac == want || ac.split('.').next() == Some(want))
}

/// Conditional generation on a subfamily: the memory keeps only the matching sequences (the
/// paper's −∞ logit bias outside the subset); metrics are computed against the subset and,
/// under `vs_family`, against the whole family.
#[derive(Debug, Clone)]
pub enum NameCondition {
    /// Sequence names matching a regular expression.
    Regex(String),
    /// Exact sequence names (e.g. read from --condition-file).
    Names(Vec<String>),
}

impl NameCondition {
    /// The condition in words, for the header and results.json.
    pub(super) fn describe(&self) -> String {
        match self {
            NameCondition::Regex(r) => format!("sequences whose name matches /{r}/"),
            NameCondition::Names(n) => format!("{} listed sequence names", n.len()),
        }
    }

    /// Indices of the sequences the condition keeps.
    pub(super) fn select(&self, names: &[String]) -> Result<Vec<usize>> {
        Ok(match self {
            NameCondition::Regex(r) => {
                let re = regex::Regex::new(r)
                    .map_err(|e| input_err!("--condition-names: invalid regular expression: {e}"))?;
                (0..names.len()).filter(|&i| re.is_match(&names[i])).collect()
            }
            NameCondition::Names(list) => {
                // A listed name matches with or without its /start-end suffix.
                let bare = |n: &str| n.split('/').next().unwrap_or(n).to_string();
                (0..names.len())
                    .filter(|&i| list.iter().any(|l| *l == names[i] || bare(l) == bare(&names[i])))
                    .collect()
            }
        })
    }
}
