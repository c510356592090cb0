//! The live callback under a performance-sized load: 16 stereo stems, each with a 4-band
//! EQ, a bus compressor and tape saturation, sending to two returns (reverb, delay), a
//! master limiter and the safety limiter, at 48 kHz in 64-frame blocks (1.33 ms).
//!
//! `cargo bench -p stemkit-live --bench callback [-- SECONDS] [tape|tube|clip|none] [helpers=N]`
//!
//! `tape|tube|clip|none` picks the saturation character (default tape; `none` leaves the
//! saturation out), to show what each part of the chain costs; `helpers=N` the threads
//! running stems' inserts beside the audio thread (default 0, as `stemkit live`); `peer`
//! adds a second run, the same length, of a fixed arithmetic loop sized to the callback's
//! median, paced the same way: how far the machine itself spreads a callback of that
//! length (its preemptions, interrupts and cold caches after each sleep).
//!
//! The callback runs paced in real time, as on a sound card, with the disk thread
//! streaming the 16 sources beside it (looping, so the disk also reopens files); every
//! callback is timed. Reported: percentiles of the callback time as a share of the block
//! period. The target for the 99.9th percentile is under 25 %.

use std::time::{Duration, Instant};

use stemkit_core::AudioBuffer;
use stemkit_live::{Control, Live, LiveOptions};

const RATE: u32 = 48_000;
const BLOCK: usize = 64;
const STEMS: usize = 16;
const SOURCE_SECONDS: f64 = 20.0;

fn write_source(path: &std::path::Path, seed: u64) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create source");
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let f = 55.0 * (1.0 + seed as f64 * 0.37);
    for i in 0..(SOURCE_SECONDS * f64::from(RATE)) as usize {
        let t = i as f64 / f64::from(RATE);
        let env = (-(t * 2.0 % 0.5) * 8.0).exp();
        for _ in 0..2 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let noise = (x >> 11) as f64 / (1_u64 << 53) as f64 - 0.5;
            let v = 0.3 * (2.0 * std::f64::consts::PI * f * t).sin() + 0.4 * env * noise;
            w.write_sample((v * 12_000.0) as i16).expect("sample");
        }
    }
    w.finalize().expect("finish source");
}

fn session_text(saturation: &str) -> String {
    let sat = if saturation == "none" {
        String::new()
    } else {
        format!("  {{ type = \"saturation\", character = \"{saturation}\", drive_db = 6.0 }},\n")
    };
    let mut s = String::from("[session]\nname = \"Bench\"\nsample_rate = 48000\nbpm = 120.0\n\n");
    for i in 0..STEMS {
        s.push_str(&format!(
            "[[track]]\nname = \"T{i}\"\nfile = \"s{i}.wav\"\nstem = \"S{i}\"\n\n[[stem]]\nname = \"S{i}\"\ninserts = [\n  {{ type = \"eq\", bands = [ {{ shape = \"highpass\", freq = 40.0 }}, {{ shape = \"lowshelf\", freq = 150.0, gain_db = 2.0 }}, {{ shape = \"bell\", freq = 2500.0, q = 1.5, gain_db = -3.0 }}, {{ shape = \"highshelf\", freq = 9000.0, gain_db = 1.5 }} ] }},\n  {{ type = \"compressor\", style = \"bus\", threshold_db = -20.0, ratio = 3.0 }},\n{sat}]\nsends = [ {{ to = \"Reverb\", level_db = -12.0 }}, {{ to = \"Delay\", level_db = -18.0 }} ]\n\n"
        ));
    }
    s.push_str("[[return]]\nname = \"Reverb\"\ninserts = [ { type = \"reverb\", decay_s = 2.0, predelay_ms = 20.0 } ]\n\n");
    s.push_str("[[return]]\nname = \"Delay\"\ninserts = [ { type = \"delay\", time = \"1/8.\", feedback = 0.4 } ]\n\n");
    s.push_str("[master]\ninserts = [ { type = \"limiter\", ceiling_dbtp = -1.0 } ]\n");
    s
}

