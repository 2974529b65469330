//! `satool.Memory`: the sampler core on numpy arrays.

use crate::errors;
use crate::ints::{int, int_or, real};
use ndarray::{Array2, ArrayD, ArrayView2, ArrayViewD, Ix2};
use numpy::{IntoPyArray, PyArray2, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, ToPyArray};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use satool::{
    attention_weights, energies, entropy_inflection, exact_samples, refined_beta_star, run_chains, stream, Convergence,
    Kernel, Memory, Params, Precision, Protocol, BETA_STAR_REFINED_RULE, BETA_STAR_RULE, PUBLISHED_FIVE,
};
use satool_app::protein::generate::KEPT_SPACING;

/// A float array as Rust sees it: float64 input borrowed (no copy, any strides), anything else
/// converted once.
pub enum Floats<'py> {
    View(PyReadonlyArrayDyn<'py, f64>),
    Owned(ArrayD<f64>),
}

impl Floats<'_> {
    pub fn view(&self) -> ArrayViewD<'_, f64> {
        match self {
            Floats::View(a) => a.as_array(),
            Floats::Owned(a) => a.view(),
        }
    }
}

/// Reads `obj` as floats: a float64 array as it is, float32 widened, anything else through
/// `numpy.asarray(obj, dtype=float64)`.
pub fn floats<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Floats<'py>> {
    if let Ok(a) = obj.cast::<PyArrayDyn<f64>>() {
        return Ok(Floats::View(a.try_readonly().map_err(|e| errors::value(format!("{name}: {e}")))?));
    }
    if let Ok(a) = obj.cast::<PyArrayDyn<f32>>() {
        return Ok(Floats::Owned(a.readonly().as_array().mapv(f64::from)));
    }
    let np = obj.py().import("numpy")?;
    let a = np
        .call_method1("asarray", (obj, "float64"))
        .map_err(|e| errors::value(format!("{name} must be an array of numbers ({e})")))?;
    let a = a.cast_into::<PyArrayDyn<f64>>().map_err(|e| errors::value(format!("{name}: {e}")))?;
    Ok(Floats::View(a.try_readonly().map_err(|e| errors::value(format!("{name}: {e}")))?))
}

/// States as rows: `(d,)` is one state, `(n, d)` n states; checked against the memory's d.
fn states<'a>(a: &'a ArrayViewD<'a, f64>, d: usize, name: &str) -> PyResult<(ArrayView2<'a, f64>, bool)> {
    let (rows, single) = match a.ndim() {
        1 => (a.view().into_shape_with_order((1, a.len())).map_err(|e| errors::value(e.to_string()))?, true),
        2 => (a.view().into_dimensionality::<Ix2>().map_err(|e| errors::value(e.to_string()))?, false),
        n => return Err(errors::value(format!("{name} must have shape (d,) or (n, d); got {n} dimensions"))),
    };
    if rows.ncols() != d {
        return Err(errors::value(format!(
            "{name} has {} entries per state (shape {:?}); the memory's d is {d}",
            rows.ncols(),
            a.shape()
        )));
    }
    // A NaN state would give a NaN energy and NaN weights, not an error.
    if let Some(((r, c), v)) = rows.indexed_iter().find(|(_, v)| !v.is_finite()) {
        let at = if single { format!("{name}[{c}]") } else { format!("{name}[{r}, {c}]") };
        return Err(errors::value(format!("{at} is {v}: states must be finite")));
    }
    Ok((rows, single))
}

/// Refuses `sample(n, …)` whose arrays (`copies` of n × d values) would not fit the memory
/// budget, with the command line's message.
fn check_sample_size(values: &[usize], what: &str) -> PyResult<()> {
    let factors: Vec<u64> = values.iter().map(|&v| v as u64).collect();
    satool_app::budget::check_f64s(satool_app::budget::checked_product(&factors), what, "n").map_err(errors::job)
}

/// β checked as the samplers check it (the core's message).
/// Any Python object, as the arguments that are checked by hand arrive.
type Any<'py> = Bound<'py, PyAny>;

/// The `beta` argument: a real number (named when it is not) in the core's range.
fn beta_arg(beta: &Any<'_>) -> PyResult<f64> {
    let beta = real(beta, "beta")?;
    check_beta(beta)?;
    Ok(beta)
}

