//! `eq`: a series of RBJ-cookbook bands (DESIGN §4).
//!
//! Parameters (see [`EqParams`] / [`EqBand`]): per band `shape` (highpass, lowpass,
//! lowshelf, highshelf, bell, notch), `freq` in Hz (10 ..= 0.49 × rate), `q` (0.1 ..= 40,
//! default 0.707), `gain_db` (−30 ..= 30, default 0; bell and shelves), `slope` (12 or
//! 24 dB/oct, default 12; highpass and lowpass).
//!
//! A 24 dB/oct pass band is two sections with the pole-pair Qs of a 4th-order
//! Butterworth filter, both scaled by `q / 0.707`: at the default `q` it is exactly
//! Butterworth (−3 dB at `freq`, maximally flat, the same as `scipy.signal.butter(4, …)`),
//! and a higher `q` adds a resonant bump at the corner as it does on a 12 dB/oct band.
//!
//! Band changes while playing ([`Eq::set_band`]) ramp the coefficients linearly over
//! 20 ms in 32-sample steps. The step grid is counted across blocks, so a render gives
//! the same samples at any block size.

use std::f64::consts::FRAC_1_SQRT_2;

use stemkit_core::{AudioBuffer, ProcessSpec, Processor};

use crate::biquad::{BiquadState, Coeffs};
use crate::params::{BandShape, EqBand, EqParams, ParamError};

/// Pole-pair Qs of a 4th-order Butterworth filter: 1 / (2 cos(π/8)) and 1 / (2 cos(3π/8)).
const BUTTERWORTH4_Q: [f64; 2] = [0.541_196_100_146_197, 1.306_562_964_876_376_6];
/// Coefficient ramp length on a live band change.
const RAMP_MS: f64 = 20.0;
/// Samples between coefficient updates during a ramp: short enough that each jump is
/// inaudible, long enough that the update cost vanishes.
const RAMP_STEP: usize = 32;
/// Rate the coefficients are designed for until `prepare` gives the real one.
const DEFAULT_RATE: f64 = 48_000.0;
/// The tail ends when the slowest section's ring has decayed by 100 dB.
const TAIL_FLOOR: f64 = 1e-5;

/// The sections (one or two) realising `band` at `sample_rate`.
fn design(band: &EqBand, sample_rate: f64) -> [Option<Coeffs>; 2] {
    let (f, q, g) = (band.freq.min(0.49 * sample_rate), band.q, band.gain_db);
    let pass = match band.shape {
        BandShape::Highpass => Coeffs::highpass,
        BandShape::Lowpass => Coeffs::lowpass,
        BandShape::Lowshelf => return [Some(Coeffs::low_shelf(f, q, g, sample_rate)), None],
        BandShape::Highshelf => return [Some(Coeffs::high_shelf(f, q, g, sample_rate)), None],
        BandShape::Bell => return [Some(Coeffs::bell(f, q, g, sample_rate)), None],
        BandShape::Notch => return [Some(Coeffs::notch(f, q, sample_rate)), None],
    };
    if band.slope == 24 {
        let k = q / FRAC_1_SQRT_2;
        BUTTERWORTH4_Q.map(|bq| Some(pass(f, bq * k, sample_rate)))
    } else {
        [Some(pass(f, q, sample_rate)), None]
    }
}

/// One section position of a band. Every band owns two, so a change of shape or slope
/// never allocates: an unused slot is inactive, and a slot coming into or going out of
/// use ramps from or to the identity.
struct Slot {
    now: Coeffs,
    from: Coeffs,
    to: Coeffs,
    step: u32,
    steps: u32,
    /// Part of the band's current design.
    used: bool,
    /// Filtering audio: used, or ramping towards the identity before it stops.
    active: bool,
    states: Vec<BiquadState>,
}

impl Slot {
    fn set_immediate(&mut self, coeffs: Option<Coeffs>) {
        self.now = coeffs.unwrap_or(Coeffs::IDENTITY);
        self.from = self.now;
        self.to = self.now;
        self.step = 0;
        self.steps = 0;
        self.used = coeffs.is_some();
        self.active = self.used;
    }

    fn ramp_to(&mut self, coeffs: Option<Coeffs>, steps: u32) {
        if coeffs.is_some() && !self.active {
            self.now = Coeffs::IDENTITY;
            self.states.iter_mut().for_each(BiquadState::reset);
        }
        self.from = self.now;
        self.to = coeffs.unwrap_or(Coeffs::IDENTITY);
        self.step = 0;
        self.steps = steps;
        self.used = coeffs.is_some();
        self.active = self.used || self.active;
    }

