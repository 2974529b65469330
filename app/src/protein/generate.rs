//! Generation: each method's samples (`--samples`, 150 published) from its own random stream, decoded to sequences; and
//! the extra rows that are not generated here (the conditioned subset, `--evaluate` files).

use super::methods::{ProteinMethod, Recipe};
use super::per_sequence::SampleScores;
#[cfg(feature = "vae")]
use crate::baselines::vae;
use crate::baselines::{gmm, simple};
use anyhow::Result;
use ndarray::{Array2, ArrayView2};
use satool::{
    exact_samples, memory_metrics, run_chains, stream, Memory, MemoryMetrics, MemoryMetricsStream, OperatingPoints,
    Params, Protocol, PUBLISHED_FIVE,
};
use satool_protein as prot;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

/// Everything the methods need about the family.
pub struct FamilyModel {
    pub clean: prot::CleanAlignment,
    pub enc: prot::Encoding,
    /// The memories sampled from: the family's, or the conditioned subset's.
    pub mem: Memory,
    pub ops: OperatingPoints,
    /// Seed, α, precision, samples per method, decode and `--max-identity`: the job's.
    pub sampling: super::Sampling,
    /// `--decode calibrated`: the choice (`sampling.decode` is the chosen decode).
    pub calibration: Option<super::calibrate::Calibration>,
    /// The sequences generated sets are scored against: the family, or the conditioned subset.
    pub stored: Vec<Vec<u8>>,
    /// The names of `stored`.
    pub stored_names: Vec<String>,
    /// The whole family when `stored` is a conditioned subset.
    pub whole: Option<Vec<Vec<u8>>>,
    /// The whole family's nearest-neighbour identity bands (each member's best match to another).
    pub nn_band: Option<prot::extended::NnBands>,
    /// Pair statistics of `stored` (single-site counts and, with MI, its all-pairs MI triangles),
    /// computed once; each row streams its own against them.
    pub couplings: prot::extended::Couplings,
    /// What C_ij r new members of the family would reach against `stored` (None for fewer than
    /// 4 stored sequences): each row's honest level beside its C_ij r.
    pub natural_cij: Option<prot::extended::NaturalCij>,
}

impl FamilyModel {
    /// What sequences are scored against at `beta`: the memories, the encoding, the stored set.
    pub fn scoring(&self, beta: f64) -> super::per_sequence::Scoring<'_> {
        super::per_sequence::Scoring { mem: &self.mem, enc: &self.enc, beta, stored: &self.stored }
    }
}

/// One row's output before evaluation: its sequences and what their memory-space points gave
/// (per-sequence scores and the memory metrics); the points themselves are not kept (d × 8
/// bytes a sample: 472 MB for 10⁶ samples on PF00076).
pub struct Generated {
    pub id: String,
    pub label: String,
    /// Aligned sequences (length L).
    pub seqs: Vec<Vec<u8>>,
    /// The sequences' own names (`--evaluate` files whose names are distinct); None: `<id>_<n>`.
    pub names: Option<Vec<String>>,
    /// An `--evaluate` file read as aligned on its length alone, unchecked (no hmmalign).
    pub read_unchecked: bool,
    /// Per sequence: energy at [`row_beta`], novelty, nearest stored sequence.
    pub scores: SampleScores,
    /// Novelty, diversity and energy at β_ret of the memory-space points.
    pub memory: MemoryMetrics,
    /// Samples `--max-identity` dropped.
    pub removed: usize,
    pub acceptance: Option<f64>,
    /// Chain methods: R̂ and bulk ESS of the energy over the 30 chains' kept states.
    pub convergence: Option<satool::Convergence>,
    pub seconds: f64,
}

