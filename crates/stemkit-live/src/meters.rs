//! What the audio thread tells the surfaces: peak and gain-reduction meters, the playhead,
//! the transport state and the trouble counters, all in atomics.
//!
//! The audio thread only stores and `fetch_max`es (wait-free); a surface thread reads with
//! `swap(0)`, so a meter shows the largest value since the last time it was read, however
//! the audio blocks and the meter frames interleave. Positive `f32`s order like their bit
//! patterns, which is what lets `fetch_max` on the bits act as a float maximum.

use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering::Relaxed};

/// A running maximum of a non-negative level since it was last read.
#[derive(Debug, Default)]
pub struct PeakCell(AtomicU32);

impl PeakCell {
    /// Audio thread. A non-finite level is shown as a full-scale overload (1e9).
    pub(crate) fn offer(&self, level: f32) {
        let level = if level.is_finite() { level.abs() } else { 1e9 };
        self.0.fetch_max(level.to_bits(), Relaxed);
    }

    /// Surface thread: the maximum since the last read, and a reset.
    pub fn take(&self) -> f32 {
        f32::from_bits(self.0.swap(0, Relaxed))
    }
}

/// Meters of one bus: peak per channel (mono buses show one value on both) and the largest
/// gain reduction of its processors, as a positive number of dB.
#[derive(Debug, Default)]
pub struct BusMeter {
    pub peak: [PeakCell; 2],
    pub reduction_db: PeakCell,
}

impl BusMeter {
    /// Audio thread.
    pub(crate) fn offer(&self, buf: &stemkit_core::AudioBuffer, reduction_db: f32) {
        for (c, cell) in self.peak.iter().enumerate() {
            let ch = buf.channel(c.min(buf.channels() - 1));
            cell.offer(ch.iter().fold(0.0_f32, |m, &x| m.max(x.abs())));
        }
        self.reduction_db.offer(-reduction_db);
    }
}

/// Transport states as stored in [`Meters::transport`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportState {
    Stopped,
    Playing,
    Paused,
}

impl TransportState {
    pub(crate) fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Playing,
            2 => Self::Paused,
            _ => Self::Stopped,
        }
    }

    pub(crate) fn as_u8(self) -> u8 {
        match self {
            Self::Stopped => 0,
            Self::Playing => 1,
            Self::Paused => 2,
        }
    }
}

/// No loop, in [`Meters::loop_start`].
pub const NO_LOOP: u64 = u64::MAX;

/// Everything the audio thread publishes; shared behind an `Arc`.
#[derive(Debug)]
pub struct Meters {
    pub stems: Vec<BusMeter>,
    pub returns: Vec<BusMeter>,
    pub master: BusMeter,
    /// Frames the output has produced since the start (the capture clock).
    pub clock: AtomicU64,
    /// Timeline frame of the playhead.
    pub playhead: AtomicU64,
    pub transport: AtomicU8,
    pub loop_start: AtomicU64,
    pub loop_end: AtomicU64,
    /// Blocks in which the disk did not deliver in time while playing (not counting the
    /// refill after a seek).
    pub underruns: AtomicU64,
    /// Controls refused because the control queue was full.
    pub dropped_controls: AtomicU64,
    /// Capture entries lost because the capture queue was full (the replay would differ).
    pub lost_captures: AtomicU64,
    /// Frames the recorder could not take (the recording would have a gap).
    pub lost_recording: AtomicU64,
    /// Longest callback since the web surface last read it, as a share of the block
    /// period, in 1/1000.
    pub load_permille: AtomicU32,
}

impl Meters {
    pub(crate) fn new(stems: usize, returns: usize) -> Self {
        Self {
            stems: (0..stems).map(|_| BusMeter::default()).collect(),
            returns: (0..returns).map(|_| BusMeter::default()).collect(),
            master: BusMeter::default(),
            clock: AtomicU64::new(0),
            playhead: AtomicU64::new(0),
            transport: AtomicU8::new(TransportState::Stopped.as_u8()),
            loop_start: AtomicU64::new(NO_LOOP),
            loop_end: AtomicU64::new(NO_LOOP),
            underruns: AtomicU64::new(0),
            dropped_controls: AtomicU64::new(0),
            lost_captures: AtomicU64::new(0),
            lost_recording: AtomicU64::new(0),
            load_permille: AtomicU32::new(0),
        }
    }

    #[must_use]
    pub fn transport_state(&self) -> TransportState {
        TransportState::from_u8(self.transport.load(Relaxed))
    }

    /// The loop as timeline frames, if one is set.
    #[must_use]
    pub fn loop_range(&self) -> Option<(u64, u64)> {
        let (a, b) = (self.loop_start.load(Relaxed), self.loop_end.load(Relaxed));
        (a != NO_LOOP && b != NO_LOOP).then_some((a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_cells_keep_the_maximum_until_read() {
        let c = PeakCell::default();
        c.offer(0.25);
        c.offer(-0.75);
        c.offer(0.5);
        assert_eq!(c.take(), 0.75);
        assert_eq!(c.take(), 0.0);
        c.offer(f32::NAN);
        assert_eq!(c.take(), 1e9);
    }
}
