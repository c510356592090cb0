//! What the audio of a track says when its name says nothing: a few features engineers
//! hear at once, measured on short frames (≈ 43 ms, hop ≈ 11 ms) of a mono fold-down.
//!
//! - **low-frequency share**: energy below 120 Hz over all energy (kick, bass, 808);
//! - **spectral centroid**: the spectrum's centre of mass (dark bass, bright hats);
//! - **transient density**: onsets per second, peaks of the spectral flux of
//!   log-compressed magnitudes;
//! - **pitch**: McLeod's normalised square difference on each frame; a frame is pitched
//!   when its clearest period repeats with a correlation ≥ 0.8, and **pitch stability**
//!   is how far the pitch moves between pitched frames inside a note (a synth holds its
//!   pitch, a voice glides and has vibrato);
//! - **sustain**: the share of frames within 15 dB of the track's loudest frame (a kick
//!   decays between hits, a bass note holds), and the median length of those loud
//!   stretches (short hits, long notes and sweeps);
//! - **flatness**: how noise-like the spectrum is (risers, cymbals).
//!
//! The analyser streams: it keeps one frame of samples and a few numbers per frame, and
//! the caller bounds how much audio it is given (see `scan`), so memory and time stay
//! small whatever the file's length.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// Upper edge of the "low frequencies", Hz: kick fundamentals and bass notes live below.
pub const LOW_HZ: f64 = 120.0;
/// A frame is pitched when its normalised square difference peaks at least this high.
const CLARITY: f32 = 0.8;
/// Frames quieter than the loudest frame by more than this are silence between events.
const GATE_DB: f32 = 30.0;
/// Frames within this of the loudest frame count as sustained.
const SUSTAIN_DB: f32 = 15.0;
/// Pitch moves larger than this between frames are note changes, not wobble.
const NOTE_CHANGE_CENTS: f32 = 80.0;

/// The measured features of a stretch of audio.
#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    /// Seconds analysed.
    pub seconds: f64,
    /// Share of energy below [`LOW_HZ`], 0 ..= 1.
    pub low_share: f64,
    /// Hz.
    pub centroid_hz: f64,
    /// Onsets per second.
    pub onsets_per_s: f64,
    /// Share of sounding frames with a clear pitch, 0 ..= 1.
    pub pitched: f64,
    /// Median pitch movement inside notes, cents per second (0 for a held synth note;
    /// hundreds for a voice's vibrato and glides). `None` with too few pitched frames.
    pub pitch_drift: Option<f64>,
    /// Median pitch of the pitched frames, Hz.
    pub pitch_hz: Option<f64>,
    /// Share of frames within 15 dB of the loudest frame, 0 ..= 1.
    pub sustain: f64,
    /// Median spectral flatness of sounding frames, 0 (tonal) ..= 1 (white noise).
    pub flatness: f64,
    /// Median length of the stretches within 15 dB of the loudest frame, seconds: short
    /// for hits, long for notes, phrases and sweeps.
    pub event_s: f64,
    /// Level of the loudest frame (RMS over one frame), dBFS.
    pub loud_db: f64,
}

/// Per-frame numbers kept until [`Analyzer::finish`].
#[derive(Clone, Copy, Debug)]
struct Frame {
    level_db: f32,
    energy: f64,
    low: f64,
    centroid_num: f64,
    flatness: f32,
    flux: f32,
    /// NaN when the frame has no clear pitch.
    pitch_hz: f32,
}

/// Streaming feature analysis of mono samples at one rate.
pub struct Analyzer {
    rate: f64,
    n: usize,
    hop: usize,
    pending: Vec<f32>,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
    fft2: Arc<dyn RealToComplex<f32>>,
    ifft2: Arc<dyn ComplexToReal<f32>>,
    time: Vec<f32>,
    spec: Vec<Complex<f32>>,
    time2: Vec<f32>,
    spec2: Vec<Complex<f32>>,
    squares: Vec<f64>,
    prev: Vec<f32>,
    frames: Vec<Frame>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("rate", &self.rate)
            .field("n", &self.n)
            .field("frames", &self.frames.len())
            .finish_non_exhaustive()
    }
}

impl Analyzer {
    /// An analyser for samples at `rate` Hz: frames of about 43 ms (a power of two),
    /// hop a quarter frame.
    #[must_use]
    pub fn new(rate: u32) -> Self {
        let rate = f64::from(rate.max(8_000));
        let n = ((rate * 0.04) as usize).next_power_of_two();
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(n);
        let fft2 = planner.plan_fft_forward(2 * n);
        let ifft2 = planner.plan_fft_inverse(2 * n);
        let window = (0..n)
            .map(|i| {
                let x = std::f64::consts::PI * i as f64 / n as f64;
                (x.sin() * x.sin()) as f32
            })
            .collect();
        Self {
            rate,
            n,
            hop: n / 4,
            pending: Vec::with_capacity(2 * n),
            window,
            time: fft.make_input_vec(),
            spec: fft.make_output_vec(),
            time2: fft2.make_input_vec(),
            spec2: fft2.make_output_vec(),
            fft,
            fft2,
            ifft2,
            squares: vec![0.0; n + 1],
            prev: vec![0.0; n / 2 + 1],
            frames: Vec::new(),
        }
    }

