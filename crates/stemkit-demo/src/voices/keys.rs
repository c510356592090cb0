//! Synths: detuned-saw chords and pads, a square-wave arpeggio, a saw lead, and a plucked
//! string (Karplus–Strong).

use super::{Gate, Voice};
use crate::dsp::{
    Ar, CONTROL, Decay, Mode, OnePole, Phasor, SILENT, Svf, midi_hz, sin_turns, smooth_coef,
};
use crate::rng::Noise;
use crate::score::{CHORDS, Note, arp_note, chord_gate, lead_note, pad_plays, pluck_note};
use crate::song::Beat;

/// Pitch ratio of `cents`.
fn cents(c: f32) -> f32 {
    (c / 1200.0).exp2()
}

/// Renders a stack of detuned saw pairs into a stereo image: the flat saw of each pair
/// leans left, the sharp one right, which is what makes such stacks wide.
#[inline]
fn saw_pairs(saws: &mut [[Phasor; 2]]) -> (f32, f32) {
    let (mut l, mut r) = (0.0, 0.0);
    for [flat, sharp] in saws {
        let (a, b) = (flat.saw(), sharp.saw());
        l += 0.7 * a + 0.3 * b;
        r += 0.3 * a + 0.7 * b;
    }
    (l, r)
}

fn tune_pairs(saws: &mut [[Phasor; 2]], notes: &[f32], spread: f32, sr: f32) {
    for (pair, &n) in saws.iter_mut().zip(notes) {
        let hz = midi_hz(n);
        pair[0].set_hz(hz / spread, sr);
        pair[1].set_hz(hz * spread, sr);
    }
}

/// Chord stabs: three notes of two saws each, a filter envelope per stab.
pub(crate) struct Chords {
    sr: f32,
    saws: [[Phasor; 2]; 3],
    spread: f32,
    env: Ar,
    filter_env: Decay,
    filters: [Svf; 2],
    gate: Gate,
    gain: f32,
    active: bool,
}

impl Chords {
    pub(crate) fn new(sr: f32, variant: u32, gain: f32) -> Self {
        Self {
            sr,
            saws: [[Phasor::default(); 2]; 3],
            spread: cents(8.0 + 3.0 * variant as f32),
            env: Ar::new(0.003, 0.08, sr),
            filter_env: Decay::new(0.6, sr),
            filters: [Svf::default(); 2],
            gate: Gate::default(),
            gain,
            active: false,
        }
    }
}

impl Voice for Chords {
    fn tick(&mut self, beat: &Beat) {
        if self.gate.tick() {
            self.env.gate(0.0);
        }
        if let Some(n) = chord_gate(beat) {
            tune_pairs(&mut self.saws, &CHORDS[beat.chord], self.spread, self.sr);
            self.env.gate(n.vel);
            self.filter_env.level = 1.0;
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
            self.filters.iter_mut().for_each(Svf::reset);
            return;
        }
        let cutoff = 700.0 + 3_500.0 * self.filter_env.level;
        for f in &mut self.filters {
            f.tune(cutoff, 0.9, self.sr);
        }
    }

    fn render(&mut self, l: &mut [f32], r: &mut [f32]) {
        if !self.active {
            l.fill(0.0);
            r.fill(0.0);
            return;
        }
        for (l, r) in l.iter_mut().zip(r.iter_mut()) {
            let (a, b) = saw_pairs(&mut self.saws);
            let e = self.env.sample() * self.gain;
            self.filter_env.sample();
            *l = self.filters[0].process(a, Mode::Low) * e;
            *r = self.filters[1].process(b, Mode::Low) * e;
        }
    }
}

/// A held chord of four notes with a slow attack and a slowly breathing filter; the
/// `high` variant (strings) sits an octave up, brighter, in the drop and the break.
pub(crate) struct Pad {
    sr: f32,
    high: bool,
    saws: [[Phasor; 2]; 4],
    spread: f32,
    env: Ar,
    filters: [Svf; 2],
    lfo: Phasor,
    cutoff: f32,
    gain: f32,
    active: bool,
}

