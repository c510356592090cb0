//! The audio thread's half of a live session.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use rtrb::{Consumer, Producer};
use stemkit_core::AudioBuffer;

use crate::automation::Entry;
use crate::capture::Captured;
use crate::control::Control;
use crate::graph::Graph;
use crate::meters::{Meters, NO_LOOP};
use crate::stream::StreamReader;
use crate::transport::Transport;

/// The audio thread's ends of the control queue and the capture ring.
pub(crate) struct Queues {
    pub(crate) controls: Consumer<Control>,
    pub(crate) capture: Option<Producer<Captured>>,
}

/// Runs the mix, one block at a time, on the audio thread.
///
/// Every method here runs on the audio thread (or on the thread driving an offline replay)
/// and never allocates, locks, blocks or does I/O: controls arrive through a wait-free
/// queue, source audio through the stream's chunk ring, and what the surfaces see leaves
/// through atomics ([`Meters`]) and the capture ring. Build it with [`crate::Live`] on the
/// main thread and move it to the audio thread.
pub struct LiveProcessor {
    graph: Graph,
    transport: Transport,
    stream: StreamReader,
    sources: Vec<AudioBuffer>,
    controls: Consumer<Control>,
    capture: Option<Producer<Captured>>,
    meters: Arc<Meters>,
    clock: u64,
    block: usize,
    sample_rate: u32,
    /// Frames a replay must leave out of the next block (a recorded stall).
    replay_stall: usize,
}

impl LiveProcessor {
    pub(crate) fn new(
        graph: Graph,
        stream: StreamReader,
        sources: Vec<AudioBuffer>,
        queues: Queues,
        meters: Arc<Meters>,
        block: usize,
        sample_rate: u32,
    ) -> Self {
        Self {
            graph,
            transport: Transport::new(sample_rate),
            stream,
            sources,
            controls: queues.controls,
            capture: queues.capture,
            meters,
            clock: 0,
            block,
            sample_rate,
            replay_stall: 0,
        }
    }

    /// Frames of every block: the processor always runs on this grid, whatever the device
    /// asks for, so a replay can reproduce it.
    #[must_use]
    pub fn block_size(&self) -> usize {
        self.block
    }

    /// Frames from a source frame entering to its leaving the output.
    #[must_use]
    pub fn latency(&self) -> usize {
        self.graph.latency()
    }

    /// The session's sample rate.
    #[must_use]
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    pub(crate) fn meters(&self) -> Arc<Meters> {
        Arc::clone(&self.meters)
    }

    /// Output frames produced so far.
    #[must_use]
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// Replay driver: the next block takes `frames` fewer source frames, as the recorded
    /// performance did.
    pub(crate) fn replay_stall(&mut self, frames: usize) {
        self.replay_stall = frames;
    }

    /// Renders the next block into `out` (stereo, [`LiveProcessor::block_size`] frames).
    ///
    /// # Panics
    /// When `out` is not stereo or not one block long.
    pub fn process(&mut self, out: &mut AudioBuffer) {
        assert!(
            out.channels() == 2 && out.frames() == self.block,
            "a live block is stereo and {} frames",
            self.block
        );
        let at = self.clock;
        while let Ok(c) = self.controls.pop() {
            self.transport.apply(&c, &mut self.stream);
            self.graph.apply(&c);
            self.capture(at, Entry::Control(c));
        }
        let n = self.block;
        let limit = n - self.replay_stall.min(n);
        self.replay_stall = 0;
        let took = self
            .transport
            .take(&mut self.stream, &mut self.sources, n, limit);
        let stall = took.wanted.min(limit) - took.got;
        if took.got < took.wanted {
            self.capture(at, Entry::Stall((took.wanted - took.got) as u32));
        }
        if took.underrun && stall > 0 {
            self.meters.underruns.fetch_add(1, Relaxed);
        }
        self.graph.process(&mut self.sources, out, &self.meters);
        self.clock += n as u64;
        self.publish();
    }

    fn capture(&mut self, frame: u64, entry: Entry) {
        if let Some(q) = &mut self.capture
            && q.push(Captured { frame, entry }).is_err()
        {
            self.meters.lost_captures.fetch_add(1, Relaxed);
        }
    }

    fn publish(&self) {
        let m = &self.meters;
        m.playhead.store(self.transport.playhead, Relaxed);
        m.transport.store(self.transport.state().as_u8(), Relaxed);
        let (a, b) = self.transport.looped.unwrap_or((NO_LOOP, NO_LOOP));
        m.loop_start.store(a, Relaxed);
        m.loop_end.store(b, Relaxed);
        m.clock
            .store(self.clock, std::sync::atomic::Ordering::Release);
    }
}
