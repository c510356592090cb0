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

/// A project with every layout and mixer feature the importer maps (see `reference.rs`);
/// its audio is `audio/{kick,snare,bass,keys,pad,lead}.wav`.
pub fn reference_project_xml() -> String {
    let audio = |id: &str, file: &str, ch: u32, secs: f64| {
        format!(
            r#"<Audio id="{id}" channels="{ch}" sampleRate="48000" duration="{secs}"><File path="audio/{file}"/></Audio>"#
        )
    };
    format!(
        r#"{PROJECT_HEAD}
  <Transport>
    <Tempo unit="bpm" value="120"/>
    <TimeSignature numerator="3" denominator="4"/>
  </Transport>
  <Structure>
    <Track id="tDrums" name="Drums" contentType="tracks">
      <Channel id="cDrums" role="submix" audioChannels="2" destination="cMaster">
        <Pan unit="normalized" value="0.5"/>
        <Sends><Send destination="cVerb" type="post"><Volume unit="decibel" value="-6"/></Send></Sends>
        <Volume unit="decibel" value="-2"/>
      </Channel>
      <Track id="tKick" name="Kick" contentType="audio">
        <Channel id="cKick" role="regular" audioChannels="1" destination="cDrums">
          <Pan unit="normalized" value="0.3"/>
          <Volume unit="linear" value="0.8"/>
        </Channel>
      </Track>
      <Track id="tSnare" name="Snare" contentType="audio">
        <Channel id="cSnare" role="regular" audioChannels="2">
          <Pan unit="normalized" value="0.65"/>
          <Volume unit="decibel" value="-4.5"/>
        </Channel>
      </Track>
    </Track>
    <Track id="tMusic" name="Music" contentType="tracks">
      <Channel id="cMusic" role="submix" audioChannels="2" destination="cMaster">
        <Sends><Send destination="cVerb" type="pre"><Volume unit="decibel" value="-10"/></Send></Sends>
        <Volume unit="linear" value="0.9"/>
      </Channel>
      <Track id="tBass" name="Bass" contentType="audio">
        <Channel id="cBass" role="regular" audioChannels="1" destination="cMusic">
          <Pan unit="normalized" value="0.2"/>
          <Volume unit="decibel" value="2"/>
        </Channel>
      </Track>
      <Track id="tKeys" name="Keys" contentType="audio">
        <Channel id="cKeys" role="regular" audioChannels="2" destination="cMusic">
          <Mute value="true"/>
          <Volume unit="linear" value="1"/>
        </Channel>
      </Track>
      <Track id="tPad" name="Pad" contentType="audio">
        <Channel id="cPad" role="regular" audioChannels="2">
          <Volume unit="linear" value="0.5"/>
        </Channel>
      </Track>
    </Track>
    <Track id="tLead" name="Lead" contentType="audio">
      <Channel id="cLead" role="regular" audioChannels="1" destination="cMaster">
        <Pan unit="normalized" value="0.85"/>
        <Sends><Send destination="cVerb" type="post"><Volume unit="linear" value="0.5"/></Send></Sends>
        <Volume unit="linear" value="1.25"/>
      </Channel>
    </Track>
    <Track id="tVerb" name="Verb" contentType="audio">
      <Channel id="cVerb" role="effect" audioChannels="2" destination="cMaster">
        <Volume unit="decibel" value="-3"/>
      </Channel>
    </Track>
    <Track id="tMaster" name="Master" contentType="audio">
      <Channel id="cMaster" role="master" audioChannels="2">
        <Volume unit="decibel" value="-1"/>
      </Channel>
    </Track>
  </Structure>
  <Arrangement id="arr">
    <Lanes timeUnit="beats">
      <Lanes track="tKick"><Clips>
        <Clip name="kick trimmed in seconds" time="1" duration="4" playStart="0.25">{kick}</Clip>
      </Clips></Lanes>
      <Lanes track="tSnare"><Clips>
        <Clip name="snare trimmed in beats" time="2" duration="3" contentTimeUnit="beats" playStart="0.5">
          <Warps contentTimeUnit="seconds" timeUnit="beats">{snare}<Warp time="0" contentTime="0.1"/><Warp time="4" contentTime="2.1"/></Warps>
        </Clip>
      </Clips></Lanes>
      <Lanes track="tBass"><Clips>
        <Clip name="bass outer" time="4" duration="4" playStart="2" contentTimeUnit="beats">
          <Clips>
            <Clip name="bass inner" time="3" duration="4" playStart="1" contentTimeUnit="beats">
              <Warps contentTimeUnit="seconds">{bass}<Warp time="0" contentTime="0"/><Warp time="8" contentTime="4"/></Warps>
            </Clip>
          </Clips>
        </Clip>
      </Clips></Lanes>
      <Lanes track="tKeys"><Clips>
        <Clip time="0" duration="4">{keys}</Clip>
      </Clips></Lanes>
      <Lanes track="tPad"><Clips>
        <Clip name="pad" time="6" duration="2" playStart="0" loopStart="0" loopEnd="2">{pad}</Clip>
      </Clips></Lanes>
      <Lanes track="tLead"><Clips>
        <Clip name="lead" time="0" duration="6" contentTimeUnit="seconds" playStart="0">{lead}</Clip>
      </Clips></Lanes>
    </Lanes>
  </Arrangement>
</Project>
"#,
        kick = audio("aKick", "kick.wav", 1, 3.0),
        snare = audio("aSnare", "snare.wav", 2, 3.0),
        bass = audio("aBass", "bass.wav", 1, 4.0),
        keys = audio("aKeys", "keys.wav", 2, 2.0),
        pad = audio("aPad", "pad.wav", 2, 3.0),
        lead = audio("aLead", "lead.wav", 1, 2.0),
    )
}
