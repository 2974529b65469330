//! The protein job (`satool protein`) for Python: a family's model, generation, the comparison
//! table and scoring, through the app's library. Options arrive as keyword arguments named as the
//! command line's options and become the app's typed [`ProteinParams`](satool_app::params::ProteinParams)
//! (see [`crate::params`]), so defaults, validation and messages are the CLI's.

use crate::core::PyMemory;
use crate::errors;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use satool_app::progress::Progress;
use satool_app::protein::generate::{self, FamilyModel};
use satool_app::protein::methods::Recipe;
use satool_app::protein::{self, per_sequence, ProteinJob, ProteinMethod};
use satool_protein as prot;
use std::path::PathBuf;
use std::sync::Mutex;

/// The job of these keyword arguments (checked), with nothing written: no output directory, no
/// report.
fn job(py: Python<'_>, kwargs: Option<Bound<'_, PyDict>>) -> PyResult<ProteinJob> {
    let p = crate::params::protein(crate::params::Kwargs::new(py, kwargs)?)?;
    p.job().map_err(errors::job)
}

/// One Stockholm record's model: cleaned, encoded, with its memory and temperatures.
#[pyclass(module = "satool._native", name = "Family", frozen)]
pub struct PyFamily {
    job: ProteinJob,
    aln: prot::Alignment,
    /// Locked while a call changes the sampling fields (samples, seed, decode, β) for its run.
    model: Mutex<FamilyModel>,
}

impl PyFamily {
    fn model(&self) -> std::sync::MutexGuard<'_, FamilyModel> {
        self.model.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The columns of scored sequences, for a DataFrame.
fn score_columns<'py>(py: Python<'py>, scores: &[per_sequence::SequenceScore]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let ungapped = |s: &str| s.bytes().filter(|&c| !prot::is_gap(c)).map(char::from).collect::<String>();
    d.set_item("name", scores.iter().map(|s| s.name.clone()).collect::<Vec<_>>())?;
    d.set_item("sequence", scores.iter().map(|s| ungapped(&s.sequence)).collect::<Vec<_>>())?;
    d.set_item("aligned", scores.iter().map(|s| s.sequence.clone()).collect::<Vec<_>>())?;
    d.set_item("energy", scores.iter().map(|s| s.energy).collect::<Vec<_>>())?;
    d.set_item("state_energy", scores.iter().map(|s| s.state_energy).collect::<Vec<_>>())?;
    d.set_item("nearest", scores.iter().map(|s| s.nearest.clone()).collect::<Vec<_>>())?;
    d.set_item("identity", scores.iter().map(|s| s.identity).collect::<Vec<_>>())?;
    d.set_item("novelty", scores.iter().map(|s| s.novelty).collect::<Vec<_>>())?;
    Ok(d)
}

#[pymethods]
impl PyFamily {
    /// The family of `satool protein` with these options as keyword arguments (`stockholm`,
    /// `family`, `seed`, …). With `text`, the records are read from that Stockholm text instead
    /// of the file, and `stockholm` is only the name messages and results give the input.
    #[new]
    #[pyo3(signature = (text = None, **options))]
    fn new(py: Python<'_>, text: Option<String>, options: Option<Bound<'_, PyDict>>) -> PyResult<Self> {
        let job = job(py, options)?;
        let (aln, model) = crate::interrupt::detach(py, || {
            let family = job.family.as_deref();
            let aln = match &text {
                None => protein::select_record(&job.stockholm, family)?,
                Some(t) => {
                    let source = job.stockholm.display().to_string();
                    protein::select_from(prot::StockholmRecords::new(t, &source), &source, family)?
                }
            };
            let (model, _) = protein::family_model(&job, &aln)?;
            anyhow::Ok((aln, model))
        })?
        .map_err(errors::job)?;
        Ok(PyFamily { job, aln, model: Mutex::new(model) })
    }

    /// results.json (as JSON text) of `satool protein` with these options as keyword arguments
    /// on this family's record, computed without writing files.
    #[pyo3(signature = (**options))]
    fn results(&self, py: Python<'_>, options: Option<Bound<'_, PyDict>>) -> PyResult<String> {
        let job = job(py, options)?;
        crate::interrupt::detach(py, || {
            let run = protein::run_record(&job, &self.aln, false, &Progress::hidden())?;
            satool_app::output::to_json(&run.results)
        })?
        .map_err(errors::job)
    }

