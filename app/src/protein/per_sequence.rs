//! Per-sequence output: for every generated (or scored) sequence, its energy, nearest natural
//! sequence and identity to it, and novelty — as `<id>.tsv` (one call to `pandas.read_csv(…,
//! sep="\t")`) and as `key=value` fields in the FASTA headers, the way adabmDCA writes
//! `DCAenergy`.

use anyhow::{Context, Result};
use ndarray::ArrayView2;
use satool::{energies, novelty, Memory};
use satool_protein as prot;

/// One sequence's scores.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SequenceScore {
    pub name: String,
    /// Aligned to the cleaned columns.
    pub sequence: String,
    /// The inverse temperature the energy is evaluated at.
    pub beta: f64,
    /// E(ξ) = ½‖ξ‖² − logsumexp(β Xᵀξ)/β of the sequence itself, encoded as the memories are
    /// (one-hot, PCA, unit norm): lower = more probable under the Boltzmann law at β.
    pub energy: f64,
    /// E at β of the sampler's memory-space state that was decoded to the sequence (empty for
    /// sequences scored as given, which have no state).
    pub state_energy: Option<f64>,
    /// Name of the most identical stored sequence, and the identity to it (gaps skipped).
    pub nearest: String,
    pub identity: f64,
    /// 1 − max cosine of ξ to a stored memory.
    pub novelty: f64,
    /// hmmsearch full-sequence bit score and E-value against the family HMM, when HMMER ran and
    /// reported the sequence (E ≤ 1000); empty otherwise.
    pub bits: Option<f64>,
    pub evalue: Option<f64>,
    /// `--score` only: the family-fitness score, the pair log-odds of the stored members
    /// ([`prot::fitness::PairLogOdds`], nats; higher is fitter). Not written for generated rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fitness: Option<f64>,
}

/// Fills the HMM fields from a row's hmmsearch hits (the best domain-independent hit per name).
pub fn add_hmm_scores(scores: &mut [SequenceScore], hits: &prot::hmmer::HmmsearchHits) {
    let mut best: std::collections::HashMap<&str, &prot::hmmer::HmmHit> = std::collections::HashMap::new();
    for h in &hits.hits {
        let e = best.entry(h.target.as_str()).or_insert(h);
        if h.evalue < e.evalue {
            *e = h;
        }
    }
    for s in scores {
        if let Some(h) = best.get(s.name.as_str()) {
            (s.bits, s.evalue) = (Some(h.bitscore), Some(h.evalue));
        }
    }
}

/// Scores given sequences (no sampler state: energy and novelty of their encoding by `enc`)
/// against the stored sequences (`stored`, named `stored_names`, whose memories are `mem`) at
/// `beta`.
pub fn score(
    names: &[String],
    seqs: &[Vec<u8>],
    enc: &prot::Encoding,
    mem: &Memory,
    beta: f64,
    stored: &[Vec<u8>],
    stored_names: &[String],
) -> Vec<SequenceScore> {
    let mut s = SampleScores::default();
    s.extend(seqs, None, Scoring { mem, enc, beta, stored });
    s.records(0..seqs.len(), names, seqs, beta, stored_names)
}

/// What a set's sequences are scored against: the family's memories and encoding, at `beta`.
#[derive(Clone, Copy)]
pub struct Scoring<'a> {
    pub mem: &'a Memory,
    pub enc: &'a prot::Encoding,
    pub beta: f64,
    pub stored: &'a [Vec<u8>],
}

/// The numbers of a set's per-sequence scores, in the order of its sequences: 40 bytes a
/// sequence, so a row keeps them without its memory-space points (d × 8 bytes a sequence).
#[derive(Debug, Clone, Default)]
pub struct SampleScores {
    /// Energy at the row's β of each sequence's encoding.
    pub energy: Vec<f64>,
    /// Energy at the row's β of the state each sequence was decoded from (empty for given
    /// sequences).
    pub state_energy: Vec<f64>,
    pub novelty: Vec<f64>,
    /// Index of the nearest stored sequence and the identity to it.
    pub nearest: Vec<(usize, f64)>,
}

