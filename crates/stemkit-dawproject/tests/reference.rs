//! A project with every layout and mixer feature the importer maps, imported, rendered,
//! and compared with stems and a mix computed here straight from the XML's values.
#![allow(clippy::unwrap_used)]

mod common;

use std::f64::consts::{FRAC_PI_4, SQRT_2};

use common::*;
use stemkit_engine::Role;

/// Frames per beat at 120 bpm and 48 kHz.
const BEAT: usize = 24_000;

fn db(x: f64) -> f64 {
    10f64.powf(x / 20.0)
}

/// stemkit's pan law for a mono source at the default -3 dB centre.
fn mono_pan(p: f64) -> [f64; 2] {
    let theta = (p + 1.0) * FRAC_PI_4;
    let c = SQRT_2 * db(-3.0);
    [c * theta.cos(), c * theta.sin()]
}

/// stemkit's balance for a stereo source.
fn balance(p: f64) -> [f64; 2] {
    [(1.0 - p).min(1.0), (1.0 + p).min(1.0)]
}

/// Adds `gain[ch] * src[ch or 0][offset + i]` to `dst[ch][at + i]` for `len` frames.
fn place(
    dst: &mut [Vec<f64>],
    src: &[Vec<f32>],
    gain: [f64; 2],
    at: usize,
    offset: usize,
    len: usize,
) {
    for (c, d) in dst.iter_mut().enumerate() {
        let s = &src[c.min(src.len() - 1)];
        for i in 0..len {
            if let Some(x) = s.get(offset + i) {
                d[at + i] += gain[c] * f64::from(*x);
            }
        }
    }
}

fn scaled(a: &[Vec<f64>], g: f64) -> Vec<Vec<f64>> {
    a.iter()
        .map(|c| c.iter().map(|x| x * g).collect())
        .collect()
}

fn sum(parts: &[&Vec<Vec<f64>>]) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; parts[0][0].len()]; 2];
    for p in parts {
        for (o, c) in out.iter_mut().zip(p.iter()) {
            for (x, y) in o.iter_mut().zip(c) {
                *x += y;
            }
        }
    }
    out
}

#[test]
fn imported_project_renders_what_its_xml_says() {
    let secs = |s: f64| (s * f64::from(RATE)) as usize;
    let kick = vec![noise(1, secs(3.0))];
    let snare = vec![noise(2, secs(3.0)), noise(3, secs(3.0))];
    let bass = vec![noise(4, secs(4.0))];
    let keys = vec![noise(5, secs(2.0)), noise(6, secs(2.0))];
    let pad = vec![noise(7, secs(3.0)), noise(8, secs(3.0))];
    let lead = vec![noise(9, secs(2.0))];
    let wavs: Vec<(String, Vec<u8>)> = [
        ("kick", &kick),
        ("snare", &snare),
        ("bass", &bass),
        ("keys", &keys),
        ("pad", &pad),
        ("lead", &lead),
    ]
    .iter()
    .map(|(n, s)| (format!("audio/{n}.wav"), wav_bytes(s, RATE)))
    .collect();
    let xml = reference_project_xml();
    // The test project is a real DAWproject, not just something this importer accepts.
    let v = validate("Project.xsd", &xml);
    assert!(matches!(v, Validation::Valid | Validation::NoTool), "{v:?}");
    let meta = "<MetaData><Title>Reference Song</Title></MetaData>";
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("project.xml", xml.as_bytes()),
        ("metadata.xml", meta.as_bytes()),
    ];
    entries.extend(wavs.iter().map(|(n, b)| (n.as_str(), b.as_slice())));

    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("song.dawproject");
    std::fs::write(&project, archive(&entries)).unwrap();
    let out = dir.path().join("imported");
    let imported = stemkit_dawproject::import(
        &project,
        &out,
        &stemkit_dawproject::ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(
        (imported.tracks, imported.stems, imported.returns),
        (6, 3, 1)
    );
    let text = std::fs::read_to_string(&imported.session).unwrap();
    assert!(text.contains("# time_signature = \"3/4\""), "{text}");
    assert!(text.contains("name = \"Reference Song\""), "{text}");
    assert!(text.contains("bpm = 120.0"), "{text}");

    // The reference, from the XML's numbers with this file's own formulas.
    let len = 4 * f64::from(RATE) as usize; // the pad and the bass end at 4 s
    let silent = || vec![vec![0.0_f64; len]; 2];
    let mut drums_bus = silent();
    // Kick: beat 1, playStart 0.25 s, 4 beats; linear 0.8; normalized pan 0.3 = -0.4.
    let g = mono_pan(-0.4).map(|x| x * 0.8);
    place(&mut drums_bus, &kick, g, BEAT, secs(0.25), 4 * BEAT);
    // Snare: beat 2, warp offset 0.1 s plus playStart 0.5 beat, 3 beats; -4.5 dB; pan 0.3.
    let g = balance(0.3).map(|x| x * db(-4.5));
    place(
        &mut drums_bus,
        &snare,
        g,
        2 * BEAT,
        secs(0.1) + BEAT / 2,
        3 * BEAT,
    );
    let drums = scaled(&drums_bus, db(-2.0));

    let mut music_bus = silent();
    // Bass: outer at beat 4 with playStart 2, inner at 3 → beat 5; inner playStart 1 beat;
    // the outer clip ends at beat 8, so 3 of the inner 4 beats play. +2 dB, pan -0.6.
    let g = mono_pan(-0.6).map(|x| x * db(2.0));
    place(&mut music_bus, &bass, g, 5 * BEAT, BEAT, 3 * BEAT);
    // Keys is muted. Pad: beat 6 for 2 beats, linear 0.5, centre; its loop spans the clip.
    place(&mut music_bus, &pad, [0.5, 0.5], 6 * BEAT, 0, 2 * BEAT);
    let music = scaled(&music_bus, 0.9);

    let mut lead_stem = silent();
    // Lead: 6 beats of a 2 s file; linear 1.25; normalized pan 0.85 = 0.7.
    let g = mono_pan(0.7).map(|x| x * 1.25);
    place(&mut lead_stem, &lead, g, 0, 0, secs(2.0));

    // Verb: Drums post-fader at -6 dB, Music pre-fader at -10 dB, Lead at linear 0.5;
    // then its -3 dB fader.
    let verb_in = sum(&[
        &scaled(&drums, db(-6.0)),
        &scaled(&music_bus, db(-10.0)),
        &scaled(&lead_stem, 0.5),
    ]);
    let verb = scaled(&verb_in, db(-3.0));
    let mix = sum(&[&drums, &music, &lead_stem, &verb]);
    let mastered = scaled(&mix, db(-1.0));

    let prints = render_float(&imported.session, &dir.path().join("stems"));
    let mut seen = Vec::new();
    for p in &prints {
        let reference = match (p.role, p.name.as_str()) {
            (Role::Stem, "Drums") => &drums,
            (Role::Stem, "Music") => &music,
            (Role::Stem, "Lead") => &lead_stem,
            (Role::Return, "Verb") => &verb,
            (Role::Mix, _) => &mix,
            (Role::Master, _) => &mastered,
            other => panic!("unexpected print {other:?}"),
        };
        assert!(
            peak_dbfs(reference) > -20.0,
            "{}: reference is silent",
            p.name
        );
        let r = residual_dbfs(&p.samples, reference);
        println!("{:?} {}: residual {r:.1} dBFS", p.role, p.name);
        assert!(r <= -100.0, "{:?} {}: residual {r:.1} dBFS", p.role, p.name);
        seen.push(p.name.clone());
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
}
