//! `stemkit check` and `stemkit meter` end to end, through the binary.
//!
//! A clean stem set is synthesised with hound from music-like material (kick and bass
//! hits at irregular times, noise-burst percussion, a pad, a voice-like line), with the
//! mix written as the exact integer sum of the 24-bit stems, as the render does. Each
//! planted fault is then checked on its own: the right check fails with the right
//! figure, and the exit code is 3.

// The synthesis indexes samples by their time, which reads clearer than iterator chains;
// the helpers of this test crate panic on a failed setup, as the tests themselves do.
#![allow(clippy::needless_range_loop, clippy::unwrap_used)]

use std::f64::consts::PI;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const RATE: u32 = 48_000;
const SECONDS: f64 = 5.0;
const FULL: f64 = 8_388_608.0;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn noise(&mut self) -> f64 {
        2.0 * self.next() - 1.0
    }
}

/// Event start times: irregular gaps between `min` and `max` seconds.
fn events(rng: &mut Rng, min: f64, max: f64) -> Vec<f64> {
    let mut t = 0.05 + rng.next() * 0.2;
    let mut out = Vec::new();
    while t < SECONDS - 0.3 {
        out.push(t);
        t += min + rng.next() * (max - min);
    }
    out
}

/// One stem at `rate`: channels of samples in [-1, 1].
fn stem(name: &str, rate: u32) -> Vec<Vec<f64>> {
    let n = (SECONDS * f64::from(rate)) as usize;
    let fs = f64::from(rate);
    let mut rng = Rng(name.bytes().fold(17, |h, b| h * 31 + u64::from(b)));
    let mut ch = vec![vec![0.0; n]];
    match name {
        "Kick" => {
            for t0 in events(&mut rng, 0.35, 0.7) {
                let amp = 0.25 + 0.1 * rng.next();
                for i in (t0 * fs) as usize..n.min(((t0 + 0.4) * fs) as usize) {
                    let t = i as f64 / fs - t0;
                    let phase = 2.0 * PI * (50.0 * t + 70.0 * 0.04 * (1.0 - (-t / 0.04).exp()));
                    ch[0][i] += amp * phase.sin() * (-t / 0.12).exp();
                }
            }
        }
        "Bass" => {
            for t0 in events(&mut rng, 0.25, 0.6) {
                let f = [41.2, 49.0, 55.0, 61.7, 73.4][(rng.next() * 5.0) as usize];
                let amp = 0.12 + 0.08 * rng.next();
                for i in (t0 * fs) as usize..n.min(((t0 + 0.6) * fs) as usize) {
                    let t = i as f64 / fs - t0;
                    let v: f64 = (1..=3)
                        .map(|k| (2.0 * PI * f * f64::from(k) * t).sin() / f64::from(k))
                        .sum();
                    ch[0][i] += amp * v * (-t / 0.25).exp();
                }
            }
        }
        // "Perc", and quieter percussion layers "Perc1", "Perc2", ...
        perc if perc.starts_with("Perc") => {
            let level = if perc == "Perc" { 1.0 } else { 0.2 };
            ch.push(vec![0.0; n]);
            for t0 in events(&mut rng, 0.1, 0.35) {
                let amp = level * (0.08 + 0.1 * rng.next());
                for i in (t0 * fs) as usize..n.min(((t0 + 0.15) * fs) as usize) {
                    let t = i as f64 / fs - t0;
                    let env = amp * (-t / 0.04).exp();
                    ch[0][i] += env * rng.noise();
                    ch[1][i] += env * rng.noise();
                }
            }
        }
        "Pad" => {
            // Analytic in time (no noise), so the same pad can be written at any rate.
            ch.push(vec![0.0; n]);
            for i in 0..n {
                let t = i as f64 / fs;
                let swell = 0.5 - 0.5 * (2.0 * PI * t / 2.5).cos();
                for (k, f) in [220.0, 261.63, 329.63].into_iter().enumerate() {
                    let v = 0.04 * swell * (2.0 * PI * f * t + k as f64).sin();
                    ch[0][i] += v * if k == 1 { 0.6 } else { 1.2 };
                    ch[1][i] += v * if k == 1 { 1.2 } else { 0.6 };
                }
            }
        }
        "Vox" => {
            for t0 in events(&mut rng, 0.4, 0.9) {
                let f = 200.0 + 400.0 * rng.next();
                let amp = 0.08 + 0.08 * rng.next();
                for i in (t0 * fs) as usize..n.min(((t0 + 0.5) * fs) as usize) {
                    let t = i as f64 / fs - t0;
                    let vib = 1.0 + 0.01 * (2.0 * PI * 5.5 * t).sin();
                    let env = amp * (1.0 - (-t / 0.01).exp()) * (-t / 0.3).exp();
                    ch[0][i] += env * ((2.0 * PI * f * vib * t).sin() + 0.1 * rng.noise());
                }
            }
        }
        other => panic!("no stem {other}"),
    }
    ch
}

