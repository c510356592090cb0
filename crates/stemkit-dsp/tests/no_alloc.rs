//! The audio-thread contract every processor of this crate meets, checked on each type:
//! `process` never allocates (a counting allocator, `assert_no_alloc`), a NaN or infinity
//! in the input does not leave it stuck, and silence after sound decays to exact zeros
//! without subnormal samples on the way.
//!
//! To cover a new processor type, add a line to `INSERTS`.

mod common;

use assert_no_alloc::{AllocDisabler, assert_no_alloc, violation_count};
use common::{MAX_BLOCK, insert, noise, prepared, run};
use stemkit_core::{AudioBuffer, Processor};
use stemkit_dsp::params::{BandShape, EqBand, InsertSpec};
use stemkit_dsp::{Eq, Gain};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

/// One configuration per line, spelled as in a session's `inserts = [ ... ]`.
const INSERTS: &[&str] = &[
    r#"{ type = "eq", bands = [ { shape = "highpass", freq = 30.0, slope = 24 }, { shape = "lowshelf", freq = 120.0, gain_db = 3.0 }, { shape = "bell", freq = 900.0, q = 3.0, gain_db = -4.0 }, { shape = "notch", freq = 3000.0, q = 6.0 }, { shape = "highshelf", freq = 9000.0, gain_db = 2.0 }, { shape = "lowpass", freq = 18000.0 } ] }"#,
    r#"{ type = "gain", gain_db = -3.0, polarity = true, width = 1.4 }"#,
    r#"{ type = "compressor", style = "bus", threshold_db = -24.0 }"#,
    r#"{ type = "compressor", style = "varimu", threshold_db = -30.0, mix = 0.6 }"#,
    r#"{ type = "compressor", style = "clean", threshold_db = -20.0, release = 80.0, key = "Kick" }"#,
    r#"{ type = "limiter", ceiling_dbtp = -1.0, lookahead_ms = 2.0 }"#,
    r#"{ type = "saturation", character = "tape", drive_db = 12.0 }"#,
    r#"{ type = "saturation", character = "tube", drive_db = 18.0, mix = 0.7, output_db = -4.0 }"#,
    r#"{ type = "saturation", character = "clip", drive_db = 6.0 }"#,
    r#"{ type = "reverb", decay_s = 0.8, predelay_ms = 25.0, size = 0.7, damping = 0.6, width = 0.8, mix = 0.5 }"#,
    r#"{ type = "delay", time = "1/64", feedback = 0.6, lowcut = 150.0, highcut = 6000.0, pingpong = true, mix = 0.4 }"#,
    r#"{ type = "delay", time = 90.0, feedback = 0.3 }"#,
];

const RATE: f64 = 48_000.0;

/// `frames` of stereo (or mono) noise at about −6 dBFS, with a louder passage so the
/// dynamics processors work.
fn material(channels: usize, frames: usize) -> Vec<Vec<f32>> {
    (0..channels)
        .map(|c| {
            noise(frames, c as u64 + 11)
                .iter()
                .enumerate()
                .map(|(n, &s)| s * if (n / 5000) % 3 == 1 { 1.8 } else { 0.5 })
                .collect()
        })
        .collect()
}

#[test]
fn process_never_allocates() {
    for text in INSERTS {
        for channels in [1, 2] {
            let mut p = prepared(text, RATE, channels);
            let input = material(channels, 4 * MAX_BLOCK);
            let mut block = AudioBuffer::new(channels, MAX_BLOCK);
            let mut key = AudioBuffer::new(1, MAX_BLOCK);
            key.channel_mut(0).copy_from_slice(&input[0][..MAX_BLOCK]);
            let before = violation_count();
            assert_no_alloc(|| {
                let mut pos = 0;
                for (i, frames) in [MAX_BLOCK, 100, 1, 37, MAX_BLOCK, MAX_BLOCK]
                    .into_iter()
                    .enumerate()
                {
                    let start = pos % (3 * MAX_BLOCK);
                    block.set_frames(frames);
                    key.set_frames(frames);
                    for (c, ch) in input.iter().enumerate() {
                        block
                            .channel_mut(c)
                            .copy_from_slice(&ch[start..start + frames]);
                    }
                    p.process(&mut block, if i % 2 == 0 { Some(&key) } else { None });
                    pos += frames;
                }
                let _ = (p.latency(), p.tail(), p.gain_reduction_db());
                p.reset();
                p.process(&mut block, Some(&key));
            });
            assert_eq!(
                violation_count(),
                before,
                "{text} ({channels} ch) allocated on the audio thread"
            );
        }
    }
}

