//! Gain-riding processors (compressor, limiter) as a gain computer plus a gain applier.
//!
//! Master-consistent stems (DESIGN §3) need the gain a master compressor or limiter
//! derives from the full mix, applied unchanged to every stem. Keeping the computer
//! (detector → static curve → envelope → one gain per frame) apart from the applier
//! (delay the audio by the computer's lookahead, multiply) makes that the same code as
//! the ordinary processor: the engine calls [`Dynamics::compute_gain`] on the mix and
//! multiplies each stem by the result.

use stemkit_core::{AudioBuffer, ProcessSpec, Processor};

/// Turns a detector (key) signal into one gain factor per frame.
pub trait GainComputer: Send {
    /// Main thread; allocates scratch for `spec.max_block` frames and resets.
    fn prepare(&mut self, spec: ProcessSpec);

    /// Clears envelopes and detector history, without allocating.
    fn reset(&mut self);

    /// Reads `key` (any channel count; channels are linked) and writes the linear gain
    /// for each of its frames into `gains` (`gains.len() == key.frames()`). The gain of
    /// frame `n` applies to the signal delayed by [`GainComputer::latency`] frames.
    /// Never allocates.
    fn compute(&mut self, key: &AudioBuffer, gains: &mut [f32]);

    /// Frames by which the audio must be delayed to line up with the gains (lookahead).
    fn latency(&self) -> usize {
        0
    }

    /// Whether the detector reads the external sidechain rather than the input.
    fn keyed(&self) -> bool {
        false
    }

    /// Gain reduction at the end of the last computed block, dB (≤ 0).
    fn gain_reduction_db(&self) -> f32;
}

/// A [`GainComputer`] and the applier that delays the audio by its latency and
/// multiplies it by the computed gain.
pub struct Dynamics<C> {
    computer: C,
    gains: Vec<f32>,
    /// `channels × delay_len` ring of past input.
    delay: Vec<f32>,
    delay_len: usize,
    delay_pos: usize,
}

impl<C: GainComputer> Dynamics<C> {
    pub(crate) fn with_computer(computer: C) -> Self {
        Self {
            computer,
            gains: Vec::new(),
            delay: Vec::new(),
            delay_len: 0,
            delay_pos: 0,
        }
    }

    /// The gain the processor would apply for `key`, one factor per frame, without
    /// touching any audio: output frame `n` = input frame `n − lookahead()` × `gains[n]`.
    /// Advances the detector state exactly as [`Processor::process`] does.
    pub fn compute_gain(&mut self, key: &AudioBuffer, gains: &mut [f32]) {
        self.computer.compute(key, gains);
    }

    /// Frames between a key frame and the audio frame its gain applies to.
    #[must_use]
    pub fn lookahead(&self) -> usize {
        self.computer.latency()
    }

    fn apply_delayed(&mut self, block: &mut AudioBuffer) {
        let len = self.delay_len;
        let gains = &self.gains[..block.frames()];
        for (c, ch) in block.channels_mut().enumerate() {
            let ring = &mut self.delay[c * len..(c + 1) * len];
            let mut p = self.delay_pos;
            for (x, &g) in ch.iter_mut().zip(gains) {
                let delayed = ring[p];
                ring[p] = *x;
                *x = delayed * g;
                p += 1;
                if p == len {
                    p = 0;
                }
            }
        }
        self.delay_pos = (self.delay_pos + gains.len()) % len;
    }
}

impl<C: GainComputer> Processor for Dynamics<C> {
    fn prepare(&mut self, spec: ProcessSpec) {
        self.computer.prepare(spec);
        self.gains = vec![1.0; spec.max_block];
        self.delay_len = self.computer.latency();
        self.delay = vec![0.0; spec.channels * self.delay_len];
        self.delay_pos = 0;
    }

    /// The key is `sidechain` when the computer is keyed and one is given, else the input.
    fn process(&mut self, block: &mut AudioBuffer, sidechain: Option<&AudioBuffer>) {
        let frames = block.frames();
        let key = match sidechain {
            Some(key) if self.computer.keyed() => key,
            _ => &*block,
        };
        self.computer.compute(key, &mut self.gains[..frames]);
        if self.delay_len == 0 {
            let gains = &self.gains[..frames];
            for ch in block.channels_mut() {
                ch.iter_mut().zip(gains).for_each(|(x, &g)| *x *= g);
            }
        } else {
            self.apply_delayed(block);
        }
    }

    fn reset(&mut self) {
        self.computer.reset();
        self.delay.fill(0.0);
        self.delay_pos = 0;
    }

    fn latency(&self) -> usize {
        self.computer.latency()
    }

    fn gain_reduction_db(&self) -> f32 {
        self.computer.gain_reduction_db()
    }
}
