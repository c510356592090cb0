//! Second-order sections designed with Robert Bristow-Johnson's "Audio EQ Cookbook".
//!
//! The cookbook filters are the bilinear transforms (with the corner pre-warped) of the
//! analogue prototypes engineers know from console EQs, so a band set to 100 Hz is at
//! 100 Hz at every sample rate. Coefficients and state are `f64`: a low shelf at 20 Hz
//! and 96 kHz puts poles within 1e-3 of the unit circle, where `f32` coefficients would
//! move the corner audibly and `f32` state would add noise well above the 24-bit floor.

use std::f64::consts::PI;

use crate::denormal::flush;

/// Normalised (a0 = 1) coefficients of
/// `H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coeffs {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

/// The cookbook's intermediate quantities for a corner `freq` and quality `q`.
struct Warp {
    cos: f64,
    alpha: f64,
}

fn warp(freq: f64, q: f64, sample_rate: f64) -> Warp {
    let w0 = 2.0 * PI * freq / sample_rate;
    Warp {
        cos: w0.cos(),
        alpha: w0.sin() / (2.0 * q),
    }
}

impl Coeffs {
    /// A section that passes its input unchanged.
    pub const IDENTITY: Self = Self {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    fn normalised(b: [f64; 3], a: [f64; 3]) -> Self {
        let inv = 1.0 / a[0];
        Self {
            b0: b[0] * inv,
            b1: b[1] * inv,
            b2: b[2] * inv,
            a1: a[1] * inv,
            a2: a[2] * inv,
        }
    }

    /// 12 dB/oct low-pass; `q` = 1/√2 is Butterworth (−3 dB at `freq`).
    #[must_use]
    pub fn lowpass(freq: f64, q: f64, sample_rate: f64) -> Self {
        let Warp { cos, alpha } = warp(freq, q, sample_rate);
        let b = (1.0 - cos) / 2.0;
        Self::normalised([b, 2.0 * b, b], [1.0 + alpha, -2.0 * cos, 1.0 - alpha])
    }

    /// 12 dB/oct high-pass; `q` = 1/√2 is Butterworth (−3 dB at `freq`).
    #[must_use]
    pub fn highpass(freq: f64, q: f64, sample_rate: f64) -> Self {
        let Warp { cos, alpha } = warp(freq, q, sample_rate);
        let b = (1.0 + cos) / 2.0;
        Self::normalised([b, -2.0 * b, b], [1.0 + alpha, -2.0 * cos, 1.0 - alpha])
    }

    /// Band-reject with a zero on the unit circle at `freq`; `q` sets its width.
    #[must_use]
    pub fn notch(freq: f64, q: f64, sample_rate: f64) -> Self {
        let Warp { cos, alpha } = warp(freq, q, sample_rate);
        Self::normalised(
            [1.0, -2.0 * cos, 1.0],
            [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
        )
    }

    /// Peaking EQ ("bell"): `gain_db` at `freq`, unity far from it.
    #[must_use]
    pub fn bell(freq: f64, q: f64, gain_db: f64, sample_rate: f64) -> Self {
        let Warp { cos, alpha } = warp(freq, q, sample_rate);
        let a = 10f64.powf(gain_db / 40.0);
        Self::normalised(
            [1.0 + alpha * a, -2.0 * cos, 1.0 - alpha * a],
            [1.0 + alpha / a, -2.0 * cos, 1.0 - alpha / a],
        )
    }

    /// Low shelf: `gain_db` below `freq`, unity above; half the gain (in dB) at `freq`.
    #[must_use]
    pub fn low_shelf(freq: f64, q: f64, gain_db: f64, sample_rate: f64) -> Self {
        let Warp { cos, alpha } = warp(freq, q, sample_rate);
        let a = 10f64.powf(gain_db / 40.0);
        let k = 2.0 * a.sqrt() * alpha;
        Self::normalised(
            [
                a * ((a + 1.0) - (a - 1.0) * cos + k),
                2.0 * a * ((a - 1.0) - (a + 1.0) * cos),
                a * ((a + 1.0) - (a - 1.0) * cos - k),
            ],
            [
                (a + 1.0) + (a - 1.0) * cos + k,
                -2.0 * ((a - 1.0) + (a + 1.0) * cos),
                (a + 1.0) + (a - 1.0) * cos - k,
            ],
        )
    }

    /// High shelf: `gain_db` above `freq`, unity below; half the gain (in dB) at `freq`.
    #[must_use]
    pub fn high_shelf(freq: f64, q: f64, gain_db: f64, sample_rate: f64) -> Self {
        let Warp { cos, alpha } = warp(freq, q, sample_rate);
        let a = 10f64.powf(gain_db / 40.0);
        let k = 2.0 * a.sqrt() * alpha;
        Self::normalised(
            [
                a * ((a + 1.0) + (a - 1.0) * cos + k),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * cos),
                a * ((a + 1.0) + (a - 1.0) * cos - k),
            ],
            [
                (a + 1.0) - (a - 1.0) * cos + k,
                2.0 * ((a - 1.0) - (a + 1.0) * cos),
                (a + 1.0) - (a - 1.0) * cos - k,
            ],
        )
    }

    /// `|H(e^{jω})|` at `freq`: the analytic magnitude response.
    #[must_use]
    pub fn magnitude(&self, freq: f64, sample_rate: f64) -> f64 {
        let w = 2.0 * PI * freq / sample_rate;
        let (s1, c1) = w.sin_cos();
        let (s2, c2) = (2.0 * w).sin_cos();
        let (nr, ni) = (
            self.b0 + self.b1 * c1 + self.b2 * c2,
            self.b1 * s1 + self.b2 * s2,
        );
        let (dr, di) = (
            1.0 + self.a1 * c1 + self.a2 * c2,
            self.a1 * s1 + self.a2 * s2,
        );
        ((nr * nr + ni * ni) / (dr * dr + di * di)).sqrt()
    }

    /// The point `t` of the way from `self` to `to` (0 ..= 1).
    ///
    /// Stable sections stay stable along the way: the (a1, a2) pairs of stable
    /// second-order sections form a triangle, which is convex.
    #[must_use]
    pub fn lerp(&self, to: &Self, t: f64) -> Self {
        let m = |a: f64, b: f64| a + (b - a) * t;
        Self {
            b0: m(self.b0, to.b0),
            b1: m(self.b1, to.b1),
            b2: m(self.b2, to.b2),
            a1: m(self.a1, to.a1),
            a2: m(self.a2, to.a2),
        }
    }

    /// Samples until the impulse response's envelope has decayed by the factor `floor`
    /// (from the largest pole radius).
    #[must_use]
    pub fn ring_out(&self, floor: f64) -> usize {
        let disc = self.a1 * self.a1 - 4.0 * self.a2;
        let radius = if disc < 0.0 {
            self.a2.sqrt()
        } else {
            let root = disc.sqrt();
            ((-self.a1 + root) / 2.0)
                .abs()
                .max(((-self.a1 - root) / 2.0).abs())
        };
        if radius < 1e-9 {
            2
        } else {
            (floor.ln() / radius.ln()).ceil() as usize + 2
        }
    }
}

/// The two memory cells of a transposed direct form II section.
///
/// TDF-II keeps the state at the scale of the signal (unlike DF-I/DF-II, whose state can
/// be many times larger at low corners), which is what `f64` needs to stay accurate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BiquadState {
    s1: f64,
    s2: f64,
}

