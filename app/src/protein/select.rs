//! Choosing what to model: the Stockholm record (`--family`), and the subfamily a condition keeps.

use super::index::names_match;
use crate::input_err;
use anyhow::Result;
use rand::seq::SliceRandom;
use satool_protein as prot;
use std::path::Path;

/// The published protocol's cap on K: at most this many cleaned sequences.
pub const DEFAULT_MAX_SEQUENCES: usize = 100;

/// The fewest cleaned sequences a family may have: two sequences span a single PCA direction
/// (d = 1), where the baselines that model the pattern space have nothing to fit.
pub const MIN_SEQUENCES: usize = 3;

/// The random stream (of [`MAX_SEQUENCES_SEED`]) that picks the sequences the cap keeps.
pub const MAX_SEQUENCES_STREAM: &str = "max-sequences";
/// The seed of the cap's draw: fixed, not `--seed`, so every seed of a family trains on the same
/// sequences (the published code also used a seed of its own for this draw).
pub const MAX_SEQUENCES_SEED: u64 = 0;

/// `--max-sequences N|all`: the cap on K (`None`: no cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxSequences(pub Option<usize>);

/// Parses `--max-sequences`: a count of at least 2, or `all` (no cap).
pub fn parse_max_sequences(s: &str) -> Result<MaxSequences, String> {
    if s.eq_ignore_ascii_case("all") {
        return Ok(MaxSequences(None));
    }
    match s.trim().parse::<usize>() {
        Ok(n) => check_max_sequences(n).map(|()| MaxSequences(Some(n))),
        Err(_) => Err(format!("expected a number of sequences (at least {MIN_SEQUENCES}) or 'all', got '{s}'")),
    }
}

/// A cap of `n` sequences: at least `MIN_SEQUENCES` (3).
pub fn check_max_sequences(n: usize) -> Result<(), String> {
    if n >= MIN_SEQUENCES {
        Ok(())
    } else {
        Err(format!("{n} is too few: at least {MIN_SEQUENCES} sequences are needed (or 'all')"))
    }
}

/// The published cap: when more than `max` sequences remain after
/// cleaning, keep a random `max` of them, drawn from the stream [`MAX_SEQUENCES_STREAM`] of
/// [`MAX_SEQUENCES_SEED`] (not `--seed`), in their original order. Returns the number of cleaned
/// sequences when it applied.
pub fn cap_sequences(clean: prot::CleanAlignment, max: Option<usize>) -> (prot::CleanAlignment, Option<usize>) {
    match max {
        Some(n) if clean.k() > n => {
            let mut idx: Vec<usize> = (0..clean.k()).collect();
            idx.shuffle(&mut satool::stream(MAX_SEQUENCES_SEED, MAX_SEQUENCES_STREAM));
            idx.truncate(n);
            idx.sort_unstable();
            let cleaned = clean.k();
            (clean.keep_sequences(&idx), Some(cleaned))
        }
        _ => (clean, None),
    }
}

/// Reads the record to model, record by record: the file's only record, or the one record whose
/// ID or accession (with or without its version) is `family`, or record `#N` (1-based, counting
/// every record of the file). A broken record elsewhere in the file does not stop it; a broken
/// record the name matches (by the ID or AC its lines gave) is the error, with its own message; a
/// name that matches several records is an error listing them (index, ID, AC).
/// Without `family`, the file must read cleanly: its first unreadable record is the error.
/// With it, a file whose only record is unreadable fails with that record's error.
/// When `satool protein index` indexed the file, the record is read through the index (seeking to
/// it) whenever the index names exactly one readable record; a stale index is an error.
pub fn select_record(path: &Path, family: Option<&str>) -> Result<prot::Alignment> {
    let indexed = family.filter(|_| !satool_io::text::is_stdin(path));
    if let Some(found) = indexed.map(|want| super::index::lookup(path, want)).transpose()?.flatten() {
        return Ok(found);
    }
    let file = prot::StockholmFile::open(path)?;
    select_from(file.records(), &satool_io::text::shown(path).display().to_string(), family)
}

