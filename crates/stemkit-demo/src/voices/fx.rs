//! Transition effects: noise sweeps up into a drop and down out of it, impacts, and the
//! reversed cymbal that swells into a new section.

use super::Voice;
use crate::dsp::{CONTROL, Decay, Mode, OnePole, Phasor, SILENT, Svf, decay_coef};
use crate::rng::Noise;
use crate::song::{Beat, Section};

/// Which way a [`Sweep`] goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// A riser: over the whole build, a band of noise (and a saw under it) climbs from
    /// 150 Hz to 9 kHz and grows, then stops dead at the drop.
    Up,
    /// A downlifter: two bars from the start of a break, falling and fading.
    Down,
}

/// Noise through a band-pass whose centre, resonance and level follow the sweep's
/// progress; left and right get independent noise, so it is wide.
pub(crate) struct Sweep {
    direction: Direction,
    sr: f32,
    noise: [Noise; 2],
    filters: [Svf; 2],
    saw: Phasor,
    progress: f32,
    /// Progress per control block.
    rate: f32,
    running: bool,
    amp: f32,
    /// Per-sample step of `amp` towards its value at the next control point.
    amp_step: f32,
    gain: f32,
    active: bool,
}

impl Sweep {
    pub(crate) fn new(direction: Direction, sr: f32, seed: u64, gain: f32) -> Self {
        Self {
            direction,
            sr,
            noise: [Noise::new(seed), Noise::new(seed ^ 1)],
            filters: [Svf::default(); 2],
            saw: Phasor::default(),
            progress: 0.0,
            rate: 0.0,
            running: false,
            amp: 0.0,
            amp_step: 0.0,
            gain,
            active: false,
        }
    }
}

impl Voice for Sweep {
    fn tick(&mut self, beat: &Beat) {
        let (section, bars) = match self.direction {
            Direction::Up => (Section::Build, beat.section_bars),
            Direction::Down => (Section::Break, beat.section_bars.min(2)),
        };
        if beat.section == section && beat.bar_in_section == 0 && beat.step == 0 && !beat.last_bar {
            let frames = f64::from(bars * 32) * beat.frames_per_tick;
            self.rate = (CONTROL as f64 / frames) as f32;
            self.progress = 0.0;
            self.running = true;
            self.active = true;
        } else if self.running && self.direction == Direction::Up && beat.section != section {
            self.running = false;
        }
    }

    fn control(&mut self) {
        if !self.active {
            return;
        }
        if self.running {
            self.progress += self.rate;
            if self.progress >= 1.0 {
                self.progress = 1.0;
                self.running = false;
            }
        }
        let p = self.progress;
        let (target, from, to) = match self.direction {
            Direction::Up if self.running => (p * p, 150.0_f32, 9_000.0_f32),
            // A riser is cut, not faded: down 6 dB per control block (60 dB in 7 ms).
            Direction::Up => (self.amp * 0.5, 150.0, 9_000.0),
            Direction::Down => ((1.0 - p) * (1.0 - p), 7_000.0, 150.0),
        };
        if !self.running && target < SILENT {
            self.active = false;
            self.amp = 0.0;
            self.amp_step = 0.0;
            self.filters.iter_mut().for_each(Svf::reset);
            return;
        }
        self.amp_step = (target - self.amp) / CONTROL as f32;
        let swept = from * (to / from).powf(p);
        let q = 1.2
            + 4.0
                * if self.direction == Direction::Up {
                    p
                } else {
                    1.0 - p
                };
        for f in &mut self.filters {
            f.tune(swept, q, self.sr);
        }
        self.saw.set_hz(swept / 8.0, self.sr);
    }

    fn render(&mut self, l: &mut [f32], r: &mut [f32]) {
        if !self.active {
            l.fill(0.0);
            r.fill(0.0);
            return;
        }
        for (l, r) in l.iter_mut().zip(r.iter_mut()) {
            self.amp += self.amp_step;
            let tone = 0.3 * self.saw.saw();
            let g = self.amp.max(0.0) * self.gain;
            *l = self.filters[0].process(self.noise[0].sample() + tone, Mode::Band) * g;
            *r = self.filters[1].process(self.noise[1].sample() + tone, Mode::Band) * g;
        }
    }
}

