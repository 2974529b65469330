//! Stopping a long call from outside: a host (the Python package on Ctrl-C) asks every sampler
//! loop in the process to stop with [`request_interrupt`]; the loops poll [`check_interrupt`]
//! between steps and return [`Error::Interrupted`]. Polling reads one atomic and draws nothing,
//! so a run that is not interrupted gives the same bits. (The flag is process-wide, so it has no
//! unit test here, where tests run side by side: python/tests/test_interrupt.py tests it.)

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Requests in force (one per [`InterruptRequest`] alive).
static REQUESTS: AtomicUsize = AtomicUsize::new(0);

/// Keeps the request in force until dropped (the host drops it once its call has returned).
#[derive(Debug)]
#[must_use = "the request ends when the guard is dropped"]
pub struct InterruptRequest(());

impl Drop for InterruptRequest {
    fn drop(&mut self) {
        REQUESTS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Asks every loop that polls [`check_interrupt`] to stop, until the guard is dropped.
pub fn request_interrupt() -> InterruptRequest {
    REQUESTS.fetch_add(1, Ordering::SeqCst);
    InterruptRequest(())
}

/// Whether a stop is requested.
pub fn interrupt_requested() -> bool {
    REQUESTS.load(Ordering::Relaxed) > 0
}

/// `Err(Error::Interrupted)` when a stop is requested.
pub fn check_interrupt() -> Result<()> {
    if interrupt_requested() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}
