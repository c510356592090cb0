//! The read-back of a render against independent readers: `stemkit-analysis`'s meter
//! (the `ebur128` crate), `stemkit-io`'s checksum, and the render's own null tests.
#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use std::path::Path;

use stemkit_engine::{RenderOptions, render, verify};

fn source(seed: u32, frames: usize, channels: usize, level: f32) -> Vec<Vec<f32>> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..channels)
        .map(|_| {
            (0..frames)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    let env = (i as f32 / 5_000.0).sin().abs();
                    (x as f32 / u32::MAX as f32 - 0.5) * env * level
                })
                .collect()
        })
        .collect()
}

fn write(path: &Path, data: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: data.len() as u16,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..data[0].len() {
        for ch in data {
            w.write_sample(ch[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

fn session(dir: &Path, bits: u32, format: &str) -> stemkit_session::Session {
    write(&dir.join("a.wav"), &source(1, 150_000, 1, 0.3));
    write(&dir.join("b.wav"), &source(2, 120_000, 2, 0.25));
    write(&dir.join("c.wav"), &source(3, 90_000, 2, 0.05));
    let text = format!(
        r#"
[session]
name = "Readback"
sample_rate = 48000
tail = 0.5

[output]
bit_depth = {bits}
format = "{format}"
naming = "{{stem}}"
variants = ["dry", "wet"]

[[track]]
name = "A"
file = "a.wav"
stem = "Mono"

[[track]]
name = "B"
file = "b.wav"
stem = "Wide"
at = 0.3

[[track]]
name = "C"
file = "c.wav"
stem = "Wide"
at = 1.1

[[stem]]
name = "Mono"
channels = 1
sends = [ {{ to = "Verb", level_db = -6.0 }} ]

[[stem]]
name = "Wide"
inserts = [ {{ type = "saturation", character = "clip", drive_db = 6.0 }} ]
sends = [ {{ to = "Verb", level_db = -3.0 }} ]

[[return]]
name = "Verb"
inserts = [ {{ type = "reverb", decay_s = 0.5 }} ]
"#
    );
    let path = dir.join("session.toml");
    std::fs::write(&path, text).unwrap();
    stemkit_session::load(&path).unwrap()
}

fn check(bits: u32, format: &str) {
    let d = tempfile::tempdir().unwrap();
    let s = session(d.path(), bits, format);
    let r = render(
        &s,
        &RenderOptions::new(d.path().join("out")),
        &mut |_, _| {},
    )
    .unwrap();
    let v = verify(&r, 2).unwrap();
    assert_eq!(v.files.len(), r.files.len());
    for (f, got) in r.files.iter().zip(&v.files) {
        let path = f.pending.temp_path();
        assert_eq!(
            got.sha256,
            stemkit_io::sha256_file(path).unwrap(),
            "{}",
            f.name
        );
        let (_, m) = stemkit_analysis::meter_file(path).unwrap();
        let close = |a: Option<f64>, b: Option<f64>, what: &str| match (a, b) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-3, "{} {what}: {a} vs {b}", f.name),
            (a, b) => assert_eq!(a.is_some(), b.is_some(), "{} {what}", f.name),
        };
        close(got.lufs_i, m.integrated_lufs, "loudness");
        close(got.true_peak_dbtp, m.true_peak_dbtp, "true peak");
        assert_eq!(got.sample_peak, f.peak, "{}", f.name);
    }
    // The null tests recomputed from the files say what the render measured as it wrote.
    assert_eq!(v.null_tests.len(), 2);
    assert!(
        v.null_tests[0].bit_exact == (bits < 32),
        "{:?}",
        v.null_tests
    );
    for (a, b) in r.null_tests.iter().zip(&v.null_tests) {
        assert_eq!(a.set, b.set);
        assert_eq!(a.bit_exact, b.bit_exact, "{}", a.set);
        assert_eq!(a.residual_peak_dbfs, b.residual_peak_dbfs, "{}", a.set);
    }
}

#[test]
fn read_back_agrees_with_the_meter_the_checksum_and_the_render_in_24_bit() {
    check(24, "wav");
}

#[test]
fn read_back_agrees_in_16_bit_float_and_flac() {
    check(16, "wav");
    check(32, "wav");
    check(24, "flac");
}

#[test]
fn a_file_changed_after_the_render_fails_the_read_back() {
    let d = tempfile::tempdir().unwrap();
    let s = session(d.path(), 24, "wav");
    let r = render(
        &s,
        &RenderOptions::new(d.path().join("out")),
        &mut |_, _| {},
    )
    .unwrap();
    let mix = r.files.iter().find(|f| f.name == "Mix").unwrap();
    let path = mix.pending.temp_path().to_path_buf();
    let bytes = std::fs::read(&path).unwrap();
    // A louder sample than any the render wrote, in the middle of the data.
    let mut louder = bytes.clone();
    let data = bytes.windows(4).position(|w| w == b"data").unwrap() + 8;
    let at = data + (louder.len() - data) / 2 / 6 * 6;
    louder[at..at + 6].copy_from_slice(&[0xff, 0xff, 0x7f, 0xff, 0xff, 0x7f]);
    std::fs::write(&path, &louder).unwrap();
    let e = verify(&r, 1).unwrap_err().to_string();
    assert!(e.contains("Mix.wav") && e.contains("sample peak"), "{e}");
    // A quieter change: only the null test sees it.
    let mut quieter = bytes.clone();
    quieter[at..at + 3].copy_from_slice(&[1, 0, 0]);
    std::fs::write(&path, &quieter).unwrap();
    let e = verify(&r, 1).unwrap_err().to_string();
    assert!(e.contains("Mix.wav") && e.contains("null test"), "{e}");
    // A file cut short.
    std::fs::write(&path, &bytes[..bytes.len() - 600]).unwrap();
    let e = verify(&r, 1).unwrap_err().to_string();
    assert!(e.contains("Mix.wav"), "{e}");
}
