//! 8× oversampling around a memoryless curve, built as three cascaded 2× stages of
//! linear-phase FIR filters (Kaiser-windowed sinc, β = 10.06 for 100 dB).
//!
//! | stage | rates (at 48 kHz) | taps up / down | -6 dB point | passband | stopband |
//! | ----- | ----------------- | -------------- | ----------- | -------- | -------- |
//! | 1     | 48 ↔ 96 kHz       | 159 / 159      | 22 kHz      | ≤ 20 kHz, ±0.0001 dB | ≥ 24 kHz, ≤ -100 dB |
//! | 2     | 96 ↔ 192 kHz      | 31 / 31        | 48 kHz      | ≤ 24 kHz | ≥ 72 kHz, ≤ -100 dB |
//! | 3     | 192 ↔ 384 kHz     | 21 / 21 or 20  | 96 kHz      | ≤ 24 kHz | ≥ 168 kHz, ≤ -96 dB |
//!
//! All frequencies scale with the base rate (at 44.1 kHz the passband ends at 18.4 kHz and
//! the stopband starts at 22.05 kHz). Stage 1 does the real work, both ways. Its
//! decimator's stopband begins at the base Nyquist frequency, so nothing the curve creates
//! between 24 and 72 kHz folds back. Its interpolator's does too, so the images of the
//! input (at 48 kHz − f) never reach the curve: a half-band interpolator (79 taps, a
//! quarter of the work) lets the images of content between 20 and 24 kHz through to meet
//! that content in the curve, and their intermodulation lands in the audio band (a
//! −20 dBFS 22 kHz sine at 18 dB of drive gave a product at 18 kHz 28 dB below it, against
//! 121 dB with this filter; test `content_above_20k_leaves_the_band_clean`). The later
//! stages only have to remove images far from the band, so they are short.
//!
//! The curve between the up- and down-samplers is either memoryless ([`CurveDelay::None`]:
//! stage 3 decimates with the interpolator's 21-tap half-band, delay 10 samples at 8×) or
//! evaluated with first-order antiderivative anti-aliasing, which delays by exactly half a
//! sample at 8× ([`CurveDelay::HalfSample`]: the stage-3 decimator has an even length, its
//! own delay 9.5 samples at 8×). Either way the round trip is a whole number of base-rate
//! samples: stage 3: 10 + 0.5 + 9.5 = 10 + 0 + 10 = 20 samples at 8× = 10 at 4×; stage 2:
//! 15 + 10 + 15 = 40 at 4× = 20 at 2×; stage 1: 79 + 20 + 79 = 178 at 2× = [`LATENCY`] =
//! 89 at the base rate.
//! A whole-sample latency lets the engine compensate it exactly and lets the dry signal
//! of a parallel mix be delayed to match without interpolation.

use crate::fir::{Stream, Taps, bessel_i0, interleave};
use crate::kernels;

/// Samples at the base rate by which the output lags the input.
pub const LATENCY: usize = 89;

/// Oversampling factor.
pub const FACTOR: usize = 8;

/// Kaiser β for 100 dB of stopband attenuation (Kaiser's formula 0.1102 (A - 8.7)).
const BETA: f64 = 0.1102 * (100.0 - 8.7);

/// A `len`-tap linear-phase low-pass with its -6 dB point at `cutoff` (a fraction of the
/// filter's own sample rate), normalised to unity gain at DC.
fn kaiser_lowpass(len: usize, cutoff: f64) -> Vec<f32> {
    let centre = (len - 1) as f64 / 2.0;
    let norm = bessel_i0(BETA);
    let h: Vec<f64> = (0..len)
        .map(|i| {
            let t = i as f64 - centre;
            let arg = 2.0 * std::f64::consts::PI * cutoff * t;
            let sinc = if t == 0.0 { 1.0 } else { arg.sin() / arg };
            let r = t / centre;
            2.0 * cutoff * sinc * bessel_i0(BETA * (1.0 - r * r).max(0.0).sqrt()) / norm
        })
        .collect();
    let sum: f64 = h.iter().sum();
    // Taps that are zero in exact arithmetic (every other tap of a half-band) come out
    // near 1e-17; storing exact zeros lets the filter skip them.
    h.iter()
        .map(|v| {
            if v.abs() < 1e-12 {
                0.0
            } else {
                (v / sum) as f32
            }
        })
        .collect()
}