/// State magnitudes below this are silence (−500 dBFS) and are flushed to 0.
const STATE_FLOOR: f64 = 1e-25;

impl BiquadState {
    /// One sample through the section with coefficients `c`.
    #[inline]
    pub fn tick(&mut self, c: &Coeffs, x: f64) -> f64 {
        let y = c.b0 * x + self.s1;
        self.s1 = c.b1 * x - c.a1 * y + self.s2;
        self.s2 = c.b2 * x - c.a2 * y;
        y
    }

    /// Filters `buf` in place.
    pub fn run(&mut self, c: &Coeffs, buf: &mut [f64]) {
        for x in buf {
            *x = self.tick(c, *x);
        }
    }

    /// Zeroes subnormal or non-finite state; call once per block.
    pub fn flush(&mut self) {
        self.s1 = flush(self.s1, STATE_FLOOR);
        self.s2 = flush(self.s2, STATE_FLOOR);
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corner_and_shelf_midpoints_match_the_cookbook_definitions() {
        let fs = 48_000.0;
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let db = |c: Coeffs, f: f64| 20.0 * c.magnitude(f, fs).log10();
        assert!((db(Coeffs::lowpass(1000.0, q, fs), 1000.0) + 3.0103).abs() < 1e-3);
        assert!((db(Coeffs::highpass(1000.0, q, fs), 1000.0) + 3.0103).abs() < 1e-3);
        assert!((db(Coeffs::bell(1000.0, 2.0, 6.0, fs), 1000.0) - 6.0).abs() < 1e-9);
        assert!((db(Coeffs::low_shelf(200.0, q, 8.0, fs), 200.0) - 4.0).abs() < 1e-9);
        assert!((db(Coeffs::high_shelf(5000.0, q, -8.0, fs), 5000.0) + 4.0).abs() < 1e-9);
        assert!(Coeffs::notch(1000.0, 4.0, fs).magnitude(1000.0, fs) < 1e-9);
    }

    #[test]
    fn ring_out_follows_the_pole_radius() {
        let c = Coeffs {
            b0: 1.0,
            b1: 0.0,
            b2: 0.0,
            a1: -0.5,
            a2: 0.0,
        };
        // One pole at 0.5: 0.5^n ≤ 1e-3 from n = 10.
        assert_eq!(c.ring_out(1e-3), 12);
        assert_eq!(Coeffs::IDENTITY.ring_out(1e-3), 2);
    }
}