fn check_beta(beta: f64) -> PyResult<()> {
    Params::new(0.5, beta).map(|_| ()).map_err(errors::core)
}

/// Runs `f` on `threads` threads (a pool of its own) or on the global pool; the results do
/// not depend on it.
pub fn on_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    match threads {
        None => Ok(f()),
        Some(0) => Err(errors::value("threads must be at least 1")),
        Some(t) if t > satool_app::budget::max_threads().0 => {
            let (bound, cores) = satool_app::budget::max_threads();
            Err(errors::value(format!(
                "threads = {t} is more than four per core on this machine's {cores} cores: at most {bound}"
            )))
        }
        Some(t) => {
            let pool =
                rayon::ThreadPoolBuilder::new().num_threads(t).build().map_err(|e| errors::value(e.to_string()))?;
            Ok(pool.install(f))
        }
    }
}

/// K stored patterns m_k in d dimensions and the Boltzmann law of the modern Hopfield energy
/// E(ξ) = ½‖ξ‖² − β⁻¹ log Σ_k exp(β m_kᵀξ) built from them.
///
/// Memory(X): X is a (K, d) float64 or float32 array, one pattern per row, as numpy and
/// scikit-learn hold samples (n_samples, n_features); any layout; float32 is widened and makes
/// the chains run in float32 by default. Memory.from_columns(M) takes the core's layout (d, K),
/// one pattern per column. States ξ are rows too: `attention`, `energy` take (d,) or (n, d) and
/// `sample` returns (n, d).
#[pyclass(module = "satool", name = "Memory", frozen)]
pub struct PyMemory {
    pub mem: Memory,
    /// Built from float32: chains run in f32 unless `precision` says otherwise.
    pub f32_input: bool,
}

/// What a chain run reports besides its states.
struct ChainReport {
    acceptance: Option<f64>,
    convergence: Option<Convergence>,
    chains: usize,
    per_chain: usize,
    steps: usize,
    burn_in: usize,
    starts: Vec<usize>,
}

/// The chain schedule of `satool protein --samples n` for `chains` chains: the published
/// protocol and its five kept states per chain when n = 5 · chains; otherwise ceil(n/chains)
/// states per chain, `KEPT_SPACING` steps apart from the published burn-in on (chain-major; the
/// first n are returned).
fn schedule(n: usize, chains: usize) -> PyResult<(Protocol, Vec<usize>)> {
    let published = Protocol::default();
    if chains == 0 {
        return Err(errors::value("chains must be at least 1"));
    }
    if n == PUBLISHED_FIVE.len() * chains {
        let p = Protocol::new(chains, published.steps(), published.burn_in(), KEPT_SPACING).map_err(errors::core)?;
        return Ok((p, PUBLISHED_FIVE.to_vec()));
    }
    let per_chain = n.div_ceil(chains);
    let burn_in = published.burn_in();
    let p = Protocol::new(chains, burn_in + KEPT_SPACING * (per_chain - 1) + 1, burn_in, KEPT_SPACING)
        .map_err(errors::core)?;
    Ok((p, (0..per_chain).collect()))
}

impl PyMemory {
    pub fn from_array(x: Array2<f64>, f32_input: bool) -> PyResult<Self> {
        Ok(PyMemory { mem: Memory::new(x).map_err(errors::core)?, f32_input })
    }

    /// A memory from a 2-D array `name` of shape `shape` (patterns as rows when `rows`).
    fn read(obj: &Bound<'_, PyAny>, name: &str, shape: &str, rows: bool) -> PyResult<Self> {
        let f32_input = obj.cast::<PyArrayDyn<f32>>().is_ok();
        let a = floats(obj, name)?;
        let v = a.view();
        let v = v.into_dimensionality::<Ix2>().map_err(|_| {
            errors::value(format!("{name} must be a 2-D array of shape {shape}; got shape {:?}", a.view().shape()))
        })?;
        Self::from_array(if rows { v.t().to_owned() } else { v.to_owned() }, f32_input)
    }
}

#[pymethods]
impl PyMemory {
    #[new]
    #[pyo3(text_signature = "(X)")]
    fn new(x: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::read(x, "X", "(K, d): one pattern per row", true)
    }

    /// Memory.from_columns(M): the memory whose patterns are the columns of M (d, K), the core's
    /// own layout.
    #[staticmethod]
    fn from_columns(m: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::read(m, "M", "(d, K): one pattern per column", false)
    }

