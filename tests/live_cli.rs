//! `stemkit live` end to end: a performance played to `file:` with the web and OSC
//! surfaces on free loopback ports, then `stemkit render --automation` of its capture,
//! which must equal the recording byte for byte; and the refusal of a remote bind.

mod common;

use common::{stderr, stemkit, write_wav};

#[test]
fn live_to_file_then_render_automation_reproduces_the_recording() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sine = |f: f32| {
        (0..96_000)
            .map(|i| 0.3 * (i as f32 * f * std::f32::consts::TAU / 48_000.0).sin())
            .collect::<Vec<f32>>()
    };
    write_wav(
        &dir.path().join("a.wav"),
        48_000,
        &[sine(220.0), sine(330.0)],
    );
    let session = dir.path().join("song.toml");
    std::fs::write(
        &session,
        "[session]\nsample_rate = 48000\nbpm = 120.0\n\n[[track]]\nname = \"A\"\nfile = \"a.wav\"\nstem = \"A\"\n\n[[stem]]\nname = \"A\"\ninserts = [ { type = \"compressor\", style = \"bus\", threshold_db = -20.0 } ]\n",
    )
    .expect("session");
    let take = dir.path().join("take.wav");
    let out = stemkit(&[
        "live",
        session.to_str().expect("utf-8"),
        "--output",
        &format!("file:{}", take.display()),
        "--duration",
        "1",
        "--play",
        "--http",
        "127.0.0.1:0",
        "--osc",
        "127.0.0.1:0",
        "--block",
        "128",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = stderr(&out);
    assert!(
        log.contains("control page: http://127.0.0.1:") && log.contains("played 1.00 s"),
        "{log}"
    );
    let capture = dir.path().join("take.automation");
    assert!(capture.exists(), "{log}");

    let replay_dir = dir.path().join("replay");
    let out = stemkit(&[
        "render",
        session.to_str().expect("utf-8"),
        "--automation",
        capture.to_str().expect("utf-8"),
        "--out",
        replay_dir.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let played = std::fs::read(&take).expect("recording");
    let replayed = std::fs::read(replay_dir.join("take.wav")).expect("replay");
    let audio = 48_000 * 2 * 4;
    assert!(
        (audio..audio + 200).contains(&played.len()),
        "a 1 s stereo float WAV: {} bytes",
        played.len()
    );
    assert!(played == replayed, "the replay differs from the recording");
}

#[test]
fn a_remote_surface_needs_allow_remote() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_wav(&dir.path().join("a.wav"), 48_000, &[vec![0.0; 4800]]);
    let session = dir.path().join("song.toml");
    std::fs::write(&session, "[session]\nsample_rate = 48000\n\n[[track]]\nname = \"A\"\nfile = \"a.wav\"\nstem = \"A\"\n\n[[stem]]\nname = \"A\"\n").expect("session");
    let out = stemkit(&[
        "live",
        session.to_str().expect("utf-8"),
        "--http",
        "0.0.0.0:0",
        "--output",
        "null",
        "--duration",
        "0.1",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--allow-remote"), "{}", stderr(&out));
}
