//! Signal generators, envelopes and filters the instruments are built from.
//!
//! Everything that runs per sample is a recurrence (phase accumulators, one-multiply
//! envelopes, a polynomial sine), so forty tracks of four minutes synthesise in seconds;
//! `exp`, `tan` and `powf` are evaluated only per note or per control block.

use std::f32::consts::PI;

/// Frames between control updates (filter sweeps, vibrato, the silence check). Control
/// points sit on a fixed grid of the file, which is what makes the output independent of
/// the block size the caller asks for.
pub(crate) const CONTROL: usize = 32;

/// Envelope level (-120 dB) below which a voice counts as silent and stops.
pub(crate) const SILENT: f32 = 1e-6;

/// Equal-tempered frequency of a MIDI note number (A4 = 69 = 440 Hz).
pub(crate) fn midi_hz(note: f32) -> f32 {
    440.0 * ((note - 69.0) / 12.0).exp2()
}

/// Per-sample factor of an exponential decay that falls 60 dB in `t60` seconds.
pub(crate) fn decay_coef(t60: f32, sr: f32) -> f32 {
    (-(1000f32.ln()) / (t60 * sr)).exp()
}

/// One-pole smoothing coefficient for a time constant of `tau` seconds at `rate` updates
/// per second.
pub(crate) fn smooth_coef(tau: f32, rate: f32) -> f32 {
    1.0 - (-1.0 / (tau * rate)).exp()
}

/// `sin(2π·phase)` for a phase in turns, `0 <= phase < 1`.
///
/// Folded to a quarter turn and evaluated with the Taylor series up to `x⁹`, whose error
/// there is below 4e-6 (-108 dB): inaudible, and the same on every platform, unlike a
/// libm call.
#[inline]
pub(crate) fn sin_turns(phase: f32) -> f32 {
    // sin(2πp) = sin(π - 2πp), so x = 0.5 - p in (-0.5, 0.5] has the same sine.
    let mut x = 0.5 - phase;
    if x > 0.25 {
        x = 0.5 - x;
    } else if x < -0.25 {
        x = -0.5 - x;
    }
    let y = 2.0 * PI * x;
    let y2 = y * y;
    y * (1.0
        + y2 * (-1.0 / 6.0 + y2 * (1.0 / 120.0 + y2 * (-1.0 / 5040.0 + y2 * (1.0 / 362_880.0)))))
}

/// A phase accumulator in turns.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Phasor {
    pub(crate) phase: f32,
    pub(crate) inc: f32,
}

impl Phasor {
    pub(crate) fn set_hz(&mut self, hz: f32, sr: f32) {
        self.inc = (hz / sr).clamp(0.0, 0.49);
    }

    /// The current phase, then one step on.
    #[inline]
    pub(crate) fn advance(&mut self) -> f32 {
        let p = self.phase;
        self.phase += self.inc;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        p
    }

    #[inline]
    pub(crate) fn sine(&mut self) -> f32 {
        sin_turns(self.advance())
    }

    /// A sawtooth with polyBLEP corrections at the wrap (Välimäki 2007): far less
    /// aliasing than a naive ramp for two extra polynomials near each discontinuity.
    #[inline]
    pub(crate) fn saw(&mut self) -> f32 {
        let t = self.advance();
        let dt = self.inc;
        let mut y = 2.0 * t - 1.0;
        if t < dt {
            let x = t / dt;
            y -= x + x - x * x - 1.0;
        } else if t > 1.0 - dt {
            let x = (t - 1.0) / dt;
            y -= x * x + x + x + 1.0;
        }
        y
    }
}

/// Exponential decay: one multiply per sample.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Decay {
    pub(crate) level: f32,
    coef: f32,
}

impl Decay {
    pub(crate) fn new(t60: f32, sr: f32) -> Self {
        Self {
            level: 0.0,
            coef: decay_coef(t60, sr),
        }
    }

    pub(crate) fn set_t60(&mut self, t60: f32, sr: f32) {
        self.coef = decay_coef(t60, sr);
    }

    #[inline]
    pub(crate) fn sample(&mut self) -> f32 {
        let l = self.level;
        self.level *= self.coef;
        l
    }

    /// Ends the decay once it is inaudible, before the level turns subnormal (which would
    /// make every multiply by it slow). Called on the control grid.
    pub(crate) fn settle(&mut self) {
        if self.level < SILENT {
            self.level = 0.0;
        }
    }
}

/// Attack/release envelope: a one-pole glide towards the gate level, with its own time
/// constant for rising and for falling. Smooth at both ends, so no note clicks.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ar {
    pub(crate) level: f32,
    target: f32,
    attack: f32,
    release: f32,
}

impl Ar {
    pub(crate) fn new(attack_s: f32, release_s: f32, sr: f32) -> Self {
        Self {
            level: 0.0,
            target: 0.0,
            attack: smooth_coef(attack_s, sr),
            release: smooth_coef(release_s, sr),
        }
    }

    /// Opens the gate at `level`, or closes it with 0.
    pub(crate) fn gate(&mut self, level: f32) {
        self.target = level;
    }

    #[inline]
    pub(crate) fn sample(&mut self) -> f32 {
        let c = if self.target > self.level {
            self.attack
        } else {
            self.release
        };
        self.level += (self.target - self.level) * c;
        self.level
    }

    pub(crate) fn is_silent(&self) -> bool {
        self.target == 0.0 && self.level < SILENT
    }

    pub(crate) fn silence(&mut self) {
        self.level = 0.0;
        self.target = 0.0;
    }
}

/// Which output of the state-variable filter a voice listens to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Low,
    Band,
    High,
}