const STEMS: [&str; 5] = ["Kick", "Bass", "Perc", "Pad", "Vox"];

fn codes(x: &[Vec<f64>], bits: u16) -> Vec<Vec<i32>> {
    let full = f64::from(1u32 << (bits - 1));
    x.iter()
        .map(|c| {
            c.iter()
                .map(|&v| (v * full).round().clamp(-full, full - 1.0) as i32)
                .collect()
        })
        .collect()
}

fn write_wav(path: &Path, rate: u32, bits: u16, ch: &[Vec<i32>]) {
    let spec = hound::WavSpec {
        channels: ch.len() as u16,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..ch[0].len() {
        for c in ch {
            w.write_sample(c[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

fn file(name: &str) -> String {
    format!("{name}_124_Am.wav")
}

/// The clean set: 24-bit stems and the mix as their exact integer sum (mono stems on both
/// channels). `mix_fx` may process the mix (the compressor case).
struct Set {
    stems: Vec<(String, Vec<Vec<i32>>)>,
}

impl Set {
    fn new() -> Self {
        Self::of(&STEMS)
    }

    fn of(names: &[&str]) -> Self {
        Self {
            stems: names
                .iter()
                .map(|s| ((*s).to_owned(), codes(&stem(s, RATE), 24)))
                .collect(),
        }
    }

    fn mix(&self) -> Vec<Vec<i32>> {
        let n = self.stems[0].1[0].len();
        let mut mix = vec![vec![0i32; n]; 2];
        for (_, ch) in &self.stems {
            for (c, m) in mix.iter_mut().enumerate() {
                let src = &ch[c.min(ch.len() - 1)];
                for (d, s) in m.iter_mut().zip(src) {
                    *d = (*d + s).clamp(-(FULL as i32), FULL as i32 - 1);
                }
            }
        }
        mix
    }

    fn write(&self, dir: &Path) {
        for (name, ch) in &self.stems {
            write_wav(&dir.join(file(name)), RATE, 24, ch);
        }
        write_wav(&dir.join(file("Mix")), RATE, 24, &self.mix());
    }

    fn get(&mut self, name: &str) -> &mut Vec<Vec<i32>> {
        &mut self.stems.iter_mut().find(|(n, _)| n == name).unwrap().1
    }
}

fn stemkit(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stemkit"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn check_json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", dir.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let (code, out, err) = stemkit(&args);
    let v: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {out}\n{err}"));
    (code, v)
}

fn failing(v: &Value) -> Vec<(String, String, Value)> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["file"].as_str().unwrap().to_owned(),
                c["figure"].clone(),
            )
        })
        .collect()
}

fn find<'a>(v: &'a Value, id: &str, file: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id && c["file"] == file)
        .unwrap_or_else(|| panic!("no {id} check for {file}: {v:#}"))
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn clean_set_passes_every_check() {
    let dir = tmp();
    Set::new().write(dir.path());
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(failing(&v), vec![], "{v:#}");
    assert_eq!(code, 0);
    assert_eq!(v["ok"], true);
    assert_eq!(
        v["null_test"]["residual_peak_dbfs"],
        Value::Null,
        "bit-exact sum"
    );
    let ids: std::collections::BTreeSet<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for id in [
        "format",
        "sample_rate",
        "bit_depth",
        "length",
        "alignment",
        "clipping",
        "true_peak",
        "silence",
        "naming",
        "sums_to_mix",
    ] {
        assert!(ids.contains(id), "{id} missing");
    }
    let (code, text, _) = stemkit(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(text.contains("PASS"), "{text}");
}

#[test]
fn stem_shifted_by_37_samples_is_found_to_the_sample() {
    let dir = tmp();
    let mut set = Set::new();
    for c in set.get("Bass").iter_mut() {
        c.splice(0..0, [0; 37]);
        c.truncate(c.len() - 37);
    }
    // The mix keeps the bass where it belongs.
    let mix = Set::new().mix();
    set.write(dir.path());
    write_wav(&dir.path().join(file("Mix")), RATE, 24, &mix);
    let html = dir.path().join("report.html");
    let (code, v) = check_json(dir.path(), &["--html", html.to_str().unwrap()]);
    // The HTML marks the lane of the file that fails.
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("title=\"Bass_124_Am.wav: fails alignment\""),
        "lane not marked"
    );
    assert_eq!(code, 3);
    let a = find(&v, "alignment", &file("Bass"));
    assert_eq!(a["ok"], false);
    assert_eq!(a["figure"], 37.0, "{a}");
    assert_eq!(find(&v, "sums_to_mix", &file("Mix"))["ok"], false);
    for other in ["Kick", "Perc", "Vox"] {
        assert_eq!(
            find(&v, "alignment", &file(other))["ok"],
            true,
            "{other}: {:#}",
            v["diagnosis"]
        );
    }
    let msg = find(&v, "sums_to_mix", &file("Mix"))["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        msg.contains("37 samples late") && msg.contains("residual falls by"),
        "{msg}"
    );
    assert_eq!(v["diagnosis"]["missing_stem"], false);
}

#[test]
fn stem_at_44k1_fails_sample_rate() {
    let dir = tmp();
    let set = Set::new();
    set.write(dir.path());
    write_wav(
        &dir.path().join(file("Pad")),
        44_100,
        24,
        &codes(&stem("Pad", 44_100), 24),
    );
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    let c = find(&v, "sample_rate", &file("Pad"));
    assert_eq!(
        (c["ok"].clone(), c["figure"].clone()),
        (Value::Bool(false), 44100.0.into())
    );
    // Read through the resampler, the stem still lines up, lasts as long and nulls.
    assert_eq!(
        failing(&v).iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["sample_rate"],
        "{v:#}"
    );
}

#[test]
fn stem_at_16_bit_fails_bit_depth() {
    let dir = tmp();
    let set = Set::new();
    set.write(dir.path());
    write_wav(
        &dir.path().join(file("Vox")),
        RATE,
        16,
        &codes(&stem("Vox", RATE), 16),
    );
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    let c = find(&v, "bit_depth", &file("Vox"));
    assert_eq!(
        (c["ok"].clone(), c["figure"].clone()),
        (Value::Bool(false), 16.0.into())
    );
    assert_eq!(
        failing(&v)
            .iter()
            .filter(|(id, _, _)| id == "bit_depth")
            .count(),
        1,
        "{:?}",
        failing(&v)
    );
}

#[test]
fn stem_half_a_second_short_fails_length() {
    let dir = tmp();
    let mut set = Set::new();
    let mix = set.mix();
    for c in set.get("Kick").iter_mut() {
        c.truncate(c.len() - 24_000);
    }
    set.write(dir.path());
    write_wav(&dir.path().join(file("Mix")), RATE, 24, &mix);
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    let c = find(&v, "length", &file("Kick"));
    assert_eq!(
        (c["ok"].clone(), c["figure"].clone()),
        (Value::Bool(false), (-24000.0).into())
    );
    assert!(c["message"].as_str().unwrap().contains("0.500 s"), "{c}");
}

#[test]
fn clipped_stem_fails_clipping() {
    let dir = tmp();
    let mut set = Set::new();
    let mix = set.mix();
    for c in set.get("Perc").iter_mut() {
        for s in c.iter_mut() {
            *s = (i64::from(*s) * 12).clamp(-(FULL as i64), FULL as i64 - 1) as i32;
        }
    }
    set.write(dir.path());
    write_wav(&dir.path().join(file("Mix")), RATE, 24, &mix);
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    let c = find(&v, "clipping", &file("Perc"));
    assert_eq!(c["ok"], false, "{c}");
    assert!(c["figure"].as_f64().unwrap() >= 1.0);
    assert_eq!(
        failing(&v)
            .iter()
            .filter(|(id, _, _)| id == "clipping")
            .count(),
        1,
        "{:?}",
        failing(&v)
    );
}

#[test]
fn silent_stem_fails_silence() {
    let dir = tmp();
    let mut set = Set::new();
    for c in set.get("Vox").iter_mut() {
        c.fill(0);
    }
    set.write(dir.path());
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    let c = find(&v, "silence", &file("Vox"));
    assert_eq!(c["ok"], false);
    assert_eq!(
        c["figure"],
        Value::Null,
        "digital silence has no level: {c}"
    );
}

#[test]
fn misnamed_stem_fails_naming() {
    let dir = tmp();
    Set::new().write(dir.path());
    std::fs::rename(
        dir.path().join(file("Bass")),
        dir.path().join("bass final (2).wav"),
    )
    .unwrap();
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    assert_eq!(
        failing(&v),
        vec![(
            "naming".to_owned(),
            "bass final (2).wav".to_owned(),
            Value::Null
        )]
    );
    // A name that follows the template but with another tempo is caught too.
    std::fs::rename(
        dir.path().join("bass final (2).wav"),
        dir.path().join("Bass_120_Am.wav"),
    )
    .unwrap();
    let (_, v) = check_json(dir.path(), &[]);
    let c = find(&v, "naming", "Bass_120_Am.wav");
    assert!(c["message"].as_str().unwrap().contains("{bpm}"), "{c}");
}

#[test]
fn stem_printed_3_db_low_is_diagnosed_with_its_gain() {
    let dir = tmp();
    let mut set = Set::new();
    let mix = set.mix();
    let g = 10f64.powf(-3.0 / 20.0);
    for c in set.get("Bass").iter_mut() {
        for s in c.iter_mut() {
            *s = (f64::from(*s) * g).round() as i32;
        }
    }
    set.write(dir.path());
    write_wav(&dir.path().join(file("Mix")), RATE, 24, &mix);
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    assert_eq!(
        failing(&v).iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["sums_to_mix"],
        "{:#}",
        v["diagnosis"]
    );
    let gains = v["diagnosis"]["gains"].as_array().unwrap();
    for gain in gains {
        let want = if gain["file"] == file("Bass") {
            3.0
        } else {
            0.0
        };
        let got = gain["gain_db"].as_f64().unwrap();
        assert!((got - want).abs() < 0.1, "{gain}");
    }
    let msg = find(&v, "sums_to_mix", &file("Mix"))["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        msg.contains("Bass_124_Am.wav is raised by 3.0 dB") && msg.contains("pan law"),
        "{msg}"
    );
}

/// Feed-forward compressor on the mix: peak envelope (5 ms attack, 150 ms release),
/// threshold -24 dBFS, ratio 4.
fn compress(mix: &[Vec<i32>]) -> Vec<Vec<i32>> {
    let fs = f64::from(RATE);
    let (att, rel) = ((-1.0 / (0.005 * fs)).exp(), (-1.0 / (0.15 * fs)).exp());
    let mut env = 0.0_f64;
    let mut out = vec![Vec::new(), Vec::new()];
    for i in 0..mix[0].len() {
        let x = mix
            .iter()
            .map(|c| (f64::from(c[i]) / FULL).abs())
            .fold(0.0, f64::max);
        let k = if x > env { att } else { rel };
        env = k * env + (1.0 - k) * x;
        let level = 20.0 * env.max(1e-9).log10();
        let gain_db = if level > -24.0 {
            (level + 24.0) * (1.0 / 4.0 - 1.0)
        } else {
            0.0
        };
        let g = 10f64.powf(gain_db / 20.0);
        for (o, c) in out.iter_mut().zip(mix) {
            o.push((f64::from(c[i]) * g).round() as i32);
        }
    }
    out
}

#[test]
fn compressor_on_the_mix_is_diagnosed_as_mix_bus_processing() {
    let dir = tmp();
    let set = Set::new();
    set.write(dir.path());
    write_wav(
        &dir.path().join(file("Mix")),
        RATE,
        24,
        &compress(&set.mix()),
    );
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    assert_eq!(
        failing(&v).iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["sums_to_mix"],
        "{:#}",
        v["diagnosis"]
    );
    let mb = &v["diagnosis"]["master_bus"];
    assert!(mb.is_object(), "{:#}", v["diagnosis"]);
    assert!(mb["level_correlation"].as_f64().unwrap() < -0.3, "{mb}");
    assert!(mb["gain_min_db"].as_f64().unwrap() < -1.0, "{mb}");
    assert_eq!(v["diagnosis"]["missing_stem"], false);
}

#[test]
fn missing_stem_is_diagnosed() {
    let dir = tmp();
    let set = Set::new();
    set.write(dir.path());
    std::fs::remove_file(dir.path().join(file("Vox"))).unwrap();
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    assert_eq!(v["diagnosis"]["missing_stem"], true, "{:#}", v["diagnosis"]);
    assert!(v["diagnosis"]["master_bus"].is_null());
}

#[test]
fn html_report_is_self_contained_with_one_lane_per_file() {
    let dir = tmp();
    Set::new().write(dir.path());
    let html = dir.path().join("report.html");
    let (code, _, err) = stemkit(&[
        "check",
        dir.path().to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "fetches something"
    );
    assert!(
        !page.contains("<script src") && !page.contains("<link"),
        "external asset"
    );
    assert_eq!(page.matches("data-role=\"stem\"").count(), STEMS.len());
    assert_eq!(page.matches("data-role=\"mix\"").count(), 1);
    assert_eq!(page.matches("data-role=\"residual\"").count(), 1);
    for s in STEMS {
        assert!(page.contains(&file(s)), "{s} lane");
    }
    assert!(page.contains("<svg class=\"wave stem\""));
    assert!(page.contains("Loudness"));
    // Running again with the report inside the folder: it is ignored, not read as audio.
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 0);
    assert!(
        v["ignored"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "report.html")
    );
}

#[test]
fn bad_folders_and_files_give_clear_messages() {
    let empty = tmp();
    let (code, out, err) = stemkit(&["check", empty.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.is_empty() && err.contains("holds no audio files"),
        "{err}"
    );

    let (code, _, err) = stemkit(&["check", "/no/such/folder"]);
    assert_eq!(code, 1);
    assert!(err.contains("/no/such/folder"), "{err}");

    let dir = tmp();
    Set::new().write(dir.path());
    std::fs::write(dir.path().join("Notes_124_Am.wav"), "this is not audio\n").unwrap();
    std::fs::write(dir.path().join("Empty_124_Am.flac"), b"").unwrap();
    // A WAV cut in half: its header promises more audio than the file holds.
    let kick = std::fs::read(dir.path().join(file("Kick"))).unwrap();
    std::fs::write(dir.path().join("Cut_124_Am.wav"), &kick[..kick.len() / 2]).unwrap();
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    for f in ["Notes_124_Am.wav", "Empty_124_Am.flac", "Cut_124_Am.wav"] {
        let c = find(&v, "format", f);
        assert_eq!(c["ok"], false);
        assert!(c["message"].as_str().unwrap().contains(f), "{c}");
    }
    assert!(
        find(&v, "format", "Cut_124_Am.wav")["message"]
            .as_str()
            .unwrap()
            .contains("truncated")
    );
    // The cut file is checked no further; the rest still is.
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["file"] != "Cut_124_Am.wav" || c["id"] == "format")
    );
    assert_eq!(find(&v, "clipping", &file("Kick"))["ok"], true);

    let (code, _, err) = stemkit(&[
        "meter",
        dir.path().join("Notes_124_Am.wav").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Notes_124_Am.wav") && err.contains("not an audio file"),
        "{err}"
    );

    let (code, _, err) = stemkit(&[
        "check",
        dir.path().to_str().unwrap(),
        "--spec",
        "/no/spec.toml",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("/no/spec.toml"), "{err}");
    let spec = dir.path().join("spec.toml");
    std::fs::write(&spec, "true_peak_max = -1\n").unwrap();
    let (code, _, err) = stemkit(&[
        "check",
        dir.path().to_str().unwrap(),
        "--spec",
        spec.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("true_peak_max") && err.contains("spec.toml"),
        "{err}"
    );
}

#[test]
fn a_thousand_files_are_checked_without_hanging() {
    let dir = tmp();
    for i in 0..1000 {
        let x: Vec<i32> = (0..480)
            .map(|k| ((k * 7919 + i * 31) % 2001 - 1000) * 100)
            .collect();
        write_wav(
            &dir.path().join(format!("Hit{i:04}_124_Am.wav")),
            RATE,
            24,
            &[x],
        );
    }
    let started = std::time::Instant::now();
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    assert_eq!(v["files"].as_array().unwrap().len(), 1000);
    let c = find(&v, "stem_count", "");
    assert_eq!(
        (c["ok"].clone(), c["figure"].clone()),
        (Value::Bool(false), 1000.0.into())
    );
    assert!(
        started.elapsed().as_secs() < 120,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn meter_prints_json_for_each_file() {
    let dir = tmp();
    Set::new().write(dir.path());
    let mix = dir.path().join(file("Mix"));
    let kick = dir.path().join(file("Kick"));
    let (code, out, _) = stemkit(&[
        "meter",
        "--json",
        mix.to_str().unwrap(),
        kick.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files[0]["integrated_lufs"].as_f64().unwrap() < -5.0);
    assert_eq!(files[0]["stereo"]["dual_mono"], false);
    assert!(files[1]["stereo"].is_null(), "mono file");
    let (code, text, _) = stemkit(&["meter", mix.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        text.contains("integrated") && text.contains("true peak"),
        "{text}"
    );
}

fn read_wav(path: &Path) -> (hound::WavSpec, Vec<Vec<i32>>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let n = usize::from(spec.channels);
    let samples: Vec<i32> = r.samples::<i32>().map(Result::unwrap).collect();
    let chans = (0..n)
        .map(|c| samples.iter().skip(c).step_by(n).copied().collect())
        .collect();
    (spec, chans)
}

/// The set `stemkit render` prints (through `stemkit demo`), with its report.json: passes
/// as printed; then, with two faults planted at once in real material (Bass 37 samples
/// late, Vocals printed 3 dB low), both are named with their figures.
#[test]
fn rendered_set_passes_and_two_planted_faults_are_both_named() {
    let dir = tmp();
    let out = dir.path().join("demo");
    let (code, _, err) = stemkit(&[
        "demo",
        "--out",
        out.to_str().unwrap(),
        "--seconds",
        "8",
        "--quiet",
        "--plain",
    ]);
    assert_eq!(code, 0, "{err}");
    let stems = out.join("stems");
    let (code, v) = check_json(&stems, &[]);
    assert_eq!(failing(&v), vec![], "{v:#}");
    assert_eq!(code, 0);
    assert!(
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["role"] == "return"),
        "roles from report.json"
    );

    // Both variants in one folder: the wet prints carry `_wet` and are not summed.
    let both = out.join("both");
    let session = out.join("session.toml");
    let (code, _, err) = stemkit(&[
        "render",
        session.to_str().unwrap(),
        "--out",
        both.to_str().unwrap(),
        "--variant",
        "dry",
        "--variant",
        "wet",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, v) = check_json(&both, &[]);
    assert_eq!(failing(&v), vec![], "{v:#}");
    assert_eq!(code, 0);
    let summed = v["null_test"]["summed"].as_array().unwrap();
    assert!(
        !summed.is_empty() && summed.iter().all(|f| !f.as_str().unwrap().contains("_wet")),
        "{summed:?}"
    );
    let wet = v["null_test_wet"]["summed"].as_array().unwrap();
    assert!(
        !wet.is_empty() && wet.iter().all(|f| f.as_str().unwrap().contains("_wet")),
        "{wet:?}"
    );
    assert_eq!(v["null_test_wet"]["ok"], true, "{:#}", v["null_test_wet"]);

    let find_file = |prefix: &str| {
        std::fs::read_dir(&stems)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
            .unwrap()
    };
    let (bass, vocals) = (find_file("Bass_"), find_file("Vocals_"));
    let (spec, mut ch) = read_wav(&bass);
    for c in &mut ch {
        c.splice(0..0, [0; 37]);
        c.truncate(c.len() - 37);
    }
    write_wav(&bass, spec.sample_rate, spec.bits_per_sample, &ch);
    let (spec, mut ch) = read_wav(&vocals);
    let g = 10f64.powf(-3.0 / 20.0);
    for s in ch.iter_mut().flatten() {
        *s = (f64::from(*s) * g).round() as i32;
    }
    write_wav(&vocals, spec.sample_rate, spec.bits_per_sample, &ch);
    let (code, v) = check_json(&stems, &[]);
    assert_eq!(code, 3);
    let bass_name = bass.file_name().unwrap().to_str().unwrap();
    let vocals_name = vocals.file_name().unwrap().to_str().unwrap();
    assert_eq!(
        find(&v, "alignment", bass_name)["figure"],
        37.0,
        "{:#}",
        v["diagnosis"]
    );
    let gains = v["diagnosis"]["gains"].as_array().unwrap();
    let vocal_gain = gains.iter().find(|g| g["file"] == vocals_name).unwrap()["gain_db"]
        .as_f64()
        .unwrap();
    assert!((vocal_gain - 3.0).abs() < 0.1, "{:#}", v["diagnosis"]);
    let findings = v["diagnosis"]["findings"].to_string();
    assert!(
        findings.contains(&format!("{vocals_name} is raised by 3.0 dB")),
        "{findings}"
    );
}

/// Twenty stems, two of them off by a gain: no single stem explains the residual, so the
/// joint least-squares fit does, summed over every other block at this stem count.
#[test]
fn two_stems_off_in_a_twenty_stem_set_are_fitted_jointly() {
    let layers: Vec<String> = (1..=16).map(|i| format!("Perc{i}")).collect();
    let mut names = vec!["Kick", "Bass", "Pad", "Vox"];
    names.extend(layers.iter().map(String::as_str));
    let dir = tmp();
    let mut set = Set::of(&names);
    let mix = set.mix();
    for (name, db) in [("Perc3", -3.0), ("Perc7", 2.0)] {
        let g = 10f64.powf(db / 20.0);
        for s in set.get(name).iter_mut().flatten() {
            *s = (f64::from(*s) * g).round() as i32;
        }
    }
    set.write(dir.path());
    write_wav(&dir.path().join(file("Mix")), RATE, 24, &mix);
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    assert_eq!(
        failing(&v).iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["sums_to_mix"],
        "{:#}",
        v["diagnosis"]
    );
    for gain in v["diagnosis"]["gains"].as_array().unwrap() {
        let want = match gain["file"].as_str().unwrap() {
            "Perc3_124_Am.wav" => 3.0,
            "Perc7_124_Am.wav" => -2.0,
            _ => 0.0,
        };
        assert!(
            (gain["gain_db"].as_f64().unwrap() - want).abs() < 0.1,
            "{gain}"
        );
    }
    let findings = v["diagnosis"]["findings"].to_string();
    assert!(
        findings.contains("Perc3_124_Am.wav is raised by 3.0 dB")
            && findings.contains("Perc7_124_Am.wav is lowered by 2.0 dB"),
        "{findings}"
    );
}

#[test]
fn mix_printed_with_an_offset_is_told_apart_from_late_stems() {
    let dir = tmp();
    let set = Set::new();
    set.write(dir.path());
    let mut mix = set.mix();
    for c in &mut mix {
        c.splice(0..0, [0; 100]);
        c.truncate(c.len() - 100);
    }
    write_wav(&dir.path().join(file("Mix")), RATE, 24, &mix);
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    // Against this mix every stem is early by 100 samples.
    for s in ["Kick", "Bass", "Perc", "Vox"] {
        assert_eq!(
            find(&v, "alignment", &file(s))["figure"],
            -100.0,
            "{s}: {:#}",
            v["diagnosis"]
        );
    }
    let findings = v["diagnosis"]["findings"].to_string();
    assert!(
        findings.contains("the mix starts 100 samples later than the stems"),
        "{findings}"
    );
}

#[test]
fn unreadable_mix_fails_format_and_sums_to_mix_says_why() {
    let dir = tmp();
    Set::new().write(dir.path());
    std::fs::write(dir.path().join(file("Mix")), "RIFF but not really").unwrap();
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(code, 3);
    assert_eq!(find(&v, "format", &file("Mix"))["ok"], false);
    let c = find(&v, "sums_to_mix", &file("Mix"));
    assert_eq!(c["ok"], false);
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("the mix cannot be read"),
        "{c}"
    );
}

#[test]
fn dual_mono_and_dc_offset_are_noted_without_failing() {
    let dir = tmp();
    let mut set = Set::new();
    let pad = set.get("Pad");
    pad[1] = pad[0].clone();
    for s in set.get("Vox")[0].iter_mut() {
        *s += 20_000; // 0.24 % of full scale: -52 dBFS of DC
    }
    set.write(dir.path());
    let (code, v) = check_json(dir.path(), &[]);
    assert_eq!(failing(&v), vec![], "{v:#}");
    assert_eq!(code, 0);
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("Pad_124_Am.wav: both channels carry the same signal"),
        "{notes}"
    );
    assert!(
        notes.contains("Vox_124_Am.wav: DC offset of -52."),
        "{notes}"
    );
    assert!(!notes.contains("Perc"), "{notes}");
}
