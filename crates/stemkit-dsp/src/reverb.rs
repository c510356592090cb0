//! `reverb`: an algorithmic stereo reverb, a 16-line feedback delay network (FDN) after a
//! predelay and a short allpass diffuser.
//!
//! # Parameters ([`ReverbParams`])
//! | key | unit | range | default | meaning |
//! | --- | ---- | ----- | ------- | ------- |
//! | `decay_s` | s | 0.1 ..= 20 | 1.5 | RT60: time for the reverberation to fall 60 dB, exact below about 500 Hz |
//! | `predelay_ms` | ms | 0 ..= 500 | 0 | delay before the reverberation, rounded to the nearest sample |
//! | `size` | | 0 ..= 1 | 0.5 | scales every delay length by `0.25 + 1.5 · size` (0.25× to 1.75×) |
//! | `damping` | | 0 ..= 1 | 0.5 | high-frequency absorption: the RT60 at the Nyquist frequency is `decay_s · (1 - 0.9 · damping)` |
//! | `width` | | 0 ..= 1 | 1 | side level of the wet signal: 0 is mono, 1 the full decorrelated stereo |
//! | `mix` | | 0 ..= 1 | 1 | wet share: `(1 - mix) · dry + mix · wet` |
//!
//! # Structure
//! Each input channel passes a predelay line and four Schroeder allpasses (3.4 to 12.7 ms
//! at size 0.5, gain 0.5) that turn the impulse into a dense burst, then enters the FDN
//! through its own ±1 sign pattern. The FDN's 16 lines have prime lengths spread
//! exponentially over 21 to 79 ms (at size 0.5); their outputs are mixed by a 16 × 16
//! Hadamard matrix (orthogonal, so the loop itself is lossless) and fed back. Decay is set
//! per line in the manner of Jot: a line of `m` samples gets the gain `10^(-3m / (fs·RT60))`
//! at DC and a one-pole low-pass that lowers it to the gain of the high-frequency RT60 at
//! Nyquist, so every mode decays at the rate the parameters ask for, independent of the
//! line lengths (and so of `size`). The two outputs are two further orthogonal sign
//! patterns over the line outputs.
//!
//! Nothing is modulated: the reverb is linear and time-invariant, so wet stems (one reverb
//! instance per stem) sum exactly to the reverb of the sum. On a mono bus the input feeds
//! both sides and the output is the mid (L + R) / 2 of the wet signal.
//!
//! # Level
//! The output is scaled so that the impulse response's energy (Σ h², per output channel,
//! for an impulse into one input, no damping) is about `decay_s / 1.5 s`: 0 dB at the
//! default decay, +3 dB per doubling of the decay, and independent of `size`.
//!
//! # Tail
//! [`Processor::tail`] bounds the time for the response to a full-scale impulse to fall
//! below -96 dBFS: predelay, the diffusers' ring-out, the longest line, and the RT60 decay
//! of the loop from the largest level its output gain allows. Delay lines store non-finite
//! values as zero, and a block whose output is not finite is silenced and resets the
//! state, so a NaN or infinity in the input never sticks.

use stemkit_core::{AudioBuffer, ProcessSpec, Processor};

use crate::delay_line::DelayLine;
use crate::params::ReverbParams;

const LINES: usize = 16;
/// FDN line lengths at size 0.5 are spread exponentially between these, ms.
const LINE_MS: (f64, f64) = (21.0, 79.0);
/// Diffuser allpass delays at size 0.5, ms, left and right (unrelated lengths decorrelate
/// the two channels).
const DIFFUSER_MS: [[f64; 4]; 2] = [[4.77, 3.59, 12.73, 9.30], [4.93, 3.37, 12.11, 8.87]];
const DIFFUSER_GAIN: f64 = 0.5;
/// Injection and output sign patterns: 8 of each sign, pairwise orthogonal.
const IN_L: [f64; LINES] = [
    1., 1., -1., 1., -1., -1., 1., 1., -1., 1., 1., -1., 1., -1., -1., -1.,
];
const IN_R: [f64; LINES] = [
    1., -1., -1., -1., -1., 1., 1., -1., -1., -1., 1., 1., 1., 1., -1., 1.,
];
const OUT_L: [f64; LINES] = [
    1., -1., 1., 1., -1., 1., -1., -1., 1., 1., -1., 1., 1., -1., -1., 1.,
];
const OUT_R: [f64; LINES] = [
    1., -1., 1., 1., -1., 1., -1., -1., -1., -1., 1., -1., -1., 1., 1., -1.,
];
/// RT60 at which the output scaling gives unity impulse-response energy, s.
const UNITY_DECAY_S: f64 = 1.5;
/// ln(10^6): the energy falls by 10^6 (60 dB) per RT60.
const LN_1E6: f64 = 13.815_510_557_964_274;
/// -96 dBFS as an amplitude.
const SILENCE: f64 = 1.584_893_192_461_114e-5;

