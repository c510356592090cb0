//! Outputs with no sound card: `null` (played in real time, heard by no one) and
//! `file:PATH` (the same, recorded). The thread here plays the part of a device's audio
//! callback: it renders a block, hands it on, and sleeps until the block's time has come.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use stemkit_core::AudioBuffer;

use super::Timing;
use super::recorder::Recorder;
use crate::{LiveError, LiveProcessor};

/// Main thread: starts the paced thread. It stops by itself after `max_frames` (setting
/// `finished`), or when `stop` is set.
pub(super) fn spawn(
    mut processor: LiveProcessor,
    mut recorder: Option<Recorder>,
    sample_rate: u32,
    max_frames: Option<u64>,
    stop: Arc<AtomicBool>,
    finished: Arc<AtomicBool>,
    mut timing: Timing,
) -> Result<JoinHandle<()>, LiveError> {
    std::thread::Builder::new()
        .name("stemkit-audio".into())
        .spawn(move || {
            super::promote_audio_thread();
            let block = processor.block_size();
            let period = Duration::from_secs_f64(block as f64 / f64::from(sample_rate));
            let mut out = AudioBuffer::new(2, block);
            let mut deadline = Instant::now();
            while !stop.load(Ordering::Relaxed) && max_frames.is_none_or(|m| processor.clock() < m)
            {
                let started = Instant::now();
                processor.process(&mut out);
                if let Some(r) = &mut recorder {
                    r.push(&out);
                }
                timing.record(started.elapsed(), period);
                deadline += period;
                let now = Instant::now();
                if deadline > now {
                    std::thread::sleep(deadline - now);
                } else if now - deadline > Duration::from_secs(1) {
                    // Far behind (the machine was suspended): start counting afresh.
                    deadline = now;
                }
            }
            finished.store(true, Ordering::Release);
        })
        .map_err(|e| LiveError::Thread(format!("cannot start the audio thread: {e}")))
}