    /// Seconds between frames.
    fn hop_seconds(&self) -> f64 {
        self.hop as f64 / self.rate
    }

    /// Feeds mono samples.
    pub fn push(&mut self, samples: &[f32]) {
        for chunk in samples.chunks(self.n) {
            self.pending.extend_from_slice(chunk);
            while self.pending.len() >= self.n {
                self.frame();
                self.pending.drain(..self.hop);
            }
        }
    }

    fn frame(&mut self) {
        let n = self.n;
        let x = &self.pending[..n];
        self.squares[0] = 0.0;
        for (i, &s) in x.iter().enumerate() {
            self.squares[i + 1] = self.squares[i] + f64::from(s) * f64::from(s);
        }
        let mean_square = self.squares[n] / n as f64;
        let level_db = (10.0 * mean_square.max(1e-20).log10()) as f32;

        for ((t, &s), &w) in self.time.iter_mut().zip(x).zip(&self.window) {
            *t = s * w;
        }
        // Lengths match the plan, so the transform cannot fail.
        let _ = self.fft.process(&mut self.time, &mut self.spec);
        let bin_hz = self.rate / n as f64;
        let (mut energy, mut low, mut centroid_num) = (0.0, 0.0, 0.0);
        let (mut log_sum, mut lin_sum, mut flat_bins) = (0.0_f64, 0.0_f64, 0_u32);
        let (mut flux, mut mass) = (0.0_f32, 0.0_f32);
        let scale = 2.0 / n as f32;
        for (k, (c, prev)) in self.spec.iter().zip(self.prev.iter_mut()).enumerate() {
            let p = f64::from(c.norm_sqr());
            let f = k as f64 * bin_hz;
            energy += p;
            centroid_num += f * p;
            if f < LOW_HZ {
                low += p;
            }
            if (50.0..=10_000.0).contains(&f) {
                log_sum += (p + 1e-12).ln();
                lin_sum += p + 1e-12;
                flat_bins += 1;
            }
            let compressed = (1.0 + 100.0 * c.norm() * scale).ln();
            flux += (compressed - *prev).max(0.0);
            mass += compressed;
            *prev = compressed;
        }
        // As a share of the frame's compressed magnitude: 1 for sound after silence,
        // near 0 for a held tone, whatever the track's level.
        let flux = flux / mass.max(1e-9);
        let flatness = if flat_bins > 0 && lin_sum > 0.0 {
            let m = f64::from(flat_bins);
            ((log_sum / m).exp() / (lin_sum / m)) as f32
        } else {
            0.0
        };
        let pitch_hz = self.pitch();
        self.frames.push(Frame {
            level_db,
            energy,
            low,
            centroid_num,
            flatness,
            flux,
            pitch_hz,
        });
    }

