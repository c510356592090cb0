//! The fixture formulas of `tests/fixtures/make_fixtures.sh`, recomputed, and small
//! helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::PathBuf;

use stemkit_core::AudioBuffer;
use stemkit_io::{IoError, SourceReader};

pub const FIXTURE_FRAMES: usize = 2048;
pub const FIXTURE_RATE: u32 = 44_100;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Left channel codes: the top `bits` bits of a 64-bit LCG, extremes forced at 10 and 11.
pub fn lcg_codes(bits: u32) -> Vec<i64> {
    let mut x: u64 = 1;
    let mut codes: Vec<i64> = (0..FIXTURE_FRAMES)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let c = (x >> (64 - bits)) as i64;
            if c >= 1 << (bits - 1) {
                c - (1 << bits)
            } else {
                c
            }
        })
        .collect();
    codes[10] = (1 << (bits - 1)) - 1;
    codes[11] = -(1 << (bits - 1));
    codes
}

/// Right channel codes: silence with two known impulses.
pub fn impulse_codes(bits: u32) -> Vec<i64> {
    let mut r = vec![0; FIXTURE_FRAMES];
    r[1000] = (1 << (bits - 1)) - 1;
    r[1500] = -(1 << (bits - 2));
    r
}

/// What a decoder must return for a code of `bits` bits: code / 2^(bits-1), rounded once
/// to f32 (exact up to 24 bits).
pub fn full_scale(codes: &[i64], bits: u32) -> Vec<f32> {
    let scale = f64::from(1u32 << (bits - 1));
    codes.iter().map(|&c| (c as f64 / scale) as f32).collect()
}

/// The tone of tone.mp3 / tone.ogg at `t` seconds: (left, right).
pub fn tone(t: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    let left = 0.5 * (2.0 * PI * 1000.0 * t).sin();
    let burst = if (t - 0.5).abs() < 0.0025 {
        0.5 + 0.5 * (2.0 * PI * (t - 0.5) / 0.005).cos()
    } else {
        0.0
    };
    let right =
        0.25 * (2.0 * PI * 440.0 * t).sin() + 0.5 * burst * (2.0 * PI * 3000.0 * (t - 0.5)).sin();
    (left, right)
}

/// Reads a whole source through `SourceReader` in blocks of `block` frames.
pub fn read_all(reader: &mut SourceReader, block: usize) -> Result<Vec<Vec<f32>>, IoError> {
    let ch = reader.info().channels;
    let mut buf = AudioBuffer::new(ch, block);
    let mut all = vec![Vec::new(); ch];
    loop {
        buf.set_frames(block);
        let n = reader.read(&mut buf)?;
        assert!(n <= block);
        for (c, dst) in all.iter_mut().enumerate() {
            dst.extend_from_slice(&buf.channel(c)[..n]);
        }
        if n < block {
            // After a short read the reader stays exhausted.
            buf.set_frames(block);
            assert_eq!(reader.read(&mut buf)?, 0);
            return Ok(all);
        }
    }
}

pub fn decode_file(name: &str, rate: u32, offset: f64, block: usize) -> Vec<Vec<f32>> {
    let mut r = SourceReader::open(&fixture(name), rate, offset).expect("fixture opens");
    read_all(&mut r, block).expect("fixture decodes")
}

/// Largest absolute difference in dB relative to full scale.
pub fn max_err_db(a: &[f32], b: &[f64]) -> f64 {
    let e = a
        .iter()
        .zip(b)
        .fold(0.0_f64, |m, (&x, &y)| m.max((f64::from(x) - y).abs()));
    20.0 * e.max(1e-20).log10()
}
