//! Drums: one [`Drum`] model (a body whose pitch falls after the strike, a second partial,
//! and a filtered noise layer) tuned per part, heard through a close microphone or
//! through the overhead and room pairs.

use super::Voice;
use crate::dsp::{CONTROL, Decay, Mode, OnePole, Phasor, Svf};
use crate::rng::{Noise, mix64};
use crate::score::{Hits, Part, drum_hits};
use crate::song::Beat;

/// The sound of one drum.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DrumTone {
    pub(crate) body_hz: f32,
    /// The body starts at `body_hz × (1 + sweep)` and falls with time constant `sweep_s`.
    pub(crate) sweep: f32,
    pub(crate) sweep_s: f32,
    pub(crate) body_t60: f32,
    pub(crate) body_gain: f32,
    /// A second mode of the shell (or a ride's bell): frequency ratio and share.
    pub(crate) partial: (f32, f32),
    pub(crate) noise_mode: Mode,
    pub(crate) noise_hz: f32,
    pub(crate) noise_q: f32,
    pub(crate) noise_t60: f32,
    pub(crate) noise_gain: f32,
    /// A clap's noise restarts this many times, [`BURST_S`] apart, before its tail.
    pub(crate) bursts: u32,
    /// Tuning of the whole drum, also of the toms and congas the score picks (layers of
    /// one part are tuned apart so they do not sound identical).
    pub(crate) pitch: f32,
}

const BURST_S: f32 = 0.011;

/// Tom pitches high to floor: G3, D3, G2.
const TOM_HZ: [f32; 3] = [196.0, 147.0, 98.0];
/// Conga-like hand percussion pitches.
const PERC_HZ: [f32; 3] = [300.0, 360.0, 450.0];
/// An open hat rings this many times longer than a closed one.
const OPEN_HAT: f32 = 6.0;

const SILENT_TONE: DrumTone = DrumTone {
    body_hz: 100.0,
    sweep: 0.0,
    sweep_s: 0.01,
    body_t60: 0.1,
    body_gain: 0.0,
    partial: (1.0, 0.0),
    noise_mode: Mode::Band,
    noise_hz: 1_000.0,
    noise_q: 1.0,
    noise_t60: 0.1,
    noise_gain: 0.0,
    bursts: 0,
    pitch: 1.0,
};

/// The standard sound of each part.
pub(crate) fn tone(part: Part) -> DrumTone {
    let t = SILENT_TONE;
    match part {
        Part::Kick => DrumTone {
            body_hz: 50.0,
            sweep: 2.6,
            sweep_s: 0.03,
            body_t60: 0.5,
            body_gain: 1.0,
            noise_mode: Mode::High,
            noise_hz: 3_000.0,
            noise_q: 0.7,
            noise_t60: 0.01,
            noise_gain: 0.25,
            ..t
        },
        Part::Snare => DrumTone {
            body_hz: 185.0,
            sweep: 0.5,
            sweep_s: 0.012,
            body_t60: 0.18,
            body_gain: 0.6,
            partial: (1.78, 0.35),
            noise_hz: 3_500.0,
            noise_q: 0.6,
            noise_t60: 0.32,
            noise_gain: 0.9,
            ..t
        },
        Part::Hat => DrumTone {
            noise_mode: Mode::High,
            noise_hz: 7_500.0,
            noise_q: 0.8,
            noise_t60: 0.07,
            noise_gain: 1.0,
            ..t
        },
        Part::Clap => DrumTone {
            noise_hz: 1_300.0,
            noise_q: 1.4,
            noise_t60: 0.22,
            noise_gain: 1.4,
            bursts: 3,
            ..t
        },
        Part::Tom => DrumTone {
            body_hz: TOM_HZ[0],
            sweep: 0.5,
            sweep_s: 0.06,
            body_t60: 0.6,
            body_gain: 1.0,
            noise_hz: 900.0,
            noise_q: 0.8,
            noise_t60: 0.06,
            noise_gain: 0.2,
            ..t
        },
        Part::Crash => DrumTone {
            noise_mode: Mode::High,
            noise_hz: 4_200.0,
            noise_q: 1.1,
            noise_t60: 2.2,
            noise_gain: 1.0,
            ..t
        },
        Part::Ride => DrumTone {
            body_hz: 3_150.0,
            body_t60: 0.45,
            body_gain: 0.18,
            partial: (1.48, 0.4),
            noise_mode: Mode::High,
            noise_hz: 6_500.0,
            noise_q: 1.8,
            noise_t60: 0.9,
            noise_gain: 0.6,
            ..t
        },
        Part::Shaker => DrumTone {
            noise_hz: 7_500.0,
            noise_q: 1.1,
            noise_t60: 0.09,
            noise_gain: 1.0,
            ..t
        },
        Part::Rim => DrumTone {
            body_hz: 520.0,
            sweep: 0.1,
            sweep_s: 0.005,
            body_t60: 0.05,
            body_gain: 0.6,
            noise_hz: 2_200.0,
            noise_q: 2.0,
            noise_t60: 0.04,
            noise_gain: 0.8,
            ..t
        },
        Part::Perc => DrumTone {
            body_hz: PERC_HZ[0],
            sweep: 0.25,
            sweep_s: 0.02,
            body_t60: 0.3,
            body_gain: 1.0,
            noise_hz: 1_500.0,
            noise_t60: 0.015,
            noise_gain: 0.3,
            ..t
        },
    }
}