/// The live setters run on the audio thread too.
#[test]
fn live_setters_never_allocate() {
    let InsertSpec::Eq(eq_params) = insert(INSERTS[0]) else {
        panic!("first insert is the eq")
    };
    let mut eq = Eq::new(&eq_params);
    eq.prepare(common::spec(RATE, 2));
    let InsertSpec::Gain(gain_params) = insert(INSERTS[1]) else {
        panic!("second insert is gain")
    };
    let mut gain = Gain::new(&gain_params);
    gain.prepare(common::spec(RATE, 2));
    let mut block = AudioBuffer::new(2, MAX_BLOCK);
    block.channel_mut(0).fill(0.25);
    let before = violation_count();
    assert_no_alloc(|| {
        let band = EqBand {
            shape: BandShape::Bell,
            freq: 2000.0,
            q: 1.0,
            gain_db: 6.0,
            slope: 12,
        };
        eq.set_band(0, band).expect("valid band");
        eq.set_band(5, EqBand { slope: 24, ..band })
            .expect("valid band");
        eq.process(&mut block, None);
        gain.set_gain_db(-10.0);
        gain.set_polarity(false);
        gain.set_width(0.3);
        gain.process(&mut block, None);
    });
    assert_eq!(violation_count(), before, "a setter allocated");
}

/// NaN and ±infinity in one block: later output is finite and, once the processor's
/// latency, tail and slowest release have passed, equal to that of an undisturbed run.
#[test]
fn nan_and_infinity_do_not_stick() {
    for text in INSERTS {
        let probe = prepared(text, RATE, 2);
        let frames = probe.latency() + probe.tail() + (6.0 * RATE) as usize;
        let clean = material(2, frames);
        let mut bad = clean.clone();
        for (i, v) in [
            (1100, f32::NAN),
            (1200, f32::INFINITY),
            (1300, f32::NEG_INFINITY),
        ] {
            bad[0][i] = v;
            bad[1][i + 7] = v;
        }
        let mut a = prepared(text, RATE, 2);
        let mut b = prepared(text, RATE, 2);
        let want = run(a.as_mut(), &clean, None, MAX_BLOCK);
        let got = run(b.as_mut(), &bad, None, MAX_BLOCK);
        let settled = frames - (0.5 * RATE) as usize;
        for c in 0..2 {
            assert!(
                got[c][settled..].iter().all(|x| x.is_finite()),
                "{text}: non-finite output persists"
            );
            let diff = got[c][settled..]
                .iter()
                .zip(&want[c][settled..])
                .fold(0.0_f32, |m, (g, w)| m.max((g - w).abs()));
            assert!(
                diff < 1e-4,
                "{text}: still {diff} away from the undisturbed output"
            );
        }
    }
}

/// An impulse, then silence: no subnormal output on the way, and exact zeros at the end.
#[test]
fn silence_decays_to_exact_zero_without_subnormals() {
    for text in INSERTS {
        let mut p = prepared(text, RATE, 2);
        let frames = p.latency() + p.tail() + (10.0 * RATE) as usize;
        let mut x = vec![vec![0.0_f32; frames]; 2];
        x[0][100] = 0.5;
        x[1][101] = -0.5;
        let y = run(p.as_mut(), &x, None, MAX_BLOCK);
        for ch in &y {
            assert!(
                ch.iter().all(|s| *s == 0.0 || s.is_normal()),
                "{text}: subnormal output"
            );
            assert!(
                ch[frames - RATE as usize..].iter().all(|&s| s == 0.0),
                "{text}: no exact silence at the end"
            );
        }
    }
}
