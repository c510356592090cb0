//! Stems handed off as a DAWproject come back sample for sample when that file is
//! imported and rendered.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;
use stemkit_dawproject::{ExportSpec, ExportTrack, ImportOptions};
use stemkit_engine::Role;

const SESSION: &str = r#"
[session]
name = "Round Trip"
sample_rate = 48000
bpm = 97.5
# time_signature = "6/8"

[[track]]
name = "Kick"
file = "src/kick.wav"
stem = "Kick"
at = 0.25
gain_db = -3.0

[[track]]
name = "Keys"
file = "src/keys.wav"
stem = "Keys"
at = 0.5
pan = 0.3

[[track]]
name = "Vox"
file = "src/vox.wav"
stem = "Keys"
pan = -0.5
sends = [{ to = "Verb", level_db = -6.0 }]

[[stem]]
name = "Kick"
channels = 1

[[stem]]
name = "Keys"
gain_db = -1.5

[[return]]
name = "Verb"
inserts = [{ type = "reverb", decay_s = 0.4 }]
"#;

/// Prints `session` with the engine at 24-bit and commits the files.
fn print(session: &Path, out: &Path) -> Vec<(Role, String, std::path::PathBuf, usize, u64)> {
    let s = stemkit_session::load(session).unwrap();
    let render =
        stemkit_engine::render(&s, &stemkit_engine::RenderOptions::new(out), &mut |_, _| {})
            .unwrap();
    render
        .files
        .into_iter()
        .map(|f| {
            let (role, name, ch, frames) = (f.role, f.name.clone(), f.channels, f.frames);
            (role, name, f.pending.commit().unwrap(), ch, frames)
        })
        .collect()
}

fn round_trip(embed: bool) {
    let dir = tempfile::tempdir().unwrap();
    let secs = |s: f64| (s * f64::from(RATE)) as usize;
    let src = dir.path().join("session/src");
    std::fs::create_dir_all(&src).unwrap();
    for (name, chans) in [
        ("kick", vec![noise(11, secs(1.0))]),
        ("keys", vec![noise(12, secs(1.5)), noise(13, secs(1.5))]),
        ("vox", vec![noise(14, secs(1.2))]),
    ] {
        std::fs::write(src.join(format!("{name}.wav")), wav_bytes(&chans, RATE)).unwrap();
    }
    let session = dir.path().join("session/session.toml");
    std::fs::write(&session, SESSION).unwrap();
    let printed = print(&session, &dir.path().join("stems"));

    let tracks: Vec<ExportTrack> = printed
        .iter()
        .filter(|p| matches!(p.0, Role::Stem | Role::Return))
        .map(|p| ExportTrack {
            name: p.1.clone(),
            path: p.2.clone(),
            channels: p.3,
            frames: p.4,
        })
        .collect();
    assert_eq!(tracks.len(), 3);
    let spec = ExportSpec {
        name: "Round Trip".into(),
        bpm: Some(97.5),
        time_signature: stemkit_dawproject::time_signature_in(SESSION),
        sample_rate: RATE,
        tracks: tracks.clone(),
        embed,
    };
    let project = dir.path().join("stems/Round Trip.dawproject");
    stemkit_dawproject::export(&spec, &project).unwrap();

    let imported = stemkit_dawproject::import(
        &project,
        &dir.path().join("back"),
        &ImportOptions::default(),
    )
    .unwrap();
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    assert_eq!(
        (imported.tracks, imported.stems, imported.returns),
        (3, 3, 0)
    );
    let text = std::fs::read_to_string(&imported.session).unwrap();
    assert!(
        text.contains("bpm = 97.5") && text.contains("# time_signature = \"6/8\""),
        "{text}"
    );
    assert!(text.contains("name = \"Round Trip\""), "{text}");

    let back = render_float(&imported.session, &dir.path().join("back/stems"));
    for t in &tracks {
        let original = read_wav(&t.path);
        let again = back
            .iter()
            .find(|p| p.role == Role::Stem && p.name == t.name)
            .unwrap_or_else(|| panic!("no stem {} came back", t.name));
        assert_eq!(again.samples.len(), original.len(), "{}: channels", t.name);
        assert_eq!(again.samples, original, "{}: samples", t.name);
        assert!(
            original.iter().flatten().any(|&x| x != 0.0),
            "{} is silent",
            t.name
        );
    }
}

#[test]
fn embedded_stems_come_back_sample_for_sample() {
    round_trip(true);
}

#[test]
fn referenced_stems_come_back_sample_for_sample() {
    round_trip(false);
}
