//! Ending a performance from the terminal: Ctrl-C or SIGTERM set a flag the main thread
//! watches, so the recording and the capture are finished instead of left half-written.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::LiveError;

/// Main thread, once per process: a flag that turns true on Ctrl-C or SIGTERM.
///
/// # Errors
/// A handler is already installed, or the system refused one.
pub fn stop_on_interrupt() -> Result<Arc<AtomicBool>, LiveError> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = Arc::clone(&flag);
    ctrlc::set_handler(move || set.store(true, Ordering::Relaxed))
        .map_err(|e| LiveError::Usage(format!("cannot watch for Ctrl-C: {e}")))?;
    Ok(flag)
}
