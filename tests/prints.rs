//! The exactness guarantees of DESIGN §3 beyond plain summing: delay compensation through
//! latent processors, wet stems, master-consistent stems, tails, FLAC and metadata.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const SR: u32 = 48_000;

fn render(session: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
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
    serde_json::from_slice(&o.stdout).expect("one JSON document")
}

/// Deterministic noise bursts: broadband, so every return has something to do.
fn bursts(seed: u32, n: usize) -> Vec<f32> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let env = if (i / 4800) % 3 == 0 { 0.25 } else { 0.0 };
            env * ((x as f32 / u32::MAX as f32) * 2.0 - 1.0)
        })
        .collect()
}

fn file(
    out: &Path,
    json: &serde_json::Value,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> PathBuf {
    let f = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| pred(f))
        .unwrap_or_else(|| panic!("no such file in {json}"));
    out.join(f["file"].as_str().unwrap())
}

fn named(out: &Path, json: &serde_json::Value, name: &str, contract: &str) -> PathBuf {
    file(out, json, |f| {
        f["name"] == name && f["contract"] == contract && f["variant"] != "wet"
    })
}

fn argmax(x: &[f64]) -> usize {
    x.iter()
        .enumerate()
        .fold(
            (0, 0.0),
            |(bi, bv), (i, &v)| if v.abs() > bv { (i, v.abs()) } else { (bi, bv) },
        )
        .0
}

