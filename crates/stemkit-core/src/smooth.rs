//! Parameter smoothing, so a fader jump or an EQ change does not click.

/// A value that moves linearly to its target over a fixed number of samples.
///
/// Linear ramps rather than one-pole curves: a ramp reaches its target exactly after a
/// known number of samples, so two renders of the same automation are sample-identical
/// and the smoothing has a defined end.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Smoothed {
    current: f64,
    target: f64,
    step: f64,
    remaining: u32,
    ramp: u32,
}

impl Smoothed {
    /// A value at `value`, ramping over `ramp_samples` samples on every later change.
    #[must_use]
    pub fn new(value: f64, ramp_samples: u32) -> Self {
        Self {
            current: value,
            target: value,
            step: 0.0,
            remaining: 0,
            ramp: ramp_samples.max(1),
        }
    }

    /// A ramp length of `ms` milliseconds at `sample_rate`.
    #[must_use]
    pub fn ramp_samples(ms: f64, sample_rate: f64) -> u32 {
        (ms * 1e-3 * sample_rate).round().max(1.0) as u32
    }

    /// Starts a ramp to `target` (audio thread; no allocation).
    pub fn set_target(&mut self, target: f64) {
        if target == self.target {
            return;
        }
        self.target = target;
        self.remaining = self.ramp;
        self.step = (target - self.current) / f64::from(self.ramp);
    }

    /// Jumps to `value` with no ramp (before playback starts).
    pub fn set_immediate(&mut self, value: f64) {
        *self = Self::new(value, self.ramp);
    }

    /// The next sample's value.
    #[inline]
    pub fn next_value(&mut self) -> f64 {
        if self.remaining > 0 {
            self.remaining -= 1;
            self.current = if self.remaining == 0 {
                self.target
            } else {
                self.current + self.step
            };
        }
        self.current
    }

    #[must_use]
    pub fn is_smoothing(&self) -> bool {
        self.remaining > 0
    }

    #[must_use]
    pub fn target(&self) -> f64 {
        self.target
    }

    #[must_use]
    pub fn current(&self) -> f64 {
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_is_linear_and_lands_exactly() {
        let mut s = Smoothed::new(0.0, 4);
        s.set_target(1.0);
        let v: Vec<f64> = (0..6).map(|_| s.next_value()).collect();
        assert_eq!(v, [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]);
        assert!(!s.is_smoothing());
    }
}
