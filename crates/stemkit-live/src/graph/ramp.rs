//! Gains that glide to a new value over a fixed time, so a fader jump, a mute or a send
//! change never steps the waveform (no click).

use stemkit_core::Smoothed;

/// Glide time of every fader, mute, solo and send change.
pub(crate) const GAIN_RAMP_MS: f64 = 20.0;

/// A smoothed linear gain rendered a block at a time.
pub(crate) struct Ramp {
    value: Smoothed,
    /// Per-frame gains of the current block while gliding.
    frames: Vec<f32>,
}

/// The gain over one block: one value, or the per-frame values in [`Ramp::frames`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum BlockGain {
    Constant(f32),
    Gliding,
}

impl Ramp {
    /// Main thread: a gain at `value` gliding over [`GAIN_RAMP_MS`] on every change.
    pub(crate) fn new(value: f64, sample_rate: f64, max_block: usize) -> Self {
        Self {
            value: Smoothed::new(value, Smoothed::ramp_samples(GAIN_RAMP_MS, sample_rate)),
            frames: vec![0.0; max_block],
        }
    }

    /// Audio thread.
    pub(crate) fn set(&mut self, target: f64) {
        self.value.set_target(target);
    }

    pub(crate) fn target(&self) -> f64 {
        self.value.target()
    }

    /// Advances by `n` frames and tells how the gain moved over them.
    pub(crate) fn block(&mut self, n: usize) -> BlockGain {
        if !self.value.is_smoothing() {
            return BlockGain::Constant(self.value.current() as f32);
        }
        for g in &mut self.frames[..n] {
            *g = self.value.next_value() as f32;
        }
        BlockGain::Gliding
    }

    /// The per-frame gains of the last [`Ramp::block`] that glided.
    pub(crate) fn frames(&self) -> &[f32] {
        &self.frames
    }

    /// Whether the whole last block was silent and the gain rests at zero.
    pub(crate) fn is_silent(&self) -> bool {
        !self.value.is_smoothing() && self.value.current() == 0.0
    }
}

/// `dst *= gain` over a block.
pub(crate) fn scale(dst: &mut [f32], gain: BlockGain, frames: &[f32]) {
    match gain {
        BlockGain::Constant(1.0) => {}
        BlockGain::Constant(g) => dst.iter_mut().for_each(|x| *x *= g),
        BlockGain::Gliding => dst.iter_mut().zip(frames).for_each(|(x, g)| *x *= g),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glides_linearly_then_holds() {
        // 20 ms at 400 Hz is 8 frames.
        let mut r = Ramp::new(1.0, 400.0, 16);
        assert_eq!(r.block(4), BlockGain::Constant(1.0));
        r.set(0.0);
        assert_eq!(r.block(4), BlockGain::Gliding);
        assert_eq!(&r.frames()[..4], &[0.875, 0.75, 0.625, 0.5]);
        assert_eq!(r.block(4), BlockGain::Gliding);
        assert_eq!(&r.frames()[..4], &[0.375, 0.25, 0.125, 0.0]);
        assert_eq!(r.block(4), BlockGain::Constant(0.0));
        assert!(r.is_silent());
    }
}
