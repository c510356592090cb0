//! `gain`: level, polarity and mid/side width (DESIGN §4).
//!
//! Parameters (see [`GainParams`]): `gain_db` (−96 ..= 24 dB, default 0), `polarity`
//! (invert, default false), `width` (side level relative to mid, 0 = mono ..= 2, default 1;
//! ignored on a mono bus).
//!
//! Width is applied as `L' = M + w·S`, `R' = M − w·S` with `M = (L + R)/2`,
//! `S = (L − R)/2`, i.e. the matrix `[[1+w, 1−w], [1−w, 1+w]] / 2`, which leaves a mono
//! (L = R) signal untouched at every width. Changes made while playing ramp over 20 ms;
//! a polarity flip ramps the signed gain through zero rather than jumping.

use stemkit_core::units::db_to_gain;
use stemkit_core::{AudioBuffer, ProcessSpec, Processor, Smoothed};

use crate::params::GainParams;

const RAMP_MS: f64 = 20.0;
const DEFAULT_RATE: f64 = 48_000.0;

/// The `gain` processor: linear and time-invariant (between changes), no latency.
pub struct Gain {
    /// Signed linear gain: polarity folded in.
    gain: Smoothed,
    width: Smoothed,
    gain_db: f64,
    polarity: bool,
    direct: Vec<f32>,
    cross: Vec<f32>,
}

fn signed_gain(gain_db: f64, polarity: bool) -> f64 {
    let g = db_to_gain(gain_db);
    if polarity { -g } else { g }
}

impl Gain {
    #[must_use]
    pub fn new(params: &GainParams) -> Self {
        let ramp = Smoothed::ramp_samples(RAMP_MS, DEFAULT_RATE);
        Self {
            gain: Smoothed::new(signed_gain(params.gain_db, params.polarity), ramp),
            width: Smoothed::new(params.width, ramp),
            gain_db: params.gain_db,
            polarity: params.polarity,
            direct: Vec::new(),
            cross: Vec::new(),
        }
    }

    /// Ramps to `gain_db`, clamped to −96 ..= 24 dB (audio thread; no allocation).
    pub fn set_gain_db(&mut self, gain_db: f64) {
        self.gain_db = gain_db.clamp(-96.0, 24.0);
        self.gain
            .set_target(signed_gain(self.gain_db, self.polarity));
    }

    /// Ramps to the given polarity (audio thread; no allocation).
    pub fn set_polarity(&mut self, invert: bool) {
        self.polarity = invert;
        self.gain
            .set_target(signed_gain(self.gain_db, self.polarity));
    }

    /// Ramps to `width`, clamped to 0 ..= 2 (audio thread; no allocation).
    pub fn set_width(&mut self, width: f64) {
        self.width.set_target(width.clamp(0.0, 2.0));
    }

    /// Gain only (mono bus; width has no meaning there).
    fn process_each(&mut self, block: &mut AudioBuffer) {
        let frames = block.frames();
        if self.gain.is_smoothing() {
            let gains = &mut self.direct[..frames];
            gains
                .iter_mut()
                .for_each(|g| *g = self.gain.next_value() as f32);
            for ch in block.channels_mut() {
                ch.iter_mut().zip(gains.iter()).for_each(|(x, &g)| *x *= g);
            }
        } else {
            let g = self.gain.current() as f32;
            if g != 1.0 {
                block.channels_mut().flatten().for_each(|x| *x *= g);
            }
        }
    }

    fn process_stereo(&mut self, block: &mut AudioBuffer) {
        let frames = block.frames();
        let (l, r) = block.stereo_mut();
        if self.gain.is_smoothing() || self.width.is_smoothing() {
            let (direct, cross) = (&mut self.direct[..frames], &mut self.cross[..frames]);
            for (d, c) in direct.iter_mut().zip(cross.iter_mut()) {
                let (g, w) = (self.gain.next_value(), self.width.next_value());
                *d = (0.5 * g * (1.0 + w)) as f32;
                *c = (0.5 * g * (1.0 - w)) as f32;
            }
            for (((l, r), &d), &c) in l
                .iter_mut()
                .zip(r.iter_mut())
                .zip(direct.iter())
                .zip(cross.iter())
            {
                (*l, *r) = (d * *l + c * *r, c * *l + d * *r);
            }
        } else {
            let (g, w) = (self.gain.current(), self.width.current());
            let (d, c) = ((0.5 * g * (1.0 + w)) as f32, (0.5 * g * (1.0 - w)) as f32);
            if c == 0.0 {
                if d != 1.0 {
                    l.iter_mut().chain(r.iter_mut()).for_each(|x| *x *= d);
                }
            } else {
                for (l, r) in l.iter_mut().zip(r.iter_mut()) {
                    (*l, *r) = (d * *l + c * *r, c * *l + d * *r);
                }
            }
        }
    }
}

impl Processor for Gain {
    fn prepare(&mut self, spec: ProcessSpec) {
        let ramp = Smoothed::ramp_samples(RAMP_MS, spec.sample_rate);
        self.gain = Smoothed::new(self.gain.target(), ramp);
        self.width = Smoothed::new(self.width.target(), ramp);
        self.direct = vec![0.0; spec.max_block];
        self.cross = vec![0.0; spec.max_block];
    }

    fn process(&mut self, block: &mut AudioBuffer, _sidechain: Option<&AudioBuffer>) {
        if block.channels() == 2 {
            self.process_stereo(block);
        } else {
            self.process_each(block);
        }
    }

    /// Lands every running ramp on its target.
    fn reset(&mut self) {
        self.gain.set_immediate(self.gain.target());
        self.width.set_immediate(self.width.target());
    }

    fn is_linear(&self) -> bool {
        true
    }
}
