//! `satool protein --score SEQS.fasta`: ranks given sequences by their energy under the family's
//! Boltzmann law at β_gen, with the nearest stored sequence, identity and novelty — the way
//! adabmDCA's `energies` ranks designs — and a family-fitness score (`fitness`: the pair log-odds
//! of the members), which ranks members above column-shuffled members above random sequences.

use super::per_sequence::{self, SequenceScore};
use super::{family_model, select_record, ProteinJob};
use crate::progress::Progress;
use anyhow::Result;
use satool_protein as prot;
use std::path::Path;

/// The scores of every sequence of `fasta` (aligned to the family's cleaned columns), lowest
/// energy first (ties keep the file's order), and the β they were evaluated at.
pub fn score_file(job: &ProteinJob, fasta: &Path, progress: &Progress) -> Result<(Vec<SequenceScore>, f64)> {
    let aln = select_record(&job.stockholm, job.family.as_deref())?;
    let (fam, _) = family_model(job, &aln)?;
    // Aligned to the cleaned or the seed's columns, or unaligned (aligned with hmmalign), as
    // --evaluate reads them.
    let align = |records: &[prot::FastaRecord]| super::hmmer::align_to_family(job, &aln, &fam.clean, fasta, records);
    let super::generate::Evaluated { names, seqs, unchecked } = super::generate::read_evaluate(fasta, &fam, &align)?;
    if unchecked {
        let what = satool_io::text::shown(fasta).display().to_string();
        progress.warn(&super::generate::unchecked_warning(&what, names.len()));
    }
    // Scores are matched to sequences by name (the HMMER table too): names must be unique.
    let mut seen = std::collections::HashSet::new();
    if let Some(name) = names.iter().find(|name| !seen.insert(name.as_str())) {
        return Err(crate::input_err!(
            "--score {}: the sequence name '{name}' is used twice; every sequence needs its own name",
            satool_io::text::shown(fasta).display()
        ));
    }
    let beta = fam.ops.beta_gen;
    let mut scores = per_sequence::score(&names, &seqs, &fam.enc, &fam.mem, beta, &fam.stored, &fam.stored_names);
    // Family fitness: the pair log-odds of the stored members (the energy measures closeness to
    // one of them; this rewards the residues and pairs of residues the members carry).
    let pairs = prot::fitness::PairLogOdds::fit(&fam.stored, prot::fitness::PSEUDOCOUNT);
    for (s, seq) in scores.iter_mut().zip(&seqs) {
        s.fitness = Some(pairs.score(seq));
    }
    // The bit score and E-value against the family's profile HMM, when HMMER runs (--hmmer).
    let records: Vec<(String, Vec<u8>)> = names.iter().cloned().zip(seqs.iter().cloned()).collect();
    if let Some(hits) = super::hmmer::hits_of(job, &aln, &records, progress)? {
        per_sequence::add_hmm_scores(&mut scores, &hits);
    }
    scores.sort_by(|a, b| a.energy.total_cmp(&b.energy));
    Ok((scores, beta))
}