#[test]
fn impulses_line_up_through_oversampling_lookahead_predelay_and_the_master() {
    let d = tempfile::tempdir().unwrap();
    let mut imp = vec![0.0_f32; SR as usize];
    imp[6_000] = 0.3;
    write_wav(&d.path().join("a/k.wav"), SR, &[imp.clone()]);
    write_wav(&d.path().join("a/s.wav"), SR, &[imp.clone(), imp.clone()]);
    let text = r#"[session]
sample_rate = 48000
tail = 1.0
[output]
bit_depth = 32
naming = "{stem}"
[[track]]
name = "k"
file = "a/k.wav"
stem = "Sat"
at = 0.5
[[track]]
name = "l"
file = "a/k.wav"
stem = "Lim"
at = 0.5
[[track]]
name = "s"
file = "a/s.wav"
stem = "Dry"
at = 0.5
[[stem]]
name = "Sat"
channels = 1
inserts = [ { type = "saturation", character = "tape", drive_db = 0.0 } ]
[[stem]]
name = "Lim"
channels = 1
inserts = [ { type = "limiter", ceiling_dbtp = -1.0, lookahead_ms = 5.0 } ]
sends = [ { to = "Plate", level_db = -6.0 } ]
[[stem]]
name = "Dry"
sends = [ { to = "Plate", level_db = -6.0 } ]
[[return]]
name = "Plate"
inserts = [ { type = "reverb", decay_s = 0.5, predelay_ms = 20.0 } ]
[master]
inserts = [ { type = "limiter", ceiling_dbtp = -1.0 } ]
"#;
    let session = d.path().join("s.toml");
    std::fs::write(&session, text).unwrap();
    let out = d.path().join("out");
    let json = render(&session, &out, &[]);
    assert!(
        json["compensated_latency_frames"].as_u64().unwrap() > 89,
        "{json}"
    );
    let expect = 24_000 + 6_000;
    for name in ["Sat", "Lim", "Dry", "Mix", "Mix_Master"] {
        let (_, x) = read_floats(&out.join(format!("{name}.wav")));
        for (c, ch) in x.iter().enumerate() {
            assert_eq!(argmax(ch), expect, "{name} channel {c}");
        }
    }
    // The reverb answers no earlier than its predelay after the impulse.
    let (_, plate) = read_floats(&out.join("Plate.wav"));
    let first = plate[0].iter().position(|v| v.abs() > 1e-6).unwrap();
    assert!(
        first >= expect + 960,
        "reverb starts at {first}, impulse at {expect}"
    );
    // Every file the same length: 0.5 s + 1 s source + 1 s tail.
    assert!(
        json["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["frames"] == 120_000),
        "{json}"
    );
}

fn wet_session(dir: &Path) -> PathBuf {
    write_wav(&dir.join("a/x.wav"), SR, &[bursts(1, 48_000)]);
    write_wav(
        &dir.join("a/y.wav"),
        SR,
        &[bursts(2, 48_000), bursts(3, 48_000)],
    );
    let text = r#"[session]
sample_rate = 48000
bpm = 120.0
tail = "auto"
[output]
naming = "{stem}"
variants = ["dry", "wet"]
[[track]]
name = "x"
file = "a/x.wav"
stem = "Mono"
sends = [ { to = "Echo", level_db = -3.0 } ]
[[track]]
name = "y"
file = "a/y.wav"
stem = "Wide"
at = 0.3
[[stem]]
name = "Mono"
channels = 1
inserts = [ { type = "eq", bands = [ { shape = "highpass", freq = 80.0 } ] } ]
sends = [ { to = "Hall", level_db = -10.0 } ]
[[stem]]
name = "Wide"
sends = [ { to = "Hall", level_db = -6.0, pre_fader = true }, { to = "Echo", level_db = -12.0 } ]
gain_db = -4.0
[[return]]
name = "Hall"
inserts = [ { type = "reverb", decay_s = 1.2, predelay_ms = 15.0 } ]
[[return]]
name = "Echo"
inserts = [ { type = "delay", time = "1/8.", feedback = 0.4, lowcut = 200.0, highcut = 6000.0, pingpong = true } ]
"#;
    let session = dir.join("s.toml");
    std::fs::write(&session, text).unwrap();
    session
}

#[test]
fn wet_stems_sum_bit_exactly_and_match_a_single_return_instance() {
    let d = tempfile::tempdir().unwrap();
    let session = wet_session(d.path());
    // 24-bit, both variants: the wet files sum to the very mix file the dry ones do.
    let out = d.path().join("int");
    let json = render(&session, &out, &[]);
    assert_eq!(json["null_test"]["dry"]["bit_exact"], true, "{json}");
    assert_eq!(json["null_test"]["wet"]["bit_exact"], true, "{json}");
    let (_, mix) = read_ints(&out.join("Mix.wav"));
    let (_, mono) = read_ints(&out.join("Mono_wet.wav"));
    let (_, wide) = read_ints(&out.join("Wide_wet.wav"));
    assert_eq!(
        mono.len(),
        2,
        "a mono stem with a stereo share prints stereo"
    );
    for c in 0..2 {
        for i in 0..mix[c].len() {
            assert_eq!(mix[c][i], mono[c][i] + wide[c][i], "channel {c} frame {i}");
        }
    }
    // Float: the wet stems (one return instance per stem) against the dry render's mix
    // (one instance per return, fed by every send).
    let dry = d.path().join("dry");
    render(&session, &dry, &["--bits", "32", "--variant", "dry"]);
    let wet = d.path().join("wet");
    render(&session, &wet, &["--bits", "32", "--variant", "wet"]);
    let (_, m) = read_floats(&dry.join("Mix.wav"));
    let (_, a) = read_floats(&wet.join("Mono.wav"));
    let (_, b) = read_floats(&wet.join("Wide.wav"));
    let mut peak = 0.0_f64;
    let mut signal = 0.0_f64;
    for c in 0..2 {
        assert_eq!(m[c].len(), a[c].len());
        for i in 0..m[c].len() {
            peak = peak.max((m[c][i] - a[c][i] - b[c][i]).abs());
            signal = signal.max(m[c][i].abs());
        }
    }
    assert!(signal > 0.1);
    assert!(
        20.0 * peak.log10() < -120.0,
        "wet residual {:.1} dBFS",
        20.0 * peak.log10()
    );
}

fn master_session(dir: &Path, master: &str) -> PathBuf {
    write_wav(
        &dir.join("a/x.wav"),
        SR,
        &[bursts(4, 96_000).iter().map(|v| v * 3.0).collect()],
    );
    write_wav(
        &dir.join("a/y.wav"),
        SR,
        &[bursts(5, 96_000), bursts(6, 96_000)],
    );
    let text = format!(
        r#"[session]
sample_rate = 48000
tail = 0.5
[output]
naming = "{{stem}}"
master = "consistent"
[[track]]
name = "x"
file = "a/x.wav"
stem = "Drums"
[[track]]
name = "y"
file = "a/y.wav"
stem = "Synths"
at = 0.25
[[stem]]
name = "Drums"
sends = [ {{ to = "Verb", level_db = -8.0 }} ]
[[stem]]
name = "Synths"
[[return]]
name = "Verb"
inserts = [ {{ type = "reverb", decay_s = 0.8 }} ]
[master]
gain_db = 1.5
inserts = [ {master} ]
"#
    );
    let session = dir.join("s.toml");
    std::fs::write(&session, text).unwrap();
    session
}

const MASTER: &str = r#"{ type = "eq", bands = [ { shape = "highpass", freq = 40.0 }, { shape = "highshelf", freq = 8000.0, gain_db = 2.0 } ] },
  { type = "compressor", style = "bus", threshold_db = -24.0, ratio = 3.0, attack_ms = 5.0, release = 80.0 },
  { type = "limiter", ceiling_dbtp = -1.0 }"#;

#[test]
fn master_consistent_stems_sum_to_the_mastered_mix() {
    let d = tempfile::tempdir().unwrap();
    let session = master_session(d.path(), MASTER);
    let out = d.path().join("f");
    let json = render(&session, &out, &["--bits", "32"]);
    let mastered: Vec<&serde_json::Value> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["contract"] == "master-consistent")
        .collect();
    let names: Vec<&str> = mastered
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Drums_mastered.wav",
            "Synths_mastered.wav",
            "Verb_mastered.wav",
            "Mix_Master.wav"
        ],
        "{json}"
    );
    // Both contracts are printed: the pre-master files are there too.
    assert!(out.join("Drums.wav").exists() && out.join("Mix.wav").exists());
    let (_, master) = read_floats(&out.join("Mix_Master.wav"));
    let parts: Vec<Vec<Vec<f64>>> = names[..3]
        .iter()
        .map(|n| read_floats(&out.join(n)).1)
        .collect();
    let (mut peak, mut gr) = (0.0_f64, 0.0_f64);
    let (_, mix) = read_floats(&out.join("Mix.wav"));
    for c in 0..2 {
        for i in 0..master[c].len() {
            let sum: f64 = parts.iter().map(|p| p[c.min(p.len() - 1)][i]).sum();
            peak = peak.max((master[c][i] - sum).abs());
        }
        gr = gr.max(mix[c].iter().fold(0.0_f64, |m, v| m.max(v.abs())));
    }
    assert!(
        20.0 * peak.log10() < -120.0,
        "mastered residual {:.1} dBFS",
        20.0 * peak.log10()
    );
    // The master really works: compressor and limiter hold the mastered mix under the
    // ceiling (plus the 1.5 dB master fader after them) although the mix peaks higher.
    let mpeak = master.iter().flatten().fold(0.0_f64, |m, v| m.max(v.abs()));
    let ceiling = 10f64.powf((-1.0 + 1.5) / 20.0);
    assert!(
        mpeak < ceiling + 1e-3 && mpeak < 0.9 * gr * 10f64.powf(1.5 / 20.0),
        "mix {gr}, mastered {mpeak}"
    );
    let f = &json["null_test"]["mastered"]["float_residual_dbfs"];
    assert!(f.is_null() || f.as_f64().unwrap() < -120.0, "{json}");

    // 24-bit: the mastered files null bit-exactly.
    let out = d.path().join("i");
    let json = render(&session, &out, &[]);
    assert_eq!(json["null_test"]["mastered"]["bit_exact"], true, "{json}");
    assert_eq!(json["null_test"]["dry"]["bit_exact"], true, "{json}");
}

