//! Sessions made on the spot for the live tests: WAV sources written with hound, a
//! session file beside them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use stemkit_session::Session;

pub const RATE: u32 = 48_000;

/// Writes a 32-bit float WAV whose sample `(frame, channel)` is `f(frame, channel)`.
pub fn write_wav(
    path: &Path,
    channels: u16,
    rate: u32,
    frames: usize,
    f: impl Fn(usize, usize) -> f32,
) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for i in 0..frames {
        for c in 0..usize::from(channels) {
            w.write_sample(f(i, c)).expect("write sample");
        }
    }
    w.finalize().expect("finish wav");
}

/// Planar samples of a WAV file.
pub fn read_wav(path: &Path) -> Vec<Vec<f32>> {
    let mut r = hound::WavReader::open(path).expect("open wav");
    let ch = usize::from(r.spec().channels);
    let samples: Vec<f32> = match r.spec().sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.expect("sample")).collect(),
        hound::SampleFormat::Int => {
            let scale = (1_i64 << (r.spec().bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.expect("sample") as f32 / scale)
                .collect()
        }
    };
    (0..ch)
        .map(|c| samples.iter().skip(c).step_by(ch).copied().collect())
        .collect()
}

/// Writes `session.toml` with `body` into `dir` and loads it.
pub fn session(dir: &Path, body: &str) -> Session {
    let path = dir.join("session.toml");
    std::fs::write(&path, body).expect("write session");
    stemkit_session::load(&path).unwrap_or_else(|e| panic!("session: {e}"))
}

pub fn sine(freq: f64, amp: f32) -> impl Fn(usize, usize) -> f32 {
    move |i, _| amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(RATE)).sin() as f32
}

/// Deterministic noise in -1 ..= 1 (xorshift on the frame and channel).
pub fn noise(i: usize, c: usize) -> f32 {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ ((c as u64 + 1) << 40);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 29;
    (x >> 40) as f32 / (1_u64 << 23) as f32 - 1.0
}

/// A three-stem session with inserts on every bus, two returns and a master chain: the
/// shape of a real performance, small enough for a debug build.
pub fn band(dir: &Path, seconds: f64) -> Session {
    let frames = (seconds * f64::from(RATE)) as usize;
    write_wav(&dir.join("drums.wav"), 2, RATE, frames, |i, c| {
        let beat = i % 24_000;
        let env = (-(beat as f32) / 2_000.0).exp();
        0.6 * env * noise(i, c)
    });
    write_wav(&dir.join("bass.wav"), 1, RATE, frames, sine(55.0, 0.4));
    // The keys at 44.1 kHz: conformed at the start.
    let keys_frames = (seconds * 44_100.0) as usize;
    write_wav(&dir.join("keys.wav"), 2, 44_100, keys_frames, |i, c| {
        let t = i as f64 / 44_100.0;
        (0.2 * ((2.0 * std::f64::consts::PI * 440.0 * t).sin()
            + (2.0 * std::f64::consts::PI * (554.0 + c as f64) * t).sin())) as f32
    });
    session(
        dir,
        r#"
[session]
name = "Band"
sample_rate = 48000
bpm = 120.0

[[track]]
name = "Drums"
file = "drums.wav"
stem = "Drums"

[[track]]
name = "Bass"
file = "bass.wav"
stem = "Bass"
pan = -0.3

[[track]]
name = "Keys"
file = "keys.wav"
stem = "Keys"
at = 0.25

[[stem]]
name = "Drums"
inserts = [
  { type = "eq", bands = [ { shape = "highpass", freq = 40.0 }, { shape = "bell", freq = 3000.0, gain_db = 2.0 } ] },
  { type = "compressor", style = "bus", threshold_db = -18.0, ratio = 3.0 },
]
sends = [ { to = "Plate", level_db = -12.0 } ]

[[stem]]
name = "Bass"
channels = 1
inserts = [ { type = "saturation", character = "tape", drive_db = 6.0 } ]

[[stem]]
name = "Keys"
inserts = [ { type = "compressor", style = "clean", threshold_db = -20.0, key = "Bass" } ]
sends = [ { to = "Echo", level_db = -6.0, pre_fader = true } ]

[[return]]
name = "Plate"
inserts = [ { type = "reverb", decay_s = 1.2, predelay_ms = 10.0 } ]

[[return]]
name = "Echo"
inserts = [ { type = "delay", time = "1/8", feedback = 0.4 } ]

[master]
inserts = [ { type = "limiter", ceiling_dbtp = -1.0 } ]
"#,
    )
}

pub fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

pub fn path(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}
