//! The resampler against analytic signals: nulls, click timing, the frequency response
//! (figures printed and bounded; the crate README quotes them), and a matrix of rates and
//! block sizes.

mod common;

use std::f64::consts::PI;

use stemkit_core::AudioBuffer;
use stemkit_io::{Resampler, SourceReader};

/// Resamples `input` (planar) from `from` to `to` Hz, reading `block` frames at a time.
fn resample(input: &[Vec<f32>], from: u32, to: u32, block: usize) -> Vec<Vec<f32>> {
    let ch = input.len();
    let mut r = Resampler::new(from, to, ch).expect("valid rates");
    let mut pos = 0;
    let mut out = vec![Vec::new(); ch];
    let mut buf = AudioBuffer::new(ch, block);
    loop {
        buf.set_frames(block);
        let n = r
            .read(&mut buf, |planes, range| {
                let n = range.len().min(input[0].len() - pos);
                for (p, src) in planes.iter_mut().zip(input) {
                    p[range.start..range.start + n].copy_from_slice(&src[pos..pos + n]);
                }
                pos += n;
                Ok::<_, ()>(n)
            })
            .expect("in-memory input cannot fail");
        for (c, o) in out.iter_mut().enumerate() {
            o.extend_from_slice(&buf.channel(c)[..n]);
        }
        if n < block {
            return out;
        }
    }
}

fn sampled(rate: u32, frames: usize, f: impl Fn(f64) -> f64) -> Vec<f32> {
    (0..frames)
        .map(|i| f(i as f64 / f64::from(rate)) as f32)
        .collect()
}

/// A mix of tones across the passband (20 Hz .. 20 kHz), peak below 0.9.
fn tones(t: f64) -> f64 {
    [
        (50.0, 0.15, 0.1),
        (997.0, 0.2, 1.3),
        (4_100.0, 0.15, 2.0),
        (11_000.0, 0.15, 0.7),
        (17_500.0, 0.1, 2.9),
        (19_900.0, 0.1, 0.4),
    ]
    .iter()
    .map(|&(f, a, ph)| a * (2.0 * PI * f * t + ph).sin())
    .sum()
}

/// Peak difference in dBFS over `range` of `got` against `want(t)` sampled at `rate`.
fn null_db(
    got: &[f32],
    rate: u32,
    range: std::ops::Range<usize>,
    want: impl Fn(f64) -> f64,
) -> f64 {
    let peak = range
        .map(|i| (f64::from(got[i]) - want(i as f64 / f64::from(rate))).abs())
        .fold(0.0, f64::max);
    20.0 * peak.max(1e-20).log10()
}

#[test]
fn resampled_tones_null_against_the_analytic_signal() {
    for from in [44_100, 96_000] {
        let frames = from as usize; // one second
        let out = resample(&[sampled(from, frames, tones)], from, 48_000, 1024);
        assert_eq!(
            out[0].len(),
            48_000,
            "{from}: the output covers the input's duration"
        );
        // Away from the abrupt start and end, which are not band-limited.
        let db = null_db(&out[0], 48_000, 4_000..44_000, tones);
        eprintln!("{from} -> 48000: null {db:.1} dBFS");
        assert!(db < -70.0, "{from} -> 48000: null only {db:.1} dBFS");
    }
}

/// A click band-limited to 16 kHz (Hann-windowed sinc, 4 ms long) centred at `t0`.
fn click(t: f64, t0: f64) -> f64 {
    let x = t - t0;
    if x.abs() >= 0.002 {
        return 0.0;
    }
    let b = 16_000.0;
    let sinc = if x == 0.0 {
        1.0
    } else {
        (2.0 * PI * b * x).sin() / (2.0 * PI * b * x)
    };
    0.8 * sinc * (0.5 + 0.5 * (PI * x / 0.002).cos())
}

/// The shift (in output frames) that best aligns `got` with the analytic click: a
/// least-squares search to 1e-4 frame.
fn click_lag(got: &[f32], rate: f64, t0: f64) -> f64 {
    let err = |lag: f64| -> f64 {
        got.iter()
            .enumerate()
            .map(|(i, &g)| (f64::from(g) - click((i as f64 - lag) / rate, t0)).powi(2))
            .sum()
    };
    let (mut lo, mut hi) = (-2.0, 2.0);
    while hi - lo > 1e-5 {
        let (a, b) = (lo + (hi - lo) / 3.0, hi - (hi - lo) / 3.0);
        if err(a) < err(b) { hi = b } else { lo = a }
    }
    (lo + hi) / 2.0
}