impl Pad {
    pub(crate) fn new(sr: f32, high: bool, variant: u32, gain: f32) -> Self {
        let mut lfo = Phasor::default();
        lfo.set_hz((0.11 + 0.03 * variant as f32) * CONTROL as f32, sr);
        let (attack, release) = if high { (0.9, 0.6) } else { (0.6, 0.5) };
        Self {
            sr,
            high,
            saws: [[Phasor::default(); 2]; 4],
            spread: cents(12.0 + 4.0 * variant as f32),
            env: Ar::new(attack, release, sr),
            filters: [Svf::default(); 2],
            lfo,
            cutoff: if high { 2_600.0 } else { 1_200.0 },
            gain,
            active: false,
        }
    }
}

impl Voice for Pad {
    fn tick(&mut self, beat: &Beat) {
        if beat.step != 0 {
            return;
        }
        if !beat.last_bar && pad_plays(beat.section, self.high) {
            let c = CHORDS[beat.chord];
            let up = if self.high { 12.0 } else { 0.0 };
            let notes = [c[0] - 12.0 + up, c[0] + up, c[1] + up, c[2] + up];
            tune_pairs(&mut self.saws, &notes, self.spread, self.sr);
            self.env.gate(1.0);
            self.active = true;
        } else {
            self.env.gate(0.0);
        }
    }

    fn control(&mut self) {
        if !self.active {
            return;
        }
        if self.env.is_silent() {
            self.active = false;
            self.env.silence();
            self.filters.iter_mut().for_each(Svf::reset);
            return;
        }
        // The LFO steps once per control block; its rate was scaled by CONTROL.
        let breath = 1.0 + 0.4 * sin_turns(self.lfo.advance());
        for f in &mut self.filters {
            f.tune(self.cutoff * breath, 0.8, self.sr);
        }
    }

    fn render(&mut self, l: &mut [f32], r: &mut [f32]) {
        if !self.active {
            l.fill(0.0);
            r.fill(0.0);
            return;
        }
        for (l, r) in l.iter_mut().zip(r.iter_mut()) {
            let (a, b) = saw_pairs(&mut self.saws);
            let e = self.env.sample() * self.gain;
            *l = self.filters[0].process(a, Mode::Low) * e;
            *r = self.filters[1].process(b, Mode::Low) * e;
        }
    }
}

/// What a [`MonoSynth`] plays and how it sounds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MonoPatch {
    pub(crate) part: fn(&Beat) -> Option<Note>,
    /// Square (two saws half a turn apart, subtracted) or two detuned saws.
    pub(crate) square: bool,
    pub(crate) detune_cents: f32,
    pub(crate) release_s: f32,
    pub(crate) cutoff: f32,
    pub(crate) env_hz: f32,
    pub(crate) q: f32,
    /// Vibrato depth as a pitch ratio, 0 for none.
    pub(crate) vibrato: f32,
}

pub(crate) const ARP: MonoPatch = MonoPatch {
    part: arp_note,
    square: true,
    detune_cents: 0.0,
    release_s: 0.07,
    cutoff: 600.0,
    env_hz: 3_000.0,
    q: 1.8,
    vibrato: 0.0,
};

pub(crate) const LEAD: MonoPatch = MonoPatch {
    part: lead_note,
    square: false,
    detune_cents: 9.0,
    release_s: 0.12,
    cutoff: 1_400.0,
    env_hz: 2_500.0,
    q: 1.2,
    vibrato: 0.006,
};

/// A monophonic synth voice with pitch glide, vibrato and a filter envelope.
pub(crate) struct MonoSynth {
    patch: MonoPatch,
    sr: f32,
    oscs: [Phasor; 2],
    spread: f32,
    pitch: f32,
    target: f32,
    glide: f32,
    vibrato: Phasor,
    env: Ar,
    filter_env: Decay,
    filter: Svf,
    gate: Gate,
    gain: f32,
    active: bool,
}

impl MonoSynth {
    pub(crate) fn new(patch: MonoPatch, sr: f32, variant: u32, gain: f32) -> Self {
        let mut oscs = [Phasor::default(); 2];
        if patch.square {
            oscs[1].phase = 0.5;
        }
        let mut vibrato = Phasor::default();
        vibrato.set_hz((5.2 + 0.3 * variant as f32) * CONTROL as f32, sr);
        Self {
            patch,
            sr,
            oscs,
            spread: cents(patch.detune_cents + 4.0 * variant as f32),
            pitch: 0.0,
            target: 0.0,
            glide: smooth_coef(0.02, sr / CONTROL as f32),
            vibrato,
            env: Ar::new(0.002, patch.release_s, sr),
            filter_env: Decay::new(0.35, sr),
            filter: Svf::default(),
            gate: Gate::default(),
            gain,
            active: false,
        }
    }

