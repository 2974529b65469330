//! Ctrl-C during a long native call: the call runs without the GIL on a thread of its own while
//! the calling thread wakes every few milliseconds to run Python's signal handlers. When one
//! raises (KeyboardInterrupt), the run is asked to stop ([`satool::request_interrupt`]: the
//! sampler loops poll it between steps, so an uninterrupted run gives the same numbers), the
//! calling thread waits for it to return, and the exception is raised.

use pyo3::prelude::*;
use std::time::Duration;

/// How often the calling thread checks for signals.
const POLL: Duration = Duration::from_millis(20);

/// Stack of the thread that runs the call: the main thread's usual size, as `py.detach` would
/// have run the call there.
const STACK: usize = 8 << 20;

/// Runs `f` without the GIL, raising KeyboardInterrupt (or whatever a signal handler raises)
/// within a few steps of the run's loops after Ctrl-C. A panic in `f` is resumed here. The
/// finance warnings `f` kept on its thread move to the caller's, for `take_warnings`.
pub fn detach<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    let (out, warnings) = on_own_thread(py, move || {
        let out = f();
        (out, satool_app::finance::take_warnings())
    })?;
    satool_app::finance::keep_warnings(warnings);
    Ok(out)
}

fn on_own_thread<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    std::thread::scope(|s| {
        let caller = std::thread::current();
        let worker = std::thread::Builder::new()
            .name("satool-call".into())
            .stack_size(STACK)
            .spawn_scoped(s, move || {
                let out = f();
                caller.unpark();
                out
            })
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("cannot start the call's thread: {e}")))?;
        let join =
            |w: std::thread::ScopedJoinHandle<'_, T>| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        loop {
            if worker.is_finished() {
                return Ok(join(worker));
            }
            py.detach(|| std::thread::park_timeout(POLL));
            if let Err(e) = py.check_signals() {
                let _stop = satool::request_interrupt();
                // The value (an interrupted error, or a result that finished first) is dropped.
                drop(py.detach(|| join(worker)));
                return Err(e);
            }
        }
    })
}