/// The outside kick microphone: less sub, more beater.
pub(crate) fn kick_out() -> DrumTone {
    DrumTone {
        body_hz: 56.0,
        sweep: 1.8,
        sweep_s: 0.02,
        body_t60: 0.35,
        body_gain: 0.8,
        noise_hz: 1_800.0,
        noise_q: 0.8,
        noise_t60: 0.025,
        noise_gain: 0.5,
        ..tone(Part::Kick)
    }
}

/// The microphone under the snare: mostly the wires.
pub(crate) fn snare_bottom() -> DrumTone {
    DrumTone {
        body_gain: 0.25,
        noise_hz: 4_500.0,
        noise_q: 0.5,
        noise_gain: 1.2,
        noise_t60: 0.3,
        ..tone(Part::Snare)
    }
}

/// The noise seed of a kit piece. The same for every microphone on it, so the overheads
/// carry the very noise the close microphone hears, as bleed does.
pub(crate) fn piece_seed(part: Part, variant: u32) -> u64 {
    mix64(u64::from(variant) << 8 | part as u64)
}

/// One drum, struck and ringing.
pub(crate) struct Drum {
    tone: DrumTone,
    sr: f32,
    body: Phasor,
    partial: Phasor,
    base_inc: f32,
    sweep: f32,
    sweep_coef: f32,
    body_env: Decay,
    noise: Noise,
    filter: Svf,
    tail: Decay,
    burst: Decay,
    burst_vel: f32,
    bursts_left: u32,
    burst_timer: u32,
    active: bool,
}

impl Drum {
    pub(crate) fn new(tone: DrumTone, sr: f32, seed: u64) -> Self {
        Self {
            tone,
            sr,
            body: Phasor::default(),
            partial: Phasor::default(),
            base_inc: tone.body_hz * tone.pitch / sr,
            sweep: 0.0,
            sweep_coef: (-1.0 / (tone.sweep_s * sr)).exp(),
            body_env: Decay::new(tone.body_t60, sr),
            noise: Noise::new(seed),
            filter: Svf::new(tone.noise_hz * tone.pitch, tone.noise_q, sr),
            tail: Decay::new(tone.noise_t60, sr),
            burst: Decay::new(0.03, sr),
            burst_vel: 0.0,
            bursts_left: 0,
            burst_timer: 0,
            active: false,
        }
    }

    fn tune(&mut self, hz: f32) {
        self.base_inc = hz * self.tone.pitch / self.sr;
    }

    /// Strikes the drum as `part` is played in `hits`, if it is.
    pub(crate) fn strike(&mut self, part: Part, hits: &Hits) {
        let vel = hits.get(part);
        if vel <= 0.0 {
            return;
        }
        match part {
            Part::Hat => {
                let t60 = self.tone.noise_t60 * if hits.open_hat { OPEN_HAT } else { 1.0 };
                self.tail.set_t60(t60, self.sr);
            }
            Part::Tom => self.tune(TOM_HZ[hits.tom]),
            Part::Perc => self.tune(PERC_HZ[hits.perc]),
            _ => {}
        }
        self.active = true;
        self.body.phase = 0.0;
        self.partial.phase = 0.0;
        self.sweep = self.tone.sweep;
        self.body_env.level = vel;
        if self.tone.bursts > 0 {
            self.burst.level = vel;
            self.burst_vel = vel;
            self.bursts_left = self.tone.bursts - 1;
            self.burst_timer = (BURST_S * self.sr) as u32;
        } else {
            self.tail.level = vel;
        }
    }

