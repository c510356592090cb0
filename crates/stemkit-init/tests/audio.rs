//! The audio decides where names say nothing: the demo's tracks, renamed `Audio NN`,
//! must land in their stems by their features alone.
#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use std::path::Path;

use stemkit_core::AudioBuffer;
use stemkit_demo::{Demo, DemoOptions};
use stemkit_init::{Layout, Options, Reason, plan};
use stemkit_io::{SampleFormat, WavSpec, WavWriter};

/// Writes track `i` of `demo` as a float WAV at `path`.
fn write_track(demo: &Demo, i: usize, path: &Path) {
    let mut synth = demo.synth(i);
    let channels = synth.channels();
    let spec = WavSpec {
        sample_rate: demo.options().sample_rate,
        channels: channels as u16,
        format: SampleFormat::Float32,
    };
    let mut w = WavWriter::create(path, spec).unwrap();
    let mut buf = AudioBuffer::new(channels, 8192);
    loop {
        let n = synth.fill(&mut buf);
        if n == 0 {
            break;
        }
        let planar: Vec<&[f32]> = buf.iter_channels().map(|c| &c[..n]).collect();
        w.write_float(&planar).unwrap();
    }
    w.finish().unwrap().commit().unwrap();
}

#[test]
fn demo_tracks_named_audio_nn_land_by_their_audio() {
    let demo = Demo::new(&DemoOptions {
        tracks: 30,
        seconds: 40.0,
        ..DemoOptions::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for i in 0..demo.tracks().len() {
        write_track(
            &demo,
            i,
            &dir.path().join(format!("Audio {:02}.wav", i + 1)),
        );
    }
    let opts = Options {
        layout: Layout::builtin("six").unwrap(),
        bpm: None,
        key: None,
        session_path: dir.path().join("session.toml"),
    };
    let started = std::time::Instant::now();
    let p = plan(dir.path(), &opts, &mut |_, _| {}).unwrap();
    println!(
        "planned {} tracks in {:.2?}",
        p.tracks.len(),
        started.elapsed()
    );
    let mut wrong = Vec::new();
    let (mut must, mut right) = (0, 0);
    for t in &p.tracks {
        let n: usize = t.name.trim_start_matches("Audio ").parse().unwrap();
        let d = &demo.tracks()[n - 1];
        let got = &p.layout.stems[t.placement.stem.unwrap()].name;
        let Reason::Audio(why) = &t.placement.reason else {
            panic!("{}: placed by name", t.name)
        };
        let ok = got == d.stem;
        right += usize::from(ok);
        println!(
            "{:<9} {:<15} {:<7} -> {:<7} {} {why}",
            t.name,
            d.name,
            d.stem,
            got,
            if ok { "  " } else { "!!" }
        );
        let required = matches!(d.stem, "Kick" | "Bass" | "Drums" | "Vocals");
        must += usize::from(required);
        if required && !ok {
            wrong.push(format!("{} ({}) went to {got}", d.name, d.stem));
        }
    }
    println!("{right} of {} tracks in their demo stem", p.tracks.len());
    assert!(must >= 20, "{must}");
    // Synths and FX are not required to be exact, but most must land.
    assert!(
        right * 10 >= p.tracks.len() * 9,
        "{right} of {}",
        p.tracks.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}
