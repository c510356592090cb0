//! The inner loops of a plain render, in ns per sample (median of repeated runs):
//! summing into a bus, quantising with TPDF dither, decoding a 24-bit WAV source, and a
//! whole render plus read-back of a small session per output frame.
//!
//! `cargo bench -p stemkit-engine` — a plain `std::time` harness, like the processor
//! bench of `stemkit-dsp`: figures for comparing changes on one machine.
#![allow(clippy::unwrap_used)] // a bench fails loudly

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use stemkit_core::{AudioBuffer, add_scaled};
use stemkit_dsp::dither::{DitherKind, Quantizer};
use stemkit_engine::{RenderOptions, render, verify};

const RUNS: usize = 9;

/// Median over `RUNS` of `f`'s time divided by `samples`, in ns.
fn per_sample(samples: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e9 / samples as f64
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[RUNS / 2]
}

fn signal(n: usize, seed: u32) -> Vec<f32> {
    let mut x = seed.max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x as f32 / u32::MAX as f32 - 0.5) * 0.5
        })
        .collect()
}

fn write_wav(path: &Path, channels: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: 48_000,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for c in channels {
            w.write_sample((c[i] * 8_388_607.0) as i32).unwrap();
        }
    }
    w.finalize().unwrap();
}

fn main() {
    let n = 1 << 20;
    let src = signal(n, 7);
    let mut bus = vec![0.0_f32; n];
    let t = per_sample(n, || add_scaled(black_box(&mut bus), black_box(&src), 0.7));
    println!("{:<44} {t:6.2} ns/sample", "bus sum (add_scaled)");

    let (l, r) = (signal(n, 3), signal(n, 5));
    let (mut cl, mut cr) = (vec![0_i32; n], vec![0_i32; n]);
    let (mut ql, mut qr) = (
        Quantizer::new(24, DitherKind::Tpdf, 0),
        Quantizer::new(24, DitherKind::Tpdf, 1),
    );
    let t = per_sample(2 * n, || {
        ql.quantize_block(&l, &mut cl);
        qr.quantize_block(&r, &mut cr);
        black_box((&cl, &cr));
    });
    println!("{:<44} {t:6.2} ns/sample", "quantise 24-bit TPDF (blocks)");

    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("src.wav");
    write_wav(&wav, &[l.clone(), r.clone()]);
    let t = per_sample(2 * n, || {
        let mut reader = stemkit_io::SourceReader::open(&wav, 48_000, 0.0).unwrap();
        let mut buf = AudioBuffer::new(2, 8192);
        while reader.read(&mut buf).unwrap() > 0 {}
        black_box(&buf);
    });
    println!(
        "{:<44} {t:6.2} ns/sample",
        "decode 24-bit stereo WAV (page cache)"
    );

    // Eight tracks into three stems: render, then read back.
    let seconds = 10;
    let frames = 48_000 * seconds;
    let mut session = String::from(
        "[session]\nname = \"Bench\"\nsample_rate = 48000\ntail = 0.0\n\n[output]\nnaming = \"{stem}\"\n\n",
    );
    for i in 0..8 {
        let path = dir.path().join(format!("t{i}.wav"));
        let ch: Vec<Vec<f32>> = (0..(1 + i % 2))
            .map(|c| signal(frames, 11 + i * 2 + c))
            .collect();
        write_wav(&path, &ch);
        session.push_str(&format!(
            "[[track]]\nname = \"T{i}\"\nfile = \"t{i}.wav\"\nstem = \"S{}\"\n\n",
            i % 3
        ));
    }
    for s in 0..3 {
        session.push_str(&format!("[[stem]]\nname = \"S{s}\"\n\n"));
    }
    let path = dir.path().join("session.toml");
    std::fs::write(&path, session).unwrap();
    let s = stemkit_session::load(&path).unwrap();
    for threads in [1, 2] {
        // Each run prints into its own folder: a dropped render deletes its temporaries.
        let mut run = 0;
        let mut last = None;
        let t = per_sample(frames, || {
            run += 1;
            let mut opts = RenderOptions::new(dir.path().join(format!("out{threads}_{run}")));
            opts.threads = threads;
            last = Some(render(&s, &opts, &mut |_, _| {}).unwrap());
        });
        println!(
            "{:<44} {t:6.2} ns/frame",
            format!("render 8 tracks -> 3 stems + mix, {threads} thread(s)")
        );
        let r = last.unwrap();
        let t = per_sample(frames, || {
            black_box(verify(&r, threads).unwrap());
        });
        println!(
            "{:<44} {t:6.2} ns/frame",
            format!("read back those 4 files, {threads} thread(s)")
        );
    }
}
