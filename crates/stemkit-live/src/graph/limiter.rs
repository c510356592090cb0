//! The master's safety limiter, switchable while playing.
//!
//! Switching a lookahead limiter in and out would move the output by its lookahead and
//! click, so both paths always run: the limiter, and the dry signal delayed by the same
//! latency; the switch crossfades between them over 20 ms. The limiter keeps listening
//! while bypassed, so it is settled the moment it comes back.

use stemkit_core::{AudioBuffer, DelayLine, ProcessSpec, Processor};
use stemkit_dsp::Limiter;
use stemkit_dsp::params::LimiterParams;

use super::ramp::{BlockGain, Ramp};

/// -1 dBTP ceiling, the common streaming-delivery figure, and the limiter's defaults.
pub(crate) fn params() -> LimiterParams {
    LimiterParams {
        ceiling_dbtp: -1.0,
        release_ms: 100.0,
        lookahead_ms: 1.5,
    }
}

pub(crate) struct SafetyLimiter {
    limiter: Limiter,
    dry_align: DelayLine,
    dry: AudioBuffer,
    wet: Ramp,
}

impl SafetyLimiter {
    /// Main thread.
    pub(crate) fn new(on: bool, sample_rate: f64, max_block: usize) -> Self {
        let mut limiter = Limiter::new(&params());
        limiter.prepare(ProcessSpec {
            sample_rate,
            max_block,
            channels: 2,
        });
        Self {
            dry_align: DelayLine::new(2, limiter.latency()),
            limiter,
            dry: AudioBuffer::new(2, max_block),
            wet: Ramp::new(if on { 1.0 } else { 0.0 }, sample_rate, max_block),
        }
    }

    pub(crate) fn latency(&self) -> usize {
        self.limiter.latency()
    }

    /// Audio thread.
    pub(crate) fn set(&mut self, on: bool) {
        self.wet.set(if on { 1.0 } else { 0.0 });
    }

    /// Audio thread: limits `buf` in place; returns the gain reduction it applied (dB,
    /// 0 or negative; 0 while bypassed).
    pub(crate) fn process(&mut self, buf: &mut AudioBuffer) -> f32 {
        self.dry.copy_from(buf);
        self.dry_align.process(&mut self.dry);
        self.limiter.process(buf, None);
        let w = self.wet.block(buf.frames());
        match w {
            BlockGain::Constant(1.0) => {}
            BlockGain::Constant(_) => buf.copy_from(&self.dry),
            BlockGain::Gliding => {
                for (c, ch) in buf.channels_mut().enumerate() {
                    for ((y, &d), &g) in ch
                        .iter_mut()
                        .zip(self.dry.channel(c))
                        .zip(self.wet.frames())
                    {
                        *y = d + g * (*y - d);
                    }
                }
            }
        }
        if self.wet.target() > 0.0 {
            self.limiter.gain_reduction_db()
        } else {
            0.0
        }
    }
}