impl Generated {
    /// A row of `seqs` whose memory-space points are `latent` (d × n), scored at once. With
    /// `max_identity`, the sequences more than that identical to a stored one are dropped first.
    fn scored(
        f: &FamilyModel,
        id: String,
        label: String,
        latent: Array2<f64>,
        mut seqs: Vec<Vec<u8>>,
        max_identity: Option<f64>,
    ) -> Generated {
        let mut removed = 0;
        let latent = match max_identity {
            None => latent,
            Some(max) => {
                let near = prot::nearest(&seqs, &f.stored);
                let mut kept: Vec<usize> = (0..seqs.len()).filter(|&i| near[i].1 <= max).collect();
                removed = seqs.len() - kept.len();
                kept.truncate(f.sampling.samples);
                if kept.len() == seqs.len() {
                    latent
                } else {
                    seqs = kept.iter().map(|&i| std::mem::take(&mut seqs[i])).collect();
                    latent.select(ndarray::Axis(1), &kept)
                }
            }
        };
        // Scored after the filter: a sample's novelty can round differently at another place in
        // its block of 1024.
        let mut scores = SampleScores::default();
        scores.extend(&seqs, Some(latent.view()), f.scoring(row_beta(&id, &f.ops)));
        let memory = memory_metrics(&f.mem, latent.view(), f.ops.beta_ret);
        Generated {
            id,
            label,
            seqs,
            names: None,
            read_unchecked: false,
            scores,
            memory,
            removed,
            acceptance: None,
            convergence: None,
            seconds: 0.0,
        }
    }

    /// The row's sequences as FASTA records, named by [`Generated::name`].
    pub fn fasta_records(&self) -> Vec<(String, Vec<u8>)> {
        self.seqs.iter().enumerate().map(|(i, s)| (self.name(i), s.clone())).collect()
    }

    /// The name of sequence `i`: its own for an `--evaluate` file whose names are distinct,
    /// otherwise `<id>_<i + 1>` (`:` and `/` of file rows made `_`).
    pub fn name(&self, i: usize) -> String {
        sequence_name(&self.id, self.names.as_deref(), i)
    }

    /// The stem of the row's files in `--out`.
    pub fn file_stem(&self) -> String {
        file_stem_of(&self.id)
    }
}

/// The name of a row's sequence `i`: its own (`names`), or `<file stem of id>_<i + 1>`.
pub fn sequence_name(id: &str, names: Option<&[String]>, i: usize) -> String {
    match names {
        Some(n) => n[i].clone(),
        None => format!("{}_{}", file_stem_of(id), i + 1),
    }
}

/// Samples an i.i.d. row draws, decodes and scores at a time, then drops (their memory-space
/// points: 7.7 MB at d = 59): a multiple of the decode and metric blocks (1024), so the chunks
/// change no number.
pub const STREAM_CHUNK: usize = 16 * prot::encode::PROJECT_BLOCK;

/// Whether `method`'s row is drawn and scored in chunks of [`STREAM_CHUNK`] samples (else whole:
/// every sample's memory-space point is held at once).
pub fn streamed(method: ProteinMethod, max_identity: Option<f64>) -> bool {
    // The i.i.d. rows whose draws take the stream sample after sample stream in chunks; a filtered
    // row is scored whole (its SE groups depend on how many samples the filter keeps).
    let iid =
        matches!(method.recipe(), Recipe::Exact(_) | Recipe::Natural | Recipe::Bootstrap | Recipe::IndependentColumns);
    iid && (max_identity.is_none() || method == ProteinMethod::Natural)
}

/// Generates one method's samples from its own random stream (named by the method's id), and
/// scores them; `f.sampling.max_identity` drops near-copies (not from `natural`, the reference).
pub fn generate(method: ProteinMethod, f: &FamilyModel) -> Result<Generated> {
    let want = f.sampling.samples;
    let mut n = want;
    let mut g = draw_row(method, f, n)?;
    if f.sampling.max_identity.is_none() || method == ProteinMethod::Natural {
        return Ok(g);
    }
    // `--max-identity` keeps N: draw again, more, from the start of the same stream (so the row
    // stays a function of the seed), sized by the pass rate seen, up to MAX_DRAW_FACTOR × N.
    // The draw that kept the most is the row (a longer chain run can keep fewer than a short one).
    let mut kept = g.seqs.len();
    while kept < want && n < MAX_DRAW_FACTOR * want {
        n = if kept == 0 { 4 * n } else { (1.25 * want as f64 * n as f64 / kept as f64).ceil() as usize };
        n = n.min(MAX_DRAW_FACTOR * want);
        let next = draw_row(method, f, n)?;
        if next.seqs.len() > g.seqs.len() {
            g = next;
        }
        kept = kept.max(g.seqs.len());
    }
    Ok(g)
}