    /// McLeod's pitch of the current frame, NaN when no period is clear.
    fn pitch(&mut self) -> f32 {
        let n = self.n;
        let x = &self.pending[..n];
        self.time2[..n].copy_from_slice(x);
        self.time2[n..].fill(0.0);
        let _ = self.fft2.process(&mut self.time2, &mut self.spec2);
        for c in &mut self.spec2 {
            *c = Complex::new(c.norm_sqr(), 0.0);
        }
        let _ = self.ifft2.process(&mut self.spec2, &mut self.time2);
        // time2[τ] is now 2n · r(τ).
        let r_scale = 1.0 / (2 * n) as f64;
        let total = self.squares[n];
        if total <= 1e-12 {
            return f32::NAN;
        }
        let nsdf = |tau: usize| -> f32 {
            let m = (self.squares[n - tau] + (total - self.squares[tau])).max(1e-20);
            (2.0 * f64::from(self.time2[tau]) * r_scale / m) as f32
        };
        let min_lag = (self.rate / 1500.0) as usize;
        let max_lag = ((self.rate / 45.0) as usize).min(n / 2);
        // Skip the lobe around lag 0, then take each positive lobe's maximum.
        let mut tau = 1;
        while tau < max_lag && nsdf(tau) > 0.0 {
            tau += 1;
        }
        let mut peaks: Vec<(usize, f32)> = Vec::new();
        let mut best: Option<(usize, f32)> = None;
        while tau < max_lag {
            let v = nsdf(tau);
            if v > 0.0 {
                if best.is_none_or(|(_, b)| v > b) {
                    best = Some((tau, v));
                }
            } else if let Some(b) = best.take() {
                peaks.push(b);
            }
            tau += 1;
        }
        peaks.extend(best);
        let Some(highest) = peaks.iter().map(|p| p.1).reduce(f32::max) else {
            return f32::NAN;
        };
        let Some(&(t, v)) = peaks
            .iter()
            .find(|(t, v)| *t >= min_lag && *v >= 0.9 * highest)
        else {
            return f32::NAN;
        };
        if v < CLARITY || t + 1 >= n {
            return f32::NAN;
        }
        let (a, b, c) = (nsdf(t - 1), v, nsdf(t + 1));
        let denom = a - 2.0 * b + c;
        let shift = if denom.abs() > 1e-12 {
            (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        (self.rate / (t as f64 + f64::from(shift))) as f32
    }

    /// The features of everything pushed so far.
    #[must_use]
    pub fn finish(self) -> Features {
        let hop_s = self.hop_seconds();
        let frames = &self.frames;
        let seconds = frames.len() as f64 * hop_s;
        // The loudest frame, not a percentile: a clap that sounds in 3 % of the frames
        // is measured against its hits, not against the silence between them.
        let loud_db = frames
            .iter()
            .map(|f| f.level_db)
            .reduce(f32::max)
            .unwrap_or(-200.0);
        let gate = (loud_db - GATE_DB).max(-80.0);
        let active: Vec<&Frame> = frames.iter().filter(|f| f.level_db >= gate).collect();
        if active.is_empty() {
            return Features {
                seconds,
                low_share: 0.0,
                centroid_hz: 0.0,
                onsets_per_s: 0.0,
                pitched: 0.0,
                pitch_drift: None,
                pitch_hz: None,
                sustain: 0.0,
                flatness: 0.0,
                event_s: 0.0,
                loud_db: f64::from(loud_db),
            };
        }
        let energy: f64 = active.iter().map(|f| f.energy).sum::<f64>().max(1e-30);
        let low_share = active.iter().map(|f| f.low).sum::<f64>() / energy;
        let centroid_hz = active.iter().map(|f| f.centroid_num).sum::<f64>() / energy;
        let flatness = percentile(active.iter().map(|f| f.flatness), 0.5).unwrap_or(0.0);
        let loud = |f: &Frame| f.level_db >= loud_db - SUSTAIN_DB;
        let sustain = frames.iter().filter(|f| loud(f)).count() as f64 / frames.len() as f64;
        let mut runs = Vec::new();
        let mut run = 0_u32;
        for f in frames {
            if loud(f) {
                run += 1;
            } else if run > 0 {
                runs.push(run as f32);
                run = 0;
            }
        }
        if run > 0 {
            runs.push(run as f32);
        }
        let event_s = percentile(runs.into_iter(), 0.5).map_or(0.0, |r| f64::from(r) * hop_s);

        let pitched =
            active.iter().filter(|f| f.pitch_hz.is_finite()).count() as f64 / active.len() as f64;
        let pitch_hz = percentile(
            active.iter().map(|f| f.pitch_hz).filter(|p| p.is_finite()),
            0.5,
        )
        .map(f64::from);
        let moves = frames.windows(2).filter_map(|w| {
            let (a, b) = (w[0], w[1]);
            let sounding = a.level_db >= gate && b.level_db >= gate;
            (sounding && a.pitch_hz.is_finite() && b.pitch_hz.is_finite())
                .then(|| 1200.0 * (b.pitch_hz / a.pitch_hz).log2().abs())
                .filter(|c| *c < NOTE_CHANGE_CENTS)
        });
        let moves: Vec<f32> = moves.collect();
        let pitch_drift = (moves.len() >= 20)
            .then(|| percentile(moves.iter().copied(), 0.5))
            .flatten()
            .map(|c| f64::from(c) / hop_s);

        Features {
            seconds,
            low_share,
            centroid_hz,
            onsets_per_s: onsets(frames, gate, hop_s) as f64 / seconds.max(1e-9),
            pitched,
            pitch_drift,
            pitch_hz,
            sustain,
            flatness: f64::from(flatness),
            event_s,
            loud_db: f64::from(loud_db),
        }
    }
}

/// The least rise of the relative flux over its local mean that counts as an onset: a
/// tenth of the frame's magnitude newly arriving.
const MIN_FLUX: f32 = 0.1;

/// Peaks of the spectral flux: a local maximum over ±30 ms that stands above the local
/// mean over ±110 ms by a tenth of the flux's loud level (and at least [`MIN_FLUX`]), at
/// least 50 ms apart, on a sounding frame.
fn onsets(frames: &[Frame], gate: f32, hop_s: f64) -> usize {
    let flux: Vec<f32> = frames.iter().map(|f| f.flux).collect();
    let Some(scale) = percentile(flux.iter().copied(), 0.99).filter(|s| *s > 0.0) else {
        return 0;
    };
    let near = ((0.03 / hop_s).round() as usize).max(1);
    let wide = ((0.11 / hop_s).round() as usize).max(near);
    let gap = ((0.05 / hop_s).round() as usize).max(1);
    let mut count = 0;
    let mut last: Option<usize> = None;
    for t in 1..flux.len() {
        let v = flux[t];
        let lo = t.saturating_sub(near);
        let hi = (t + near + 1).min(flux.len());
        if flux[lo..hi].iter().any(|&u| u > v) {
            continue;
        }
        let (wlo, whi) = (t.saturating_sub(wide), (t + wide + 1).min(flux.len()));
        let mean = flux[wlo..whi].iter().sum::<f32>() / (whi - wlo) as f32;
        let sounding = frames[t].level_db >= gate;
        if sounding && v >= mean + (0.1 * scale).max(MIN_FLUX) && last.is_none_or(|l| t - l >= gap)
        {
            count += 1;
            last = Some(t);
        }
    }
    count
}

/// The `q`-quantile of `values` (nearest rank), `None` when empty.
fn percentile(values: impl Iterator<Item = f32>, q: f64) -> Option<f32> {
    let mut v: Vec<f32> = values.filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    Some(v[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: u32 = 48_000;

    fn analyse(signal: impl Fn(f64) -> f64, seconds: f64) -> Features {
        let mut a = Analyzer::new(SR);
        let n = (seconds * f64::from(SR)) as usize;
        let x: Vec<f32> = (0..n)
            .map(|i| signal(i as f64 / f64::from(SR)) as f32)
            .collect();
        // Pushing in odd-sized pieces must not change anything.
        for piece in x.chunks(1000) {
            a.push(piece);
        }
        a.finish()
    }

    fn sine(f: f64) -> impl Fn(f64) -> f64 {
        move |t| 0.5 * (std::f64::consts::TAU * f * t).sin()
    }

    /// A deterministic uniform noise in -1 ..= 1.
    fn noise(t: f64) -> f64 {
        let mut z = (t * 1e9) as u64 ^ 0x9E37_79B9_7F4A_7C15;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    #[test]
    fn a_sine_is_where_its_frequency_says() {
        for f in [60.0, 220.0, 1000.0] {
            let m = analyse(sine(f), 3.0);
            // The centroid of a pure tone is the tone (the Hann leakage is symmetric).
            assert!((m.centroid_hz - f).abs() < 0.02 * f, "{f}: {m:?}");
            let expected_low = if f < LOW_HZ { 1.0 } else { 0.0 };
            assert!((m.low_share - expected_low).abs() < 0.02, "{f}: {m:?}");
            let p = m.pitch_hz.unwrap();
            assert!((1200.0 * (p / f).log2()).abs() < 5.0, "{f}: pitch {p}");
            assert!(m.pitched > 0.99, "{m:?}");
            assert!(m.pitch_drift.unwrap() < 50.0, "{m:?}");
            assert!(m.sustain > 0.99 && m.onsets_per_s < 0.5, "{m:?}");
            assert!(m.flatness < 0.05, "{m:?}");
        }
    }

    #[test]
    fn vibrato_moves_the_pitch_and_noise_has_none() {
        // ±50 cents at 5.5 Hz: the pitch moves on average 4 × 50 × 5.5 = 1100 cents/s.
        let vib = |t: f64| {
            let depth = 0.5 / 12.0 * std::f64::consts::LN_2; // 50 cents as a ratio's log
            let phase = 300.0 * t
                - 300.0 * depth * (std::f64::consts::TAU * 5.5 * t).cos()
                    / (std::f64::consts::TAU * 5.5);
            0.5 * (std::f64::consts::TAU * phase).sin()
        };
        let m = analyse(vib, 3.0);
        let drift = m.pitch_drift.unwrap();
        assert!((700.0..1500.0).contains(&drift), "{m:?}");
        let m = analyse(|t| 0.3 * noise(t), 3.0);
        assert!(m.pitched < 0.1, "{m:?}");
        assert!(m.flatness > 0.5, "{m:?}");
    }

    #[test]
    fn clicks_are_counted_as_onsets() {
        // A decaying 1 kHz burst four times a second, for 5 s: 20 onsets.
        let burst = |t: f64| {
            let since = t % 0.25;
            (-since / 0.02).exp() * (std::f64::consts::TAU * 1000.0 * t).sin()
        };
        let m = analyse(burst, 5.0);
        assert!((m.onsets_per_s - 4.0).abs() < 0.3, "{m:?}");
        assert!(m.sustain < 0.4, "{m:?}");
    }
}