/// The hit that opens a drop: a falling sub boom and a wide burst of dark noise.
pub(crate) struct Impact {
    boom: Phasor,
    boom_inc: f32,
    fall: f32,
    fall_coef: f32,
    boom_env: Decay,
    noise: [Noise; 2],
    tone: [OnePole; 2],
    noise_env: Decay,
    gain: f32,
    active: bool,
}

impl Impact {
    pub(crate) fn new(sr: f32, seed: u64, gain: f32) -> Self {
        Self {
            boom: Phasor::default(),
            boom_inc: 38.0 / sr,
            fall: 0.0,
            fall_coef: (-1.0 / (0.08 * sr)).exp(),
            boom_env: Decay::new(2.5, sr),
            noise: [Noise::new(seed), Noise::new(seed ^ 1)],
            tone: [OnePole::new(2_500.0, sr); 2],
            noise_env: Decay::new(0.9, sr),
            gain,
            active: false,
        }
    }
}

impl Voice for Impact {
    fn tick(&mut self, beat: &Beat) {
        if beat.section == Section::Drop && beat.bar_in_section == 0 && beat.step == 0 {
            self.boom.phase = 0.0;
            self.fall = 1.5;
            self.boom_env.level = 1.0;
            self.noise_env.level = 0.8;
            self.active = true;
        }
    }

    fn control(&mut self) {
        if self.fall < 1e-9 {
            self.fall = 0.0;
        }
        self.boom_env.settle();
        self.noise_env.settle();
        if self.active && self.boom_env.level == 0.0 && self.noise_env.level == 0.0 {
            self.active = false;
            self.tone.iter_mut().for_each(OnePole::reset);
        }
    }

    fn render(&mut self, l: &mut [f32], r: &mut [f32]) {
        if !self.active {
            l.fill(0.0);
            r.fill(0.0);
            return;
        }
        for (l, r) in l.iter_mut().zip(r.iter_mut()) {
            self.boom.inc = self.boom_inc * (1.0 + self.fall);
            self.fall *= self.fall_coef;
            let boom = self.boom.sine() * self.boom_env.sample();
            let n = self.noise_env.sample();
            *l = (boom + self.tone[0].low(self.noise[0].sample()) * n) * self.gain;
            *r = (boom + self.tone[1].low(self.noise[1].sample()) * n) * self.gain;
        }
    }
}

/// A cymbal played backwards: bright noise swelling exponentially through the last bar
/// of a section and cut at the downbeat of a verse or drop.
pub(crate) struct ReverseCymbal {
    sr: f32,
    noise: [Noise; 2],
    filters: [Svf; 2],
    level: f32,
    growth: f32,
    gain: f32,
    active: bool,
}

impl ReverseCymbal {
    pub(crate) fn new(sr: f32, seed: u64, gain: f32) -> Self {
        Self {
            sr,
            noise: [Noise::new(seed), Noise::new(seed ^ 1)],
            filters: [Svf::new(5_000.0, 0.9, sr); 2],
            level: 0.0,
            growth: 1.0,
            gain,
            active: false,
        }
    }
}

impl Voice for ReverseCymbal {
    fn tick(&mut self, beat: &Beat) {
        let into = matches!(beat.next_section, Some(Section::Verse | Section::Drop));
        if beat.section_ends() && into && beat.step == 0 && !beat.last_bar {
            // From -50 dB to full over one bar.
            let frames = 32.0 * beat.frames_per_tick as f32;
            self.level = 0.003;
            self.growth = (1.0_f32 / 0.003).powf(1.0 / frames);
            self.active = true;
        } else if self.active && beat.bar_in_section == 0 && beat.step == 0 {
            self.growth = decay_coef(0.01, self.sr);
        }
    }

    fn control(&mut self) {
        if self.active && self.growth < 1.0 && self.level < SILENT {
            self.active = false;
            self.level = 0.0;
            self.filters.iter_mut().for_each(Svf::reset);
        }
    }

    fn render(&mut self, l: &mut [f32], r: &mut [f32]) {
        if !self.active {
            l.fill(0.0);
            r.fill(0.0);
            return;
        }
        for (l, r) in l.iter_mut().zip(r.iter_mut()) {
            // Never past full level, whatever rounding the growth factor carries.
            self.level = (self.level * self.growth).min(1.0);
            let g = self.level * self.gain;
            *l = self.filters[0].process(self.noise[0].sample(), Mode::High) * g;
            *r = self.filters[1].process(self.noise[1].sample(), Mode::High) * g;
        }
    }
}
