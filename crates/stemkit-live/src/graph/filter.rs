//! The DJ filter on every stem: one knob, low-pass to the left, high-pass to the right,
//! off in the middle.
//!
//! A 12 dB/oct RBJ section (`q` = 1, the slight resonance DJ mixers have) whose corner
//! moves exponentially: from 20 kHz down to 60 Hz as the knob goes from 0 to -1, from
//! 20 Hz up to 8 kHz as it goes from 0 to 1. Around the centre the filtered signal is
//! crossfaded in over the first tenth of the knob's travel, so the middle is an exact
//! bypass and crossing it (where the section changes from low- to high-pass) is silent.
//! The knob glides over 30 ms and the coefficients follow every 16 frames: a sweep is
//! smooth, and as the glide is counted in frames it is the same at every block size.

use stemkit_core::{AudioBuffer, Smoothed};
use stemkit_dsp::biquad::{BiquadState, Coeffs};

const Q: f64 = 1.0;
const LOW_PASS: (f64, f64) = (20_000.0, 60.0);
const HIGH_PASS: (f64, f64) = (20.0, 8_000.0);
/// Knob travel over which the filtered signal fades in from the centre.
const FADE_IN: f64 = 0.1;
const GLIDE_MS: f64 = 30.0;
const STEP: usize = 16;

/// The section a knob position asks for: low-pass (`true`) or high-pass, and its corner.
#[must_use]
pub fn corner(knob: f64, sample_rate: f64) -> Option<(bool, f64)> {
    if knob < 0.0 {
        let top = LOW_PASS.0.min(0.45 * sample_rate);
        Some((true, top * (LOW_PASS.1 / top).powf(-knob)))
    } else if knob > 0.0 {
        Some((false, HIGH_PASS.0 * (HIGH_PASS.1 / HIGH_PASS.0).powf(knob)))
    } else {
        None
    }
}

pub(crate) struct DjFilter {
    knob: Smoothed,
    sample_rate: f64,
    low: bool,
    coeffs: Coeffs,
    states: [BiquadState; 2],
    wet: [f32; STEP],
    dry: [f32; STEP],
}

impl DjFilter {
    /// Main thread.
    pub(crate) fn new(sample_rate: f64) -> Self {
        Self {
            knob: Smoothed::new(0.0, Smoothed::ramp_samples(GLIDE_MS, sample_rate)),
            sample_rate,
            low: true,
            coeffs: Coeffs::IDENTITY,
            states: [BiquadState::default(); 2],
            wet: [0.0; STEP],
            dry: [0.0; STEP],
        }
    }

    /// Audio thread: the knob glides to `value` (-1 ..= 1, checked by the sender).
    pub(crate) fn set(&mut self, value: f64) {
        self.knob.set_target(value);
    }

    /// Audio thread.
    pub(crate) fn process(&mut self, buf: &mut AudioBuffer) {
        if !self.knob.is_smoothing() && self.knob.current() == 0.0 {
            return;
        }
        let n = buf.frames();
        let mut at = 0;
        while at < n {
            let m = STEP.min(n - at);
            if let Some((low, freq)) = corner(self.knob.current(), self.sample_rate) {
                if low != self.low {
                    self.states = [BiquadState::default(); 2];
                    self.low = low;
                }
                self.coeffs = if low {
                    Coeffs::lowpass(freq, Q, self.sample_rate)
                } else {
                    Coeffs::highpass(freq, Q, self.sample_rate)
                };
            }
            for i in 0..m {
                let w = (self.knob.next_value().abs() / FADE_IN).min(1.0) as f32;
                self.wet[i] = w;
                self.dry[i] = 1.0 - w;
            }
            for (ch, state) in buf.channels_mut().zip(&mut self.states) {
                for ((x, &w), &d) in ch[at..at + m].iter_mut().zip(&self.wet).zip(&self.dry) {
                    let y = state.tick(&self.coeffs, f64::from(*x)) as f32;
                    *x = d * *x + w * y;
                }
            }
            at += m;
        }
        for s in &mut self.states {
            s.flush();
        }
        if !self.knob.is_smoothing() && self.knob.current() == 0.0 {
            self.states = [BiquadState::default(); 2];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// |H| of the analogue prototype 1 / (s² + s/Q + 1) (low-pass) or s² / (…) (high-pass)
    /// at the bilinear-warped frequency: what an RBJ section must measure.
    fn analytic(low: bool, corner: f64, f: f64, fs: f64) -> f64 {
        let w = (std::f64::consts::PI * f / fs).tan() / (std::f64::consts::PI * corner / fs).tan();
        let den = ((1.0 - w * w).powi(2) + (w / Q).powi(2)).sqrt();
        if low { 1.0 / den } else { w * w / den }
    }

    fn sine_gain(filter: &mut DjFilter, f: f64, fs: f64) -> f64 {
        let n = (fs * 0.5) as usize;
        let mut buf = AudioBuffer::new(1, n);
        let mut out_peak = 0.0_f32;
        for block in 0..4 {
            for (i, x) in buf.channel_mut(0).iter_mut().enumerate() {
                *x = (2.0 * std::f64::consts::PI * f * (block * n + i) as f64 / fs).sin() as f32;
            }
            filter.process(&mut buf);
            if block == 3 {
                out_peak = buf.peak();
            }
        }
        f64::from(out_peak)
    }

    #[test]
    fn settled_knob_matches_the_analogue_prototype() {
        let fs = 48_000.0;
        for knob in [-0.5, -0.9, 0.4, 0.8] {
            let (low, fc) = corner(knob, fs).expect("off centre");
            for f in [fc * 0.5, fc, fc * 2.0] {
                let mut filter = DjFilter::new(fs);
                filter.set(knob);
                let got = 20.0 * sine_gain(&mut filter, f, fs).log10();
                let want = 20.0 * analytic(low, fc, f, fs).log10();
                assert!(
                    (got - want).abs() < 0.05,
                    "knob {knob}, {f:.0} Hz: {got:.3} dB, want {want:.3} dB"
                );
            }
        }
    }

    #[test]
    fn centre_is_an_exact_bypass_and_corners_span_the_ranges() {
        let fs = 48_000.0;
        let mut filter = DjFilter::new(fs);
        let mut buf = AudioBuffer::from_channels(&[vec![0.3, -0.2, 0.1]]);
        let before = buf.clone();
        filter.process(&mut buf);
        assert_eq!(buf, before);
        assert_eq!(corner(-1.0, fs), Some((true, 60.0)));
        assert!((corner(1.0, fs).expect("hp").1 - 8_000.0).abs() < 1e-9);
        assert_eq!(corner(0.0, fs), None);
    }
}
