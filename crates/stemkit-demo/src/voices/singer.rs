//! A singing voice: a glottal pulse train through four formant resonators that glide
//! between vowels, with vibrato, portamento, breath and consonant noise (the source-filter
//! model of Fant 1960, in its simplest parallel-formant form).

use super::{Gate, Voice};
use crate::dsp::{Ar, CONTROL, Decay, Mode, OnePole, Phasor, Svf, midi_hz, sin_turns, smooth_coef};
use crate::rng::Noise;
use crate::score::{Sung, VocalPart, vocal_note};
use crate::song::Beat;

/// Formant bandwidths in Hz (typical of a male voice) and their levels in the sum.
const BANDWIDTH: [f32; 4] = [90.0, 110.0, 160.0, 200.0];
const LEVEL: [f32; 4] = [1.0, 0.6, 0.3, 0.15];

/// How one singer phrases: attack and release of the notes, and the delay behind the beat.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    pub(crate) attack_s: f32,
    pub(crate) release_s: f32,
    pub(crate) late_s: f32,
    pub(crate) detune_cents: f32,
    pub(crate) vibrato_hz: f32,
}

pub(crate) const LEAD: Style = Style {
    attack_s: 0.02,
    release_s: 0.06,
    late_s: 0.0,
    detune_cents: 0.0,
    vibrato_hz: 5.5,
};
/// A double sings the same line a little late and a little sharp.
pub(crate) const DOUBLE: Style = Style {
    attack_s: 0.025,
    release_s: 0.06,
    late_s: 0.012,
    detune_cents: 7.0,
    vibrato_hz: 5.1,
};
pub(crate) const CHOIR: Style = Style {
    attack_s: 0.12,
    release_s: 0.25,
    late_s: 0.006,
    detune_cents: 0.0,
    vibrato_hz: 4.8,
};
pub(crate) const CHOP: Style = Style {
    attack_s: 0.004,
    release_s: 0.03,
    late_s: 0.0,
    detune_cents: 0.0,
    vibrato_hz: 6.0,
};

pub(crate) struct Singer {
    part: VocalPart,
    sr: f32,
    glottis: Phasor,
    tilt: OnePole,
    formants: [Svf; 4],
    freqs: [f32; 4],
    targets: [f32; 4],
    formant_glide: f32,
    pitch: f32,
    pitch_target: f32,
    pitch_glide: f32,
    detune: f32,
    vibrato: Phasor,
    vibrato_depth: f32,
    vibrato_onset: f32,
    amp: Ar,
    breath: Noise,
    hiss: Svf,
    consonant: Decay,
    pending: Option<Sung>,
    wait: u32,
    late: u32,
    gate: Gate,
    gain: f32,
    active: bool,
}

impl Singer {
    pub(crate) fn new(part: VocalPart, style: Style, sr: f32, seed: u64, gain: f32) -> Self {
        let control_rate = sr / CONTROL as f32;
        let mut vibrato = Phasor::default();
        vibrato.set_hz(style.vibrato_hz * CONTROL as f32, sr);
        Self {
            part,
            sr,
            glottis: Phasor::default(),
            // With the saw's own -6 dB/octave, -12 dB/octave above here: the slope of a
            // glottal pulse.
            tilt: OnePole::new(250.0, sr),
            formants: [Svf::default(); 4],
            freqs: [500.0; 4],
            targets: [500.0; 4],
            formant_glide: smooth_coef(0.04, control_rate),
            pitch: 220.0,
            pitch_target: 220.0,
            pitch_glide: smooth_coef(0.035, control_rate),
            detune: (style.detune_cents / 1200.0).exp2(),
            vibrato,
            vibrato_depth: 0.0,
            vibrato_onset: smooth_coef(0.35, control_rate),
            amp: Ar::new(style.attack_s, style.release_s, sr),
            breath: Noise::new(seed),
            hiss: Svf::new(5_500.0, 0.8, sr),
            consonant: Decay::new(0.05, sr),
            pending: None,
            wait: 0,
            late: (style.late_s * sr) as u32,
            gate: Gate::default(),
            gain,
            active: false,
        }
    }

    fn start(&mut self, s: Sung) {
        // A note that follows without a gap glides from the last one.
        let legato = self.amp.level > 0.01;
        self.pitch_target = midi_hz(s.note.midi);
        self.targets = s.vowel.formants();
        if !legato {
            self.pitch = self.pitch_target;
            self.vibrato_depth = 0.0;
            self.freqs = self.targets;
        }
        self.amp.gate(s.note.vel);
        self.consonant.level = s.consonant * s.note.vel;
        self.gate.open(s.note.ticks);
        self.active = true;
        self.retune();
    }

    fn retune(&mut self) {
        let vib = 1.0 + self.vibrato_depth * sin_turns(self.vibrato.advance());
        self.glottis.set_hz(self.pitch * self.detune * vib, self.sr);
        for (i, f) in self.formants.iter_mut().enumerate() {
            f.tune(self.freqs[i], self.freqs[i] / BANDWIDTH[i], self.sr);
        }
    }

