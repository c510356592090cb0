//! Loading real session files from disk: what a user meets first when a file is wrong.

use std::path::{Path, PathBuf};

use stemkit_session::{SessionError, load};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("audio")).unwrap();
        std::fs::write(d.path().join("audio/kick.wav"), b"RIFF").unwrap();
        Self(d)
    }
    fn session(&self, text: &str) -> PathBuf {
        let p = self.0.path().join("session.toml");
        std::fs::write(&p, text).unwrap();
        p
    }
}

const GOOD: &str = r#"[session]
name = "Night Drive"
sample_rate = 48000
bpm = 124.0
key = "Am"

[[track]]
name = "Kick In"
file = "audio/kick.wav"
stem = "Kick"
gain_db = -3.0

[[stem]]
name = "Kick"
channels = 1
inserts = [
  { type = "eq", bands = [ { shape = "highpass", freq = 30.0, q = 0.707 } ] },
]
sends = [ { to = "Plate", level_db = -12.0 } ]

[[return]]
name = "Plate"
inserts = [ { type = "reverb", decay_s = 1.8, predelay_ms = 20.0 } ]
"#;

fn problems(path: &Path) -> String {
    match load(path) {
        Err(e @ (SessionError::Invalid { .. } | SessionError::Syntax { .. })) => e.to_string(),
        other => panic!("expected an invalid session, got {other:?}"),
    }
}

#[test]
fn good_session_loads_with_defaults() {
    let d = Dir::new();
    let s = load(&d.session(GOOD)).unwrap();
    assert_eq!(s.settings.sample_rate, 48_000);
    assert_eq!(s.settings.pan_law_db, -3.0);
    assert_eq!(s.output.bit_depth.bits(), 24);
    assert_eq!(s.output.naming, "{stem}_{bpm}_{key}");
    assert_eq!(s.tracks[0].gain_db, -3.0);
    assert_eq!(s.stems[0].channels, 1);
    assert_eq!(s.stems[0].sends[0].level_db, -12.0);
    assert!(s.tracks[0].source_path(&s).is_file());
}

#[test]
fn unknown_key_names_line_table_and_suggestion() {
    let d = Dir::new();
    let text = GOOD.replace("gain_db = -3.0", "gian_db = -3.0");
    let msg = problems(&d.session(&text));
    assert!(
        msg.contains(
            r#"unknown key "gian_db" in [[track]] "Kick In" at line 11; did you mean "gain_db"?"#
        ),
        "{msg}"
    );
    assert!(msg.contains("session.toml"), "{msg}");
}

