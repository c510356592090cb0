//! Synthesis speed of the benchmark session (`stemkit demo --tracks 40 --seconds 240`):
//! every track streamed in 4096-frame blocks, as the demo command writes them.
//!
//! `cargo bench -p stemkit-demo` prints the CPU time per track and in total.

use std::time::Instant;
use stemkit_core::AudioBuffer;
use stemkit_demo::{Demo, DemoOptions};

fn main() {
    let options = DemoOptions {
        tracks: 40,
        seconds: 240.0,
        ..DemoOptions::default()
    };
    let demo = Demo::new(&options).expect("valid options");
    let start = Instant::now();
    let mut frames = 0_u64;
    for (i, track) in demo.tracks().iter().enumerate() {
        let t = Instant::now();
        let mut synth = demo.synth(i);
        let mut block = AudioBuffer::new(track.channels, 4096);
        let mut peak = 0.0_f32;
        loop {
            let n = synth.fill(&mut block);
            if n == 0 {
                break;
            }
            block.set_frames(n);
            peak = peak.max(block.peak());
            block.set_frames(4096);
        }
        frames += track.frames;
        println!(
            "{:>16}  {:>5.3} s  (peak {:>5.1} dBFS)",
            track.name,
            t.elapsed().as_secs_f64(),
            20.0 * peak.log10()
        );
    }
    let total = start.elapsed().as_secs_f64();
    println!(
        "{} tracks × {:.0} s at {} Hz: {total:.2} s, {:.0}× real time per track",
        demo.tracks().len(),
        demo.seconds(),
        options.sample_rate,
        frames as f64 / f64::from(options.sample_rate) / total
    );
}
