//! Cost of each processor in ns per sample per channel (median of repeated runs).
//!
//! `cargo bench -p stemkit-dsp [-- FILTER]` — a plain `std::time` harness: the figures are
//! for comparing processors and catching regressions, not for publication. With a
//! `FILTER`, only the cases whose label contains it run (and run ten times longer, for a
//! profiler).

use std::hint::black_box;
use std::time::Instant;

use stemkit_core::{AudioBuffer, ProcessSpec};
use stemkit_dsp::build;
use stemkit_dsp::params::{InsertSpec, ParamContext};

const RATE: f64 = 48_000.0;
const BLOCK: usize = 512;
const BLOCKS: usize = 94; // about one second of audio per run
const RUNS: usize = 15;

/// Each case: a label and the insert as a session would spell it.
const CASES: &[(&str, &str)] = &[
    (
        "eq 4 bands",
        r#"type = "eq"
bands = [ { shape = "highpass", freq = 40.0, slope = 24 }, { shape = "lowshelf", freq = 120.0, gain_db = 2.0 },
          { shape = "bell", freq = 2500.0, q = 1.5, gain_db = -3.0 }, { shape = "highshelf", freq = 9000.0, gain_db = 1.5 } ]"#,
    ),
    (
        "eq 1 bell",
        r#"type = "eq"
bands = [ { shape = "bell", freq = 1000.0, q = 1.0, gain_db = 3.0 } ]"#,
    ),
    (
        "gain (width 1.3)",
        r#"type = "gain"
gain_db = -2.0
width = 1.3"#,
    ),
    (
        "compressor bus",
        r#"type = "compressor"
style = "bus"
threshold_db = -20.0"#,
    ),
    (
        "compressor varimu",
        r#"type = "compressor"
style = "varimu"
threshold_db = -20.0"#,
    ),
    (
        "compressor clean",
        r#"type = "compressor"
style = "clean"
threshold_db = -20.0"#,
    ),
    (
        "limiter",
        r#"type = "limiter"
ceiling_dbtp = -1.0"#,
    ),
    (
        "saturation tape",
        r#"type = "saturation"
character = "tape"
drive_db = 12.0"#,
    ),
    (
        "saturation tube",
        r#"type = "saturation"
character = "tube"
drive_db = 12.0"#,
    ),
    (
        "saturation clip",
        r#"type = "saturation"
character = "clip"
drive_db = 12.0"#,
    ),
    (
        "reverb",
        r#"type = "reverb"
decay_s = 1.8
predelay_ms = 20.0"#,
    ),
    (
        "delay (filters, pp)",
        r#"type = "delay"
time = "1/8."
feedback = 0.5
lowcut = 150.0
highcut = 6000.0
pingpong = true"#,
    ),
];

fn noise(frames: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..frames)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32 - 0.5) * 1.6
        })
        .collect()
}

fn main() {
    let ctx = ParamContext {
        sample_rate: RATE,
        bpm: Some(120.0),
    };
    let input = AudioBuffer::from_channels(&[noise(BLOCK * BLOCKS, 1), noise(BLOCK * BLOCKS, 2)]);
    let mut block = AudioBuffer::new(2, BLOCK);
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let runs = if filter.is_some() { 10 * RUNS } else { RUNS };
    println!("{:<22} {:>12}", "processor", "ns/sample/ch");
    for (label, text) in CASES {
        if filter.as_ref().is_some_and(|f| !label.contains(f.as_str())) {
            continue;
        }
        let spec: InsertSpec = toml::from_str(text).expect("bench case parses");
        let mut p = build(&spec, &ctx).expect("bench case builds");
        p.prepare(ProcessSpec {
            sample_rate: RATE,
            max_block: BLOCK,
            channels: 2,
        });
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            for b in 0..BLOCKS {
                for c in 0..2 {
                    block
                        .channel_mut(c)
                        .copy_from_slice(&input.channel(c)[b * BLOCK..(b + 1) * BLOCK]);
                }
                p.process(black_box(&mut block), None);
            }
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let ns = times[runs / 2] * 1e9 / (BLOCK * BLOCKS * 2) as f64;
        println!("{label:<22} {ns:>12.2}");
    }
}