    #[getter(K)]
    fn k(&self) -> usize {
        self.model().stored.len()
    }

    #[getter(L)]
    fn l(&self) -> usize {
        self.model().clean.len()
    }

    #[getter]
    fn d(&self) -> usize {
        self.model().mem.d()
    }

    /// Names of the stored (cleaned, capped) sequences.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.model().stored_names.clone()
    }

    /// The stored sequences on the L cleaned columns.
    #[getter]
    fn alignment(&self) -> Vec<String> {
        self.model().stored.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect()
    }

    /// The header numbers: β*, β_gen, β_ret, variance retained, input size, ids.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.model();
        let d = PyDict::new(py);
        d.set_item("path", self.job.stockholm.display().to_string())?;
        d.set_item("family_id", self.aln.id.clone())?;
        d.set_item("accession", self.aln.accession.clone())?;
        d.set_item("input_rows", m.clean.n_input_rows)?;
        d.set_item("input_cols", m.clean.n_input_cols)?;
        d.set_item("kept_columns", m.clean.kept_columns.clone())?;
        d.set_item("variance_retained", m.enc.variance_retained)?;
        d.set_item("beta_star", m.ops.beta_star)?;
        d.set_item("beta_star_rule", satool::BETA_STAR_RULE)?;
        d.set_item("beta_gen", m.ops.beta_gen)?;
        d.set_item("beta_ret", m.ops.beta_ret)?;
        d.set_item("seed", m.sampling.seed)?;
        d.set_item("alpha", m.sampling.alpha)?;
        d.set_item("decode", m.sampling.decode.to_string())?;
        Ok(d)
    }

    /// The memory sampled from (the PCA codes of the K stored sequences).
    #[getter]
    fn memory(&self) -> PyMemory {
        PyMemory { mem: self.model().mem.clone(), f32_input: false }
    }

    /// `n` sequences of `method` (the CLI's `<id>.fasta` / `<id>.tsv` rows for the same seed),
    /// as columns; `beta` replaces the method's temperature, `decode` and `seed` the family's.
    #[pyo3(signature = (n, method, beta = None, decode = None, seed = None))]
    fn generate<'py>(
        &self,
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        method: &str,
        beta: Option<f64>,
        decode: Option<&str>,
        seed: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let n: usize = crate::ints::int(n, "n")?;
        let seed: Option<u64> = seed.map(|s| crate::ints::int(s, "seed")).transpose()?;
        let method: ProteinMethod =
            method.parse().map_err(|e: protein::methods::UnknownMethod| errors::value(e.to_string()))?;
        if n == 0 {
            return Err(errors::value("n must be at least 1"));
        }
        {
            let m = self.model();
            let sampling = protein::Sampling { samples: n, ..m.sampling };
            let l = m.clean.len();
            protein::check_memory(&[method], &sampling, l, m.mem.d(), protein::python_columns_bytes(l))
                .map_err(errors::job)?;
        }
        if let Some(b) = beta {
            satool_app::params::beta_in_range(b).map_err(|e| errors::value(format!("beta = {e}")))?;
        }
        let decode: Option<prot::DecodeMethod> =
            decode.map(|s| s.parse().map_err(|e: String| errors::value(format!("decode: {e}")))).transpose()?;
        let (scores, g_beta, acceptance, convergence, seconds) = crate::interrupt::detach(py, || {
            let mut m = self.model();
            let saved = (m.sampling.samples, m.sampling.seed, m.sampling.decode, m.ops);
            m.sampling.samples = n;
            m.sampling.seed = seed.unwrap_or(m.sampling.seed);
            m.sampling.decode = decode.unwrap_or(m.sampling.decode);
            if let Some(b) = beta {
                match method.recipe() {
                    Recipe::Exact(t) | Recipe::Chains(t, _) if t == protein::methods::Temperature::Retrieval => {
                        m.ops.beta_ret = b
                    }
                    _ => m.ops.beta_gen = b,
                }
            }
            let out = generate::generate(method, &m).map(|g| {
                let names: Vec<String> = g.fasta_records().into_iter().map(|(name, _)| name).collect();
                let beta = generate::row_beta(&g.id, &m.ops);
                let s = g.scores.records(0..g.seqs.len(), &names, &g.seqs, beta, &m.stored_names);
                (s, beta, g.acceptance, g.convergence, g.seconds)
            });
            (m.sampling.samples, m.sampling.seed, m.sampling.decode, m.ops) = saved;
            out
        })?
        .map_err(errors::job)?;
        let d = score_columns(py, &scores)?;
        d.set_item("method", method.id())?;
        d.set_item("beta", g_beta)?;
        d.set_item("acceptance", acceptance)?;
        d.set_item("rhat", convergence.map(|c| c.rhat))?;
        d.set_item("ess_bulk", convergence.map(|c| c.ess_bulk))?;
        d.set_item("seconds", seconds)?;
        Ok(d)
    }

    /// Scores aligned sequences (name, sequence on the L cleaned columns) at β_gen, lowest energy
    /// first, with the family fitness, as `satool protein --score` does.
    fn score<'py>(&self, py: Python<'py>, records: Vec<(String, String)>) -> PyResult<Bound<'py, PyDict>> {
        let text: String = records.iter().map(|(n, s)| format!(">{n}\n{s}\n")).collect();
        let scores = crate::interrupt::detach(py, || {
            let m = self.model();
            let parsed = prot::parse_aligned_fasta(&text, "sequences", m.stored[0].len())?;
            let (names, seqs): (Vec<String>, Vec<Vec<u8>>) = parsed.into_iter().unzip();
            let mut s = per_sequence::score(&names, &seqs, &m.enc, &m.mem, m.ops.beta_gen, &m.stored, &m.stored_names);
            // The family fitness, as `--score` computes it: the pair log-odds of the stored members.
            let pairs = prot::fitness::PairLogOdds::fit(&m.stored, prot::fitness::PSEUDOCOUNT);
            for (row, seq) in s.iter_mut().zip(&seqs) {
                row.fitness = Some(pairs.score(seq));
            }
            s.sort_by(|a, b| a.energy.total_cmp(&b.energy));
            anyhow::Ok(s)
        })?
        .map_err(errors::job)?;
        let d = score_columns(py, &scores)?;
        d.set_item("fitness", scores.iter().map(|s| s.fitness).collect::<Vec<_>>())?;
        d.set_item("beta", self.model().ops.beta_gen)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let m = self.model();
        let name = self.aln.id.clone().unwrap_or_else(|| self.aln.source.clone());
        format!("Family({name}: K={}, L={}, d={})", m.stored.len(), m.clean.len(), m.mem.d())
    }
}