#[test]
fn master_dynamics_apply_the_mix_gain_to_every_stem() {
    // With only a compressor on the master, every mastered stem is its pre-master stem
    // (delayed by the lookahead) times the gain the mix got.
    let d = tempfile::tempdir().unwrap();
    let session = master_session(
        d.path(),
        r#"{ type = "compressor", style = "clean", threshold_db = -30.0, ratio = 4.0 }"#,
    );
    let out = d.path().join("f");
    let json = render(&session, &out, &["--bits", "32"]);
    let (_, mix) = read_floats(&named(&out, &json, "Mix", "pre-master"));
    let (_, master) = read_floats(&out.join("Mix_Master.wav"));
    let (_, drums) = read_floats(&named(&out, &json, "Drums", "pre-master"));
    let (_, drums_m) = read_floats(&named(&out, &json, "Drums", "master-consistent"));
    let mut checked = 0;
    let mut min_gain = f64::MAX;
    for i in 0..mix[0].len() {
        if mix[0][i].abs() > 0.05 && drums[0][i].abs() > 0.05 {
            let g = master[0][i] / mix[0][i];
            min_gain = min_gain.min(g);
            assert!((drums_m[0][i] / drums[0][i] - g).abs() < 1e-3, "frame {i}");
            checked += 1;
        }
    }
    assert!(
        checked > 1000 && min_gain < 0.7,
        "{checked} frames, gain down to {min_gain}"
    );
}

#[test]
fn a_saturating_master_leaves_a_residual_stem_and_the_set_still_sums() {
    let d = tempfile::tempdir().unwrap();
    let session = master_session(
        d.path(),
        &format!(
            "{MASTER},\n  {{ type = \"saturation\", character = \"tube\", drive_db = 12.0, output_db = -6.0 }}"
        ),
    );
    let out = d.path().join("i");
    let json = render(&session, &out, &[]);
    assert_eq!(json["null_test"]["mastered"]["bit_exact"], true, "{json}");
    let residual = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Mix_Residual")
        .expect("residual stem");
    assert!(
        residual["peak_dbfs"].as_f64().unwrap() > -40.0,
        "{residual}"
    );
    assert!(
        json["warnings"].to_string().contains("saturation"),
        "{json}"
    );
}