#[test]
fn a_band_limited_click_lands_on_time() {
    for from in [44_100, 88_200, 96_000, 32_000] {
        // Centred between input frames and between output frames on purpose.
        let t0 = 0.1 + 0.37 / f64::from(from);
        let input = sampled(from, from as usize / 5, |t| click(t, t0));
        let out = resample(&[input], from, 48_000, 777);
        let lag = click_lag(&out[0], 48_000.0, t0);
        eprintln!("{from} -> 48000: click lands {lag:+.5} frames from its time");
        assert!(lag.abs() < 0.1, "{from}: click is {lag} frames off");
        assert!(
            lag.abs() < 0.005,
            "{from}: click is {lag} frames off (filter should be linear phase)"
        );
    }
}

/// Gain in dB for a unit tone at `f` Hz, and the level of everything else in the output
/// (aliases, images, noise) relative to a unit tone, in dB. Above the output Nyquist the
/// tone can only come out as an alias, so all of the output counts as the second figure.
fn response(from: u32, to: u32, f: f64) -> (f64, f64) {
    let frames = 16_384 * from as usize / 48_000 + 8_192;
    let out = resample(
        &[sampled(from, frames, |t| (2.0 * PI * f * t).sin())],
        from,
        to,
        4096,
    );
    let mid = &out[0][3_000..out[0].len() - 3_000];
    let db = |x: f64| 20.0 * x.max(1e-20).log10();
    if f >= f64::from(to) / 2.0 {
        return (f64::NEG_INFINITY, db(rms(mid) * 2f64.sqrt()));
    }
    let a = amplitude(mid, f64::from(to), f);
    let (s, c) = phase(mid, f64::from(to), f);
    let residual: Vec<f32> = mid
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            let (sn, cs) = (2.0 * PI * f * i as f64 / f64::from(to)).sin_cos();
            y - (s * sn + c * cs) as f32
        })
        .collect();
    (db(a), db(rms(&residual) * 2f64.sqrt()))
}

/// Sine and cosine coefficients of the `f` Hz component of `x`.
fn phase(x: &[f32], rate: f64, f: f64) -> (f64, f64) {
    let (mut cc, mut ss, mut cs, mut yc, mut ys) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &y) in x.iter().enumerate() {
        let (s, c) = (2.0 * PI * f * i as f64 / rate).sin_cos();
        let y = f64::from(y);
        cc += c * c;
        ss += s * s;
        cs += c * s;
        yc += y * c;
        ys += y * s;
    }
    let det = cc * ss - cs * cs;
    ((ys * cc - yc * cs) / det, (yc * ss - ys * cs) / det)
}

fn amplitude(x: &[f32], rate: f64, f: f64) -> f64 {
    let (s, c) = phase(x, rate, f);
    s.hypot(c)
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

fn log_steps(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |i| lo * (hi / lo).powf(i as f64 / (n - 1) as f64))
}

/// Frequency where the gain crosses -3 dB, between `lo` (above) and `hi` (below).
fn minus_3db(from: u32, to: u32, mut lo: f64, mut hi: f64) -> f64 {
    while hi - lo > 1.0 {
        let mid = (lo + hi) / 2.0;
        if response(from, to, mid).0 > -3.0 {
            lo = mid
        } else {
            hi = mid
        }
    }
    (lo + hi) / 2.0
}

#[test]
fn frequency_response_figures() {
    for (from, to) in [(44_100, 48_000), (96_000, 48_000), (48_000, 44_100)] {
        let mut ripple: f64 = 0.0;
        let mut spurious = f64::MIN;
        for f in log_steps(20.0, 20_000.0, 24) {
            let (gain, rest) = response(from, to, f);
            ripple = ripple.max(gain.abs());
            spurious = spurious.max(rest);
        }
        let lower_nyq = f64::from(from.min(to)) / 2.0;
        let f3 = minus_3db(from, to, 20_000.0, lower_nyq);
        eprintln!(
            "{from} -> {to}: passband ripple 20 Hz-20 kHz ±{ripple:.5} dB, images/aliases/noise \
             of in-band tones <= {spurious:.1} dB, -3 dB at {f3:.0} Hz"
        );
        let edge: Vec<String> = [0.98, 0.99, 0.9925, 0.995, 0.9975, 1.0]
            .iter()
            .map(|k| {
                let f = k * lower_nyq;
                let (g, rest) = response(from, to, f);
                format!("{f:.0} Hz {:.1} dB", if g.is_finite() { g } else { rest })
            })
            .collect();
        eprintln!("{from} -> {to}: transition {}", edge.join(", "));
        assert!(ripple < 0.01, "{from} -> {to}: ripple {ripple} dB");
        assert!(
            spurious < -100.0,
            "{from} -> {to}: spurious output at {spurious} dB"
        );
        assert!(
            f3 > 0.98 * lower_nyq && f3 < lower_nyq,
            "{from} -> {to}: -3 dB at {f3} Hz"
        );
        if from > to {
            // Tones between the output and the input Nyquist must not alias back.
            let worst = log_steps(lower_nyq, f64::from(from) / 2.0 * 0.999, 24)
                .map(|f| response(from, to, f).1)
                .fold(f64::MIN, f64::max);
            eprintln!("{from} -> {to}: stopband from {lower_nyq:.0} Hz: aliases <= {worst:.1} dB");
            assert!(worst < -110.0, "{from} -> {to}: aliases at {worst} dB");
        }
    }
}