impl SampleScores {
    /// Appends the scores of `seqs`: the energy of their encoding, and, when they were decoded
    /// from memory-space states `latent` (d × n), the states' energy; novelty is the states' (or
    /// the encoding's, without states).
    pub fn extend(&mut self, seqs: &[Vec<u8>], latent: Option<ArrayView2<f64>>, at: Scoring) {
        if seqs.is_empty() {
            return;
        }
        let encoded = at.enc.project(seqs);
        self.energy.extend(energies(at.mem, at.beta, encoded.view()));
        match latent {
            Some(l) => {
                self.state_energy.extend(energies(at.mem, at.beta, l));
                self.novelty.extend(novelty(at.mem, l));
            }
            None => self.novelty.extend(novelty(at.mem, encoded.view())),
        }
        self.nearest.extend(prot::nearest(seqs, at.stored));
    }

    /// The records of sequences `range` (`names` and `seqs` are those of the range).
    pub fn records(
        &self,
        range: std::ops::Range<usize>,
        names: &[String],
        seqs: &[Vec<u8>],
        beta: f64,
        stored_names: &[String],
    ) -> Vec<SequenceScore> {
        let state = |i: usize| self.state_energy.get(i).copied();
        let (energy, novelty, near) =
            (&self.energy[range.clone()], &self.novelty[range.clone()], &self.nearest[range.clone()]);
        names
            .iter()
            .zip(seqs)
            .zip(range)
            .zip(energy.iter().zip(novelty).zip(near))
            .map(|(((name, s), i), ((&energy, &novelty), &(k, identity)))| SequenceScore {
                name: name.clone(),
                sequence: String::from_utf8_lossy(s).into_owned(),
                beta,
                energy,
                state_energy: state(i),
                nearest: stored_names.get(k).cloned().unwrap_or_default(),
                identity,
                novelty,
                bits: None,
                evalue: None,
                fitness: None,
            })
            .collect()
    }
}

/// The FASTA header of a scored sequence: its name, then `key=value` fields.
pub fn fasta_header(s: &SequenceScore) -> String {
    let mut h = format!("{} energy={:.6}", s.name, s.energy);
    if let Some(e) = s.state_energy {
        h += &format!(" state_energy={e:.6}");
    }
    h += &format!(" beta={} nearest={} identity={:.4} novelty={:.4}", s.beta, s.nearest, s.identity, s.novelty);
    if let (Some(bits), Some(e)) = (s.bits, s.evalue) {
        h += &format!(" bits={bits:.1} evalue={e:.2e}");
    }
    h
}

/// A row's per-sequence files, written block by block: `<stem>.aligned.fasta`, `<stem>.fasta`
/// (gaps removed), `<stem>.a2m` (the seed's columns) and `<stem>.tsv`.
pub struct RowFiles {
    aligned: prot::FastaWriter,
    plain: prot::FastaWriter,
    a2m: prot::FastaWriter,
    tsv: csv::Writer<std::io::BufWriter<std::fs::File>>,
    tsv_path: std::path::PathBuf,
}

impl RowFiles {
    pub fn create(st: &mut crate::output::atomic::Staging, stem: &str) -> Result<Self> {
        let mut fasta = |ext: &str, strip| -> Result<_> {
            Ok(prot::FastaWriter::create(&st.path(&format!("{stem}.{ext}")), strip)?)
        };
        let (aligned, plain, a2m) = (fasta("aligned.fasta", false)?, fasta("fasta", true)?, fasta("a2m", false)?);
        let tsv_path = st.path(&format!("{stem}.tsv"));
        let file =
            std::fs::File::create(&tsv_path).with_context(|| format!("{}: cannot create", tsv_path.display()))?;
        let tsv = csv::WriterBuilder::new().delimiter(b'\t').from_writer(std::io::BufWriter::new(file));
        Ok(RowFiles { aligned, plain, a2m, tsv, tsv_path })
    }

