//! The web page in a real browser: Debian's chromium, driven by playwright-core
//! (`tests/browser/live_page.cjs`), drags a fader and presses a mute while the session
//! plays to `file:`; the recording shows both, at the frames the capture names.
//!
//! Needs `chromium` (apt), `node` (apt `nodejs`) and `npm install` in `tests/browser`;
//! without them the test prints why and passes without running.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::Duration;

use stemkit_live::{Access, Control, Live, LiveOptions, Output, WebServer, play};

fn script_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser")
}

/// Why the browser test cannot run here, if it cannot.
fn missing() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!(
            "no chromium at {chromium} (apt-get install chromium)"
        ));
    }
    let resolved = Command::new("node")
        .args(["-e", "require.resolve('playwright-core')"])
        .current_dir(script_dir())
        .status();
    match resolved {
        Err(_) => Some("no node (apt-get install nodejs npm)".into()),
        Ok(s) if !s.success() => {
            Some("no playwright-core (npm install --prefix tests/browser)".into())
        }
        Ok(_) => None,
    }
}

/// Amplitude of the `freq` component over `n` frames from `at` (a whole number of cycles).
fn tone(x: &[f32], freq: f64, at: usize, n: usize) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(common::RATE);
    let (re, im) = x[at..at + n]
        .iter()
        .enumerate()
        .fold((0.0, 0.0), |(re, im), (i, &v)| {
            let p = w * (at + i) as f64;
            (re + f64::from(v) * p.cos(), im - f64::from(v) * p.sin())
        });
    2.0 * (re * re + im * im).sqrt() / n as f64
}

/// The frames at which the capture applied each line starting with `address`.
fn frames_of(capture: &str, address: &str) -> Vec<(u64, String)> {
    capture
        .lines()
        .filter_map(|l| {
            let (frame, rest) = l.split_once(' ')?;
            rest.starts_with(address)
                .then(|| (frame.parse().ok(), rest.to_owned()))
                .and_then(|(f, r)| Some((f?, r)))
        })
        .collect()
}

#[test]
fn fader_and_mute_on_the_web_page_reach_the_recording() {
    if let Some(why) = missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let dir = common::temp();
    // Long enough for a slow browser start; the playback stops when the script is done.
    let seconds = 40.0;
    let frames = (seconds * f64::from(common::RATE)) as usize;
    common::write_wav(
        &dir.path().join("a.wav"),
        2,
        common::RATE,
        frames,
        common::sine(440.0, 0.25),
    );
    common::write_wav(
        &dir.path().join("b.wav"),
        2,
        common::RATE,
        frames,
        common::sine(1000.0, 0.25),
    );
    let session = common::session(
        dir.path(),
        r#"
[session]
sample_rate = 48000

[[track]]
name = "A"
file = "a.wav"
stem = "Tone A"

[[track]]
name = "B"
file = "b.wav"
stem = "Tone B"

[[stem]]
name = "Tone A"

[[stem]]
name = "Tone B"
"#,
    );
    let capture_path = common::path(&dir, "web.automation");
    let options = LiveOptions {
        block: 256,
        capture: Some(capture_path.clone()),
        ..LiveOptions::default()
    };
    let mut live = Live::new(&session, &options, &mut |_| {}).expect("live session");
    let h = live.handle();
    let web = WebServer::start(
        "127.0.0.1:0".parse().expect("addr"),
        h.clone(),
        Access { token: None },
    )
    .expect("web");
    h.send(Control::MasterLimiter { on: false })
        .expect("limiter off");
    h.send(Control::Play).expect("play");
    let recording = common::path(&dir, "web.wav");
    let playback = play(
        live.take_processor().expect("processor"),
        &Output::File(recording.clone()),
        None,
    )
    .expect("output");

    let out = Command::new("node")
        .arg("live_page.cjs")
        .arg(format!("http://{}/", web.addr()))
        .current_dir(script_dir())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Half a second more, so the mute's glide and a measuring window are recorded.
    sleep(Duration::from_millis(500));
    assert!(!playback.is_finished());
    playback.stop().expect("stop");
    drop(web);
    live.finish().expect("finish");

    let reply: serde_json::Value = serde_json::from_str(stdout.trim()).expect("script output");
    let fps = reply["meter_fps"].as_f64().expect("meter_fps");
    assert!(fps >= 20.0, "{fps} meter frames a second");
    let fader_db = reply["fader_db"].as_f64().expect("fader_db");
    let capture = std::fs::read_to_string(&capture_path).expect("capture");
    let gains = frames_of(&capture, "/stemkit/stem/Tone%20A/gain_db");
    let mutes = frames_of(&capture, "/stemkit/stem/Tone%20B/mute 1");
    assert!(!gains.is_empty() && mutes.len() == 1, "capture:\n{capture}");
    assert_eq!(
        gains.last().expect("a gain").1,
        format!("/stemkit/stem/Tone%20A/gain_db {fader_db}")
    );

    let y = &common::read_wav(&recording)[0];
    let lag = h.latency();
    let glide = 960; // 20 ms
    let window = 4_800; // 0.1 s: whole cycles of 440 and 1000 Hz
    let first_gain = gains[0].0 as usize + lag;
    let last_gain = gains.last().expect("a gain").0 as usize + lag + glide;
    let mute = mutes[0].0 as usize + lag + glide;
    assert!(
        mute + window < y.len(),
        "the mute came too late to be heard"
    );
    let db = |a: f64| 20.0 * a.log10();
    // Before the fader moved: both tones at -12 dBFS.
    let a0 = tone(y, 440.0, first_gain - window, window);
    assert!(
        (db(a0) - db(0.25)).abs() < 0.05,
        "tone A before: {} dB",
        db(a0)
    );
    // After: tone A down by exactly what the page shows, tone B untouched until its mute.
    let a1 = tone(y, 440.0, last_gain, window);
    assert!(
        (db(a1) - db(0.25) - fader_db).abs() < 0.05,
        "tone A after: {} dB, fader {fader_db}",
        db(a1)
    );
    let b0 = tone(y, 1000.0, mute - glide - window, window);
    assert!(
        (db(b0) - db(0.25)).abs() < 0.05,
        "tone B before the mute: {} dB",
        db(b0)
    );
    let b1 = tone(y, 1000.0, mute, window);
    assert!(b1 < 1e-6, "tone B after the mute: {b1}");
    let a2 = tone(y, 440.0, mute, window);
    assert!((db(a2) - db(a1)).abs() < 0.05, "the mute left tone A alone");
}
