//! Helpers shared by the end-to-end tests: write sources, run the binary, read prints.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::Output;

pub fn stemkit(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_stemkit"))
        .args(args)
        .output()
        .expect("run stemkit")
}

/// Renders `session` into `out` quietly and asserts it succeeded.
pub fn render_ok(session: &Path, out: &Path) {
    let o = stemkit(&[
        "render",
        session.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes a float WAV (so the source is exact) with `channels` planar channels.
pub fn write_wav(path: &Path, sample_rate: u32, channels: &[Vec<f32>]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for c in channels {
            w.write_sample(c[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// A WAV file as planar integer codes, with its spec.
pub fn read_ints(path: &Path) -> (hound::WavSpec, Vec<Vec<i32>>) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    let ch = spec.channels as usize;
    let mut out = vec![Vec::new(); ch];
    for (i, s) in r.samples::<i32>().enumerate() {
        out[i % ch].push(s.unwrap());
    }
    (spec, out)
}

/// A WAV file as planar floats at full scale 1.0.
pub fn read_floats(path: &Path) -> (hound::WavSpec, Vec<Vec<f64>>) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    let ch = spec.channels as usize;
    let mut out = vec![Vec::new(); ch];
    if spec.sample_format == hound::SampleFormat::Float {
        for (i, s) in r.samples::<f32>().enumerate() {
            out[i % ch].push(f64::from(s.unwrap()));
        }
    } else {
        let scale = f64::from(1_u32 << (spec.bits_per_sample - 1));
        for (i, s) in r.samples::<i32>().enumerate() {
            out[i % ch].push(f64::from(s.unwrap()) / scale);
        }
    }
    (spec, out)
}

/// Files in `dir` that are not hidden (temporary prints are hidden).
pub fn visible_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    v.sort();
    v
}

pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.map(|e| e.unwrap().path()).collect()
}

pub fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

/// Index of the largest absolute sample, refined by a parabola through its neighbours.
pub fn peak_position(x: &[f64]) -> f64 {
    let (i, _) =
        x.iter().enumerate().fold(
            (0, 0.0),
            |(bi, bv), (i, &v)| if v.abs() > bv { (i, v.abs()) } else { (bi, bv) },
        );
    if i == 0 || i + 1 >= x.len() {
        return i as f64;
    }
    let (a, b, c) = (x[i - 1].abs(), x[i].abs(), x[i + 1].abs());
    i as f64 + 0.5 * (a - c) / (a - 2.0 * b + c)
}