    #[inline]
    pub(crate) fn sample(&mut self) -> f32 {
        if !self.active {
            return 0.0;
        }
        if self.burst_timer > 0 {
            self.burst_timer -= 1;
            if self.burst_timer == 0 {
                self.burst.level = self.burst_vel;
                self.bursts_left -= 1;
                if self.bursts_left == 0 {
                    self.tail.level = self.burst_vel;
                } else {
                    self.burst_timer = (BURST_S * self.sr) as u32;
                }
            }
        }
        let t = &self.tone;
        let mut body = 0.0;
        if t.body_gain != 0.0 {
            let inc = self.base_inc * (1.0 + self.sweep);
            self.sweep *= self.sweep_coef;
            self.body.inc = inc;
            body = self.body.sine();
            if t.partial.1 != 0.0 {
                self.partial.inc = (inc * t.partial.0).min(0.49);
                body = body * (1.0 - t.partial.1) + self.partial.sine() * t.partial.1;
            }
            body *= self.body_env.sample() * t.body_gain;
        }
        let noise = self.filter.process(self.noise.sample(), t.noise_mode);
        body + noise * (self.tail.sample() + self.burst.sample()) * t.noise_gain
    }

    /// Stops the drum once it has rung out (called on the control grid).
    pub(crate) fn settle(&mut self) {
        // Flushed before it turns subnormal, which would slow every sample down.
        if self.sweep < 1e-9 {
            self.sweep = 0.0;
        }
        self.body_env.settle();
        self.tail.settle();
        self.burst.settle();
        if self.active
            && self.burst_timer == 0
            && self.body_env.level == 0.0
            && self.tail.level == 0.0
            && self.burst.level == 0.0
        {
            self.active = false;
            self.filter.reset();
        }
    }
}

/// A close microphone on one drum. `gain` may be negative: the microphone under a snare
/// faces the top one, so it picks the drum up in opposite polarity.
pub(crate) struct CloseMic {
    drum: Drum,
    part: Part,
    gain: f32,
}

impl CloseMic {
    pub(crate) fn new(part: Part, tone: DrumTone, sr: f32, variant: u32, gain: f32) -> Self {
        Self {
            drum: Drum::new(tone, sr, piece_seed(part, variant)),
            part,
            gain,
        }
    }
}

impl Voice for CloseMic {
    fn tick(&mut self, beat: &Beat) {
        self.drum.strike(self.part, &drum_hits(beat));
    }

    fn control(&mut self) {
        self.drum.settle();
    }

    fn render(&mut self, l: &mut [f32], _r: &mut [f32]) {
        if !self.drum.active {
            l.fill(0.0);
            return;
        }
        for s in l {
            *s = self.drum.sample() * self.gain;
        }
    }
}

/// A few early reflections per side from one delay line: enough to make a pair of
/// microphones sound like they are in a room.
struct Reflections {
    line: Vec<f32>,
    mask: usize,
    pos: usize,
    taps: [[(usize, f32); 4]; 2],
    tone: [OnePole; 2],
}

impl Reflections {
    /// `scale` stretches the tap times (a bigger room), `level` sets their gain.
    fn new(sr: f32, scale: f32, level: f32) -> Self {
        const MS: [[f32; 4]; 2] = [[7.3, 13.1, 19.7, 29.3], [8.9, 11.6, 23.1, 31.7]];
        const GAIN: [f32; 4] = [0.5, 0.35, 0.25, 0.18];
        let longest = 32.0 * scale * sr / 1000.0;
        let size = (longest as usize + 2).next_power_of_two();
        let taps = MS.map(|side| {
            let mut t = [(0, 0.0); 4];
            for (k, ms) in side.iter().enumerate() {
                t[k] = ((ms * scale * sr / 1000.0) as usize, GAIN[k] * level);
            }
            t
        });
        Self {
            line: vec![0.0; size],
            mask: size - 1,
            pos: 0,
            taps,
            tone: [OnePole::new(6_000.0, sr); 2],
        }
    }

