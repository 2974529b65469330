//! Error classes and exit codes: 0 success, 2 bad input or usage, 1 internal error.

use thiserror::Error;

/// A problem with what the user gave us (a file, a flag combination): exit code 2.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// Exit code for an error: 2 when any cause is bad input (ours or a domain reader's), else 1.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    let input = err.chain().any(|e| {
        e.is::<InputError>()
            || e.is::<satool::Error>()
            || e.is::<satool_protein::ProteinError>()
            || e.is::<satool_finance::FinanceError>()
    });
    if input {
        2
    } else {
        1
    }
}

/// Shorthand for returning an input error.
#[macro_export]
macro_rules! input_err {
    ($($t:tt)*) => { anyhow::Error::new($crate::error::InputError(format!($($t)*))) };
}
