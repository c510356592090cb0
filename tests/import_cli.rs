//! `stemkit import` and `stemkit render --dawproject` through the binary: a render handed
//! off as a DAWproject, imported back and rendered again gives the same stems.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;

const SR: u32 = 48_000;

fn noise(seed: u32, n: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32 - 0.5) * 0.5
        })
        .collect()
}

fn session(dir: &Path) -> std::path::PathBuf {
    write_wav(&dir.join("audio/kick.wav"), SR, &[noise(1, SR as usize)]);
    write_wav(
        &dir.join("audio/keys.wav"),
        SR,
        &[noise(2, SR as usize / 2), noise(3, SR as usize / 2)],
    );
    let text = r#"[session]
name = "Hand Off"
sample_rate = 48000
bpm = 90.0
# time_signature = "3/4"

[[track]]
name = "Kick"
file = "audio/kick.wav"
stem = "Kick"
at = 0.5

[[track]]
name = "Keys"
file = "audio/keys.wav"
stem = "Keys"
pan = -0.25
sends = [{ to = "Room", level_db = -9.0 }]

[[stem]]
name = "Kick"
channels = 1

[[stem]]
name = "Keys"

[[return]]
name = "Room"
inserts = [{ type = "delay", time = "1/8", feedback = 0.3 }]
"#;
    let path = dir.join("session.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn handed_off_stems_import_and_render_back_sample_for_sample() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir.path().join("song"));
    let first = dir.path().join("first");
    let o = stemkit(&[
        "render",
        s.to_str().unwrap(),
        "--out",
        first.to_str().unwrap(),
        "--bits",
        "32",
        "--quiet",
        "--dawproject",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let project = first.join("Hand Off.dawproject");
    assert!(project.is_file(), "{:?}", visible_files(&first));

    let back = dir.path().join("back");
    let o = stemkit(&[
        "import",
        project.to_str().unwrap(),
        "--out",
        back.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("3 stem(s)"), "{}", stderr(&o));
    let text = std::fs::read_to_string(back.join("session.toml")).unwrap();
    assert!(
        text.contains("# time_signature = \"3/4\"") && text.contains("bpm = 90.0"),
        "{text}"
    );

    let o = stemkit(&[
        "render",
        back.join("session.toml").to_str().unwrap(),
        "--bits",
        "32",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first_report = report(&first);
    let again = report(&back.join("stems"));
    for f in first_report["files"].as_array().unwrap() {
        if f["role"] != "stem" && f["role"] != "return" {
            continue;
        }
        let name = f["name"].as_str().unwrap();
        let twin = again["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["role"] == "stem" && g["name"] == name)
            .unwrap_or_else(|| panic!("{name} did not come back"));
        let (_, a) = read_floats(Path::new(f["path"].as_str().unwrap()));
        let (_, b) = read_floats(Path::new(twin["path"].as_str().unwrap()));
        assert!(a.iter().flatten().any(|x| *x != 0.0), "{name} is silent");
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn a_file_that_is_not_a_dawproject_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let o = stemkit(&[
        "import",
        s.to_str().unwrap(),
        "--out",
        dir.path().join("x").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("session.toml") && e.contains("not a DAWproject"),
        "{e}"
    );
    assert!(!dir.path().join("x").exists());
}

/// `[output] dawproject = true` hands the prints off without the command-line option.
#[test]
fn session_key_writes_the_dawproject_beside_the_prints() {
    let d = tempfile::tempdir().unwrap();
    let mut x = vec![0.0_f32; 4_800];
    x[100] = 0.5;
    write_wav(&d.path().join("a/x.wav"), 48_000, &[x]);
    let text = "[session]\nname = \"Handoff\"\nsample_rate = 48000\nbpm = 120.0\ntail = 0.0\n[output]\nnaming = \"{stem}\"\ndawproject = true\n\
        [[track]]\nname = \"x\"\nfile = \"a/x.wav\"\nstem = \"S\"\n[[stem]]\nname = \"S\"\n";
    let session = d.path().join("s.toml");
    std::fs::write(&session, text).unwrap();
    let out = d.path().join("out");
    render_ok(&session, &out);
    let written: Vec<_> = all_files(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "dawproject"))
        .collect();
    assert_eq!(written.len(), 1, "{:?}", all_files(&out));
}