/// With `--max-identity`, a row draws at most this many times N samples to keep N.
pub const MAX_DRAW_FACTOR: usize = 20;

/// One draw of `n` samples of a method (see [`generate`]); with `--max-identity`, the first N
/// that pass are kept.
fn draw_row(method: ProteinMethod, f: &FamilyModel, n: usize) -> Result<Generated> {
    let t0 = Instant::now();
    let id = method.id();
    let mut rng = stream(f.sampling.seed, id);
    let mem = &f.mem;
    // The i.i.d. rows whose draws take the stream sample after sample stream in chunks; a filtered
    // row is scored whole (its SE groups depend on how many samples the filter keeps).
    let streamed = f.sampling.max_identity.is_none() || method == ProteinMethod::Natural;
    let chunked = |draw: &mut dyn FnMut(usize) -> Result<Chunk>| in_chunks(method, f, draw);
    let mut convergence = None;
    let drawn = match method.recipe() {
        Recipe::Exact(t) if streamed => {
            chunked(&mut |c| Ok((exact_samples(mem, t.beta(&f.ops), c, &mut rng)?.0, None)))?
        }
        Recipe::Natural => chunked(&mut |c| {
            // The stored sequences themselves; their memory-space points are the memories.
            let (latent, picked) = simple::bootstrap(mem, c, &mut rng);
            Ok((latent, Some(picked.iter().map(|&k| f.stored[k].clone()).collect())))
        })?,
        Recipe::Bootstrap if streamed => chunked(&mut |c| Ok((simple::bootstrap(mem, c, &mut rng).0, None)))?,
        Recipe::IndependentColumns if streamed => chunked(&mut |c| {
            // The one method that samples sequences directly; its latent is their projection.
            let seqs = simple::independent_columns(&f.stored, c, &mut rng);
            Ok((f.enc.project(&seqs), Some(seqs)))
        })?,
        Recipe::IndependentColumns => {
            let seqs = simple::independent_columns(&f.stored, n, &mut rng);
            Whole(f.enc.project(&seqs), Some(seqs), None)
        }
        Recipe::Bootstrap => Whole(simple::bootstrap(mem, n, &mut rng).0, None, None),
        Recipe::GaussianPerturbation => {
            // Not streamed: it draws every sample's memory before any noise.
            let sigma = Params::new(f.sampling.alpha, f.ops.beta_ret)?.sigma();
            Whole(simple::gaussian_perturbation(mem, n, sigma, &mut rng), None, None)
        }
        Recipe::ConvexCombination => Whole(simple::convex_combination(mem, n, &mut rng), None, None),
        Recipe::GmmPca => {
            Whole(gmm::gmm_pca_sample(mem.x(), n, &gmm::GmmPcaConfig::default(), &mut rng)?.samples, None, None)
        }
        #[cfg(feature = "vae")]
        Recipe::Vae => Whole(vae::vae_sample(mem.x(), n, &vae::VaeConfig::default(), &mut rng)?.samples, None, None),
        #[cfg(not(feature = "vae"))]
        Recipe::Vae => anyhow::bail!(crate::baselines::VAE_NOT_BUILT),
        Recipe::Exact(t) => Whole(exact_samples(mem, t.beta(&f.ops), n, &mut rng)?.0, None, None),
        Recipe::Chains(t, kernel) => {
            let params = Params::new(f.sampling.alpha, t.beta(&f.ops))?;
            let (protocol, keep) = chain_schedule(n)?;
            let run =
                run_chains(mem, params, kernel, &protocol.with_precision(f.sampling.precision), f.sampling.seed, id)?;
            convergence = run.energy_convergence(mem, params.beta());
            let mut states = run.select(&keep);
            if states.ncols() > n {
                states = states.slice(ndarray::s![.., ..n]).to_owned();
            }
            Whole(states, None, run.acceptance)
        }
    };
    let g = match drawn {
        Drawn::Streamed(g) => *g,
        Whole(latent, seqs, acceptance) => {
            let seqs = match seqs {
                Some(s) => s,
                None => RowDecoder::new(method, f)?.decode(latent.view()),
            };
            let max_identity = f.sampling.max_identity.filter(|_| method != ProteinMethod::Natural);
            Generated {
                acceptance,
                ..Generated::scored(f, id.into(), method.label(&f.ops), latent, seqs, max_identity)
            }
        }
    };
    Ok(Generated { convergence, seconds: t0.elapsed().as_secs_f64(), ..g })
}