/// Samples in `ms` at `sample_rate`, rounded, never fewer than 1.
fn ms_samples(ms: f64, sample_rate: f64) -> usize {
    (ms * 1e-3 * sample_rate).round().max(1.0) as usize
}

fn is_prime(n: usize) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// The smallest prime ≥ `n`.
fn prime_at_least(n: usize) -> usize {
    (n..).find(|&k| is_prime(k)).unwrap_or(n)
}

/// A Schroeder allpass `(-g + z^-d) / (1 - g z^-d)`: flat magnitude, smeared time.
#[derive(Clone)]
struct Allpass {
    line: DelayLine,
    len: usize,
}

impl Allpass {
    fn new(len: usize) -> Self {
        Self {
            line: DelayLine::new(len),
            len,
        }
    }

    #[inline]
    fn process(&mut self, x: f64) -> f64 {
        let delayed = f64::from(self.line.tap(self.len - 1));
        let w = x + DIFFUSER_GAIN * delayed;
        self.line.write(w as f32);
        delayed - DIFFUSER_GAIN * w
    }

    /// Samples until its impulse response, `(1 - g²) g^(k-1)` at `k·len`, stays below
    /// -96 dBFS.
    fn ring_out(&self) -> usize {
        let g = DIFFUSER_GAIN;
        let echoes = ((SILENCE / (1.0 - g * g)).ln() / g.ln()).ceil() as usize + 1;
        echoes * self.len
    }
}

/// One FDN line: its delay and the absorption that sets its decay.
#[derive(Clone)]
struct FdnLine {
    line: DelayLine,
    len: usize,
    /// One-pole absorption `y = b·x + a·y[n-1]`: gain `b / (1 - a)` at DC,
    /// `b / (1 + a)` at Nyquist.
    b: f64,
    a: f64,
    state: f64,
}

/// The `reverb` processor.
pub struct Reverb {
    params: ReverbParams,
    sample_rate: f64,
    channels: usize,
    predelay: usize,
    pre: [DelayLine; 2],
    diffusers: [Vec<Allpass>; 2],
    lines: Vec<FdnLine>,
    /// Output scaling for the level rule of the module doc.
    gain: f64,
}

impl Reverb {
    /// A processor for `params` (main thread). Call [`Processor::prepare`] before use.
    #[must_use]
    pub fn new(params: &ReverbParams) -> Self {
        Self {
            params: params.clone(),
            sample_rate: 48_000.0,
            channels: 2,
            predelay: 0,
            pre: [DelayLine::new(0), DelayLine::new(0)],
            diffusers: [Vec::new(), Vec::new()],
            lines: Vec::new(),
            gain: 0.0,
        }
    }

    /// One stereo frame of the wet signal.
    #[inline]
    fn tick(&mut self, left: f32, right: f32) -> (f64, f64) {
        let mut input = [0.0; 2];
        for (((x, pre), diffusers), out) in [left, right]
            .into_iter()
            .zip(&mut self.pre)
            .zip(&mut self.diffusers)
            .zip(&mut input)
        {
            let mut v = f64::from(pre.delay(x, self.predelay));
            for ap in diffusers.iter_mut() {
                v = ap.process(v);
            }
            *out = v;
        }
        let mut s = [0.0; LINES];
        for (line, s) in self.lines.iter_mut().zip(&mut s) {
            let o = f64::from(line.line.tap(line.len - 1));
            line.state = line.b * o + line.a * line.state;
            *s = line.state;
        }
        let (mut wl, mut wr) = (0.0, 0.0);
        for i in 0..LINES {
            wl += OUT_L[i] * s[i];
            wr += OUT_R[i] * s[i];
        }
        hadamard(&mut s);
        for (i, line) in self.lines.iter_mut().enumerate() {
            let v = 0.25 * s[i] + 0.25 * (IN_L[i] * input[0] + IN_R[i] * input[1]);
            line.line.write(v as f32);
        }
        // Orthonormal output patterns: the 1/4 makes each unit-norm.
        let (wl, wr) = (0.25 * self.gain * wl, 0.25 * self.gain * wr);
        let (mid, side) = (0.5 * (wl + wr), 0.5 * self.params.width * (wl - wr));
        (mid + side, mid - side)
    }
}