#[test]
fn rate_and_block_matrix_keeps_length_time_and_bits() {
    // Two tones below every Nyquist in the matrix (8 kHz sources have a 4 kHz one).
    let sig =
        |t: f64| 0.4 * (2.0 * PI * 440.0 * t).sin() + 0.3 * (2.0 * PI * 2_500.0 * t + 1.0).sin();
    for from in [
        8_000, 22_050, 32_000, 44_100, 48_000, 88_200, 96_000, 176_400, 192_000,
    ] {
        for to in [44_100, 48_000, 96_000] {
            let frames = (from as usize / 4) + 123;
            let input = vec![
                sampled(from, frames, sig),
                sampled(from, frames, |t| -sig(t)),
            ];
            let reference = resample(&input, from, to, 4096);
            let want_len = (frames as u64 * u64::from(to)).div_ceil(u64::from(from)) as usize;
            assert_eq!(reference[0].len(), want_len, "{from} -> {to}");
            let margin = 2 * to as usize / 100;
            let db = null_db(&reference[0], to, margin..want_len - margin, sig);
            assert!(db < -70.0, "{from} -> {to}: null {db:.1} dBFS");
            assert!(
                reference[1]
                    .iter()
                    .zip(&reference[0])
                    .all(|(a, b)| *a == -*b),
                "{from} -> {to}: channels differ"
            );
            for block in [1, 64, 1000] {
                let got = resample(&input, from, to, block);
                assert!(
                    got == reference,
                    "{from} -> {to}: block {block} changes the output"
                );
            }
        }
    }
}

/// Writes `frames` of `f` as a 32-bit float stereo WAV with hound (an independent writer).
fn write_source(path: &std::path::Path, rate: u32, frames: usize, f: impl Fn(f64) -> f64) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("temp file");
    for i in 0..frames {
        let v = f(i as f64 / f64::from(rate)) as f32;
        w.write_sample(v).expect("write");
        w.write_sample(-v).expect("write");
    }
    w.finalize().expect("finalize");
}

#[test]
fn source_reader_resamples_from_an_offset_on_time() {
    let dir = tempfile::tempdir().unwrap();
    for from in [44_100, 96_000] {
        let path = dir.path().join(format!("src{from}.wav"));
        let frames = from as usize; // one second
        write_source(&path, from, frames, tones);
        // Offsets on a source frame, on the shared grid, and between grid points.
        for offset in [0.0, 0.25, 12_345.0 / f64::from(from), 0.123_456_7] {
            let mut r = SourceReader::open(&path, 48_000, offset).unwrap();
            let expected = r.remaining_frames().unwrap();
            let got = common::read_all(&mut r, 1000).unwrap();
            assert_eq!(got[0].len() as u64, expected, "{from} offset {offset}");
            let end = (1.0 - offset) * 48_000.0;
            assert!(
                (got[0].len() as f64 - end).abs() <= 1.0,
                "{from} offset {offset}: {} frames",
                got[0].len()
            );
            // Output frame j is the source at offset + j / 48000 (to the 1/lcm grid).
            let grid = 0.5 / (f64::from(from) * 48_000.0 / f64::from(common_gcd(from, 48_000)));
            let start = ((offset / grid / 2.0).round()) * grid * 2.0;
            let db = null_db(&got[0], 48_000, 4_000..got[0].len() - 4_000, |t| {
                tones(start + t)
            });
            eprintln!("{from} -> 48000 from {offset:.7} s: null {db:.1} dBFS");
            assert!(db < -70.0, "{from} offset {offset}: null {db:.1} dBFS");
        }
    }
}

fn common_gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { common_gcd(b, a % b) }
}
