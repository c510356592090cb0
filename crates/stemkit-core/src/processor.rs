//! The lifecycle every processor follows, on the thread each step runs on.

use crate::AudioBuffer;

/// What a processor is prepared for. Decided on the main thread before any audio runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProcessSpec {
    /// Samples per second of the audio the processor will see.
    pub sample_rate: f64,
    /// Largest block `process` will be called with; buffers are sized for it in `prepare`.
    pub max_block: usize,
    /// Channels of the bus the processor sits on (1 or 2).
    pub channels: usize,
}

/// A processor on a track, stem, return or the master.
///
/// The same instances serve the offline render and the live host, so the real-time rules
/// hold everywhere: everything that allocates happens in [`Processor::prepare`], and
/// [`Processor::process`] only computes.
pub trait Processor: Send {
    /// Main thread, before audio starts (and again if the rate or block size changes).
    /// Allocates delay lines and tables; leaves the processor reset.
    fn prepare(&mut self, spec: ProcessSpec);

    /// Audio thread. Processes `block` in place; `block.frames() <= spec.max_block` and
    /// `block.channels() == spec.channels`. `sidechain` is the key signal for processors
    /// that take one (same frame count), `None` otherwise.
    ///
    /// Never allocates, locks, blocks or does I/O. A NaN or infinity in the input must not
    /// leave the processor stuck: its state recovers once the input is finite again.
    fn process(&mut self, block: &mut AudioBuffer, sidechain: Option<&AudioBuffer>);

    /// Any thread that owns the processor: clears the state (delay lines, envelopes) as if
    /// no audio had been processed, without allocating.
    fn reset(&mut self);

    /// Samples by which the output lags the input; the engine compensates it (PDC).
    fn latency(&self) -> usize {
        0
    }

    /// Samples the output may still be non-silent after the input falls silent
    /// (reverb and delay tails, filter ring-out).
    fn tail(&self) -> usize {
        0
    }

    /// Whether the processor is linear and time-invariant: a sum of inputs through it
    /// equals the sum of their outputs. The wet variant and master-consistent prints are
    /// exact only through such processors.
    fn is_linear(&self) -> bool {
        false
    }

    /// Current gain reduction in dB (0 or negative) for meters; processors that reduce
    /// gain dynamically report it, the rest report 0.
    fn gain_reduction_db(&self) -> f32 {
        0.0
    }
}