/// Doubles the rate: zero-stuffing followed by the low-pass, computed as two polyphase
/// branches over one input stream so no multiplication by a stuffed zero is done.
#[derive(Clone)]
struct Up2 {
    even: Taps,
    odd: Taps,
    input: Stream,
    scratch: [Vec<f32>; 2],
}

impl Up2 {
    fn new(taps: &[f32], max_block: usize) -> Self {
        // Zero-stuffing halves the level; the factor 2 restores it.
        let phase = |skip: usize| -> Vec<f32> {
            taps.iter().skip(skip).step_by(2).map(|h| 2.0 * h).collect()
        };
        let (even, odd) = (phase(0), phase(1));
        let history = even.len().max(odd.len()) - 1;
        Self {
            even: Taps::of(&even),
            odd: Taps::of(&odd),
            input: Stream::new(history, max_block),
            scratch: [vec![0.0; max_block], vec![0.0; max_block]],
        }
    }

    /// `input` (n samples) to `out` (2n samples).
    fn process(&mut self, input: &[f32], out: &mut [f32]) {
        let n = input.len();
        self.input.block_mut(n).copy_from_slice(input);
        let (h, x) = (self.input.history, self.input.view(n));
        let [e, o] = &mut self.scratch;
        kernels::fir(&self.even, x, h, &mut e[..n]);
        kernels::fir(&self.odd, x, h, &mut o[..n]);
        interleave(&e[..n], &o[..n], out);
        self.input.advance(n);
    }

    fn clear(&mut self) {
        self.input.clear();
    }
}

/// Halves the rate: the low-pass evaluated only at the kept (even) high-rate instants,
/// `w[i] = Σ g[j] v[2i - j]`, split into the even taps over the even inputs and the odd
/// taps over the odd inputs (one input later, hence the leading zero tap); the input is
/// split straight into the two branches' streams, and the odd branch adds onto the even
/// one's output.
#[derive(Clone)]
struct Down2 {
    even: Taps,
    odd: Taps,
    even_in: Stream,
    odd_in: Stream,
}

impl Down2 {
    fn new(taps: &[f32], max_block: usize) -> Self {
        let even: Vec<f32> = taps.iter().step_by(2).copied().collect();
        let odd: Vec<f32> = std::iter::once(0.0)
            .chain(taps.iter().skip(1).step_by(2).copied())
            .collect();
        Self {
            even_in: Stream::new(even.len() - 1, max_block),
            odd_in: Stream::new(odd.len() - 1, max_block),
            even: Taps::of(&even),
            odd: Taps::of(&odd),
        }
    }

    /// `input` (2n samples) to `out` (n samples).
    fn process(&mut self, input: &[f32], out: &mut [f32]) {
        let n = out.len();
        let pairs = input.chunks_exact(2);
        let split = self
            .even_in
            .block_mut(n)
            .iter_mut()
            .zip(self.odd_in.block_mut(n));
        for ((a, b), pair) in split.zip(pairs) {
            *a = pair[0];
            *b = pair[1];
        }
        kernels::fir(&self.even, self.even_in.view(n), self.even_in.history, out);
        kernels::fir_add(&self.odd, self.odd_in.view(n), self.odd_in.history, out);
        self.even_in.advance(n);
        self.odd_in.advance(n);
    }

    fn clear(&mut self) {
        self.even_in.clear();
        self.odd_in.clear();
    }
}

/// How long the curve between the samplers takes, which decides the last decimator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurveDelay {
    /// The curve is memoryless and evaluated in place (a smooth curve, whose harmonics
    /// fall off fast enough at 8× that it needs no anti-aliasing of its own): the stage-3
    /// decimator is the 21-tap half-band of the interpolator, delay 10 samples at 8×.
    None,
    /// The curve is evaluated with first-order antiderivative anti-aliasing and so lags
    /// half a sample at 8×: the stage-3 decimator has 20 taps (delay 9.5 samples) to make
    /// the round trip whole again.
    HalfSample,
}