/// One chunk of a streamed row: its memory-space points and, for rows that draw sequences, those.
type Chunk = (Array2<f64>, Option<Vec<Vec<u8>>>);

/// A row as drawn: whole (points, sequences when the method draws them, acceptance), or
/// already streamed and scored.
enum Drawn {
    Whole(Array2<f64>, Option<Vec<Vec<u8>>>, Option<f64>),
    Streamed(Box<Generated>),
}
use Drawn::Whole;

/// The sizes of the chunks of `n` samples: [`STREAM_CHUNK`] each, the last one shorter — but
/// never a single sample after a full chunk (a d × 1 chunk has a contiguous column where the
/// whole row's may be strided, and ndarray sums a norm in another order there), which the chunk
/// before takes.
fn chunk_sizes(n: usize) -> Vec<usize> {
    let mut sizes: Vec<usize> = (0..n).step_by(STREAM_CHUNK).map(|s| STREAM_CHUNK.min(n - s)).collect();
    if sizes.len() > 1 && sizes.last() == Some(&1) {
        sizes.pop();
        *sizes.last_mut().expect("two chunks") += 1;
    }
    sizes
}

/// An i.i.d. row streamed: `draw(c)` gives the next c samples (the random stream consumed in
/// the same order as one draw of all), decoded when it gives no sequences, scored and dropped —
/// only the sequences and 48 bytes of numbers a sample stay. Every number equals the whole
/// row's: the decode and the per-sample scores run in blocks of 1024 either way, and the sums in
/// the same order.
fn in_chunks(method: ProteinMethod, f: &FamilyModel, draw: &mut dyn FnMut(usize) -> Result<Chunk>) -> Result<Drawn> {
    let (n, id) = (f.sampling.samples, method.id());
    let mut decoder = None;
    let mut seqs = Vec::with_capacity(n);
    let mut scores = SampleScores::default();
    let mut metrics = MemoryMetricsStream::new(n, f.ops.beta_ret);
    for c in chunk_sizes(n) {
        let (latent, drawn) = draw(c)?;
        let chunk = match drawn {
            Some(s) => s,
            None => {
                if decoder.is_none() {
                    decoder = Some(RowDecoder::new(method, f)?);
                }
                decoder.as_mut().expect("set above").decode(latent.view())
            }
        };
        scores.extend(&chunk, Some(latent.view()), f.scoring(row_beta(id, &f.ops)));
        metrics.push(&f.mem, latent.view());
        seqs.extend(chunk);
    }
    Ok(Drawn::Streamed(Box::new(Generated {
        id: id.into(),
        label: method.label(&f.ops),
        seqs,
        names: None,
        read_unchecked: false,
        scores,
        memory: metrics.finish(),
        removed: 0,
        acceptance: None,
        convergence: None,
        seconds: 0.0,
    })))
}

/// The inverse temperature a row's per-sequence energies are evaluated at: its own for the
/// sampler rows (exact, MALA, SA), β_gen for every other row.
pub fn row_beta(id: &str, ops: &OperatingPoints) -> f64 {
    match id.parse::<ProteinMethod>().map(ProteinMethod::recipe) {
        Ok(Recipe::Exact(t) | Recipe::Chains(t, _)) => t.beta(ops),
        _ => ops.beta_gen,
    }
}

/// Steps between kept states when `--samples` is not 150: the published thinning. Kept states
/// are then nearly independent: the energy's bulk ESS is 760–880 of 900 kept states on PF00076
/// and fn3 at β_gen and β_ret (ULA and MALA), R̂ 1.002 with 100 states per chain.
pub const KEPT_SPACING: usize = 100;