    /// Renders into one channel (a choir gives each singer its own).
    pub(crate) fn render_into(&mut self, out: &mut [f32]) {
        if !self.active {
            out.fill(0.0);
            return;
        }
        for s in out {
            if self.wait > 0 {
                self.wait -= 1;
                if self.wait == 0
                    && let Some(note) = self.pending.take()
                {
                    self.start(note);
                }
            }
            let source = self.tilt.low(self.glottis.saw()) + 0.02 * self.breath.sample();
            let mut voiced = 0.0;
            for (f, level) in self.formants.iter_mut().zip(LEVEL) {
                voiced += f.process(source, Mode::Band) * level;
            }
            let mut y = voiced * self.amp.sample();
            // Between consonants (their decay settled to exactly 0) the hiss is skipped.
            if self.consonant.level != 0.0 {
                let hiss = self.hiss.process(self.breath.sample(), Mode::High);
                y += 0.25 * hiss * self.consonant.sample();
            }
            *s = y * self.gain;
        }
    }
}

impl Voice for Singer {
    fn tick(&mut self, beat: &Beat) {
        let closing = self.gate.tick();
        let next = vocal_note(self.part, beat);
        if closing && next.is_none() {
            self.amp.gate(0.0);
        }
        if let Some(s) = next {
            if self.late == 0 {
                self.start(s);
            } else {
                self.pending = Some(s);
                self.wait = self.late;
                self.active = true;
            }
        }
    }

    fn control(&mut self) {
        self.consonant.settle();
        if !self.active {
            return;
        }
        if self.pending.is_none() && self.amp.is_silent() && self.consonant.level == 0.0 {
            self.active = false;
            self.amp.silence();
            self.formants.iter_mut().for_each(Svf::reset);
            self.hiss.reset();
            self.tilt.reset();
            return;
        }
        self.pitch += (self.pitch_target - self.pitch) * self.pitch_glide;
        // About ±25 cents once the note has settled.
        self.vibrato_depth += (0.015 - self.vibrato_depth) * self.vibrato_onset;
        for (f, t) in self.freqs.iter_mut().zip(self.targets) {
            *f += (t - *f) * self.formant_glide;
        }
        self.retune();
    }

    fn render(&mut self, l: &mut [f32], _r: &mut [f32]) {
        self.render_into(l);
    }
}

/// Two backing singers, one per side.
pub(crate) struct Choir(pub(crate) [Singer; 2]);

impl Voice for Choir {
    fn tick(&mut self, beat: &Beat) {
        self.0.iter_mut().for_each(|s| s.tick(beat));
    }

    fn control(&mut self) {
        self.0.iter_mut().for_each(Voice::control);
    }

    fn render(&mut self, l: &mut [f32], r: &mut [f32]) {
        let [a, b] = &mut self.0;
        a.render_into(l);
        b.render_into(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::{Note, Vowel};

    /// Sings one sustained vowel and returns the amplitude of each harmonic of `f0`.
    fn harmonics(vowel: Vowel, f0: f32) -> Vec<f64> {
        let sr = 48_000.0;
        let mut s = Singer::new(VocalPart::Lead, LEAD, sr, 1, 1.0);
        let midi = 69.0 + 12.0 * (f0 / 440.0).log2();
        s.start(Sung {
            note: Note {
                midi,
                vel: 1.0,
                ticks: 1_000,
            },
            vowel,
            consonant: 0.0,
        });
        // No vibrato, so the harmonics stay put for the analysis.
        s.vibrato_onset = 0.0;
        let mut out = vec![0.0; 48_000];
        for (i, block) in out.chunks_mut(CONTROL).enumerate() {
            if i > 0 {
                s.control();
            }
            s.render_into(block);
        }
        let tail = &out[24_000..];
        (1..=45)
            .map(|k| {
                let w = 2.0 * std::f64::consts::PI * f64::from(f0) * f64::from(k) / 48_000.0;
                let (mut re, mut im) = (0.0, 0.0);
                for (n, &x) in tail.iter().enumerate() {
                    re += f64::from(x) * (w * n as f64).cos();
                    im += f64::from(x) * (w * n as f64).sin();
                }
                (re * re + im * im).sqrt()
            })
            .collect()
    }

    /// The spectral envelope, with the known source (a saw's 1/k harmonics through the
    /// one-pole tilt) divided out, peaks at the harmonic nearest each of the vowel's first
    /// two formants, and F1 stands far above the top of the voice band: the formant filter
    /// follows the vowel table.
    #[test]
    fn vowels_have_their_formant_peaks() {
        let (f0, sr) = (110.0, 48_000.0);
        let c = 1.0 - (-2.0 * std::f64::consts::PI * 250.0 / sr).exp();
        let source = |k: usize| {
            let w = 2.0 * std::f64::consts::PI * f0 * k as f64 / sr;
            let tilt = c / (1.0 - 2.0 * (1.0 - c) * w.cos() + (1.0 - c).powi(2)).sqrt();
            tilt / k as f64
        };
        for vowel in [Vowel::A, Vowel::E, Vowel::I, Vowel::O, Vowel::U] {
            let env: Vec<f64> = harmonics(vowel, f0 as f32)
                .iter()
                .enumerate()
                .map(|(i, h)| h / source(i + 1))
                .collect();
            let at = |hz: f32| (f64::from(hz) / f0).round() as usize - 1;
            let f = vowel.formants();
            assert!(
                env[at(f[0])] > 10.0 * env[at(4_950.0)],
                "{vowel:?}: {env:?}"
            );
            for formant in &f[..2] {
                let k = at(*formant);
                assert!(
                    env[k] > env[k - 1] && env[k] > env[k + 1],
                    "{vowel:?}: {} Hz is not a peak: {:?}",
                    (k + 1) as f64 * f0,
                    &env[k - 1..=k + 1]
                );
            }
        }
    }
}