    /// Memory.from_rows(P): the same as Memory(P), patterns as the rows of P (K, d).
    #[staticmethod]
    fn from_rows(p: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::read(p, "P", "(K, d): one pattern per row", true)
    }

    /// Pattern dimension d.
    #[getter]
    fn d(&self) -> usize {
        self.mem.d()
    }

    /// Number of stored patterns K.
    #[getter(K)]
    fn k(&self) -> usize {
        self.mem.k()
    }

    /// A copy of the patterns, one per row (K, d): `Memory(X).X` equals X.
    #[getter(X)]
    fn x<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.mem.x().t().to_pyarray(py)
    }

    /// β* from the memory alone, and the rule that produced it: (value, rule). The published rule
    /// (entropy inflection on a 50-point grid) by default; refined=True: the same criterion on
    /// continuous β.
    #[pyo3(signature = (refined = false))]
    fn beta_star(&self, py: Python<'_>, refined: bool) -> (f64, &'static str) {
        let mem = &self.mem;
        if refined {
            (py.detach(|| refined_beta_star(mem)), BETA_STAR_REFINED_RULE)
        } else {
            (py.detach(|| entropy_inflection(mem).beta_star), BETA_STAR_RULE)
        }
    }

    /// Attention weights softmax(β Xᵀξ): (K,) for a state ξ of shape (d,), (n, K) for states (n, d).
    fn attention<'py>(&self, py: Python<'py>, xi: &Any<'py>, beta: &Any<'py>) -> PyResult<Any<'py>> {
        let beta = beta_arg(beta)?;
        let a = floats(xi, "xi")?;
        let v = a.view();
        let (rows, single) = states(&v, self.mem.d(), "xi")?;
        let mem = &self.mem;
        let p = py.detach(|| attention_weights(mem, beta, rows.t()));
        Ok(if single { p.row(0).to_pyarray(py).into_any() } else { p.into_pyarray(py).into_any() })
    }

    /// Energy E(ξ) = ½‖ξ‖² − logsumexp(β Xᵀξ)/β: a float for ξ of shape (d,), (n,) for states (n, d).
    fn energy<'py>(&self, py: Python<'py>, xi: &Any<'py>, beta: &Any<'py>) -> PyResult<Any<'py>> {
        let beta = beta_arg(beta)?;
        let a = floats(xi, "xi")?;
        let v = a.view();
        let (rows, single) = states(&v, self.mem.d(), "xi")?;
        let mem = &self.mem;
        let e = py.detach(|| energies(mem, beta, rows.t()));
        Ok(if single { e[0].into_pyobject(py)?.into_any() } else { e.into_pyarray(py).into_any() })
    }

    /// n samples (n, d) of the Boltzmann law p_β ∝ exp(−βE).
    ///
    /// method: "exact" (i.i.d. draws of the equivalent Gaussian mixture), "ula" or "mala" (Langevin
    /// chains with step size alpha: `chains` chains from distinct stored patterns, the published
    /// burn-in of 2000 steps, then ceil(n/chains) states per chain 100 steps apart, or the
    /// published 5000-step protocol's five states when n = 5 · chains). Every draw comes from the
    /// stream (seed, label); label defaults to the method's name. The CLI's rows use their method
    /// ids: label="sa_gen" at the family's β_gen reproduces `satool protein`'s sa_gen samples.
    /// precision: "f64" or "f32" working precision of the chains (default: the memory's input
    /// dtype). threads: run on a pool of this many threads, at most four per core (the numbers do
    /// not change). The GIL is released while sampling; Ctrl-C raises KeyboardInterrupt within a
    /// chain step. An n whose arrays would not fit in memory is a ValueError, as in the CLI. return_diagnostics=True returns (samples, dict) with the MALA
    /// acceptance, R̂ and bulk ESS of the energy over all kept states (chain methods).
    #[pyo3(
        signature = (n, beta, method = "exact", alpha = None, seed = None, chains = None, precision = None, label = None, threads = None, return_diagnostics = false),
        text_signature = "($self, n, beta, method='exact', alpha=0.01, seed=1, chains=30, precision=None, label=None, threads=None, return_diagnostics=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn sample<'py>(
        &self,
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        beta: &Bound<'py, PyAny>,
        method: &str,
        alpha: Option<&Bound<'py, PyAny>>,
        seed: Option<&Bound<'py, PyAny>>,
        chains: Option<&Bound<'py, PyAny>>,
        precision: Option<&str>,
        label: Option<String>,
        threads: Option<&Bound<'py, PyAny>>,
        return_diagnostics: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n: usize = int(n, "n")?;
        let beta = real(beta, "beta")?;
        let alpha = alpha.filter(|a| !a.is_none()).map_or(Ok(0.01), |a| real(a, "alpha"))?;
        let seed: u64 = int_or(seed, "seed", 1)?;
        let chains: usize = int_or(chains, "chains", 30)?;
        let threads: Option<usize> = threads.filter(|t| !t.is_none()).map(|t| int(t, "threads")).transpose()?;
        let d = self.mem.d();
        let kernel = match method {
            "exact" => None,
            "ula" => Some(Kernel::Ula),
            "mala" => Some(Kernel::Mala),
            _ => return Err(errors::value(format!("method must be one of exact, ula, mala; got '{method}'"))),
        };
        let precision = match precision {
            None if self.f32_input => Precision::F32,
            None => Precision::F64,
            Some(p) => p.parse().map_err(|_| errors::value(format!("precision must be f64 or f32; got '{p}'")))?,
        };
        let label = label.unwrap_or_else(|| method.to_string());
        let mem = &self.mem;
        let (samples, report) = match kernel {
            None => {
                check_beta(beta)?;
                check_sample_size(&[n, d + 1], &format!("sample(n = {n}): the n × (d + 1) draws"))?;
                let xs = crate::interrupt::detach(py, || {
                    on_threads(threads, || exact_samples(mem, beta, n, &mut stream(seed, &label)))
                })??
                .map_err(errors::core)?
                .0;
                (xs.reversed_axes(), None)
            }
            Some(kernel) => {
                if n == 0 {
                    return Err(errors::value("n must be at least 1 for the chain methods"));
                }
                let params = Params::new(alpha, beta).map_err(errors::core)?;
                if chains > 0 {
                    // The chains' kept states, the selected ones and the result: three n × d arrays.
                    let kept = chains.saturating_mul(n.div_ceil(chains));
                    check_sample_size(&[kept, d, 3], &format!("sample(n = {n}, chains = {chains}): the kept states"))?;
                }
                let (protocol, keep) = schedule(n, chains)?;
                let protocol = protocol.with_precision(precision);
                let (xs, report) = crate::interrupt::detach(py, || {
                    on_threads(threads, || -> satool::Result<_> {
                        let run = run_chains(mem, params, kernel, &protocol, seed, &label)?;
                        let report = ChainReport {
                            acceptance: run.acceptance,
                            convergence: run.energy_convergence(mem, beta),
                            chains: run.chains,
                            per_chain: run.per_chain,
                            steps: protocol.steps(),
                            burn_in: protocol.burn_in(),
                            starts: run.starts.clone(),
                        };
                        let kept = run.select(&keep);
                        Ok((kept.slice(ndarray::s![.., ..n]).t().as_standard_layout().into_owned(), report))
                    })
                })??
                .map_err(errors::core)?;
                (xs, Some(report))
            }
        };
        let out = samples.into_pyarray(py).into_any();
        if !return_diagnostics {
            return Ok(out);
        }
        let diag = PyDict::new(py);
        diag.set_item("method", method)?;
        diag.set_item("beta", beta)?;
        diag.set_item("seed", seed)?;
        diag.set_item("label", &label)?;
        if let Some(r) = report {
            diag.set_item("alpha", alpha)?;
            diag.set_item("precision", precision.to_string())?;
            diag.set_item("acceptance", r.acceptance)?;
            diag.set_item("rhat", r.convergence.map(|c| c.rhat))?;
            diag.set_item("ess_bulk", r.convergence.map(|c| c.ess_bulk))?;
            diag.set_item("chains", r.chains)?;
            diag.set_item("kept_per_chain", r.per_chain)?;
            diag.set_item("steps", r.steps)?;
            diag.set_item("burn_in", r.burn_in)?;
            diag.set_item("starts", r.starts)?;
        }
        Ok((out, diag).into_pyobject(py)?.into_any())
    }

    fn __repr__(&self) -> String {
        format!("Memory(K={}, d={})", self.mem.k(), self.mem.d())
    }
}
