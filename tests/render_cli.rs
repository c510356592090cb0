//! End-to-end renders through the `stemkit` binary: the print guarantees of DESIGN §3.

mod common;

use std::path::Path;

use common::*;

const SR: u32 = 48_000;

/// A session folder with a kick impulse (mono), a stereo synth impulse and a mono bass
/// impulse, each in its own stem, all at `t` seconds.
fn impulse_session(dir: &Path, extra: &str) -> std::path::PathBuf {
    let n = SR as usize; // 1 s sources
    let at = 12_000;
    let mut mono = vec![0.0_f32; n];
    mono[at] = 0.3;
    write_wav(&dir.join("audio/kick.wav"), SR, &[mono.clone()]);
    write_wav(
        &dir.join("audio/bass.wav"),
        SR,
        &[mono.iter().map(|x| x * 0.5).collect()],
    );
    write_wav(
        &dir.join("audio/synth.wav"),
        SR,
        &[mono.clone(), mono.iter().map(|x| -x).collect()],
    );
    let text = format!(
        r#"[session]
name = "Impulse"
sample_rate = 48000
bpm = 124.0
key = "Am"
tail = 0.0
{extra}
[[track]]
name = "Kick In"
file = "audio/kick.wav"
stem = "Kick"
at = 0.25

[[track]]
name = "Bass DI"
file = "audio/bass.wav"
stem = "Bass"
at = 0.25
gain_db = -6.0

[[track]]
name = "Synth"
file = "audio/synth.wav"
stem = "Synths"
at = 0.25

[[stem]]
name = "Kick"
channels = 1

[[stem]]
name = "Bass"
channels = 1
inserts = [ {{ type = "eq", bands = [ {{ shape = "highpass", freq = 20.0, q = 0.707 }} ] }} ]

[[stem]]
name = "Synths"
"#
    );
    let path = dir.join("session.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn files_share_format_and_length_and_follow_the_template() {
    let d = tempfile::tempdir().unwrap();
    let session = impulse_session(d.path(), "");
    let out = d.path().join("out");
    render_ok(&session, &out);
    let names: Vec<String> = visible_files(&out)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "Bass_124_Am.wav",
            "Kick_124_Am.wav",
            "Mix_124_Am.wav",
            "Synths_124_Am.wav",
            "report.json"
        ]
    );
    let mut lengths = Vec::new();
    for n in &names[..4] {
        let r = hound::WavReader::open(out.join(n)).unwrap();
        assert_eq!(r.spec().sample_rate, SR);
        assert_eq!(r.spec().bits_per_sample, 24);
        lengths.push(r.duration());
    }
    assert!(lengths.iter().all(|&l| l == lengths[0]), "{lengths:?}");
    // 0.25 s placement + 1 s source, tail 0.
    assert_eq!(lengths[0], 12_000 + 48_000);
    assert!(
        all_files(&out).len() == 5,
        "temporary files left: {:?}",
        all_files(&out)
    );
}

