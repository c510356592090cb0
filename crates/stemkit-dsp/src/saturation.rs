//! `saturation`: a memoryless curve with drive, run at 8× the session rate.
//!
//! # Parameters ([`SaturationParams`])
//! | key | unit | range | default | meaning |
//! | --- | ---- | ----- | ------- | ------- |
//! | `drive_db` | dB | 0 ..= 36 | 0 | gain into the curve |
//! | `character` | | tape, tube, clip | tape | the curve |
//! | `mix` | | 0 ..= 1 | 1 | wet share; the dry share is delayed to line up |
//! | `output_db` | dB | -24 ..= 24 | 0 | gain after the curve (on the wet share) |
//!
//! Output: `(1 - mix) · dry + mix · out · curve(drive · x)`.
//!
//! # Curves
//! With `u = drive · x`, each curve has slope 1 at `u = 0`, so at low level and 0 dB of
//! drive every character is transparent (unity small-signal gain):
//! - **tape**: `tanh(u)`, symmetric, odd harmonics only, soft approach to ±1.
//! - **tube**: `tanh(u) + 0.2 · tanh²(u)`, asymmetric: the square term adds even harmonics
//!   (about -26 dB of second harmonic for a -6 dBFS sine at 0 dB drive) and bends the
//!   positive half later (limit +1.2) than the negative half (limit -0.8). The DC this
//!   creates is removed by a 3 Hz one-pole DC blocker on the wet signal (-0.1 dB at 20 Hz).
//! - **clip**: `clamp(u, -1, 1)`, a hard clip: exactly linear below full scale.
//!
//! # Aliasing
//! The curve runs inside an 8× [`Oversampler`] (three 2× Kaiser FIR stages, described in
//! its module). Tape and tube are smooth: the harmonics of `tanh` fall off exponentially,
//! so at 8× (a 384 kHz inner rate at 48 kHz) what could fold back into the audio band is
//! already far below the requirement, and the curve is evaluated directly, in `f32`, with
//! a rational approximation of `tanh` that vectorises (in `kernels`). The hard clip's corners make
//! harmonics that fall off only as `1/k²`, so it is evaluated with first-order
//! antiderivative anti-aliasing (ADAA, in `ClipAdaa`), which turns the corners into ramps;
//! that costs half an oversampled sample of delay, which the oversampler's decimator
//! absorbs ([`CurveDelay`]), and in the linear region it is a two-point average at 8×, a
//! gentle `cos(π f / 8 fs)` roll-off (-0.1 dB at 19 kHz at 48 kHz).
//!
//! Measured (test `aliasing_of_a_driven_5k_sine`, 4-term Blackman-Harris window over one
//! second): for a full-scale 5 kHz sine at 48 kHz with 18 dB of drive the strongest
//! aliased component is -122.4 dB (tape), -122.6 dB (tube) and -87.8 dB (clip) relative
//! to the fundamental; the requirement is -70 dB.
//!
//! # Latency and tail
//! [`LATENCY`] = 89 samples at any rate (the oversampling filters' group delay, a whole
//! number of samples by design). The tail, counted like every tail from the last input
//! sample and so including the latency, is twice that (the filters' symmetric response),
//! plus, for tube, the time the DC blocker needs to let its stored offset fall below
//! -96 dBFS.
//!
//! A block that produces a non-finite sample (NaN or infinity in the input) is replaced by
//! silence and the filters are reset, so the next finite input is processed normally.

use stemkit_core::units::db_to_gain;
use stemkit_core::{AudioBuffer, ProcessSpec, Processor};

use crate::delay_line::DelayLine;
use crate::kernels;
use crate::oversample::{CurveDelay, LATENCY, Oversampler};
use crate::params::{SaturationCharacter, SaturationParams};

/// Weight of the square term of the tube curve.
const TUBE_EVEN: f64 = 0.2;
/// Corner of the tube's DC blocker, Hz.
const DC_BLOCK_HZ: f64 = 3.0;
/// -96 dBFS as an amplitude: the level below which a tail counts as silent.
const SILENCE: f64 = 1.584_893_192_461_114e-5;

/// The hard clip with first-order antiderivative anti-aliasing, at the oversampled rate:
/// each output is the mean of `clamp(u, -1, 1)` over the segment between the last two
/// inputs, `(F(u[n]) - F(u[n-1])) / (u[n] - u[n-1])` with `F(u) = u²/2` inside the rails
/// and `|u| - 1/2` outside. `F` is a polynomial, so `f64` keeps the difference quotient
/// exact enough without any library call.
#[derive(Clone, Copy, Default)]
struct ClipAdaa {
    prev: f64,
    prev_integral: f64,
}

impl ClipAdaa {
    #[inline]
    fn integral(u: f64) -> f64 {
        let a = u.abs();
        if a <= 1.0 { 0.5 * u * u } else { a - 0.5 }
    }

    #[inline]
    fn process(&mut self, u: f64) -> f64 {
        let fu = Self::integral(u);
        let d = u - self.prev;
        // Below 1e-6 the difference quotient loses digits to cancellation; the curve at
        // the segment's midpoint equals the segment mean to O(d²) there.
        let y = if d.abs() > 1e-6 {
            (fu - self.prev_integral) / d
        } else {
            (0.5 * (u + self.prev)).clamp(-1.0, 1.0)
        };
        self.prev = u;
        self.prev_integral = fu;
        y
    }
}

