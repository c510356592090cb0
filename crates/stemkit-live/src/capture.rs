//! Performance capture: every control the audio thread applied, and every stall, with the
//! output frame it took effect at, written to a text file by a thread of its own.
//!
//! The audio thread pushes [`Captured`] entries into a wait-free ring; the capture thread
//! drains it every 10 ms and writes lines (see [`crate::automation`]). When the session ends
//! the file gets its end line, which is the length of the performance.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rtrb::Consumer;

use crate::LiveError;
use crate::automation::{Entry, Header};
use crate::control::Names;
use crate::meters::Meters;

/// One entry at its output frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Captured {
    pub(crate) frame: u64,
    pub(crate) entry: Entry,
}

/// Entries the ring holds before the audio thread starts losing them (counted in
/// [`Meters::lost_captures`]): far more than a performer can send in 10 ms.
pub(crate) const CAPTURE_QUEUE: usize = 16_384;

pub(crate) struct CaptureThread {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<Result<(), LiveError>>>,
    pub(crate) path: PathBuf,
}

impl CaptureThread {
    /// Main thread: creates `path`, writes the header, starts the thread.
    pub(crate) fn start(
        path: &Path,
        header: &Header,
        names: Names,
        entries: Consumer<Captured>,
        meters: Arc<Meters>,
    ) -> Result<Self, LiveError> {
        let file_err = |source| LiveError::File {
            path: path.to_path_buf(),
            source,
        };
        let mut out = BufWriter::new(File::create(path).map_err(file_err)?);
        out.write_all(header.to_text().as_bytes())
            .map_err(file_err)?;
        out.flush().map_err(file_err)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let owned = path.to_path_buf();
        let handle = std::thread::Builder::new()
            .name("stemkit-capture".into())
            .spawn(move || run(out, &owned, &names, entries, &meters, &flag))
            .map_err(|e| LiveError::Thread(format!("cannot start the capture thread: {e}")))?;
        Ok(Self {
            stop,
            handle: Some(handle),
            path: path.to_path_buf(),
        })
    }

    /// Main thread, after the audio has stopped: writes what is left and the end line.
    pub(crate) fn finish(mut self) -> Result<PathBuf, LiveError> {
        self.stop.store(true, Ordering::Relaxed);
        let result = match self.handle.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(LiveError::Thread("the capture thread panicked".into())),
            None => Ok(()),
        };
        result.map(|()| self.path.clone())
    }
}

impl Drop for CaptureThread {
    /// A session abandoned without [`CaptureThread::finish`] (an error while starting)
    /// still ends the thread; the file then has what was captured, and its end line.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn run(
    mut out: BufWriter<File>,
    path: &Path,
    names: &Names,
    mut entries: Consumer<Captured>,
    meters: &Meters,
    stop: &AtomicBool,
) -> Result<(), LiveError> {
    let file_err = |source| LiveError::File {
        path: path.to_path_buf(),
        source,
    };
    loop {
        let last = stop.load(Ordering::Acquire);
        while let Ok(c) = entries.pop() {
            out.write_all(c.entry.line(c.frame, names).as_bytes())
                .map_err(file_err)?;
        }
        if last {
            let end = meters.clock.load(Ordering::Acquire);
            out.write_all(Entry::End.line(end, names).as_bytes())
                .map_err(file_err)?;
            out.flush().map_err(file_err)?;
            return out.get_ref().sync_all().map_err(file_err);
        }
        out.flush().map_err(file_err)?;
        std::thread::sleep(Duration::from_millis(10));
    }
}
