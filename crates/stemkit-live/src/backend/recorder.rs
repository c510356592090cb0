//! The `file:` output's recording: the audio thread hands each block to a wait-free ring,
//! and a writer thread turns it into a 32-bit float WAV (under a temporary name until the
//! session ends, like every file stemkit writes).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rtrb::{Consumer, Producer};
use stemkit_core::AudioBuffer;
use stemkit_io::{SampleFormat, WavSpec, WavWriter};

use crate::LiveError;
use crate::meters::Meters;

/// Seconds of audio the ring holds: the longest the disk may stall the writer.
const RING_SECONDS: usize = 4;

/// The audio thread's end.
pub(crate) struct Recorder {
    tx: Producer<f32>,
    meters: Arc<Meters>,
}

impl Recorder {
    /// Audio thread: queues a stereo block; a block the ring has no room for is counted
    /// as lost in [`Meters::lost_recording`].
    pub(crate) fn push(&mut self, block: &AudioBuffer) {
        let n = block.frames();
        match self.tx.write_chunk_uninit(2 * n) {
            Ok(chunk) => {
                let (l, r) = (block.channel(0), block.channel(1));
                chunk.fill_from_iter(l.iter().zip(r).flat_map(|(&a, &b)| [a, b]));
            }
            Err(_) => {
                self.meters
                    .lost_recording
                    .fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
}

/// The writer thread; [`RecorderThread::finish`] completes the file.
pub(crate) struct RecorderThread {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<Result<PathBuf, LiveError>>>,
}

/// Main thread: creates the file and starts the writer.
pub(crate) fn start(
    path: &Path,
    sample_rate: u32,
    meters: Arc<Meters>,
) -> Result<(Recorder, RecorderThread), LiveError> {
    let spec = WavSpec {
        sample_rate,
        channels: 2,
        format: SampleFormat::Float32,
    };
    let writer = WavWriter::create(path, spec)?;
    let (tx, rx) = rtrb::RingBuffer::new(2 * RING_SECONDS * sample_rate as usize);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let handle = std::thread::Builder::new()
        .name("stemkit-recorder".into())
        .spawn(move || write(writer, rx, &flag))
        .map_err(|e| LiveError::Thread(format!("cannot start the recorder: {e}")))?;
    Ok((
        Recorder { tx, meters },
        RecorderThread {
            stop,
            handle: Some(handle),
        },
    ))
}

impl RecorderThread {
    /// Main thread, after the audio has stopped: writes what is queued and renames the
    /// file to its final name.
    pub(crate) fn finish(mut self) -> Result<PathBuf, LiveError> {
        self.stop.store(true, Ordering::Release);
        match self.handle.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            _ => Err(LiveError::Thread("the recorder thread panicked".into())),
        }
    }
}

fn write(
    mut writer: WavWriter,
    mut rx: Consumer<f32>,
    stop: &AtomicBool,
) -> Result<PathBuf, LiveError> {
    let (mut left, mut right) = (Vec::new(), Vec::new());
    loop {
        let last = stop.load(Ordering::Acquire);
        let n = rx.slots() / 2 * 2;
        if n > 0 {
            let Ok(chunk) = rx.read_chunk(n) else {
                continue;
            };
            let (a, b) = chunk.as_slices();
            left.clear();
            right.clear();
            let mut samples = a.iter().chain(b);
            while let (Some(&l), Some(&r)) = (samples.next(), samples.next()) {
                left.push(l);
                right.push(r);
            }
            chunk.commit_all();
            writer.write_float(&[&left, &right])?;
        } else if last {
            return Ok(writer.finish()?.commit()?);
        } else {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
