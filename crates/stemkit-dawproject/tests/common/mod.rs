//! Building DAWproject archives and reading renders back, for the tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Cursor, Write};
use std::path::Path;

use stemkit_engine::Role;

pub const RATE: u32 = 48_000;

/// Deterministic noise in [-0.5, 0.5): every source distinct, nothing periodic.
pub fn noise(seed: u64, frames: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..frames)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        })
        .collect()
}

/// A 32-bit float WAV of planar `channels`.
pub fn wav_bytes(channels: &[Vec<f32>], rate: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut cursor = Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
        for i in 0..channels[0].len() {
            for c in channels {
                w.write_sample(c[i]).unwrap();
            }
        }
        w.finalize().unwrap();
    }
    cursor.into_inner()
}

/// A ZIP of `entries` (deflated XML, stored audio, as DAWs write them).
pub fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let method = if name.ends_with(".xml") {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(*name, opts).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Planar samples of a WAV file, full scale 1.0.
pub fn read_wav(path: &Path) -> Vec<Vec<f32>> {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let ch = spec.channels as usize;
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = (1_i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    (0..ch)
        .map(|c| interleaved.iter().skip(c).step_by(ch).copied().collect())
        .collect()
}

/// One printed file of a render.
pub struct Print {
    pub role: Role,
    pub name: String,
    pub samples: Vec<Vec<f32>>,
}

/// Renders the session at `session` into `out` as 32-bit float and reads every print.
pub fn render_float(session: &Path, out: &Path) -> Vec<Print> {
    let mut s = stemkit_session::load(session).unwrap();
    s.output.bit_depth = stemkit_session::BitDepth::Float32;
    let render =
        stemkit_engine::render(&s, &stemkit_engine::RenderOptions::new(out), &mut |_, _| {})
            .unwrap();
    render
        .files
        .into_iter()
        .map(|f| {
            let path = f.pending.commit().unwrap();
            Print {
                role: f.role,
                name: f.name,
                samples: read_wav(&path),
            }
        })
        .collect()
}

/// Peak of `a - b` in dBFS over their common length; lengths must match.
pub fn residual_dbfs(a: &[Vec<f32>], b: &[Vec<f64>]) -> f64 {
    assert_eq!(a.len(), b.len(), "channel count");
    let mut peak = 0.0_f64;
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.len(), y.len(), "length");
        for (p, q) in x.iter().zip(y) {
            peak = peak.max((f64::from(*p) - q).abs());
        }
    }
    20.0 * peak.max(1e-300).log10()
}

pub fn peak_dbfs(b: &[Vec<f64>]) -> f64 {
    let p = b.iter().flatten().fold(0.0_f64, |m, x| m.max(x.abs()));
    20.0 * p.max(1e-300).log10()
}

pub const PROJECT_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Project version="1.0">
  <Application name="test" version="1"/>"#;

/// What xmllint said about a document.
#[derive(Debug, PartialEq, Eq)]
pub enum Validation {
    Valid,
    Invalid(String),
    /// xmllint is not installed (Debian: libxml2-utils); the reason is printed.
    NoTool,
}

/// Validates `xml` against the vendored schema `xsd` (`Project.xsd`, `MetaData.xsd`).
pub fn validate(xsd: &str, xml: &str) -> Validation {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dawproject-schema")
        .join(xsd);
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.xml");
    std::fs::write(&doc, xml).unwrap();
    match std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&doc)
        .output()
    {
        Err(e) => {
            println!(
                "skipping schema validation: xmllint not runnable ({e}); install libxml2-utils"
            );
            Validation::NoTool
        }
        Ok(o) if o.status.success() => Validation::Valid,
        Ok(o) => Validation::Invalid(String::from_utf8_lossy(&o.stderr).into_owned()),
    }
}