/// The chain protocol and kept (thinned) indices for `n` samples from 30 chains: the published
/// protocol and its five states per chain for n = 150; otherwise ceil(n/30) states per chain,
/// [`KEPT_SPACING`] steps apart from the published burn-in on (chain-major; the caller keeps the
/// first n when 30 does not divide n).
pub(super) fn chain_schedule(n: usize) -> Result<(Protocol, Vec<usize>)> {
    let published = Protocol::default();
    if n == super::N_SAMPLES {
        return Ok((published, PUBLISHED_FIVE.to_vec()));
    }
    let per_chain = n.div_ceil(published.chains());
    let burn_in = published.burn_in();
    let protocol =
        Protocol::new(published.chains(), burn_in + KEPT_SPACING * (per_chain - 1) + 1, burn_in, KEPT_SPACING)?;
    Ok((protocol, (0..per_chain).collect()))
}

/// The family's decode: `calibrated` (asked for after the model was built, e.g. from Python) is
/// the family's calibration's choice, calibrated now when the model has none.
fn resolved_decode(f: &FamilyModel) -> Result<prot::DecodeMethod> {
    Ok(match (f.sampling.decode, &f.calibration) {
        (prot::DecodeMethod::Calibrated, Some(c)) => c.decode,
        (prot::DecodeMethod::Calibrated, None) => super::calibrate::calibrate(&f.clean, f.ops.beta_gen)?.decode,
        (d, _) => d,
    })
}

/// Decodes a method's samples with `--decode` at the method's β (β_gen for the baselines, which
/// have none), drawing from the stream `decode:<method id>`, one call after another.
struct RowDecoder<'a> {
    decoder: prot::Decoder<'a>,
    /// The memory the samples attend to (with the sequence weights of `--reweight`) and β (the
    /// method's, times the decode's β scale).
    mem: &'a Memory,
    beta: f64,
    rng: satool::Rng,
}

impl<'a> RowDecoder<'a> {
    fn new(method: ProteinMethod, f: &'a FamilyModel) -> Result<Self> {
        let decode = resolved_decode(f)?;
        Ok(RowDecoder {
            decoder: prot::Decoder::new(decode, &f.enc, &f.stored),
            mem: &f.mem,
            beta: row_beta(method.id(), &f.ops) * decode.beta_scale(),
            rng: stream(f.sampling.seed, &format!("decode:{}", method.id())),
        })
    }

    /// The sequences of the next samples (d × n).
    fn decode(&mut self, latent: ArrayView2<f64>) -> Vec<Vec<u8>> {
        // In blocks, so the 20L × n decoded matrix is never formed for large n (the decoders draw
        // column by column, so the bytes do not depend on the block size).
        let n = latent.ncols();
        (0..n)
            .step_by(prot::encode::PROJECT_BLOCK)
            .flat_map(|i| {
                let block = latent.slice(ndarray::s![.., i..(i + prot::encode::PROJECT_BLOCK).min(n)]);
                // The sampler's attention, logit bias included: what the samples were drawn by.
                let attention = |x: ArrayView2<f64>| satool::attention_weights(self.mem, self.beta, x);
                self.decoder.decode(block, attention, &mut self.rng)
            })
            .collect()
    }
}

/// The conditioned sequences themselves, as the reference row of a conditional run.
pub(super) fn condition_reference(f: &FamilyModel) -> Generated {
    let label = "Conditioned sequences (reference)".into();
    Generated::scored(f, "condition".into(), label, f.enc.project(&f.stored), f.stored.clone(), None)
}

