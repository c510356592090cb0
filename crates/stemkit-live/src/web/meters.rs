//! One thread reads the meters 30 times a second and every open page gets that frame:
//! peak cells are emptied by reading, so they are read in one place only.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::json;

use crate::meters::BusMeter;
use crate::{LiveError, LiveHandle};

/// Meter frames per second sent to the pages.
pub(super) const FPS: u64 = 30;

/// The latest meter frame as JSON, with its sequence number.
pub(super) type Snapshot = Arc<Mutex<(u64, Arc<str>)>>;

pub(super) struct MeterFeed {
    snapshot: Snapshot,
    thread: Option<JoinHandle<()>>,
}

fn bus(m: &BusMeter) -> [f32; 3] {
    [m.peak[0].take(), m.peak[1].take(), m.reduction_db.take()]
}

/// The meter message the page draws: levels linear, reductions in dB.
pub(super) fn frame(handle: &LiveHandle) -> String {
    let m = handle.meters();
    json!({
        "t": "m",
        "clock": m.clock.load(Relaxed),
        "pos": m.playhead.load(Relaxed),
        "state": m.transport_state(),
        "loop": m.loop_range(),
        "underruns": m.underruns.load(Relaxed),
        "load": f64::from(m.load_permille.swap(0, Relaxed)) / 1000.0,
        "stems": m.stems.iter().map(bus).collect::<Vec<_>>(),
        "returns": m.returns.iter().map(bus).collect::<Vec<_>>(),
        "master": bus(&m.master),
    })
    .to_string()
}

impl MeterFeed {
    pub(super) fn start(handle: LiveHandle, stop: Arc<AtomicBool>) -> Result<Self, LiveError> {
        let snapshot: Snapshot = Arc::new(Mutex::new((0, Arc::from(""))));
        let shared = Arc::clone(&snapshot);
        let thread = std::thread::Builder::new()
            .name("stemkit-meters".into())
            .spawn(move || {
                let mut seq = 0;
                while !stop.load(Relaxed) {
                    seq += 1;
                    let text: Arc<str> = Arc::from(frame(&handle));
                    *shared.lock().unwrap_or_else(PoisonError::into_inner) = (seq, text);
                    std::thread::sleep(Duration::from_millis(1000 / FPS));
                }
            })
            .map_err(|e| LiveError::Thread(format!("cannot start the meter thread: {e}")))?;
        Ok(Self {
            snapshot,
            thread: Some(thread),
        })
    }

    pub(super) fn snapshot(&self) -> Snapshot {
        Arc::clone(&self.snapshot)
    }
}

impl Drop for MeterFeed {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