#[test]
fn unknown_keys_inside_inserts_and_bands_are_found() {
    let d = Dir::new();
    let text = GOOD
        .replace("predelay_ms", "predelay")
        .replace("q = 0.707", "qq = 0.707");
    let msg = problems(&d.session(&text));
    assert!(msg.contains(r#"unknown key "predelay" in [[return]] "Plate" inserts[0] (reverb) at line 23; did you mean "predelay_ms"?"#), "{msg}");
    assert!(msg.contains(r#"unknown key "qq" in [[stem]] "Kick" inserts[0] (eq) bands[0] at line 17; did you mean "q"?"#), "{msg}");
    let msg = problems(&d.session(&GOOD.replace("\"reverb\"", "\"reverbb\"")));
    assert!(
        msg.contains(r#"unknown insert type "reverbb""#)
            && msg.contains(r#"did you mean "reverb"?"#),
        "{msg}"
    );
}

#[test]
fn references_must_resolve() {
    let d = Dir::new();
    let msg = problems(&d.session(&GOOD.replace("stem = \"Kick\"", "stem = \"Kik\"")));
    assert!(
        msg.contains(
            r#"[[track]] "Kick In" (line 8): stem = "Kik" names no [[stem]]; did you mean "Kick"?"#
        ),
        "{msg}"
    );
    let msg = problems(&d.session(&GOOD.replace("to = \"Plate\"", "to = \"Hall\"")));
    assert!(
        msg.contains(r#"sends[0]: to = "Hall" names no [[return]]"#),
        "{msg}"
    );
}

#[test]
fn missing_file_names_track_and_path() {
    let d = Dir::new();
    let msg = problems(&d.session(&GOOD.replace("audio/kick.wav", "audio/nope.wav")));
    assert!(
        msg.contains(r#"[[track]] "Kick In""#)
            && msg.contains(r#"file "audio/nope.wav" not found"#),
        "{msg}"
    );
}

#[test]
fn names_that_would_leave_the_folder_are_refused() {
    let d = Dir::new();
    for bad in ["../x", "a/b", "a\\b", ".hidden", ""] {
        let text = GOOD
            .replace(
                "stem = \"Kick\"",
                &format!("stem = \"{}\"", bad.replace('\\', "\\\\")),
            )
            .replace(
                "name = \"Kick\"\n",
                &format!("name = \"{}\"\n", bad.replace('\\', "\\\\")),
            );
        let msg = problems(&d.session(&text));
        assert!(
            msg.contains("cannot be used in a file name"),
            "{bad}: {msg}"
        );
    }
}

#[test]
fn duplicates_are_refused() {
    let d = Dir::new();
    let text = GOOD
        .replace(
            "[[return]]\nname = \"Plate\"",
            "[[return]]\nname = \"kick\"",
        )
        .replace("\"Plate\"", "\"kick\"");
    let msg = problems(&d.session(&text));
    assert!(
        msg.contains(r#"[[return]] "kick""#) && msg.contains("used twice"),
        "{msg}"
    );
    let two_tracks = format!(
        "{GOOD}\n[[track]]\nname = \"Kick In\"\nfile = \"audio/kick.wav\"\nstem = \"Kick\"\n"
    );
    let msg = problems(&d.session(&two_tracks));
    assert!(msg.contains("used by another track"), "{msg}");
}

#[test]
fn empty_session_is_refused() {
    let d = Dir::new();
    let msg = problems(&d.session("[session]\nsample_rate = 48000\n"));
    assert!(msg.contains("no [[track]]"), "{msg}");
}

#[test]
fn out_of_range_and_wrong_types_name_the_key() {
    let d = Dir::new();
    let msg = problems(&d.session(&GOOD.replace("decay_s = 1.8", "decay_s = 99.0")));
    assert!(
        msg.contains(r#"[[return]] "Plate" (line 22) inserts[0] (reverb): decay_s: 99 is outside"#),
        "{msg}"
    );
    let msg = problems(&d.session(&GOOD.replace("sample_rate = 48000", "sample_rate = \"fast\"")));
    assert!(msg.contains("line 3"), "{msg}");
    let msg = problems(&d.session(&GOOD.replace("sample_rate = 48000", "sample_rate = 1000")));
    assert!(msg.contains("sample_rate = 1000 is outside"), "{msg}");
    let msg = problems(&d.session(&format!("{GOOD}\n[output]\nbit_depth = 20\n")));
    assert!(msg.contains("bit_depth 20 is not 16, 24 or 32"), "{msg}");
    let msg = problems(&d.session(&format!(
        "{GOOD}\n[output]\nnaming = \"{{stem}}_{{tempo}}\"\n"
    )));
    assert!(msg.contains("unknown token {tempo}"), "{msg}");
}

#[test]
fn syntax_errors_say_where() {
    let d = Dir::new();
    let msg = problems(&d.session("[session\nsample_rate = 48000\n"));
    assert!(msg.contains("line 1"), "{msg}");
}

#[test]
fn unreadable_session_names_the_file() {
    let err = load(Path::new("/nonexistent/session.toml")).unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/session.toml"),
        "{err}"
    );
}

#[test]
fn missing_required_keys_are_named() {
    let d = Dir::new();
    let msg = problems(&d.session("[output]\nbit_depth = 24\n"));
    assert!(msg.contains("no [session] table"), "{msg}");
    let msg = problems(&d.session("[session]\nname = \"x\"\n"));
    assert!(msg.contains("[session] has no sample_rate"), "{msg}");
    let msg = problems(&d.session(&GOOD.replace("file = \"audio/kick.wav\"\n", "")));
    assert!(
        msg.contains("missing key `file`") && msg.contains("line"),
        "{msg}"
    );
}
