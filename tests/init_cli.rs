//! `stemkit init` end to end: a folder of exported tracks becomes a session that
//! `stemkit render` prints without edits.
#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

mod common;

use std::f32::consts::TAU;
use std::path::Path;

use common::{stderr, stemkit, write_wav};

const SR: u32 = 48_000;

/// `seconds` of `f(t)`, silent before `start` seconds.
fn signal(rate: u32, seconds: f32, start: f32, f: impl Fn(f32) -> f32) -> Vec<f32> {
    let n = (seconds * rate as f32) as usize;
    (0..n)
        .map(|i| {
            let t = i as f32 / rate as f32;
            if t < start { 0.0 } else { f(t - start) }
        })
        .collect()
}

fn kick(t: f32) -> f32 {
    let since = t % 0.5;
    0.6 * (-since / 0.12).exp() * (TAU * 55.0 * since).sin()
}

fn tone(f: f32, level: f32) -> impl Fn(f32) -> f32 {
    move |t| level * (TAU * f * t).sin()
}

/// A folder as a producer's export: tempo and key in some names, a late vocal, one pad
/// at 44.1 kHz, a click, an unreadable file and a text file.
fn export(dir: &Path) {
    let s = 4.0;
    write_wav(
        &dir.join("01_Kick_In_124bpm_Am.wav"),
        SR,
        &[signal(SR, s, 0.0, kick)],
    );
    write_wav(
        &dir.join("02_Snare_124bpm_Am.wav"),
        SR,
        &[signal(SR, s, 0.25, |t| {
            let since = t % 0.5;
            0.3 * (-since / 0.05).exp() * (TAU * 200.0 * since).sin()
        })],
    );
    let bass = signal(SR, s, 0.0, tone(55.0, 0.4));
    write_wav(&dir.join("Bass DI.wav"), SR, &[bass.clone(), bass]);
    write_wav(
        &dir.join("Ld Vox.wav"),
        SR,
        &[signal(SR, s, 1.5, tone(330.0, 0.3))],
    );
    let pad = signal(44_100, s, 0.0, tone(220.0, 0.1));
    write_wav(&dir.join("Pad.wav"), 44_100, &[pad.clone(), pad]);
    write_wav(
        &dir.join("FX/Riser.wav"),
        SR,
        &[signal(SR, s, 2.0, tone(2000.0, 0.05))],
    );
    write_wav(&dir.join("Click.wav"), SR, &[signal(SR, s, 0.0, kick)]);
    std::fs::write(dir.join("broken.wav"), b"RIFF\x04\0\0\0WAVEjunk").unwrap();
    std::fs::write(dir.join("notes.txt"), "mix notes").unwrap();
}