    fn ramping(&self) -> bool {
        self.step < self.steps
    }

    fn advance(&mut self) {
        if !self.ramping() {
            return;
        }
        self.step += 1;
        if self.step == self.steps {
            self.now = self.to;
            self.active = self.used;
        } else {
            self.now = self
                .from
                .lerp(&self.to, f64::from(self.step) / f64::from(self.steps));
        }
    }

    fn finish_ramp(&mut self) {
        if self.ramping() {
            self.step = self.steps - 1;
            self.advance();
        }
    }
}

/// The `eq` processor: linear and time-invariant (between band changes), no latency.
pub struct Eq {
    bands: Vec<EqBand>,
    /// Two per band, band `i` at `2i` and `2i + 1`.
    slots: Vec<Slot>,
    sample_rate: f64,
    ramp_steps: u32,
    /// Samples until the next coefficient step while any slot is ramping.
    until_step: usize,
}

impl Eq {
    /// An EQ with `params`' bands, designed at 48 kHz until [`Processor::prepare`].
    #[must_use]
    pub fn new(params: &EqParams) -> Self {
        let slots = params
            .bands
            .iter()
            .flat_map(|b| design(b, DEFAULT_RATE))
            .map(|c| {
                let mut slot = Slot {
                    now: Coeffs::IDENTITY,
                    from: Coeffs::IDENTITY,
                    to: Coeffs::IDENTITY,
                    step: 0,
                    steps: 0,
                    used: false,
                    active: false,
                    states: Vec::new(),
                };
                slot.set_immediate(c);
                slot
            })
            .collect();
        Self {
            bands: params.bands.clone(),
            slots,
            sample_rate: DEFAULT_RATE,
            ramp_steps: 1,
            until_step: RAMP_STEP,
        }
    }

    /// Replaces band `index` and ramps to it over 20 ms (audio thread; no allocation).
    ///
    /// # Errors
    /// An index past the last band, or a band parameter out of range, named by key.
    pub fn set_band(&mut self, index: usize, band: EqBand) -> Result<(), ParamError> {
        if index >= self.bands.len() {
            return Err(ParamError {
                key: format!("bands[{index}]"),
                message: format!("the eq has {} bands", self.bands.len()),
            });
        }
        band.validate(index, self.sample_rate)?;
        if !self.ramping() {
            self.until_step = RAMP_STEP;
        }
        self.bands[index] = band;
        let design = design(&band, self.sample_rate);
        for (slot, c) in self.slots[2 * index..2 * index + 2].iter_mut().zip(design) {
            if slot.active || c.is_some() {
                slot.ramp_to(c, self.ramp_steps);
            }
        }
        Ok(())
    }

    /// The analytic magnitude `|H(e^{jω})|` of all bands at `freq` Hz, at the prepared
    /// sample rate, for the current band settings.
    #[must_use]
    pub fn response(&self, freq: f64) -> f64 {
        self.bands
            .iter()
            .flat_map(|b| design(b, self.sample_rate))
            .flatten()
            .map(|c| c.magnitude(freq, self.sample_rate))
            .product()
    }

    fn ramping(&self) -> bool {
        self.slots.iter().any(Slot::ramping)
    }

    /// Filters frames `start .. start + len` of every channel through the active slots,
    /// in `f64` from input to output.
    ///
    /// Frame by frame, every channel through every slot: each section's recursion waits on
    /// its own last output, so running one section over the whole block is bound by that
    /// latency, while interleaving the channels and the cascade gives the processor
    /// independent work (the first section of the next frame does not wait for the last
    /// of this one). Every sample meets the same operations in the same order either way.
    fn filter(&mut self, block: &mut AudioBuffer, start: usize, len: usize) {
        if !self.slots.iter().any(|s| s.active) {
            return;
        }
        if block.channels() == 2 {
            let (l, r) = block.stereo_mut();
            let (l, r) = (&mut l[start..start + len], &mut r[start..start + len]);
            for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                let (mut x, mut y) = (f64::from(*a), f64::from(*b));
                for slot in self.slots.iter_mut().filter(|s| s.active) {
                    let [sl, sr] = &mut slot.states[..] else {
                        unreachable!("a stereo buffer has two states per slot");
                    };
                    x = sl.tick(&slot.now, x);
                    y = sr.tick(&slot.now, y);
                }
                *a = x as f32;
                *b = y as f32;
            }
            return;
        }
        for (c, ch) in block.channels_mut().enumerate() {
            for v in &mut ch[start..start + len] {
                let mut x = f64::from(*v);
                for slot in self.slots.iter_mut().filter(|s| s.active) {
                    x = slot.states[c].tick(&slot.now, x);
                }
                *v = x as f32;
            }
        }
    }
}

