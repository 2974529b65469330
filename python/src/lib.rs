//! The `satool` Python package's native module (`satool._native`): the sampler core on numpy
//! arrays (`core`) and the protein and finance jobs of the app's library (`protein`,
//! `finance`). The Python layer (python/python/satool) builds DataFrames; its keyword arguments
//! become the app's typed job parameters (`params`).

mod core;
mod errors;
mod finance;
mod interrupt;
mod ints;
mod params;
mod protein;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<core::PyMemory>()?;
    m.add_class::<protein::PyFamily>()?;
    m.add_function(wrap_pyfunction!(protein::write_scored_fasta, m)?)?;
    m.add_function(wrap_pyfunction!(protein::scored_headers, m)?)?;
    m.add_function(wrap_pyfunction!(finance::read_panel, m)?)?;
    m.add_function(wrap_pyfunction!(finance::finance_results, m)?)?;
    m.add_function(wrap_pyfunction!(finance::finance_paths, m)?)?;
    m.add_function(wrap_pyfunction!(finance::finance_backtest, m)?)?;
    m.add_function(wrap_pyfunction!(finance::portfolio_risk, m)?)?;
    m.add_function(wrap_pyfunction!(finance::take_warnings, m)?)?;
    // Finance warnings reach Python through `warnings` (satool.SatoolWarning), not stderr.
    satool_app::finance::capture_warnings();
    Ok(())
}