    fn retune(&mut self) {
        let vib = 1.0 + self.patch.vibrato * sin_turns(self.vibrato.advance());
        let hz = self.pitch * vib;
        if self.patch.square {
            // Both saws at one pitch keep their half-turn offset: a square wave.
            self.oscs[0].set_hz(hz, self.sr);
            self.oscs[1].set_hz(hz, self.sr);
        } else {
            self.oscs[0].set_hz(hz / self.spread, self.sr);
            self.oscs[1].set_hz(hz * self.spread, self.sr);
        }
        let cutoff = self.patch.cutoff + self.patch.env_hz * self.filter_env.level;
        self.filter.tune(cutoff, self.patch.q, self.sr);
    }
}

impl Voice for MonoSynth {
    fn tick(&mut self, beat: &Beat) {
        let closing = self.gate.tick();
        let next = (self.patch.part)(beat);
        if closing && next.is_none() {
            self.env.gate(0.0);
        }
        if let Some(n) = next {
            self.target = midi_hz(n.midi);
            if !self.active {
                self.pitch = self.target;
            }
            self.env.gate(n.vel);
            self.filter_env.level = n.vel;
            self.gate.open(n.ticks);
            self.active = true;
            self.retune();
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
            return;
        }
        self.pitch += (self.target - self.pitch) * self.glide;
        self.retune();
    }

    fn render(&mut self, l: &mut [f32], _r: &mut [f32]) {
        if !self.active {
            l.fill(0.0);
            return;
        }
        let sign = if self.patch.square { -1.0 } else { 1.0 };
        for s in l {
            let x = 0.5 * (self.oscs[0].saw() + sign * self.oscs[1].saw());
            self.filter_env.sample();
            *s = self.filter.process(x, Mode::Low) * self.env.sample() * self.gain;
        }
    }
}

/// A plucked string: a burst of filtered noise circulating in a delay line one period
/// long, averaged with its neighbour each pass (Karplus & Strong 1983).
pub(crate) struct Pluck {
    sr: f32,
    line: Vec<f32>,
    len: usize,
    pos: usize,
    last: f32,
    damp: f32,
    noise: Noise,
    peak: f32,
    gain: f32,
    active: bool,
}

impl Pluck {
    pub(crate) fn new(sr: f32, seed: u64, gain: f32) -> Self {
        // Room for one period of the lowest note the part plays (A3 and up), with margin.
        let size = (sr / 100.0) as usize + 2;
        Self {
            sr,
            line: vec![0.0; size],
            len: 2,
            pos: 0,
            last: 0.0,
            damp: 1.0,
            noise: Noise::new(seed),
            peak: 0.0,
            gain,
            active: false,
        }
    }
}

impl Voice for Pluck {
    fn tick(&mut self, beat: &Beat) {
        let Some(n) = pluck_note(beat) else { return };
        let hz = midi_hz(n.midi);
        // The averaging adds half a sample of delay to the loop.
        self.len = ((self.sr / hz - 0.5).round() as usize).clamp(2, self.line.len());
        // 60 dB down after 1.2 s of round trips.
        self.damp = 0.001_f32.powf(1.0 / (hz * 1.2));
        let mut tone = OnePole::new(3_000.0, self.sr);
        for x in &mut self.line[..self.len] {
            *x = tone.low(self.noise.sample()) * n.vel;
        }
        self.pos = 0;
        self.last = 0.0;
        // Keeps the next control point from taking the fresh string for a dead one.
        self.peak = n.vel;
        self.active = true;
    }

    fn control(&mut self) {
        if self.active && self.peak < SILENT {
            self.active = false;
            self.line.fill(0.0);
            self.last = 0.0;
        }
        self.peak = 0.0;
    }

    fn render(&mut self, l: &mut [f32], _r: &mut [f32]) {
        if !self.active {
            l.fill(0.0);
            return;
        }
        for s in l {
            let y = self.line[self.pos];
            self.line[self.pos] = 0.5 * (y + self.last) * self.damp;
            self.last = y;
            self.pos += 1;
            if self.pos == self.len {
                self.pos = 0;
            }
            self.peak = self.peak.max(y.abs());
            *s = y * self.gain;
        }
    }
}