/// In-place unnormalised 16-point Walsh-Hadamard transform (H·v with ±1 entries).
#[inline]
fn hadamard(v: &mut [f64; LINES]) {
    let mut h = 1;
    while h < LINES {
        for i in (0..LINES).step_by(2 * h) {
            for j in i..i + h {
                let (a, b) = (v[j], v[j + h]);
                v[j] = a + b;
                v[j + h] = a - b;
            }
        }
        h *= 2;
    }
}

impl Processor for Reverb {
    fn prepare(&mut self, spec: ProcessSpec) {
        let fs = spec.sample_rate;
        let p = &self.params;
        let scale = 0.25 + 1.5 * p.size;
        self.sample_rate = fs;
        self.channels = spec.channels;
        self.predelay = (p.predelay_ms * 1e-3 * fs).round() as usize;
        self.pre = [DelayLine::new(self.predelay), DelayLine::new(self.predelay)];
        self.diffusers = DIFFUSER_MS.map(|side| {
            side.iter()
                .map(|&ms| Allpass::new(ms_samples(ms * scale, fs)))
                .collect()
        });

        let rt_low = p.decay_s;
        let rt_high = p.decay_s * (1.0 - 0.9 * p.damping);
        let mut prev = 0;
        self.lines = (0..LINES)
            .map(|i| {
                let ms = LINE_MS.0 * (LINE_MS.1 / LINE_MS.0).powf(i as f64 / (LINES - 1) as f64);
                // Distinct primes: no two lines share a common period.
                let len = prime_at_least(ms_samples(ms * scale, fs).max(prev + 1));
                prev = len;
                let per_line = |rt: f64| 10f64.powf(-3.0 * len as f64 / (fs * rt));
                let (g_dc, g_ny) = (per_line(rt_low), per_line(rt_high));
                let r = g_ny / g_dc;
                let a = (1.0 - r) / (1.0 + r);
                FdnLine {
                    line: DelayLine::new(len),
                    len,
                    b: g_dc * (1.0 - a),
                    a,
                    state: 0.0,
                }
            })
            .collect();
        // Each line sample leaves the loop through the output once per pass; summing the
        // geometric decay over passes gives Σh² ≈ RT60·fs / (LN_1E6 · mean length · LINES).
        let mean_len = self.lines.iter().map(|l| l.len as f64).sum::<f64>() / LINES as f64;
        self.gain = (LINES as f64 * LN_1E6 * mean_len / (fs * UNITY_DECAY_S)).sqrt();
    }

    fn process(&mut self, block: &mut AudioBuffer, _sidechain: Option<&AudioBuffer>) {
        let (wet, dry) = (self.params.mix, 1.0 - self.params.mix);
        let mut finite = true;
        if self.channels == 2 {
            let (l, r) = block.stereo_mut();
            for (l, r) in l.iter_mut().zip(r.iter_mut()) {
                let (yl, yr) = self.tick(*l, *r);
                let (ol, or) = (
                    dry * f64::from(*l) + wet * yl,
                    dry * f64::from(*r) + wet * yr,
                );
                finite &= ol.is_finite() && or.is_finite();
                (*l, *r) = (ol as f32, or as f32);
            }
        } else {
            for x in block.channel_mut(0) {
                let (yl, yr) = self.tick(*x, *x);
                let o = dry * f64::from(*x) + wet * 0.5 * (yl + yr);
                finite &= o.is_finite();
                *x = o as f32;
            }
        }
        if !finite {
            self.reset();
            block.clear();
        }
    }

    fn reset(&mut self) {
        for line in &mut self.pre {
            line.clear();
        }
        for ap in self.diffusers.iter_mut().flatten() {
            ap.line.clear();
        }
        for line in &mut self.lines {
            line.line.clear();
            line.state = 0.0;
        }
    }

    fn tail(&self) -> usize {
        let Some(longest) = self.lines.last() else {
            return 0;
        };
        let diffusion = self
            .diffusers
            .iter()
            .map(|side| side.iter().map(Allpass::ring_out).sum::<usize>())
            .max()
            .unwrap_or(0);
        // The loop's stored energy (at most the energy of the input, 2 for a full-scale
        // impulse into both channels) falls by 60 dB per RT60 at every frequency once the
        // input has entered it (damping only shortens the highs); the output is at most
        // `gain` times its root.
        let headroom_db = 20.0 * (self.gain * std::f64::consts::SQRT_2).log10();
        let decay = self.params.decay_s * self.sample_rate * (96.0 + headroom_db) / 60.0;
        self.predelay + diffusion + longest.len + decay.ceil() as usize
    }

    fn is_linear(&self) -> bool {
        true
    }
}