    /// Appends scored sequences (aligned to the cleaned columns); `a2m` maps one to the seed's columns.
    pub fn write(&mut self, scores: &[SequenceScore], seqs: &[Vec<u8>], a2m: impl Fn(&[u8]) -> Vec<u8>) -> Result<()> {
        for (s, q) in scores.iter().zip(seqs) {
            let header = fasta_header(s);
            self.aligned.write(&header, q)?;
            self.plain.write(&header, q)?;
            self.a2m.write(&header, &a2m(q))?;
            self.tsv.serialize(s).with_context(|| format!("{}: cannot write", self.tsv_path.display()))?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        for f in [self.aligned, self.plain, self.a2m] {
            f.finish()?;
        }
        self.tsv.flush().with_context(|| format!("{}: cannot write", self.tsv_path.display()))
    }
}

/// Writes the scores as tab-separated text with a header row to `w`.
pub fn write_tsv_to(w: impl std::io::Write, scores: &[SequenceScore]) -> Result<()> {
    let mut w = csv::WriterBuilder::new().delimiter(b'\t').from_writer(w);
    for s in scores {
        w.serialize(s)?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A three-sequence family encoded as the app encodes one.
    fn family() -> (prot::Encoding, Memory, Vec<Vec<u8>>, Vec<String>) {
        let stored = vec![b"ACDE".to_vec(), b"GHIK".to_vec(), b"ACIK".to_vec()];
        let clean = prot::CleanAlignment {
            names: vec!["s1".into(), "s2".into(), "s3".into()],
            seqs: stored.clone(),
            kept_columns: vec![0, 1, 2, 3],
            kept_rows: vec![0, 1, 2],
            n_input_rows: 3,
            n_input_cols: 4,
        };
        let enc = prot::encode(&clean, 0.95).unwrap();
        let mem = Memory::new(enc.memory.clone()).unwrap();
        (enc, mem, stored, clean.names)
    }

    #[test]
    fn scores_name_the_nearest_stored_sequence_and_write_a_tsv() {
        let (enc, mem, stored, names) = family();
        let seqs = vec![b"GHIL".to_vec(), b"AC-E".to_vec()];
        let gen_names = vec!["g1".to_string(), "g2".to_string()];
        let s = score(&gen_names, &seqs, &enc, &mem, 2.0, &stored, &names);
        assert_eq!((s[0].nearest.as_str(), s[0].identity), ("s2", 0.75));
        assert_eq!((s[1].nearest.as_str(), s[1].identity), ("s1", 1.0));
        // Given sequences: energy and novelty of their encoding, no state.
        let encoded = enc.project(&seqs);
        let e = energies(&mem, 2.0, encoded.view());
        assert_eq!((s[0].energy, s[1].energy), (e[0], e[1]));
        assert_eq!(s[0].state_energy, None);
        assert!(fasta_header(&s[1]).starts_with("g2 energy=") && !fasta_header(&s[1]).contains("state_energy"));
        let mut bytes = Vec::new();
        write_tsv_to(&mut bytes, &s).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("name\tsequence\tbeta\tenergy\tstate_energy\tnearest\tidentity\tnovelty\tbits\tevalue")
        );
        assert!(lines.next().unwrap().starts_with("g1\tGHIL\t2.0\t"));
        let mut scored = s.clone();
        let hits = prot::hmmer::HmmsearchHits {
            hits: vec![
                prot::hmmer::HmmHit { target: "g2".into(), evalue: 1e-5, bitscore: 30.0 },
                prot::hmmer::HmmHit { target: "g2".into(), evalue: 1e-9, bitscore: 42.0 },
            ],
        };
        add_hmm_scores(&mut scored, &hits);
        assert_eq!((scored[0].bits, scored[1].bits, scored[1].evalue), (None, Some(42.0), Some(1e-9)));
        assert!(fasta_header(&scored[1]).ends_with(" bits=42.0 evalue=1.00e-9"));
    }

    /// Decoded samples: `energy` is the emitted sequence's (its encoding's), `state_energy` the
    /// state's, which the decode does not preserve.
    #[test]
    fn decoded_samples_carry_both_energies() {
        let (enc, mem, stored, names) = family();
        let latent = ndarray::Array2::from_shape_fn((mem.d(), 2), |(i, j)| 0.3 + 0.1 * (i + j) as f64);
        let seqs = vec![b"GHIL".to_vec(), b"ACDE".to_vec()];
        let mut s = SampleScores::default();
        s.extend(&seqs, Some(latent.view()), Scoring { mem: &mem, enc: &enc, beta: 3.0, stored: &stored });
        let r = s.records(0..2, &["a".into(), "b".into()], &seqs, 3.0, &names);
        let of_state = energies(&mem, 3.0, latent.view());
        let of_seq = energies(&mem, 3.0, enc.project(&seqs).view());
        assert_eq!((r[0].energy, r[1].energy), (of_seq[0], of_seq[1]));
        assert_eq!((r[0].state_energy, r[1].state_energy), (Some(of_state[0]), Some(of_state[1])));
        assert_ne!(r[0].energy, of_state[0]);
        // A stored sequence's encoding is its memory: E ≈ −½ at a high β.
        assert!((r[1].energy - energies(&mem, 3.0, mem.x().column(0).insert_axis(ndarray::Axis(1)))[0]).abs() < 1e-12);
        assert!(fasta_header(&r[0]).contains(" state_energy="));
    }
}