fn main() {
    let seconds: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(45.0);
    let saturation = std::env::args()
        .skip(1)
        .find(|a| ["tape", "tube", "clip", "none"].contains(&a.as_str()))
        .unwrap_or_else(|| "tape".into());
    let helpers = std::env::args()
        .skip(1)
        .find_map(|a| a.strip_prefix("helpers=").and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..STEMS {
        write_source(&dir.path().join(format!("s{i}.wav")), i as u64 + 1);
    }
    let path = dir.path().join("bench.toml");
    std::fs::write(&path, session_text(&saturation)).expect("session");
    let session = stemkit_session::load(&path).expect("load session");
    let options = LiveOptions {
        block: BLOCK,
        capture: None,
        helpers,
    };
    let mut live = Live::new(&session, &options, &mut |_| {}).expect("live");
    let h = live.handle();
    let mut p = live.take_processor().expect("processor");
    h.send(Control::Loop {
        start: RATE as u64 / 2,
        end: (SOURCE_SECONDS - 0.5) as u64 * u64::from(RATE),
    })
    .expect("loop");
    h.send(Control::Play).expect("play");
    std::thread::sleep(Duration::from_millis(300));

    let realtime = stemkit_live::promote_audio_thread();
    let period = Duration::from_secs_f64(BLOCK as f64 / f64::from(RATE));
    let blocks = (seconds * f64::from(RATE) / BLOCK as f64) as usize;
    let mut out = AudioBuffer::new(2, BLOCK);
    let mut times = paced(blocks, period, || p.process(&mut out));
    let underruns = h
        .meters()
        .underruns
        .load(std::sync::atomic::Ordering::Relaxed);
    drop(p);
    live.finish().expect("finish");
    times.sort_by(f64::total_cmp);
    println!(
        "live callback, {STEMS} stereo stems (eq 4 bands + bus compressor + saturation {saturation}), 2 returns, master limiter, {BLOCK} frames at {RATE} Hz, {helpers} helper thread(s), {blocks} blocks ({seconds} s) paced in real time, {} scheduling",
        if realtime {
            "FIFO real-time"
        } else {
            "normal (no real-time permission)"
        }
    );
    println!(
        "share of the {:.3} ms block period: {}; underruns {underruns}",
        period.as_secs_f64() * 1e3,
        percentiles(&times)
    );
    if std::env::args().any(|a| a == "peer") {
        let median = Duration::from_secs_f64(times[times.len() / 2] * period.as_secs_f64());
        let mut work = vec![0.5_f32; 4096];
        let rounds = rounds_lasting(median, &mut work);
        let mut peer = paced(blocks, period, || fixed_work(&mut work, rounds));
        peer.sort_by(f64::total_cmp);
        println!(
            "peer: a fixed loop of that median ({rounds} rounds over 16 KiB), paced the same: {}",
            percentiles(&peer)
        );
    }
}

/// Runs `callback` `blocks` times, one block period apart, and returns each call's time as
/// a share of the period.
fn paced(blocks: usize, period: Duration, mut callback: impl FnMut()) -> Vec<f64> {
    let mut times = Vec::with_capacity(blocks);
    let mut deadline = Instant::now();
    for _ in 0..blocks {
        let t = Instant::now();
        callback();
        times.push(t.elapsed().as_secs_f64() / period.as_secs_f64());
        deadline += period;
        let now = Instant::now();
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
    }
    times
}

fn percentiles(sorted: &[f64]) -> String {
    let pct = |q: f64| 100.0 * sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)];
    format!(
        "median {:.1} %, p99 {:.1} %, p99.9 {:.1} %, max {:.1} %",
        pct(0.5),
        pct(0.99),
        pct(0.999),
        100.0 * sorted[sorted.len() - 1]
    )
}

/// A recursion over `work`, `rounds` times: arithmetic with a small, fixed footprint.
fn fixed_work(work: &mut [f32], rounds: usize) {
    for r in 0..rounds {
        for (i, w) in work.iter_mut().enumerate() {
            *w = *w * 0.999 + (i + r) as f32 * 1e-7;
        }
    }
    std::hint::black_box(work);
}

/// The number of rounds of [`fixed_work`] whose median time, back to back, is `target`.
fn rounds_lasting(target: Duration, work: &mut [f32]) -> usize {
    let mut times: Vec<Duration> = (0..200)
        .map(|_| {
            let t = Instant::now();
            fixed_work(work, 10);
            t.elapsed()
        })
        .collect();
    times.sort();
    let per_round = times[times.len() / 2].as_secs_f64() / 10.0;
    ((target.as_secs_f64() / per_round).round() as usize).max(1)
}
