//! Throughput of `meter` and `check` against ffmpeg's ebur128 filter on the same files.
//!
//! Writes a set of 8 stereo 24-bit stems of 60 s at 48 kHz plus their mix into a temporary
//! folder, then times: metering one file (stemkit vs `ffmpeg -af ebur128=peak=true`),
//! and checking the whole set (one streaming pass with the null test), and metering all 9
//! files one by one with ffmpeg, which is what a script would otherwise do; then the same
//! check with one stem 100 samples late, which adds the two diagnosis passes.
//! Run with `cargo bench -p stemkit-analysis --bench check`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use stemkit_analysis::{CheckOptions, check_folder, meter_file};

const RATE: u32 = 48_000;
const SECONDS: usize = 60;
const STEMS: usize = 8;

fn stem(seed: u64) -> Vec<i32> {
    let n = SECONDS * RATE as usize;
    let mut state = seed;
    let mut x = Vec::with_capacity(2 * n);
    let period = 9_000 + (seed as usize % 7) * 1_000;
    for i in 0..n {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let noise = ((state >> 40) as f64 / f64::from(1u32 << 24)) - 0.5;
        let env = (-((i % period) as f64) / 3_000.0).exp();
        let tone = (i as f64 * 0.01 * (1.0 + seed as f64 * 0.3)).sin();
        let v = (300_000.0 * env * (noise + tone)) as i32;
        x.push(v);
        x.push(v / 2);
    }
    x
}

fn write(path: &Path, interleaved: &[i32]) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create");
    for &s in interleaved {
        w.write_sample(s).expect("write");
    }
    w.finalize().expect("finalize");
}

fn ffmpeg_ebur128(path: &Path) -> bool {
    Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-af", "ebur128=peak=true", "-f", "null", "-"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut mix = vec![0i32; 2 * SECONDS * RATE as usize];
    for s in 0..STEMS {
        let x = stem(s as u64 + 1);
        write(&dir.path().join(format!("Stem{s}_124_Am.wav")), &x);
        for (m, v) in mix.iter_mut().zip(&x) {
            *m += v;
        }
    }
    let mix_path = dir.path().join("Mix_124_Am.wav");
    write(&mix_path, &mix);
    let audio_s = (SECONDS * (STEMS + 1)) as f64;

    let t = Instant::now();
    let (_, m) = meter_file(&mix_path).expect("meter");
    let ours_one = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let ff = ffmpeg_ebur128(&mix_path);
    let ffmpeg_one = t.elapsed().as_secs_f64();
    println!(
        "meter one 60 s stereo file: stemkit {ours_one:.2} s ({:.0}x real time, I = {:.1} LUFS); ffmpeg ebur128 {}",
        SECONDS as f64 / ours_one,
        m.integrated_lufs.unwrap_or(f64::NAN),
        if ff {
            format!("{ffmpeg_one:.2} s")
        } else {
            "not available".into()
        }
    );

    let t = Instant::now();
    let report = check_folder(dir.path(), &CheckOptions::default()).expect("check");
    let ours_set = t.elapsed().as_secs_f64();
    assert!(
        report.ok,
        "the bench set must pass: {:?}",
        report.checks.iter().find(|c| !c.ok)
    );
    let t = Instant::now();
    let all_ff = (0..STEMS)
        .map(|s| dir.path().join(format!("Stem{s}_124_Am.wav")))
        .chain([mix_path.clone()])
        .all(|p| ffmpeg_ebur128(&p));
    let ffmpeg_set = t.elapsed().as_secs_f64();
    println!(
        "check {STEMS} stems + mix ({audio_s:.0} s of audio, every check and the null test): stemkit {ours_set:.2} s ({:.0}x real time); ffmpeg ebur128 on each file {}",
        audio_s / ours_set,
        if all_ff {
            format!("{ffmpeg_set:.2} s")
        } else {
            "not available".into()
        }
    );

    let mut late = vec![0i32; 200];
    late.extend(stem(1));
    late.truncate(mix.len());
    write(&dir.path().join("Stem0_124_Am.wav"), &late);
    let t = Instant::now();
    let report = check_folder(dir.path(), &CheckOptions::default()).expect("check");
    let diagnosed = t.elapsed().as_secs_f64();
    let found = report
        .diagnosis
        .as_ref()
        .and_then(|d| d.offsets.iter().find(|o| o.frames != 0))
        .map(|o| o.frames);
    println!(
        "same set with one stem 100 samples late, diagnosed: stemkit {diagnosed:.2} s (offset found: {found:?})"
    );
}