/// The row ids of `--evaluate` files, in order: `file:<stem>` (the name without its extension,
/// a `.gz` before it, and a trailing `.aligned`), unique and the same on every run with the same arguments. Files
/// whose stems collide keep as many of their parent folders as it takes to tell them apart
/// (`file:a/x`, `file:b/x`); a file given twice (or two names that still collide as file names)
/// gets `_2`, `_3`, … in the order given.
pub(super) fn evaluate_ids(paths: &[PathBuf]) -> Vec<String> {
    let stem = |p: &Path| {
        if satool_io::text::is_stdin(p) {
            return "stdin".to_string();
        }
        // A gzip file's stem is that of the name without `.gz`: x.fasta.gz is `x`, as x.fasta.
        let name = p.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let name = Path::new(name.strip_suffix(".gz").unwrap_or(&name));
        let s = name.file_stem().map_or_else(|| "evaluate".into(), |s| s.to_string_lossy().into_owned());
        s.strip_suffix(".aligned").unwrap_or(&s).to_string()
    };
    // The folders of each path, innermost first (`.` left out).
    let folders = |p: &Path| -> Vec<String> {
        p.parent()
            .map(|d| {
                d.components()
                    .filter(|c| !matches!(c, Component::CurDir))
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .rev()
                    .collect()
            })
            .unwrap_or_default()
    };
    let named = |p: &Path, depth: usize| {
        let mut parts: Vec<String> = folders(p).into_iter().take(depth).collect();
        parts.reverse();
        parts.push(stem(p));
        parts.join("/")
    };
    let mut ids: Vec<String> = paths
        .iter()
        .map(|p| {
            let clashes: Vec<&PathBuf> = paths.iter().filter(|q| stem(q) == stem(p)).collect();
            // The fewest folders that tell this file from every other with its stem.
            let deepest = clashes.iter().map(|q| folders(q).len()).max().unwrap_or(0);
            let depth = (0..=deepest)
                .find(|&d| clashes.iter().all(|q| *q == p || named(q, d) != named(p, d)))
                .unwrap_or(deepest);
            format!("file:{}", named(p, depth))
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for id in &mut ids {
        let base = id.clone();
        let mut n = 1;
        while !seen.insert(file_stem_of(id)) {
            n += 1;
            *id = format!("{base}_{n}");
        }
    }
    ids
}

/// The stem of a row's files in `--out`: its id with `:` and `/` made `_`.
pub(super) fn file_stem_of(id: &str) -> String {
    id.replace([':', '/', '\\'], "_")
}

/// Aligns unaligned records to the family's cleaned columns.
pub(super) type Aligner<'a> = dyn Fn(&[prot::FastaRecord]) -> Result<Vec<Vec<u8>>> + 'a;

/// The row of an `--evaluate` file whose sequences [`read_evaluate`] has read (in
/// `read_seconds`).
pub(super) fn from_sequences(
    path: &Path,
    id: String,
    f: &FamilyModel,
    read: Evaluated,
    read_seconds: f64,
) -> Generated {
    let t0 = Instant::now();
    let Evaluated { names, seqs, unchecked } = read;
    let distinct = names.iter().collect::<std::collections::HashSet<_>>().len() == names.len();
    let names = (distinct && names.iter().all(|n| !n.is_empty())).then_some(names);
    let mut g = Generated::scored(
        f,
        id,
        format!("{} (file)", satool_io::text::shown(path).display()),
        f.enc.project(&seqs),
        seqs,
        None,
    );
    // Given sequences have no sampler state: their energy is the only one.
    g.scores.state_energy.clear();
    Generated { names, read_unchecked: unchecked, seconds: read_seconds + t0.elapsed().as_secs_f64(), ..g }
}

/// The sequences of an `--evaluate` file on the cleaned columns, read and checked before any
/// method runs. They may be aligned to the L cleaned columns, aligned to the seed's W columns
/// (the kept ones are taken), or unaligned (no gap characters; `align` aligns them, with
/// hmmalign to the family's RF model). Gapless sequences of exactly L (or W) residues may be
/// either: see [`unless_unaligned`].
pub(super) fn read_evaluate(path: &Path, f: &FamilyModel, align: &Aligner) -> Result<Evaluated> {
    let records = prot::read_fasta(path, false)?;
    let names: Vec<String> = records.iter().map(|r| r.name.clone()).collect();
    let (l, w) = (f.clean.len(), f.clean.n_input_cols);
    let (seqs, unchecked) = if records.iter().all(|r| r.seq.len() == l) {
        unless_unaligned(records.iter().map(|r| r.seq.clone()).collect(), &records, f, align)
    } else if records.iter().all(|r| r.seq.len() == w) {
        let given = records.iter().map(|r| f.clean.kept_columns.iter().map(|&c| r.seq[c]).collect()).collect();
        unless_unaligned(given, &records, f, align)
    } else if records.iter().all(|r| !r.seq.iter().any(|&c| prot::is_gap(c))) {
        (align(&records)?, false)
    } else {
        let r = records.iter().find(|r| r.seq.len() != l && r.seq.len() != w).unwrap_or(&records[0]);
        return Err(prot::ProteinError::Fasta {
            file: satool_io::text::shown(path).display().to_string(),
            line: r.line,
            problem: format!(
                "sequence '{}' has length {} with gaps; sequences to score must be aligned to the {l} cleaned \
                 columns (expected {l}), to the seed's {w} columns, or unaligned (no gap characters; aligned with \
                 hmmalign)",
                r.name,
                r.seq.len()
            ),
        }
        .into());
    };
    Ok(Evaluated { names, seqs, unchecked })
}

/// `given`, the sequences of `records` read as aligned because of their length, or hmmalign's
/// alignment of them. When none has a gap the length alone does not tell: an unaligned sequence
/// of L residues is common (21 of PF00076's 68 members have 71, its L), and read as aligned its
/// residues sit in the wrong columns. Then, when `align` runs (HMMER installed and not off),
/// its alignment is taken if it puts the sequences closer to the members (a higher mean identity
/// to the nearest one); a sequence aligned to the columns is left as given. Whether `align`
/// could not run, so that the length alone decided (a warning says so).
fn unless_unaligned(
    given: Vec<Vec<u8>>,
    records: &[prot::FastaRecord],
    f: &FamilyModel,
    align: &Aligner,
) -> (Vec<Vec<u8>>, bool) {
    if records.iter().any(|r| r.seq.iter().any(|&c| prot::is_gap(c))) {
        return (given, false);
    }
    let Ok(aligned) = align(records) else { return (given, true) };
    let identity = |seqs: &[Vec<u8>]| prot::seq_identity(seqs, &f.stored).iter().sum::<f64>();
    if identity(&aligned) > identity(&given) {
        (aligned, false)
    } else {
        (given, false)
    }
}

/// An `--evaluate` (or `--score`) file's names and sequences on the cleaned columns.
pub(super) struct Evaluated {
    pub names: Vec<String>,
    pub seqs: Vec<Vec<u8>>,
    /// Gapless sequences of an aligned length read as aligned without hmmalign's check (HMMER
    /// off or missing): unaligned ones of that length would be misread.
    pub unchecked: bool,
}

/// The warning for a file whose sequences [`Evaluated::unchecked`] says were read unchecked.
pub(super) fn unchecked_warning(what: &str, n: usize) -> String {
    format!(
        "{what}: its {n} sequence(s) have no gap and the length of an aligned one, so they are read as aligned \
         to the family's columns unchecked; unaligned sequences of that length would be misread (with HMMER, \
         hmmalign's alignment is taken when it fits the family better)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(paths: &[&str]) -> Vec<String> {
        evaluate_ids(&paths.iter().map(PathBuf::from).collect::<Vec<_>>())
    }

    #[test]
    fn chunks_are_full_but_never_end_in_a_single_sample() {
        let c = STREAM_CHUNK;
        assert_eq!(chunk_sizes(1), [1]);
        assert_eq!(chunk_sizes(c), [c]);
        assert_eq!(chunk_sizes(c + 1), [c + 1]);
        assert_eq!(chunk_sizes(2 * c + 5), [c, c, 5]);
        assert_eq!(chunk_sizes(2 * c + 1), [c, c + 1]);
        assert!(chunk_sizes(0).is_empty());
    }

    #[test]
    fn evaluate_ids_are_unique_and_short() {
        assert_eq!(ids(&["runs/a.aligned.fasta", "b.fasta"]), ["file:a", "file:b"]);
        assert_eq!(ids(&["a.aligned.fasta.gz", "b.fa.gz", "c.gz", "-"]), ["file:a", "file:b", "file:c", "file:stdin"]);
        assert_eq!(ids(&["x/a/s.fasta", "y/b/s.fasta", "t.fa"]), ["file:a/s", "file:b/s", "file:t"]);
        assert_eq!(ids(&["p/a/s.fasta", "q/a/s.fasta"]), ["file:p/a/s", "file:q/a/s"]);
        assert_eq!(ids(&["./s.fasta", "a/s.fasta"]), ["file:s", "file:a/s"]);
        assert_eq!(ids(&["s.fasta", "s.fasta"]), ["file:s", "file:s_2"]);
        assert_eq!(ids(&["a/s.fasta", "a_s.fasta"]), ["file:s", "file:a_s"]);
        assert_eq!(ids(&["a/s.fasta", "b/s.fasta", "a_s.fasta"]), ["file:a/s", "file:b/s", "file:a_s_2"]);
    }
}