#[test]
fn impulses_land_on_the_same_sample_and_the_mix_is_the_integer_sum() {
    let d = tempfile::tempdir().unwrap();
    let session = impulse_session(d.path(), "");
    let out = d.path().join("out");
    let o = stemkit(&[
        "render",
        session.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("stdout is one JSON document");
    assert_eq!(json["null_test"]["dry"]["bit_exact"], true, "{json}");
    assert!(json["null_test"]["dry"]["residual_peak_dbfs"].is_null());
    let expect = 12_000 + 12_000;
    let (_, kick) = read_ints(&out.join("Kick_124_Am.wav"));
    let (_, bass) = read_ints(&out.join("Bass_124_Am.wav"));
    let (_, synth) = read_ints(&out.join("Synths_124_Am.wav"));
    let (spec, mix) = read_ints(&out.join("Mix_124_Am.wav"));
    assert_eq!(
        (kick.len(), bass.len(), synth.len(), mix.len()),
        (1, 1, 2, 2)
    );
    assert_eq!(spec.channels, 2);
    let argmax = |x: &[i32]| {
        x.iter()
            .enumerate()
            .max_by_key(|(_, v)| v.unsigned_abs())
            .unwrap()
            .0
    };
    for (name, ch) in [
        ("kick", &kick[0]),
        ("bass", &bass[0]),
        ("synth L", &synth[0]),
        ("synth R", &synth[1]),
        ("mix L", &mix[0]),
    ] {
        assert_eq!(argmax(ch), expect, "{name}");
    }
    // The mix is the exact integer sum, mono stems as dual mono.
    for c in 0..2 {
        for i in 0..mix[0].len() {
            let sum = kick[0][i] + bass[0][i] + synth[c][i];
            assert_eq!(mix[c][i], sum, "channel {c} frame {i}");
        }
    }
    // Levels: kick 0.3; bass 0.15 at -6 dB (through a 20 Hz high-pass, which leaves an
    // impulse's peak within 0.3 %); synth L 0.3, R -0.3.
    let full = f64::from(1 << 23);
    assert!((f64::from(kick[0][expect]) / full - 0.3).abs() < 1e-6);
    assert!(
        (f64::from(bass[0][expect]) / full / (0.15 * 10f64.powf(-6.0 / 20.0)) - 1.0).abs() < 3e-3
    );
    assert!((f64::from(synth[1][expect]) / full + 0.3).abs() < 1e-6);
}

#[test]
fn a_44k1_source_lands_on_time_and_level_in_a_48k_session() {
    let d = tempfile::tempdir().unwrap();
    // A Gaussian pulse (band-limited far below 20 kHz) peaking at exactly 0.5 s.
    let sr_in = 44_100.0;
    let pulse = |t: f64| 0.8 * (-((t - 0.5) / 0.0005).powi(2) / 2.0).exp();
    let src: Vec<f32> = (0..44_100)
        .map(|i| pulse(f64::from(i) / sr_in) as f32)
        .collect();
    write_wav(&d.path().join("audio/p441.wav"), 44_100, &[src]);
    let text = "[session]\nsample_rate = 48000\ntail = 0.0\n[output]\nbit_depth = 32\nnaming = \"{stem}\"\n\
        [[track]]\nname = \"P\"\nfile = \"audio/p441.wav\"\nstem = \"S\"\nat = 0.1\n[[stem]]\nname = \"S\"\nchannels = 1\n";
    let session = d.path().join("s.toml");
    std::fs::write(&session, text).unwrap();
    let out = d.path().join("out");
    render_ok(&session, &out);
    let (_, s) = read_floats(&out.join("S.wav"));
    let pos = peak_position(&s[0]);
    assert!(
        (pos - 0.6 * 48_000.0).abs() < 1.0,
        "peak at {pos}, expected 28800"
    );
    let peak = s[0].iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    assert!(
        (20.0 * (peak / 0.8).log10()).abs() < 0.05,
        "peak level {peak}"
    );
}

#[test]
fn pan_law_and_gain_staging_match_hand_computation() {
    let d = tempfile::tempdir().unwrap();
    let n = 4800;
    write_wav(&d.path().join("a/one.wav"), SR, &[vec![0.5; n]]);
    write_wav(
        &d.path().join("a/two.wav"),
        SR,
        &[vec![0.25; n], vec![0.5; n]],
    );
    let text = r#"[session]
sample_rate = 48000
tail = 0.0
pan_law_db = -3.0
[output]
bit_depth = 32
naming = "{stem}"
[[track]]
name = "centre"
file = "a/one.wav"
stem = "A"
[[track]]
name = "hard left, -6 dB, flipped"
file = "a/one.wav"
stem = "B"
pan = -1.0
gain_db = -6.0
polarity = true
[[track]]
name = "stereo balance right"
file = "a/two.wav"
stem = "C"
pan = 0.5
[[track]]
name = "stereo into mono"
file = "a/two.wav"
stem = "M"
[[stem]]
name = "A"
gain_db = -2.0
[[stem]]
name = "B"
[[stem]]
name = "C"
[[stem]]
name = "M"
channels = 1
"#;
    let session = d.path().join("s.toml");
    std::fs::write(&session, text).unwrap();
    let out = d.path().join("out");
    render_ok(&session, &out);
    let g = |db: f64| 10f64.powf(db / 20.0);
    let level = |name: &str, c: usize| read_floats(&out.join(format!("{name}.wav"))).1[c][100];
    // Centre: -3 dB on each side, then the -2 dB stem fader.
    assert!((level("A", 0) - 0.5 * g(-3.0) * g(-2.0)).abs() < 1e-6);
    assert!((level("A", 1) - 0.5 * g(-3.0) * g(-2.0)).abs() < 1e-6);
    // Hard left at the -3 dB law: all on the left at centre level + 3 dB (sqrt 2), then
    // -6 dB and inverted.
    let hard = 0.5 * g(-3.0) * std::f64::consts::SQRT_2 * g(-6.0);
    assert!((level("B", 0) + hard).abs() < 1e-6, "{}", level("B", 0));
    assert!(level("B", 1).abs() < 1e-6);
    // Balance right at 0.5: left halves, right unchanged.
    assert!((level("C", 0) - 0.125).abs() < 1e-6 && (level("C", 1) - 0.5).abs() < 1e-6);
    // Stereo into a mono stem: (L + R) / 2.
    assert!((level("M", 0) - 0.375).abs() < 1e-6);
    // The mix: mono stem M as dual mono.
    let mix_l = level("Mix", 0);
    assert!((mix_l - (level("A", 0) + level("B", 0) + level("C", 0) + 0.375)).abs() < 1e-6);
}

#[test]
fn threads_and_mix_only_keep_the_bytes_and_the_report_says_what_was_read_back() {
    let d = tempfile::tempdir().unwrap();
    let session = impulse_session(d.path(), "");
    let run = |out: &str, extra: &[&str]| {
        let out = d.path().join(out);
        let mut args = vec![
            "render",
            session.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        let o = stemkit(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (out, json)
    };
    let (one, j1) = run("one", &["--threads", "1"]);
    let (two, j2) = run("two", &["--threads", "2"]);
    let (mix, jm) = run("mix", &["--mix-only"]);
    let samples = |p: std::path::PathBuf| read_ints(&p).1;
    for f in j1["files"].as_array().unwrap() {
        let name = f["file"].as_str().unwrap();
        assert_eq!(samples(one.join(name)), samples(two.join(name)), "{name}");
    }
    let sha = |j: &serde_json::Value, name: &str| {
        j["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == name)
            .unwrap()["sha256"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(sha(&j1, "Kick_124_Am.wav").len(), 64);
    assert_eq!(j2["null_test"]["dry"]["bit_exact"], true);
    assert!(
        j1["verified"].as_array().unwrap().len() >= 5,
        "{}",
        j1["verified"]
    );
    // --mix-only: the mix alone, the very samples of the full render's mix.
    let names: Vec<&str> = jm["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Mix_124_Am.wav"]);
    assert_eq!(
        samples(mix.join("Mix_124_Am.wav")),
        samples(one.join("Mix_124_Am.wav"))
    );
}
