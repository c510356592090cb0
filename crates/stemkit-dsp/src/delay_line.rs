//! A fixed-capacity circular delay line of `f32` samples, shared by the delay, the reverb
//! and the dry path of the saturation.
//!
//! Storage is `f32` (half the memory traffic of `f64`, and 24-bit mantissas are far below
//! any audible error for a delay); the arithmetic around it is `f64` where it feeds back.
//! Every write stores magnitudes below [`FLUSH_BELOW`] and non-finite values as zero: a
//! decaying feedback loop would otherwise end in subnormal numbers, which x86 processors
//! compute up to a hundred times slower (the audio path has no safe way to set the
//! flush-to-zero CPU mode), and a NaN written into a feedback loop would circulate forever.

use crate::denormal::flush;

/// Magnitudes below this (-600 dBFS) are stored as exact zeros.
pub const FLUSH_BELOW: f64 = 1e-30;

/// A circular buffer whose capacity is fixed in [`DelayLine::new`].
#[derive(Clone)]
pub struct DelayLine {
    buf: Vec<f32>,
    mask: usize,
    /// Index of the latest write.
    pos: usize,
}

impl DelayLine {
    /// A silent line able to look back `max_delay` samples behind the latest write
    /// (main thread; allocates the next power of two above `max_delay`).
    #[must_use]
    pub fn new(max_delay: usize) -> Self {
        let len = (max_delay + 1).next_power_of_two();
        Self {
            buf: vec![0.0; len],
            mask: len - 1,
            pos: 0,
        }
    }

    /// Appends one sample (flushed, see the module doc).
    #[inline]
    pub fn write(&mut self, x: f32) {
        self.pos = (self.pos + 1) & self.mask;
        self.buf[self.pos] = flush(f64::from(x), FLUSH_BELOW) as f32;
    }

    /// The sample written `age` writes before the latest one: `tap(0)` is the latest.
    /// A feedback loop of `d` samples reads `tap(d - 1)` before writing the new sample;
    /// a plain delay of `d` samples writes first and reads `tap(d)`.
    #[inline]
    #[must_use]
    pub fn tap(&self, age: usize) -> f32 {
        debug_assert!(age <= self.mask, "tap {age} beyond the line's capacity");
        self.buf[self.pos.wrapping_sub(age) & self.mask]
    }

    /// Writes `x` and returns the sample written `delay` writes ago (`delay` 0 passes `x`).
    #[inline]
    pub fn delay(&mut self, x: f32, delay: usize) -> f32 {
        self.write(x);
        self.tap(delay)
    }

    /// Silences the line without reallocating.
    pub fn clear(&mut self) {
        self.buf.fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_is_exact_and_zero_delay_passes_through() {
        let mut line = DelayLine::new(5);
        let out: Vec<f32> = (1..=8).map(|i| line.delay(i as f32, 5)).collect();
        assert_eq!(out, [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0]);
        assert_eq!(line.delay(9.0, 0), 9.0);
        assert_eq!(line.tap(1), 8.0);
    }

    #[test]
    fn tiny_and_non_finite_values_are_stored_as_zero() {
        let mut line = DelayLine::new(1);
        line.write(1e-35);
        assert_eq!(line.tap(0).to_bits(), 0);
        line.write(-2e-30);
        assert_eq!(line.tap(0), -2e-30);
        line.write(f32::NAN);
        assert_eq!(line.tap(0), 0.0);
        line.write(f32::NEG_INFINITY);
        assert_eq!(line.tap(0), 0.0);
    }
}