fn report(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn a_folder_becomes_a_session_that_renders_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("Night Drive");
    export(&dir);
    let dir_s = dir.to_str().unwrap();

    let out = stemkit(&["init", dir_s]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("broken.wav: skipped"),
        "the unreadable file is named: {err}"
    );
    let session = std::fs::read_to_string(dir.join("session.toml")).unwrap();
    for expected in [
        "bpm = 124.0",
        "key = \"Am\"",
        "sample_rate = 48000",
        "the rate of 5 of 6 sources",
        "naming = \"{stem}_{bpm}_{key}\"",
        "name = \"Night Drive\"",
        "#   broken.wav:",
        "#   Click.wav: the name says \"Click\"",
        "name = \"Kick In\"",
        "stem = \"Kick\"   # the name says \"Kick\" → kick",
        "file = \"FX/Riser.wav\"",
        "content starts at 1.500 s",
        "channels = 1   # a mono stem",
        "time = \"1/8.\"",
    ] {
        assert!(
            session.contains(expected),
            "missing {expected:?} in:\n{session}"
        );
    }
    assert!(!session.contains("notes.txt"));
    assert!(!session.contains("file = \"Click.wav\""));

    let out = stemkit(&[
        "render",
        dir.join("session.toml").to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = report(&out);
    let mut stems: Vec<String> = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role"] == "stem")
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    stems.sort();
    assert_eq!(stems, ["Bass", "Drums", "FX", "Kick", "Synths", "Vocals"]);
    assert!(dir.join("stems/Kick_124_Am.wav").is_file());
    let (spec, _) = common::read_ints(&dir.join("stems/Kick_124_Am.wav"));
    assert_eq!((spec.channels, spec.sample_rate), (1, SR));
    let warnings = r["warnings"].as_array().unwrap();
    assert!(
        !warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("usual order")),
        "the chains follow the canonical order: {warnings:?}"
    );

    // A second init keeps the session unless told otherwise.
    let again = stemkit(&["init", dir_s]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    let forced = stemkit(&["init", dir_s, "--force", "--quiet"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    // The printed stems of the render are not taken for sources.
    let session = std::fs::read_to_string(dir.join("session.toml")).unwrap();
    assert!(!session.contains("stems/"), "{session}");
}

#[test]
fn without_a_tempo_the_delay_is_in_ms_and_the_options_fill_in() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tracks");
    write_wav(&dir.join("Kick.wav"), SR, &[signal(SR, 3.0, 0.0, kick)]);
    write_wav(
        &dir.join("Lead Vocal.wav"),
        SR,
        &[signal(SR, 3.0, 0.0, tone(300.0, 0.2))],
    );
    write_wav(
        &dir.join("BV.wav"),
        SR,
        &[signal(SR, 3.0, 0.0, tone(450.0, 0.2))],
    );
    let session_path = tmp.path().join("sessions/song.toml");
    let s = |p: &Path| p.to_str().unwrap().to_owned();

    let out = stemkit(&[
        "init",
        &s(&dir),
        "--out",
        &s(&session_path),
        "--layout",
        "twelve",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let session = std::fs::read_to_string(&session_path).unwrap();
    assert!(session.contains("naming = \"{stem}\""), "{session}");
    assert!(
        session.contains("# bpm: no file name or metadata"),
        "{session}"
    );
    assert!(session.contains("time = 375.0"), "{session}");
    assert!(
        session.contains("file = \"../tracks/Kick.wav\""),
        "{session}"
    );
    assert!(session.contains("name = \"Lead Vocals\""));
    assert!(session.contains("name = \"Backing Vocals\""));
    let out = stemkit(&["render", &s(&session_path), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = stemkit(&[
        "init",
        &s(&dir),
        "--out",
        &s(&session_path),
        "--force",
        "--bpm",
        "96",
        "--key",
        "F#m",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let session = std::fs::read_to_string(&session_path).unwrap();
    assert!(session.contains("bpm = 96.0   # from --bpm"), "{session}");
    assert!(
        session.contains("key = \"F#m\"   # from --key"),
        "{session}"
    );
    assert!(session.contains("time = \"1/8.\""), "{session}");
    let out = stemkit(&["render", &s(&session_path), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(tmp.path().join("sessions/stems/Kick_96_F#m.wav").is_file());
}

#[test]
fn a_studio_layout_file_and_its_rules_are_used() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tracks");
    write_wav(&dir.join("K1.wav"), SR, &[signal(SR, 2.0, 0.0, kick)]);
    write_wav(
        &dir.join("Gtr.wav"),
        SR,
        &[signal(SR, 2.0, 0.0, tone(196.0, 0.2))],
    );
    let layout = tmp.path().join("studio.toml");
    std::fs::write(
        &layout,
        r#"
name = "Studio B"
fallback = "Music"
[[stem]]
name = "Drums"
roles = ["kick", "snare", "drums"]
patterns = ["^K\\d+$"]
[[stem]]
name = "Music"
inserts = [ { type = "eq", bands = [ { shape = "highpass", freq = 80.0 } ] } ]
"#,
    )
    .unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let out = stemkit(&["init", &s(&dir), "--layout", &s(&layout)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let session = std::fs::read_to_string(dir.join("session.toml")).unwrap();
    assert!(
        session.contains("stem = \"Drums\"   # the layout's naming rule \"^K\\d+$\""),
        "{session}"
    );
    assert!(session.contains("stem = \"Music\"   # the name says \"Gtr\" → guitar"));
    assert!(!session.contains("[[return]]"), "no stem sends: {session}");
    let out = stemkit(&["render", &s(&dir.join("session.toml")), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));

    std::fs::write(&layout, "[[stem]]\nname = \"A\"\nroles = [\"kik\"]\n").unwrap();
    let out = stemkit(&["init", &s(&dir), "--layout", &s(&layout), "--force"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("studio.toml") && err.contains("\"kik\""),
        "{err}"
    );
}

#[test]
fn a_folder_without_audio_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("readme.txt"), "no audio here").unwrap();
    let out = stemkit(&["init", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("no audio files found"), "{err}");
    assert!(!tmp.path().join("session.toml").exists());

    std::fs::write(tmp.path().join("bad.wav"), b"not audio").unwrap();
    let out = stemkit(&["init", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad.wav: skipped"), "{err}");
    assert!(
        err.contains("none of its 1 audio files could be read"),
        "{err}"
    );
}