/// Base-rate samples taken through all six stages at a time: the buffers of a chunk
/// (about 16 KB at 8×) stay in the first-level cache between stages, where a whole render
/// block would stream each stage's output through memory.
const CHUNK: usize = 256;

/// One channel's 8× up/down-sampler.
#[derive(Clone)]
pub struct Oversampler {
    up: [Up2; 3],
    down: [Down2; 3],
    /// The signal at 2×, 4× and 8×.
    at: [Vec<f32>; 3],
}

impl Oversampler {
    /// Designs the filters and sizes the buffers for chunks of up to `max_block` samples
    /// (main thread; allocates). Any block length is accepted by [`Oversampler::process`];
    /// longer blocks are taken in chunks.
    #[must_use]
    pub fn new(max_block: usize, curve_delay: CurveDelay) -> Self {
        let max_block = max_block.clamp(1, CHUNK);
        let s1 = kaiser_lowpass(159, 22.0 / 96.0);
        let s2 = kaiser_lowpass(31, 0.25);
        let s3_up = kaiser_lowpass(21, 0.25);
        let s3_down = match curve_delay {
            CurveDelay::None => s3_up.clone(),
            CurveDelay::HalfSample => kaiser_lowpass(20, 0.25),
        };
        let (m2, m4) = (2 * max_block, 4 * max_block);
        Self {
            up: [
                Up2::new(&s1, max_block),
                Up2::new(&s2, m2),
                Up2::new(&s3_up, m4),
            ],
            down: [
                Down2::new(&s1, max_block),
                Down2::new(&s2, m2),
                Down2::new(&s3_down, m4),
            ],
            at: [vec![0.0; m2], vec![0.0; m4], vec![0.0; FACTOR * max_block]],
        }
    }

    /// One block at the base rate through `curve`, which transforms the oversampled signal
    /// in place, a chunk ([`FACTOR`] times the chunk's length) per call, in order; `output`
    /// (as long as `input`) receives the result, [`LATENCY`] samples late. The result does
    /// not depend on how blocks or chunks are cut.
    pub fn process(
        &mut self,
        input: &[f32],
        output: &mut [f32],
        mut curve: impl FnMut(&mut [f32]),
    ) {
        let chunk = self.at[0].len() / 2;
        for (input, output) in input.chunks(chunk).zip(output.chunks_mut(chunk)) {
            self.process_chunk(input, output, &mut curve);
        }
    }

    fn process_chunk(
        &mut self,
        input: &[f32],
        output: &mut [f32],
        curve: &mut impl FnMut(&mut [f32]),
    ) {
        let n = input.len();
        let [up1, up2, up3] = &mut self.up;
        let [down1, down2, down3] = &mut self.down;
        let [at2, at4, at8] = &mut self.at;
        let (at2, at4, at8) = (&mut at2[..2 * n], &mut at4[..4 * n], &mut at8[..8 * n]);
        up1.process(input, at2);
        up2.process(at2, at4);
        up3.process(at4, at8);
        curve(at8);
        down3.process(at8, at4);
        down2.process(at4, at2);
        down1.process(at2, output);
    }