/// One scored row as the Python layer holds it: name, aligned sequence, β, energy, state energy
/// (None for given sequences), nearest, identity, novelty.
type ScoredRow = (String, String, f64, f64, Option<f64>, String, f64, f64);

/// The CLI's FASTA header of each row (`name energy=… beta=… …`) and its sequence.
fn headed(rows: Vec<ScoredRow>) -> Vec<(String, Vec<u8>)> {
    rows.into_iter()
        .map(|(name, seq, beta, energy, state_energy, nearest, identity, novelty)| {
            let s = per_sequence::SequenceScore {
                name,
                sequence: String::new(),
                beta,
                energy,
                state_energy,
                nearest,
                identity,
                novelty,
                bits: None,
                evalue: None,
                fitness: None,
            };
            (per_sequence::fasta_header(&s), seq.into_bytes())
        })
        .collect()
}

/// Writes scored sequences as the CLI writes its `<id>.fasta` (`strip_gaps`) and
/// `<id>.aligned.fasta` files: the same headers (`name energy=… beta=… …`) and line width.
#[pyfunction]
pub fn write_scored_fasta(path: PathBuf, rows: Vec<ScoredRow>, strip_gaps: bool) -> PyResult<()> {
    prot::write_fasta(&path, &headed(rows), strip_gaps).map_err(|e| errors::job(e.into()))
}

/// The CLI's FASTA header of each scored row, name first (`name energy=… beta=… …`).
#[pyfunction]
pub fn scored_headers(rows: Vec<ScoredRow>) -> Vec<String> {
    headed(rows).into_iter().map(|(h, _)| h).collect()
}