#[test]
fn a_long_reverb_tail_ends_inside_the_files() {
    let d = tempfile::tempdir().unwrap();
    let mut x = vec![0.0_f32; 4_800];
    x[..2_400].copy_from_slice(&bursts(7, 2_400).iter().map(|v| v * 3.0).collect::<Vec<_>>());
    write_wav(&d.path().join("a/x.wav"), SR, &[x]);
    let text = r#"[session]
sample_rate = 48000
[output]
naming = "{stem}"
[[track]]
name = "x"
file = "a/x.wav"
stem = "S"
[[stem]]
name = "S"
sends = [ { to = "Hall", level_db = 0.0 } ]
[[return]]
name = "Hall"
inserts = [ { type = "reverb", decay_s = 4.0, damping = 0.0 } ]
"#;
    let session = d.path().join("s.toml");
    std::fs::write(&session, text).unwrap();
    let out = d.path().join("out");
    let json = render(&session, &out, &["--bits", "32"]);
    let frames = json["frames"].as_u64().unwrap() as usize;
    assert!(
        json["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["frames"].as_u64() == Some(frames as u64))
    );
    // A 4 s RT60 from about -10 dBFS needs well over 4 s to fall below -96 dBFS.
    assert!(
        frames > 5 * 48_000 && frames < 30 * 48_000 + 4_800,
        "{frames} frames"
    );
    let (_, hall) = read_floats(&out.join("Hall.wav"));
    let db = |x: &[f64]| 20.0 * x.iter().fold(1e-12_f64, |m, v| m.max(v.abs())).log10();
    let end = &hall[0][frames - 2_400..];
    assert!(
        db(end) < -96.0,
        "the tail is cut: {:.1} dBFS in the last 50 ms",
        db(end)
    );
    assert!(
        db(&hall[0][4 * 48_000..4 * 48_000 + 4_800]) > -70.0,
        "the reverb is missing 4 s in"
    );
}

#[test]
fn flac_decodes_to_the_wav_samples_and_other_tools_read_every_file() {
    let d = tempfile::tempdir().unwrap();
    let session = wet_session(d.path());
    let wav = d.path().join("wav");
    let json = render(&session, &wav, &[]);
    let flac = d.path().join("flac");
    render(&session, &flac, &["--format", "flac"]);
    for f in json["files"].as_array().unwrap() {
        let name = f["file"].as_str().unwrap();
        let (_, w) = read_ints(&wav.join(name));
        let fl = flac.join(name.replace(".wav", ".flac"));
        let info = stemkit_io::probe(&fl).unwrap();
        let mut r = stemkit_io::SourceReader::open(&fl, info.sample_rate, 0.0).unwrap();
        let mut buf = stemkit_core::AudioBuffer::new(info.channels, w[0].len());
        assert_eq!(r.read(&mut buf).unwrap(), w[0].len(), "{name}");
        for (c, ch) in w.iter().enumerate() {
            for (i, &v) in ch.iter().enumerate() {
                assert_eq!(
                    (buf.channel(c)[i] * 8_388_608.0) as i32,
                    v,
                    "{name} channel {c} frame {i}"
                );
            }
        }
    }
    let files: Vec<PathBuf> = visible_files(&wav)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    let tool = |cmd: &str, args: &[&str]| std::process::Command::new(cmd).args(args).output().ok();
    for p in &files {
        let p = p.to_str().unwrap();
        match tool("sox", &["--i", "-s", p]) {
            Some(o) => assert!(o.status.success(), "sox cannot read {p}"),
            None => eprintln!("sox not installed: skipped"),
        }
        match tool("ffmpeg", &["-v", "error", "-i", p, "-f", "null", "-"]) {
            Some(o) => assert!(
                o.status.success() && o.stderr.is_empty(),
                "ffmpeg: {p}: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            None => eprintln!("ffmpeg not installed: skipped"),
        }
    }
    let script = format!(
        "import soundfile, sys\nfor p in sys.argv[1:]:\n    d, sr = soundfile.read(p)\n    assert sr == 48000 and len(d) > 0\nprint('ok')"
    );
    let mut args = vec!["-c", script.as_str()];
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    match tool("python3", &["-c", "import soundfile"]) {
        Some(o) if o.status.success() => {
            let o = tool("python3", &args).unwrap();
            assert!(
                o.status.success(),
                "soundfile: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        _ => eprintln!("python3 soundfile not installed: skipped"),
    }
    match tool("mediainfo", &["--Details=1", files[0].to_str().unwrap()]) {
        Some(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            for needle in ["bext", "iXML", "stemkit", "Description"] {
                assert!(
                    text.contains(needle),
                    "mediainfo shows no {needle}:\n{text}"
                );
            }
        }
        _ => eprintln!("mediainfo not installed: skipped"),
    }
}
