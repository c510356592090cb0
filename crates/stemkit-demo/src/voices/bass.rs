//! The low end: a bass guitar-like line (a saw and a sub sine through a resonant low-pass
//! with its own envelope), heard direct or through an amp, and an 808.

use super::{Gate, Voice};
use crate::dsp::{Ar, Decay, Mode, Phasor, Svf, midi_hz, soft_clip};
use crate::score::{bass_note, sub_note};
use crate::song::Beat;

/// The bass line as a DI box or an amp microphone hears it.
pub(crate) struct Bass {
    sr: f32,
    saw: Phasor,
    sub: Phasor,
    env: Ar,
    filter: Svf,
    filter_env: Decay,
    gate: Gate,
    /// The amp: drive into a soft clipper, then the cabinet's top-end roll-off.
    amp: Option<(f32, Svf)>,
    gain: f32,
    active: bool,
}

impl Bass {
    pub(crate) fn di(sr: f32, gain: f32) -> Self {
        Self::new(sr, None, gain)
    }

    pub(crate) fn amp(sr: f32, gain: f32) -> Self {
        Self::new(sr, Some((2.5, Svf::new(2_800.0, 0.9, sr))), gain)
    }

    fn new(sr: f32, amp: Option<(f32, Svf)>, gain: f32) -> Self {
        Self {
            sr,
            saw: Phasor::default(),
            sub: Phasor::default(),
            env: Ar::new(0.002, 0.03, sr),
            filter: Svf::new(400.0, 1.6, sr),
            filter_env: Decay::new(0.5, sr),
            gate: Gate::default(),
            amp,
            gain,
            active: false,
        }
    }
}

impl Voice for Bass {
    fn tick(&mut self, beat: &Beat) {
        if self.gate.tick() {
            self.env.gate(0.0);
        }
        if let Some(n) = bass_note(beat) {
            let hz = midi_hz(n.midi);
            self.saw.set_hz(hz, self.sr);
            self.sub.set_hz(hz, self.sr);
            self.env.gate(n.vel);
            self.filter_env.level = n.vel;
            self.gate.open(n.ticks);
            self.active = true;
        }
    }

    fn control(&mut self) {
        self.filter_env.settle();
        if !self.active {
            return;
        }
        if self.env.is_silent() {
            self.active = false;
            self.env.silence();
            self.filter.reset();
            if let Some((_, cab)) = &mut self.amp {
                cab.reset();
            }
            return;
        }
        let cutoff = 350.0 + 1_600.0 * self.filter_env.level;
        self.filter.tune(cutoff, 1.6, self.sr);
    }

    fn render(&mut self, l: &mut [f32], _r: &mut [f32]) {
        if !self.active {
            l.fill(0.0);
            return;
        }
        for s in l {
            let x = self.saw.saw() * 0.6 + self.sub.sine() * 0.5;
            self.filter_env.sample();
            let mut y = self.filter.process(x, Mode::Low) * self.env.sample();
            if let Some((drive, cab)) = &mut self.amp {
                y = cab.process(soft_clip(y * *drive), Mode::Low);
            }
            *s = y * self.gain;
        }
    }
}

/// An 808: a sine that drops three semitones into its note, long and round, lightly
/// saturated so it speaks on small speakers.
pub(crate) struct Sub808 {
    sr: f32,
    osc: Phasor,
    base_inc: f32,
    glide: f32,
    glide_coef: f32,
    env: Ar,
    body: Decay,
    gate: Gate,
    gain: f32,
    active: bool,
}

impl Sub808 {
    pub(crate) fn new(sr: f32, gain: f32) -> Self {
        Self {
            sr,
            osc: Phasor::default(),
            base_inc: 0.0,
            glide: 0.0,
            glide_coef: (-1.0 / (0.025 * sr)).exp(),
            env: Ar::new(0.001, 0.06, sr),
            body: Decay::new(2.5, sr),
            gate: Gate::default(),
            gain,
            active: false,
        }
    }
}

impl Voice for Sub808 {
    fn tick(&mut self, beat: &Beat) {
        if self.gate.tick() {
            self.env.gate(0.0);
        }
        if let Some(n) = sub_note(beat) {
            self.base_inc = midi_hz(n.midi) / self.sr;
            // 2^(3/12) - 1: three semitones above the note.
            self.glide = 0.189_2;
            self.env.gate(n.vel);
            self.body.level = 1.0;
            self.gate.open(n.ticks);
            self.active = true;
        }
    }

    fn control(&mut self) {
        // Flushed before it turns subnormal, which would slow every sample down.
        if self.glide < 1e-9 {
            self.glide = 0.0;
        }
        self.body.settle();
        if self.active && (self.env.is_silent() || self.body.level == 0.0) {
            self.active = false;
            self.env.silence();
        }
    }

    fn render(&mut self, l: &mut [f32], _r: &mut [f32]) {
        if !self.active {
            l.fill(0.0);
            return;
        }
        for s in l {
            self.osc.inc = self.base_inc * (1.0 + self.glide);
            self.glide *= self.glide_coef;
            let x = self.osc.sine() * self.env.sample() * self.body.sample();
            *s = soft_clip(1.4 * x) * self.gain;
        }
    }
}