impl Processor for Eq {
    fn prepare(&mut self, spec: ProcessSpec) {
        self.sample_rate = spec.sample_rate;
        let ramp = RAMP_MS * 1e-3 * spec.sample_rate / RAMP_STEP as f64;
        self.ramp_steps = (ramp.ceil() as u32).max(1);
        for (i, band) in self.bands.iter().enumerate() {
            for (slot, c) in self.slots[2 * i..2 * i + 2]
                .iter_mut()
                .zip(design(band, spec.sample_rate))
            {
                slot.set_immediate(c);
                slot.states = vec![BiquadState::default(); spec.channels];
            }
        }
        self.until_step = RAMP_STEP;
    }

    fn process(&mut self, block: &mut AudioBuffer, _sidechain: Option<&AudioBuffer>) {
        let frames = block.frames();
        let mut pos = 0;
        while pos < frames {
            let ramping = self.ramping();
            let len = if ramping {
                self.until_step.min(frames - pos)
            } else {
                frames - pos
            };
            self.filter(block, pos, len);
            pos += len;
            if ramping {
                self.until_step -= len;
                if self.until_step == 0 {
                    self.slots.iter_mut().for_each(Slot::advance);
                    self.until_step = RAMP_STEP;
                }
            }
        }
        for slot in &mut self.slots {
            slot.states.iter_mut().for_each(BiquadState::flush);
        }
    }

    fn reset(&mut self) {
        for slot in &mut self.slots {
            slot.finish_ramp();
            slot.states.iter_mut().for_each(BiquadState::reset);
        }
        self.until_step = RAMP_STEP;
    }

    /// Ring-out of the slowest sections: every section's decay to −100 dB, added up (a
    /// cascade rings at most as long as the sum of its parts).
    fn tail(&self) -> usize {
        self.bands
            .iter()
            .flat_map(|b| design(b, self.sample_rate))
            .flatten()
            .map(|c| c.ring_out(TAIL_FLOOR))
            .sum()
    }

    fn is_linear(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn low_bell() -> Eq {
        let band = EqBand {
            shape: BandShape::Bell,
            freq: 40.0,
            q: 4.0,
            gain_db: 12.0,
            slope: 12,
        };
        let mut eq = Eq::new(&EqParams { bands: vec![band] });
        eq.prepare(ProcessSpec {
            sample_rate: 96_000.0,
            max_block: 256,
            channels: 1,
        });
        eq
    }

    fn state_is_zero(eq: &Eq) -> bool {
        eq.slots
            .iter()
            .flat_map(|s| &s.states)
            .all(|s| *s == BiquadState::default())
    }

    /// A slow, resonant section fed an impulse and then silence ends with its state
    /// exactly zero rather than lingering in subnormals.
    #[test]
    fn silence_flushes_the_state_to_zero() {
        let mut eq = low_bell();
        let mut block = AudioBuffer::new(1, 256);
        block.channel_mut(0)[0] = 1.0;
        eq.process(&mut block, None);
        assert!(!state_is_zero(&eq));
        let mut blocks = 0;
        while !state_is_zero(&eq) {
            block.clear();
            eq.process(&mut block, None);
            assert!(
                block.channel(0).iter().all(|x| *x == 0.0 || x.is_normal()),
                "subnormal output"
            );
            blocks += 1;
            assert!(blocks < 20_000, "state never flushed");
        }
    }

    /// A NaN poisons only the block it arrives in.
    #[test]
    fn nan_input_does_not_stick() {
        let mut eq = low_bell();
        let mut block = AudioBuffer::new(1, 256);
        block.channel_mut(0)[10] = f32::NAN;
        eq.process(&mut block, None);
        assert!(state_is_zero(&eq));
        block.clear();
        block.channel_mut(0)[0] = 0.5;
        eq.process(&mut block, None);
        assert!(block.channel(0).iter().all(|x| x.is_finite()));
    }
}