/// [`select_record`] on records already open: a file's, or Stockholm text's
/// (`StockholmRecords::new`); `source` names the input in messages.
pub fn select_from(
    mut reader: prot::StockholmRecords<'_>,
    source: &str,
    family: Option<&str>,
) -> Result<prot::Alignment> {
    let wanted_index = family.and_then(|f| f.strip_prefix('#')).and_then(|n| n.trim().parse::<usize>().ok());
    // Only a summary of each record is kept, so a whole Pfam file is not held in memory.
    let mut readable: Vec<String> = Vec::new();
    let mut unreadable = Vec::new();
    let mut chosen: Option<prot::Alignment> = None;
    let mut matches: Vec<String> = Vec::new();
    let mut n_records = 0;
    // Broken records whose ID or AC (as far as their lines were read) is the one asked for.
    let mut broken_matches = Vec::new();
    let mut i = 0;
    while let Some(record) = reader.next() {
        n_records = i + 1;
        let names_it = |want: &str| {
            let (id, ac) = reader.last_names();
            names_match(id, ac, want)
        };
        if let (Err(e), Some(want)) = (&record, family) {
            if wanted_index.is_none() && names_it(want) {
                broken_matches.push(e.to_string());
            }
        }
        match record {
            Ok(a) => {
                let summary = describe(i, &a);
                let hit = match (wanted_index, family) {
                    (Some(n), _) => n == i + 1,
                    (None, Some(want)) => is_named(&a, want),
                    (None, None) => chosen.is_none(),
                };
                if hit {
                    matches.push(summary.clone());
                    chosen.get_or_insert(a);
                }
                readable.push(summary);
            }
            Err(e) => unreadable.push((i, e)),
        }
        i += 1;
    }
    let names = readable.join(", ");
    match family {
        Some(want) if matches.len() > 1 => Err(input_err!(
            "{}: --family '{want}' matches {} records: {}; name one by its ID, its AC with version, or #N",
            source,
            matches.len(),
            matches.join(", ")
        )),
        Some(_) if chosen.is_some() && broken_matches.is_empty() => Ok(chosen.expect("one match")),
        // The record asked for is there but unreadable: its own error (and any readable namesake).
        Some(want) if !broken_matches.is_empty() => Err(input_err!(
            "--family '{want}': {}{}",
            broken_matches.join("; "),
            if matches.is_empty() { String::new() } else { format!("; also matched: {}", matches.join(", ")) }
        )),
        // A one-record file: its own error says more than "not found".
        Some(_) if readable.is_empty() && unreadable.len() == 1 => Err(unreadable.swap_remove(0).1.into()),
        Some(want) => {
            if let Some(n) = wanted_index {
                if let Some((_, e)) = unreadable.into_iter().find(|(i, _)| i + 1 == n) {
                    return Err(anyhow::Error::from(e).context(format!("--family '{want}'")));
                }
                return Err(input_err!("{source}: --family '{want}': the file holds {n_records} records"));
            }
            // The wanted record may be one of the unreadable ones: show what went wrong with them.
            const SHOWN: usize = 3;
            let mut broken = match unreadable.len() {
                0 => String::new(),
                1 => "; 1 record could not be read: ".to_string(),
                n => format!("; {n} records could not be read: "),
            };
            broken += &unreadable.iter().take(SHOWN).map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("; ");
            if unreadable.len() > SHOWN {
                broken += &format!("; and {} more", unreadable.len() - SHOWN);
            }
            Err(input_err!("{source}: no record with ID or AC '{want}' (records: {names}){broken}"))
        }
        None if !unreadable.is_empty() => Err(unreadable.swap_remove(0).1.into()),
        None if readable.len() == 1 => Ok(chosen.expect("the only record")),
        None => Err(input_err!(
            "{}: holds {} alignments; choose one with --family ID_OR_AC or #N (records: {names})",
            source,
            readable.len()
        )),
    }
}

/// A record as messages list it: `#N ID (AC)`, N 1-based.
fn describe(i: usize, a: &prot::Alignment) -> String {
    format!("#{} {} ({})", i + 1, a.id.as_deref().unwrap_or("?"), a.accession.as_deref().unwrap_or("no AC"))
}

/// `--family` matches the record's ID, its accession, or the accession without its version.
fn is_named(a: &prot::Alignment, want: &str) -> bool {
    names_match(a.id.as_deref(), a.accession.as_deref(), want)
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
                // A listed name matches itself; one without a /start-end suffix also matches every
                // range of that sequence (and a listed range a stored name without one), but a
                // listed range never matches another range of the same sequence.
                let bare = |n: &str| n.split('/').next().unwrap_or(n).to_string();
                let matches =
                    |l: &str, n: &str| l == n || ((!l.contains('/') || !n.contains('/')) && bare(l) == bare(n));
                (0..names.len()).filter(|&i| list.iter().any(|l| matches(l, &names[i]))).collect()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(k: usize) -> prot::CleanAlignment {
        prot::CleanAlignment {
            names: (0..k).map(|i| format!("s{i}")).collect(),
            seqs: (0..k).map(|i| vec![b'A' + (i % 20) as u8; 3]).collect(),
            kept_columns: vec![0, 2, 3],
            kept_rows: (0..k).map(|i| 2 * i).collect(),
            n_input_rows: 2 * k,
            n_input_cols: 4,
        }
    }

    /// The cap keeps a seeded random N in their original order, rows and names together; it
    /// leaves K ≤ N alone.
    #[test]
    fn cap_keeps_a_seeded_random_subset_in_order() {
        let (capped, cleaned) = cap_sequences(clean(250), Some(100));
        assert_eq!((capped.k(), cleaned), (100, Some(250)));
        assert!(capped.kept_rows.windows(2).all(|w| w[0] < w[1]), "original order");
        for (name, row) in capped.names.iter().zip(&capped.kept_rows) {
            assert_eq!(*name, format!("s{}", row / 2), "names follow their rows");
        }
        assert_eq!(capped.kept_columns, vec![0, 2, 3]);
        assert_eq!(capped, cap_sequences(clean(250), Some(100)).0, "a fixed subset");
        assert_eq!(cap_sequences(clean(100), Some(100)), (clean(100), None));
        assert_eq!(cap_sequences(clean(250), None), (clean(250), None));
    }

    #[test]
    fn max_sequences_values() {
        assert_eq!(parse_max_sequences("all"), Ok(MaxSequences(None)));
        assert_eq!(parse_max_sequences("100"), Ok(MaxSequences(Some(100))));
        assert_eq!(parse_max_sequences("3"), Ok(MaxSequences(Some(3))));
        for bad in ["0", "1", "2", "x", "-3", "", "2.5"] {
            assert!(parse_max_sequences(bad).is_err(), "{bad}");
        }
    }
}
