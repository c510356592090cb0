//! Signals and drivers shared by the processor tests.
#![allow(dead_code)] // each test binary uses its own subset

use serde::Deserialize;
use stemkit_core::{AudioBuffer, ProcessSpec, Processor};
use stemkit_dsp::build;
use stemkit_dsp::params::{InsertSpec, ParamContext};

/// Largest block the tests prepare for.
pub const MAX_BLOCK: usize = 512;

/// An insert as the session file spells it: keys on lines (`type = "eq"\nbands = [...]`)
/// or one inline table as in a chain (`{ type = "eq", bands = [...] }`).
pub fn insert(text: &str) -> InsertSpec {
    let parsed = if text.trim_start().starts_with('{') {
        toml::from_str::<toml::Table>(&format!("insert = {text}")).and_then(|mut t| {
            InsertSpec::deserialize(t.remove("insert").expect("the key written above"))
        })
    } else {
        toml::from_str(text)
    };
    parsed.unwrap_or_else(|e| panic!("test insert does not parse: {e}\n{text}"))
}

/// A processor built from `text` and prepared for `channels` at `rate`.
pub fn prepared(text: &str, rate: f64, channels: usize) -> Box<dyn Processor> {
    let ctx = ParamContext {
        sample_rate: rate,
        bpm: Some(120.0),
    };
    let mut p = build(&insert(text), &ctx).unwrap_or_else(|e| panic!("{e}: {text}"));
    p.prepare(spec(rate, channels));
    p
}

pub fn spec(rate: f64, channels: usize) -> ProcessSpec {
    ProcessSpec {
        sample_rate: rate,
        max_block: MAX_BLOCK,
        channels,
    }
}

/// Runs `input` (one `Vec` per channel) through `p` in blocks of `block` frames, with
/// `key` as the sidechain when given; returns the output.
pub fn run(
    p: &mut dyn Processor,
    input: &[Vec<f32>],
    key: Option<&[Vec<f32>]>,
    block: usize,
) -> Vec<Vec<f32>> {
    let frames = input[0].len();
    let mut out = vec![Vec::with_capacity(frames); input.len()];
    let mut buf = AudioBuffer::new(input.len(), block);
    let mut kbuf = key.map(|k| AudioBuffer::new(k.len(), block));
    let mut pos = 0;
    while pos < frames {
        let n = block.min(frames - pos);
        buf.set_frames(n);
        for (c, ch) in input.iter().enumerate() {
            buf.channel_mut(c).copy_from_slice(&ch[pos..pos + n]);
        }
        if let (Some(kb), Some(k)) = (kbuf.as_mut(), key) {
            kb.set_frames(n);
            for (c, ch) in k.iter().enumerate() {
                kb.channel_mut(c).copy_from_slice(&ch[pos..pos + n]);
            }
        }
        p.process(&mut buf, kbuf.as_ref());
        for (c, o) in out.iter_mut().enumerate() {
            o.extend_from_slice(buf.channel(c));
        }
        pos += n;
    }
    out
}

/// `amp · sin(2π f t + phase)` for `frames` samples at `rate`.
pub fn sine(freq: f64, amp: f64, phase: f64, rate: f64, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|n| (amp * (2.0 * std::f64::consts::PI * freq * n as f64 / rate + phase).sin()) as f32)
        .collect()
}

/// A deterministic uniform noise in −1 ..= 1 (xorshift), for test material.
pub fn noise(frames: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..frames)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32
        })
        .collect()
}

pub fn db(x: f64) -> f64 {
    20.0 * x.abs().log10()
}

pub fn peak(x: &[f32]) -> f64 {
    x.iter().fold(0.0_f64, |m, &s| m.max(f64::from(s).abs()))
}

/// Magnitudes of the real FFT of `x` under a 4-term Blackman-Harris window (side lobes
/// at -92 dB), scaled so a full-scale sine whose frequency is a whole bin reads 1.0.
pub fn spectrum(x: &[f32]) -> Vec<f64> {
    let n = x.len();
    let window: Vec<f64> = (0..n)
        .map(|i| {
            let t = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            0.35875 - 0.48829 * t.cos() + 0.14128 * (2.0 * t).cos() - 0.01168 * (3.0 * t).cos()
        })
        .collect();
    let coherent_gain: f64 = window.iter().sum::<f64>() / 2.0;
    let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut input: Vec<f64> = x
        .iter()
        .zip(&window)
        .map(|(&s, w)| f64::from(s) * w)
        .collect();
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).expect("FFT sizes match");
    out.iter().map(|c| c.norm() / coherent_gain).collect()
}

/// Feeds noise, a block holding a NaN, a block holding an infinity, then `signal`, and
/// checks that the output is finite from the first block after them and, `tail()`
/// samples into `signal`, equal to a fresh processor's output for `signal` alone.
pub fn recovers_after_non_finite(text: &str, rate: f64, channels: usize, signal: &[f32]) {
    let mut bad = noise(4 * MAX_BLOCK, 7);
    bad[2 * MAX_BLOCK + 100] = f32::NAN;
    bad[3 * MAX_BLOCK + 5] = f32::INFINITY;
    let settle = bad.len();
    let input: Vec<f32> = bad.iter().chain(signal).copied().collect();
    let mut p = prepared(text, rate, channels);
    let out = run(p.as_mut(), &vec![input; channels], None, MAX_BLOCK);
    let mut fresh = prepared(text, rate, channels);
    let reference = run(
        fresh.as_mut(),
        &vec![signal.to_vec(); channels],
        None,
        MAX_BLOCK,
    );
    let tail = p.tail();
    assert!(
        tail < signal.len(),
        "{text}: signal shorter than the tail {tail}"
    );
    for (o, r) in out.iter().zip(&reference) {
        assert!(
            o[settle..].iter().all(|v| v.is_finite()),
            "{text}: output stays non-finite"
        );
        let err = o[settle + tail..]
            .iter()
            .zip(&r[tail..])
            .fold(0.0_f64, |m, (a, b)| m.max(f64::from(a - b).abs()));
        assert!(
            err < 1e-6,
            "{text}: differs from a fresh processor by {err} after the tail"
        );
    }
}
