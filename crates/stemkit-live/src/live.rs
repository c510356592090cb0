//! Building a live session: placing the sources, building the graph, starting the disk and
//! capture threads, and splitting the result into a [`LiveHandle`] for the main thread and
//! a [`LiveProcessor`] for the audio thread.

use std::path::PathBuf;
use std::sync::Arc;

use stemkit_core::AudioBuffer;
use stemkit_session::Session;

use crate::automation::Header;
use crate::capture::{CAPTURE_QUEUE, CaptureThread};
use crate::control::{Names, TimeBase};
use crate::graph::Graph;
use crate::meters::Meters;
use crate::processor::Queues;
use crate::state::MixState;
use crate::stream::{self, DiskThread, Placement};
use crate::{LiveError, LiveHandle, LiveProcessor};

/// Controls the queue holds between two audio blocks.
const CONTROL_QUEUE: usize = 4096;

/// How to run a live session.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Frames per audio block (the device buffer size).
    pub block: usize,
    /// Where to write the performance capture, if anywhere.
    pub capture: Option<PathBuf>,
    /// Threads that run stems' inserts beside the audio thread (0, the default: the audio
    /// thread runs everything). The output is the same whatever the number. Helpers pay
    /// off where waking a thread on another core is cheap and the stems are many; the
    /// audio thread then also depends on their cores being scheduled in time (see
    /// docs/PERFORMANCE.md for what they gave on a virtual machine).
    pub helpers: usize,
}

impl Default for LiveOptions {
    fn default() -> Self {
        Self {
            block: 256,
            capture: None,
            helpers: 0,
        }
    }
}

/// What a finished session leaves behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveSummary {
    /// Output frames played.
    pub frames: u64,
    pub underruns: u64,
    pub capture: Option<PathBuf>,
}

/// A live session being played: owns the disk and capture threads and the conformed
/// sources. Main thread.
pub struct Live {
    handle: LiveHandle,
    processor: Option<LiveProcessor>,
    disk: DiskThread,
    capture: Option<CaptureThread>,
    meters: Arc<Meters>,
    placement: Placement,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

impl Live {
    /// Prepares `session` for real-time playback: the transport is stopped at the session
    /// start, every control at the session's settings and the safety limiter in. (Anything
    /// else at the start is sent as a control, so a capture holds it.) `note` hears progress (sources
    /// being conformed).
    ///
    /// # Errors
    /// A source that cannot be read, an insert that cannot be built, a capture file that
    /// cannot be created, a block size of 0.
    pub fn new(
        session: &Session,
        options: &LiveOptions,
        note: &mut dyn FnMut(&str),
    ) -> Result<Self, LiveError> {
        Self::build(session, options, false, note)
    }

    /// As [`Live::new`] for an offline driver: the stream waits for the disk instead of
    /// coming back short, so no block is ever starved.
    pub(crate) fn offline(session: &Session, options: &LiveOptions) -> Result<Self, LiveError> {
        Self::build(session, options, true, &mut |_| {})
    }

    fn build(
        session: &Session,
        options: &LiveOptions,
        blocking: bool,
        note: &mut dyn FnMut(&str),
    ) -> Result<Self, LiveError> {
        if options.block == 0 {
            return Err(LiveError::Usage(
                "the block size must be at least 1 frame".into(),
            ));
        }
        let rate = session.settings.sample_rate;
        let placement = stream::place(session, note)?;
        for n in &placement.notes {
            note(n);
        }
        let names = Names::of(session);
        let time = TimeBase {
            sample_rate: rate,
            bpm: session.settings.bpm,
            beats_per_bar: 4,
            song_end: placement.song_end,
        };
        let mut graph = Graph::build(session, &placement.plans, options.block)?;
        graph.start_helpers(options.helpers)?;
        let latency = graph.latency();
        let meters = Arc::new(Meters::new(session.stems.len(), session.returns.len()));
        let (control_tx, control_rx) = rtrb::RingBuffer::new(CONTROL_QUEUE);
        let (capture, capture_tx) = match &options.capture {
            Some(path) => {
                let (tx, rx) = rtrb::RingBuffer::new(CAPTURE_QUEUE);
                let header = Header {
                    sample_rate: rate,
                    block: options.block,
                    session: session.settings.name.clone(),
                };
                (
                    Some(CaptureThread::start(
                        path,
                        &header,
                        names.clone(),
                        rx,
                        Arc::clone(&meters),
                    )?),
                    Some(tx),
                )
            }
            None => (None, None),
        };
        let (reader, disk) = stream::start(&placement.plans, rate, blocking)?;
        let sources = placement
            .plans
            .iter()
            .map(|p| AudioBuffer::new(p.channels, options.block))
            .collect();
        debug_assert_eq!(graph.track_count(), placement.plans.len());
        let processor = LiveProcessor::new(
            graph,
            reader,
            sources,
            Queues {
                controls: control_rx,
                capture: capture_tx,
            },
            Arc::clone(&meters),
            options.block,
            rate,
        );
        let handle = LiveHandle::new(
            names,
            time,
            latency,
            control_tx,
            Arc::clone(&meters),
            MixState::of(session),
        );
        Ok(Self {
            handle,
            processor: Some(processor),
            disk,
            capture,
            meters,
            placement,
        })
    }

    #[must_use]
    pub fn handle(&self) -> LiveHandle {
        self.handle.clone()
    }

    /// The audio thread's half, to move to the output backend (once).
    pub fn take_processor(&mut self) -> Option<LiveProcessor> {
        self.processor.take()
    }

    /// Starts reading the waveform overview in the background; the handle has it when done.
    pub fn scan_overview(&self) {
        let plans = self.placement.plans.clone();
        let handle = self.handle.clone();
        let (stems, end, rate) = (
            self.meters.stems.len(),
            self.placement.song_end,
            handle.time().sample_rate,
        );
        let _ = std::thread::Builder::new()
            .name("stemkit-overview".into())
            .spawn(move || handle.set_overview(crate::overview::scan(&plans, stems, end, rate)));
    }

    /// Main thread, after the output has stopped (the processor is no longer running):
    /// stops the disk thread and finishes the capture file.
    ///
    /// # Errors
    /// The capture file could not be finished.
    pub fn finish(mut self) -> Result<LiveSummary, LiveError> {
        self.disk.stop();
        let capture = self.capture.take().map(CaptureThread::finish).transpose()?;
        let m = &self.meters;
        Ok(LiveSummary {
            frames: m.clock.load(std::sync::atomic::Ordering::Acquire),
            underruns: m.underruns.load(std::sync::atomic::Ordering::Relaxed),
            capture,
        })
    }
}
