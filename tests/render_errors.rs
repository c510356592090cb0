//! Bad input gets exit code 1, a message naming the culprit, and no file under a final
//! name in the output folder.

mod common;

use std::path::Path;

use common::*;

const BASE: &str = r#"[session]
sample_rate = 48000
tail = 0.0

[[track]]
name = "Kick In"
file = "audio/kick.wav"
stem = "Kick"

[[stem]]
name = "Kick"
"#;

fn setup(dir: &Path) {
    write_wav(&dir.join("audio/kick.wav"), 48_000, &[vec![0.1; 4800]]);
}

/// Renders `text` and checks the failure: exit 1, `needle` in the message, an output
/// folder with nothing under a final name.
fn fails_with(dir: &Path, text: &str, needles: &[&str]) {
    let session = dir.join("session.toml");
    std::fs::write(&session, text).unwrap();
    let out = dir.join("out");
    let o = stemkit(&[
        "render",
        session.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in: {err}");
    }
    assert!(
        all_files(&out).is_empty(),
        "left behind: {:?}",
        all_files(&out)
    );
}

#[test]
fn missing_source_file() {
    let d = tempfile::tempdir().unwrap();
    setup(d.path());
    fails_with(
        d.path(),
        &BASE.replace("kick.wav", "nope.wav"),
        &["Kick In", "audio/nope.wav", "not found"],
    );
}

#[test]
fn truncated_and_non_audio_sources() {
    let d = tempfile::tempdir().unwrap();
    setup(d.path());
    std::fs::write(
        d.path().join("audio/text.wav"),
        "this is not audio\n".repeat(50),
    )
    .unwrap();
    fails_with(
        d.path(),
        &BASE.replace("kick.wav", "text.wav"),
        &["Kick In", "text.wav"],
    );
    let full = std::fs::read(d.path().join("audio/kick.wav")).unwrap();
    std::fs::write(d.path().join("audio/cut.wav"), &full[..full.len() / 2]).unwrap();
    fails_with(
        d.path(),
        &BASE.replace("kick.wav", "cut.wav"),
        &["Kick In", "cut.wav", "truncated"],
    );
}

#[test]
fn unknown_key() {
    let d = tempfile::tempdir().unwrap();
    setup(d.path());
    fails_with(
        d.path(),
        &BASE.replace("stem = \"Kick\"\n", "stem = \"Kick\"\ngian_db = 1.0\n"),
        &[r#"unknown key "gian_db" in [[track]] "Kick In" at line 9; did you mean "gain_db"?"#],
    );
}

#[test]
fn stem_names_that_would_escape_the_folder() {
    for bad in ["../x", "a/b"] {
        let d = tempfile::tempdir().unwrap();
        setup(d.path());
        fails_with(
            d.path(),
            &BASE.replace("\"Kick\"", &format!("\"{bad}\"")),
            &[bad, "file name"],
        );
        assert!(!d.path().join("x.wav").exists() && !d.path().join("a").exists());
    }
}

#[test]
fn duplicate_names() {
    let d = tempfile::tempdir().unwrap();
    setup(d.path());
    fails_with(
        d.path(),
        &format!("{BASE}\n[[stem]]\nname = \"Kick\"\n"),
        &["\"Kick\"", "used twice"],
    );
}

#[test]
fn track_naming_no_stem() {
    let d = tempfile::tempdir().unwrap();
    setup(d.path());
    fails_with(
        d.path(),
        &BASE.replace("stem = \"Kick\"", "stem = \"Kik\""),
        &["Kick In", "\"Kik\"", "did you mean \"Kick\"?"],
    );
}

#[test]
fn six_channel_source() {
    let d = tempfile::tempdir().unwrap();
    setup(d.path());
    write_wav(
        &d.path().join("audio/surround.wav"),
        48_000,
        &vec![vec![0.1; 480]; 6],
    );
    fails_with(
        d.path(),
        &BASE.replace("kick.wav", "surround.wav"),
        &["Kick In", "surround.wav", "6 channels"],
    );
}

#[test]
fn empty_session() {
    let d = tempfile::tempdir().unwrap();
    fails_with(
        d.path(),
        "[session]\nsample_rate = 48000\n",
        &["session.toml", "no [[track]]"],
    );
}

#[test]
fn unreadable_session_file() {
    let d = tempfile::tempdir().unwrap();
    let o = stemkit(&["render", d.path().join("none.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("none.toml"));
}

#[test]
fn usage_errors_exit_2() {
    let o = stemkit(&["render"]);
    assert_eq!(o.status.code(), Some(2));
    let o = stemkit(&["render", "x.toml", "--bits", "20"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_failed_render_keeps_the_previous_files() {
    let d = tempfile::tempdir().unwrap();
    setup(d.path());
    let session = d.path().join("session.toml");
    std::fs::write(&session, BASE).unwrap();
    let out = d.path().join("out");
    render_ok(&session, &out);
    let before: Vec<_> = visible_files(&out)
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    // The source turns into garbage: the render fails and the old prints stay intact.
    std::fs::write(d.path().join("audio/kick.wav"), b"RIFF....WAVEjunk").unwrap();
    let o = stemkit(&[
        "render",
        session.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let after: Vec<_> = visible_files(&out)
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(before, after);
    assert_eq!(
        all_files(&out).len(),
        before.len(),
        "temporary files left behind"
    );
}