/// The trapezoidal state-variable filter (Simper, "Linear trapezoidal integrated SVF",
/// 2013): stable under fast cutoff sweeps, which risers and filter envelopes need.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Svf {
    ic1: f32,
    ic2: f32,
    a1: f32,
    a2: f32,
    a3: f32,
    k: f32,
}

impl Svf {
    pub(crate) fn new(hz: f32, q: f32, sr: f32) -> Self {
        let mut f = Self::default();
        f.tune(hz, q, sr);
        f
    }

    pub(crate) fn tune(&mut self, hz: f32, q: f32, sr: f32) {
        let g = (PI * (hz / sr).clamp(1e-5, 0.49)).tan();
        self.k = 1.0 / q;
        self.a1 = 1.0 / (1.0 + g * (g + self.k));
        self.a2 = g * self.a1;
        self.a3 = g * self.a2;
    }

    /// One sample through the filter in `mode`; the band output is scaled to unity gain
    /// at the centre frequency.
    #[inline]
    pub(crate) fn process(&mut self, x: f32, mode: Mode) -> f32 {
        let v3 = x - self.ic2;
        let v1 = self.a1 * self.ic1 + self.a2 * v3;
        let v2 = self.ic2 + self.a2 * self.ic1 + self.a3 * v3;
        self.ic1 = 2.0 * v1 - self.ic1;
        self.ic2 = 2.0 * v2 - self.ic2;
        match mode {
            Mode::Low => v2,
            Mode::Band => self.k * v1,
            Mode::High => x - self.k * v1 - v2,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.ic1 = 0.0;
        self.ic2 = 0.0;
    }
}

/// One-pole low-pass: `y += (x - y)·c`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OnePole {
    y: f32,
    c: f32,
}

impl OnePole {
    pub(crate) fn new(hz: f32, sr: f32) -> Self {
        Self {
            y: 0.0,
            c: 1.0 - (-2.0 * PI * hz / sr).exp(),
        }
    }

    #[inline]
    pub(crate) fn low(&mut self, x: f32) -> f32 {
        self.y += (x - self.y) * self.c;
        self.y
    }

    pub(crate) fn reset(&mut self) {
        self.y = 0.0;
    }
}

/// `x` softly limited to ±1 by the cubic `1.5x − 0.5x³`: a gentle saturation with only odd
/// harmonics, flat (slope 0) where it reaches ±1.
#[inline]
pub(crate) fn soft_clip(x: f32) -> f32 {
    let x = x.clamp(-1.0, 1.0);
    x * (1.5 - 0.5 * x * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomial_sine_matches_std_within_4e6() {
        let worst = (0..100_000)
            .map(|i| {
                let p = i as f32 / 100_000.0;
                (sin_turns(p) - (2.0 * std::f64::consts::PI * f64::from(p)).sin() as f32).abs()
            })
            .fold(0.0_f32, f32::max);
        assert!(worst < 4e-6, "worst error {worst}");
    }

    #[test]
    fn decay_falls_60_db_in_t60() {
        let sr = 48_000.0;
        let mut d = Decay::new(0.5, sr);
        d.level = 1.0;
        for _ in 0..24_000 {
            d.sample();
        }
        assert!((20.0 * d.level.log10() + 60.0).abs() < 0.01, "{}", d.level);
    }

    /// The SVF's magnitude against the analytic second-order responses (bilinear
    /// transform with prewarping, which is what the trapezoidal SVF is).
    #[test]
    fn svf_matches_second_order_response() {
        let sr = 48_000.0_f32;
        let (fc, q) = (1_000.0_f32, 2.0_f32);
        for (mode, probe) in [
            (Mode::Low, 250.0),
            (Mode::Band, 1_000.0),
            (Mode::High, 4_000.0),
        ] {
            let mut f = Svf::new(fc, q, sr);
            let mut osc = Phasor::default();
            osc.set_hz(probe, sr);
            // RMS over the second half second (a whole number of periods of every probe)
            // against the input's 1/√2.
            let mut power = 0.0_f64;
            for i in 0..48_000 {
                let y = f.process(osc.sine(), mode);
                if i >= 24_000 {
                    power += f64::from(y).powi(2);
                }
            }
            let gain = (power / 24_000.0 * 2.0).sqrt() as f32;
            // Analogue prototype at the prewarped frequency: exact at fc, and the probes
            // are far enough below Nyquist that warping changes little.
            let w = (PI * probe / sr).tan() / (PI * fc / sr).tan();
            let den = ((1.0 - w * w).powi(2) + (w / q).powi(2)).sqrt();
            let want = match mode {
                Mode::Low => 1.0 / den,
                Mode::Band => (w / q) / den,
                Mode::High => w * w / den,
            };
            assert!(
                (gain - want).abs() < 1e-3 * want,
                "{mode:?}: {gain} vs {want}"
            );
        }
    }

    #[test]
    fn polyblep_saw_stays_bounded_and_zero_mean() {
        let mut s = Phasor::default();
        s.set_hz(1_234.5, 48_000.0);
        let xs: Vec<f32> = (0..48_000).map(|_| s.saw()).collect();
        let mean = xs.iter().sum::<f32>() / xs.len() as f32;
        assert!(mean.abs() < 1e-3, "mean {mean}");
        assert!(xs.iter().all(|x| x.abs() <= 1.0 + 1e-6));
    }

    #[test]
    fn soft_clip_is_odd_monotonic_and_bounded() {
        assert_eq!(soft_clip(0.0), 0.0);
        assert_eq!(soft_clip(5.0), 1.0);
        assert_eq!(soft_clip(-0.3), -soft_clip(0.3));
        let mut last = -1.0;
        for i in -100..=100 {
            let y = soft_clip(i as f32 / 50.0);
            assert!(y >= last);
            last = y;
        }
    }
}