    /// Clears every filter history.
    pub fn reset(&mut self) {
        for u in &mut self.up {
            u.clear();
        }
        for d in &mut self.down {
            d.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::cuts;

    /// The linear path: the identity for a memoryless curve, and a half-sample average
    /// standing in for a curve evaluated with first-order antiderivative anti-aliasing in
    /// its linear region.
    fn linear_response(input: &[f32], delay: CurveDelay) -> Vec<f32> {
        let mut os = Oversampler::new(64, delay);
        let mut prev = 0.0;
        let mut out = vec![0.0; input.len()];
        // Uneven blocks: the result must not depend on the block boundaries.
        for piece in cuts(input.len(), &[1, 64, 17, 63, 2]) {
            os.process(&input[piece.clone()], &mut out[piece], |buf| {
                if delay == CurveDelay::HalfSample {
                    for u in buf {
                        let y = 0.5 * (*u + prev);
                        prev = *u;
                        *u = y;
                    }
                }
            });
        }
        out
    }

    const DELAYS: [CurveDelay; 2] = [CurveDelay::None, CurveDelay::HalfSample];

    fn gain_at(freq: f64, rate: f64, delay: CurveDelay) -> f64 {
        let n = 8192;
        let x: Vec<f32> = (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / rate).sin() as f32)
            .collect();
        let y = linear_response(&x, delay);
        // Amplitude by correlation over a whole number of periods of the settled part (4800
        // samples: 0.1 s), shifted by the latency.
        let (mut s, mut c, mut e) = (0.0, 0.0, 0.0);
        for (i, &v) in y.iter().enumerate().take(7200).skip(2400) {
            let ph = 2.0 * std::f64::consts::PI * freq * (i - LATENCY) as f64 / rate;
            s += f64::from(v) * ph.sin();
            c += f64::from(v) * ph.cos();
            e += ph.sin() * ph.sin();
        }
        // The in-phase part must carry the whole signal (linear phase, exact latency); in
        // the stopband, where nothing is left, to within 1e-6 of the input.
        assert!(
            c.abs() < 1e-3 * s.abs().max(1e-3 * e),
            "{delay:?}: phase error at {freq} Hz: {c} vs {s}"
        );
        s / e
    }

    #[test]
    fn impulse_is_symmetric_around_the_whole_sample_latency() {
        for delay in DELAYS {
            let mut x = vec![0.0_f32; 512];
            x[0] = 1.0;
            let y = linear_response(&x, delay);
            let peak = (0..y.len())
                .max_by(|&a, &b| y[a].abs().total_cmp(&y[b].abs()))
                .unwrap();
            assert_eq!(peak, LATENCY, "{delay:?}");
            assert!(y[LATENCY] > 0.85, "{delay:?}: peak {}", y[LATENCY]);
            for k in 1..=LATENCY {
                assert!(
                    (y[LATENCY - k] - y[LATENCY + k]).abs() < 1e-6,
                    "{delay:?}: asymmetric at ±{k}"
                );
            }
            assert!(
                y[2 * LATENCY + 1..].iter().all(|&v| v == 0.0),
                "{delay:?}: response longer than 2 × latency"
            );
            let dc: f32 = y.iter().sum();
            assert!((dc - 1.0).abs() < 1e-5, "{delay:?}: DC gain {dc}");
        }
    }

    /// `(quantity, at, value)` rows of `tests/fixtures/oversampler_reference.csv`: the
    /// cascade designed again from the table above with scipy and run with `upfirdn`
    /// (script: `oversampler_reference.py`).
    fn reference() -> Vec<(String, String, f64)> {
        include_str!("../tests/fixtures/oversampler_reference.csv")
            .lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                let value = f[2].parse().unwrap_or_else(|_| panic!("bad row {line}"));
                (f[0].to_owned(), f[1].to_owned(), value)
            })
            .collect()
    }

    #[test]
    fn impulse_matches_the_scipy_cascade() {
        let rows = reference();
        let find = |what: &str| rows.iter().find(|r| r.1 == what).map(|r| r.2);
        assert_eq!(find("latency"), Some(LATENCY as f64));
        let mut x = vec![0.0_f32; 512];
        x[0] = 1.0;
        let y = linear_response(&x, CurveDelay::None);
        let peak = find("peak").unwrap_or_default();
        assert!(
            (f64::from(y[LATENCY]) - peak).abs() < 1e-5,
            "{} vs {peak}",
            y[LATENCY]
        );
    }

    #[test]
    fn passband_is_flat_and_stopband_edge_is_the_base_nyquist() {
        let rows = reference();
        for delay in DELAYS {
            // Flat to 1e-4 up to 20 kHz, 0.25 at 22 kHz (each pass through stage 1 is -6 dB
            // at the windowed sinc's cutoff), nothing left at 23.95 kHz; a half-sample
            // curve adds its average's cos(π f / 8 fs) (-0.1 dB at 19 kHz at 48 kHz).
            let (quantity, average): (&str, fn(f64) -> f64) = match delay {
                CurveDelay::None => ("gain", |_| 1.0),
                CurveDelay::HalfSample => ("gain_half", |f| {
                    (std::f64::consts::PI * f / (8.0 * 48_000.0)).cos()
                }),
            };
            let mut checked = 0;
            for (_, at, expected) in rows.iter().filter(|r| r.0 == quantity) {
                let f: f64 = at.parse().unwrap_or_default();
                let g = gain_at(f, 48_000.0, delay);
                assert!(
                    (g - expected).abs() < 2e-6,
                    "{delay:?}: {f} Hz: gain {g}, scipy {expected}"
                );
                if f <= 20_000.0 {
                    assert!(
                        (g / average(f) - 1.0).abs() < 1e-4,
                        "{delay:?}: {f} Hz: {g}"
                    );
                }
                checked += 1;
            }
            assert!(checked >= 8, "{quantity}: {checked} reference rows");
        }
    }

    /// A long block taken in internal chunks, against short blocks cut unevenly, through
    /// a nonlinear curve: the same bits.
    #[test]
    fn chunks_change_no_sample() {
        let x: Vec<f32> = (0..3000)
            .map(|i| ((i * 7919) % 1000) as f32 / 400.0 - 1.25)
            .collect();
        let curve = |buf: &mut [f32]| kernels::shape(buf, 2.0, 0.2);
        let mut long = Oversampler::new(4096, CurveDelay::None);
        let mut whole = vec![0.0; x.len()];
        long.process(&x, &mut whole, curve);
        let mut short = Oversampler::new(64, CurveDelay::None);
        let mut cut = vec![0.0; x.len()];
        for piece in cuts(x.len(), &[1, 64, 17, 63, 2]) {
            short.process(&x[piece.clone()], &mut cut[piece], curve);
        }
        let bits = |v: &[f32]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&whole), bits(&cut));
        assert!(whole.iter().any(|&v| v.abs() > 0.5));
    }

    /// The streamed FIR against the textbook double loop in `f64`, over block sizes that
    /// leave every remainder, with a half-band (zero taps skipped, mirror pairs and a
    /// centre) and an even-length filter (pairs only); and the accumulating form, which
    /// adds onto what the output holds.
    #[test]
    fn grouped_fir_equals_the_direct_sum() {
        for (taps, pairs, singles) in [
            (kaiser_lowpass(31, 0.25), 8, 1),
            (kaiser_lowpass(20, 0.25), 10, 0),
        ] {
            let x: Vec<f32> = (0..3000)
                .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
                .collect();
            let nonzero = Taps::of(&taps);
            assert_eq!(
                (nonzero.pairs.len(), nonzero.singles.len()),
                (pairs, singles)
            );
            let mut stream = Stream::new(taps.len() - 1, 128);
            let mut y = vec![0.0; x.len()];
            let mut added: Vec<f32> = (0..x.len()).map(|i| i as f32 * 0.01).collect();
            for piece in cuts(x.len(), &[1, 128, 17, 16, 15, 33, 64]) {
                let len = piece.len();
                stream.block_mut(len).copy_from_slice(&x[piece.clone()]);
                let view = stream.view(len);
                kernels::fir(&nonzero, view, stream.history, &mut y[piece.clone()]);
                kernels::fir_add(&nonzero, view, stream.history, &mut added[piece]);
                stream.advance(len);
            }
            for (i, (&v, &a)) in y.iter().zip(&added).enumerate() {
                let direct: f64 = (0..=i.min(taps.len() - 1))
                    .map(|k| f64::from(taps[k]) * f64::from(x[i - k]))
                    .sum();
                let onto = f64::from(i as f32 * 0.01) + direct;
                assert!(
                    (f64::from(v) - direct).abs() < 1e-6,
                    "sample {i}: {v} vs {direct}"
                );
                assert!(
                    (f64::from(a) - onto).abs() < 1e-6 * onto.abs().max(1.0),
                    "sample {i}, accumulated: {a} vs {onto}"
                );
            }
        }
    }
}
