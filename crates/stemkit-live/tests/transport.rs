//! The transport and the fader, checked sample by sample through the offline driver
//! (`render_automation`) with capture files written by hand.

mod common;

use std::path::Path;

use stemkit_live::render_automation;
use stemkit_session::Session;

fn automation(dir: &Path, block: usize, lines: &[&str]) -> std::path::PathBuf {
    let path = dir.join("hand.automation");
    let mut text =
        format!("# stemkit automation 1\n# sample_rate 48000\n# block {block}\n# session Test\n");
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(&path, text).expect("write automation");
    path
}

fn one_stem(dir: &Path, f: impl Fn(usize, usize) -> f32, frames: usize) -> Session {
    common::write_wav(&dir.join("src.wav"), 2, common::RATE, frames, f);
    common::session(
        dir,
        r#"
[session]
sample_rate = 48000
bpm = 120.0

[[track]]
name = "Src"
file = "src.wav"
stem = "Src"

[[stem]]
name = "Src"
"#,
    )
}

/// Largest |second difference| over `range`: how sharp the waveform's corners are.
fn corner(y: &[f32], range: std::ops::Range<usize>) -> f32 {
    range
        .map(|n| (y[n] - 2.0 * y[n - 1] + y[n - 2]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn a_fader_step_and_a_mute_glide_without_a_click() {
    let dir = common::temp();
    // 100.5 Hz: the step at 0.5 s lands on a crest, where a hard step clicks hardest.
    let session = one_stem(dir.path(), common::sine(100.5, 0.5), 96_000);
    let auto = automation(
        dir.path(),
        64,
        &[
            "0 /stemkit/transport/play",
            "0 /stemkit/master/limiter 0",
            "24000 /stemkit/stem/Src/gain_db -20",
            "48000 /stemkit/stem/Src/mute 1",
            "72000 /stemkit/stem/Src/mute 0",
            "96000 /stemkit/end",
        ],
    );
    let out = dir.path().join("out.wav");
    render_automation(&session, &auto, &out).expect("replay");
    let y = &common::read_wav(&out)[0];
    // The output lags the source by the (bypassed) limiter's latency.
    let x =
        |n: usize| 0.5 * (2.0 * std::f64::consts::PI * 100.5 * n as f64 / 48_000.0).sin() as f32;
    let lag = (0..500)
        .find(|&l| (1000..1100).all(|n| (y[n + l] - x(n)).abs() < 1e-6))
        .expect("output is the delayed source");
    let ramp = 960; // 20 ms
    let peak = |r: std::ops::Range<usize>| y[r].iter().fold(0.0_f32, |m, v| m.max(v.abs()));
    let (step, mute, unmute) = (24_000 + lag, 48_000 + lag, 72_000 + lag);
    // Levels: unity, then -20 dB once the glide is over, then silence, then -20 dB again.
    assert!((peak(step - 960..step) - 0.5).abs() < 1e-3);
    let after = 20.0 * (peak(step + ramp..step + ramp + 960) / 0.5).log10();
    assert!((after + 20.0).abs() < 0.05, "{after} dB after the step");
    assert!(
        y[mute + ramp..unmute].iter().all(|&v| v == 0.0),
        "muted means silent"
    );
    // Halfway through the glide the gain is halfway (linear in amplitude).
    let mid = step + ramp / 2;
    let g = f64::from(y[mid] / x(mid - lag));
    assert!(
        (g - (1.0 + 0.1) / 2.0).abs() < 0.01,
        "gain {g} halfway through the glide"
    );
    // Clicks: a hard step would put a corner of ~0.45 into the waveform; the glide keeps
    // every corner within 1 % of that, close to the sine's own curvature.
    let hard = (x(24_000) * (1.0 - 0.1)).abs();
    assert!(hard > 0.4, "the test lands the step on a crest");
    for (at, what) in [(step, "fader step"), (mute, "mute"), (unmute, "unmute")] {
        let c = corner(y, at - 100..at + ramp + 100);
        assert!(c < 0.01 * hard, "{what}: corner {c} (a hard step: {hard})");
    }
}

#[test]
fn loops_and_seeks_play_exactly_the_right_frames() {
    let dir = common::temp();
    // Every sample tells which frame it is.
    let code = |n: usize| n as f32 / 1_048_576.0;
    let session = one_stem(
        dir.path(),
        move |n, c| if c == 0 { code(n) } else { -code(n) },
        96_000,
    );
    let auto = automation(
        dir.path(),
        64,
        &[
            "0 /stemkit/transport/play",
            "0 /stemkit/master/limiter 0",
            "9600 /stemkit/transport/loop_frames 12000 24000",
            "48000 /stemkit/transport/loop_off",
            "60032 /stemkit/transport/seek_frame 5000",
            "80000 /stemkit/end",
        ],
    );
    let out = dir.path().join("out.wav");
    render_automation(&session, &auto, &out).expect("replay");
    let y = common::read_wav(&out);
    let lag = (0..500)
        .find(|&l| (1000..1100).all(|n| y[0][n + l] == code(n)))
        .expect("output is the delayed source");
    // Output frame -> source frame: straight to the loop end, twice round the loop, on
    // from the loop end after the loop is cleared, then a fade out, the seek and a fade in.
    let expect = |n: usize| -> Option<usize> {
        match n {
            0..240 => None,
            240..24_000 => Some(n),
            24_000..48_000 => Some(12_000 + (n - 24_000) % 12_000),
            48_000..60_032 => Some(24_000 + n - 48_000),
            // The fade-out takes 240 source frames (to 60 272), the seek happens at the
            // end of that block (60 288), and the fade-in takes 240 more.
            60_032..60_528 => None,
            _ => Some(5_000 + n - 60_288),
        }
    };
    for n in 0..80_000 - lag {
        if let Some(src) = expect(n) {
            assert_eq!(y[0][n + lag], code(src), "left, output frame {n}");
            assert_eq!(y[1][n + lag], -code(src), "right, output frame {n}");
        }
    }
    // The fades are ramps, not cuts: monotone in and out.
    let fade_in: Vec<f32> = (0..240)
        .map(|n| y[0][n + lag] / code(n).max(1e-12))
        .collect();
    assert!(
        fade_in[1..].windows(2).all(|w| w[1] >= w[0]),
        "fade-in rises"
    );
}