/// `y = x - x[n-1] + r · y[n-1]`: removes the offset the asymmetric curve creates.
#[derive(Clone, Copy)]
struct DcBlocker {
    r: f64,
    x1: f64,
    y1: f64,
}

impl DcBlocker {
    fn new(sample_rate: f64) -> Self {
        Self {
            r: (-2.0 * std::f64::consts::PI * DC_BLOCK_HZ / sample_rate).exp(),
            x1: 0.0,
            y1: 0.0,
        }
    }

    #[inline]
    fn process(&mut self, x: f64) -> f64 {
        let y = x - self.x1 + self.r * self.y1;
        self.x1 = x;
        self.y1 = if y.abs() < 1e-30 { 0.0 } else { y };
        y
    }
}

#[derive(Clone)]
struct Channel {
    oversampler: Oversampler,
    clip: ClipAdaa,
    dc: Option<DcBlocker>,
    dry: DelayLine,
}

/// The `saturation` processor.
pub struct Saturation {
    character: SaturationCharacter,
    drive: f64,
    mix: f64,
    output: f64,
    sample_rate: f64,
    channels: Vec<Channel>,
    /// The curve's output for one block at the base rate.
    wet: Vec<f32>,
}

impl Saturation {
    /// A processor for `params` (main thread). Call [`Processor::prepare`] before use.
    #[must_use]
    pub fn new(params: &SaturationParams) -> Self {
        Self {
            character: params.character,
            drive: db_to_gain(params.drive_db),
            mix: params.mix,
            output: db_to_gain(params.output_db),
            sample_rate: 48_000.0,
            channels: Vec::new(),
            wet: Vec::new(),
        }
    }

    fn curve_delay(&self) -> CurveDelay {
        match self.character {
            SaturationCharacter::Clip => CurveDelay::HalfSample,
            SaturationCharacter::Tape | SaturationCharacter::Tube => CurveDelay::None,
        }
    }

    fn new_channel(&self, max_block: usize) -> Channel {
        Channel {
            oversampler: Oversampler::new(max_block, self.curve_delay()),
            clip: ClipAdaa::default(),
            dc: (self.character == SaturationCharacter::Tube)
                .then(|| DcBlocker::new(self.sample_rate)),
            dry: DelayLine::new(LATENCY),
        }
    }
}

impl Processor for Saturation {
    fn prepare(&mut self, spec: ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        self.channels = (0..spec.channels)
            .map(|_| self.new_channel(spec.max_block))
            .collect();
        self.wet = vec![0.0; spec.max_block];
    }

    fn process(&mut self, block: &mut AudioBuffer, _sidechain: Option<&AudioBuffer>) {
        let (drive, wet_gain, dry_gain) = (self.drive, self.mix * self.output, 1.0 - self.mix);
        let character = self.character;
        let mut finite = true;
        for (ch, samples) in self.channels.iter_mut().zip(block.channels_mut()) {
            let Channel {
                oversampler,
                clip,
                dc,
                dry,
            } = ch;
            let wet = &mut self.wet[..samples.len()];
            oversampler.process(samples, wet, |oversampled| {
                if character == SaturationCharacter::Clip {
                    for u in oversampled {
                        *u = clip.process(drive * f64::from(*u)) as f32;
                    }
                } else {
                    let even = if character == SaturationCharacter::Tube {
                        TUBE_EVEN as f32
                    } else {
                        0.0
                    };
                    kernels::shape(oversampled, drive as f32, even);
                }
            });
            if dc.is_none() && dry_gain == 0.0 {
                // All wet and no blocker (tape, clip at the default mix): a gain, with
                // the very products the general loop would give.
                for (s, &w) in samples.iter_mut().zip(wet.iter()) {
                    let y = wet_gain * f64::from(w);
                    finite &= y.is_finite();
                    *s = y as f32;
                }
                continue;
            }
            for (s, &w) in samples.iter_mut().zip(wet.iter()) {
                let mut w = f64::from(w);
                if let Some(dc) = dc {
                    w = dc.process(w);
                }
                let y = wet_gain * w + dry_gain * f64::from(dry.delay(*s, LATENCY));
                finite &= y.is_finite();
                *s = y as f32;
            }
        }
        if !finite {
            self.reset();
            block.clear();
        }
    }

    fn reset(&mut self) {
        for ch in &mut self.channels {
            ch.oversampler.reset();
            ch.clip = ClipAdaa::default();
            ch.dc = ch.dc.map(|_| DcBlocker::new(self.sample_rate));
            ch.dry.clear();
        }
    }

    fn latency(&self) -> usize {
        LATENCY
    }

    fn tail(&self) -> usize {
        let filters = 2 * LATENCY;
        if self.character != SaturationCharacter::Tube {
            return filters;
        }
        // After the input stops, the blocker's output is its stored offset decaying by r
        // per sample; the offset is at most the curve's largest value.
        let r = DcBlocker::new(self.sample_rate).r;
        let stored = (1.0 + TUBE_EVEN) * self.mix * self.output;
        let decay = if stored > SILENCE {
            (SILENCE / stored).ln() / r.ln()
        } else {
            0.0
        };
        filters + decay.ceil() as usize
    }
}