    #[inline]
    fn process(&mut self, x: f32) -> (f32, f32) {
        self.line[self.pos] = x;
        let mut out = [0.0; 2];
        for (side, taps) in self.taps.iter().enumerate() {
            let mut acc = 0.0;
            for &(delay, gain) in taps {
                acc += self.line[(self.pos + self.line.len() - delay) & self.mask] * gain;
            }
            out[side] = self.tone[side].low(acc);
        }
        self.pos = (self.pos + 1) & self.mask;
        (out[0], out[1])
    }
}

/// A stereo pair over or in front of the whole kit.
pub(crate) struct Kit {
    pieces: Vec<(Part, Drum, f32, f32)>,
    room: Reflections,
    /// A distant pair hears less top end.
    air: Option<[OnePole; 2]>,
    gain: f32,
}

impl Kit {
    /// Overheads: cymbals and hats up front, the kick far away, a little room.
    pub(crate) fn overheads(sr: f32, variant: u32, gain: f32) -> Self {
        let mix = [
            (Part::Kick, 0.2, 0.0),
            (Part::Snare, 0.5, 0.1),
            (Part::Hat, 0.55, -0.55),
            (Part::Tom, 0.45, 0.15),
            (Part::Crash, 0.8, -0.35),
            (Part::Ride, 0.55, 0.5),
        ];
        Self::new(
            &mix,
            sr,
            variant,
            Reflections::new(sr, 1.0, 0.3),
            None,
            gain,
        )
    }

    /// Room: drums more than cymbals, longer reflections, darker.
    pub(crate) fn room(sr: f32, variant: u32, gain: f32) -> Self {
        let mix = [
            (Part::Kick, 0.45, 0.0),
            (Part::Snare, 0.6, 0.05),
            (Part::Hat, 0.2, -0.3),
            (Part::Tom, 0.5, 0.1),
            (Part::Crash, 0.35, -0.2),
            (Part::Ride, 0.25, 0.3),
        ];
        let air = Some([OnePole::new(4_000.0, sr); 2]);
        Self::new(&mix, sr, variant, Reflections::new(sr, 1.6, 0.8), air, gain)
    }

    fn new(
        mix: &[(Part, f32, f32)],
        sr: f32,
        variant: u32,
        room: Reflections,
        air: Option<[OnePole; 2]>,
        gain: f32,
    ) -> Self {
        let pieces = mix
            .iter()
            .map(|&(part, level, pan)| {
                // Constant-power position across the pair.
                let angle = (pan + 1.0) * std::f32::consts::FRAC_PI_4;
                let drum = Drum::new(tone(part), sr, piece_seed(part, variant));
                (part, drum, level * angle.cos(), level * angle.sin())
            })
            .collect();
        Self {
            pieces,
            room,
            air,
            gain,
        }
    }
}

impl Voice for Kit {
    fn tick(&mut self, beat: &Beat) {
        let hits = drum_hits(beat);
        for (part, drum, _, _) in &mut self.pieces {
            drum.strike(*part, &hits);
        }
    }

    fn control(&mut self) {
        for (_, drum, _, _) in &mut self.pieces {
            drum.settle();
        }
    }

    fn render(&mut self, l: &mut [f32], r: &mut [f32]) {
        // Drum by drum over a short run rather than sample by sample over the kit: the
        // silent drums cost nothing, and the loops stay tight.
        for (l, r) in l.chunks_mut(CONTROL).zip(r.chunks_mut(CONTROL)) {
            let n = l.len();
            let (mut dl, mut dr, mut mono) = ([0.0; CONTROL], [0.0; CONTROL], [0.0; CONTROL]);
            for (_, drum, gl, gr) in &mut self.pieces {
                if !drum.active {
                    continue;
                }
                for i in 0..n {
                    let x = drum.sample();
                    dl[i] += x * *gl;
                    dr[i] += x * *gr;
                    mono[i] += x;
                }
            }
            for i in 0..n {
                let (el, er) = self.room.process(mono[i]);
                let (mut yl, mut yr) = (dl[i] + el, dr[i] + er);
                if let Some([al, ar]) = &mut self.air {
                    yl = al.low(yl);
                    yr = ar.low(yr);
                }
                l[i] = yl * self.gain;
                r[i] = yr * self.gain;
            }
        }
    }
}
