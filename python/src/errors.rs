//! Errors as Python exceptions carrying the command line's messages: `OSError` (its
//! `FileNotFoundError`/`PermissionError` subclasses where they apply) when a file cannot be read,
//! `ValueError` for bad input (what the CLI exits 2 for), `RuntimeError` for anything else.

use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyPermissionError, PyRuntimeError, PyValueError,
};
use pyo3::PyErr;
use std::io::ErrorKind;

/// The exception for an error of the app's jobs, with the CLI's one-line message.
pub fn job(e: anyhow::Error) -> PyErr {
    let msg = satool_app::error::message(&e);
    if satool_app::error::exit_code(&e) == 130 {
        return PyKeyboardInterrupt::new_err(msg);
    }
    // Bad bytes in a readable file (gzip, size limits) are bad input, not a file-system failure.
    let io = e.chain().find_map(|c| c.downcast_ref::<std::io::Error>());
    match io.map(std::io::Error::kind) {
        Some(ErrorKind::NotFound) => PyFileNotFoundError::new_err(msg),
        Some(ErrorKind::PermissionDenied) => PyPermissionError::new_err(msg),
        Some(k) if !matches!(k, ErrorKind::InvalidData | ErrorKind::UnexpectedEof | ErrorKind::InvalidInput) => {
            PyOSError::new_err(msg)
        }
        _ if satool_app::error::exit_code(&e) == 2 => PyValueError::new_err(msg),
        _ => PyRuntimeError::new_err(msg),
    }
}

/// The core's argument errors (β ≤ 0, α ∉ (0, 1), a bad memory) are bad input.
pub fn core(e: satool::Error) -> PyErr {
    if e == satool::Error::Interrupted {
        return PyKeyboardInterrupt::new_err(e.to_string());
    }
    PyValueError::new_err(e.to_string())
}

/// A `ValueError` with this message.
pub fn value(msg: impl Into<String>) -> PyErr {
    PyValueError::new_err(msg.into())
}
