//! The demo as the `demo` command and the benchmarks use it: whole renders of every
//! track, the unity mix, the session text, and what each instrument sounds like.

use std::collections::HashSet;
use std::sync::OnceLock;
use stemkit_core::AudioBuffer;
use stemkit_demo::{Demo, DemoOptions};

fn demo(tracks: usize, seconds: f64) -> Demo {
    Demo::new(&DemoOptions {
        tracks,
        seconds,
        ..DemoOptions::default()
    })
    .expect("valid options")
}

fn db(x: f32) -> f32 {
    20.0 * x.log10()
}

fn index_of(demo: &Demo, name: &str) -> usize {
    demo.tracks()
        .iter()
        .position(|t| t.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

/// Streams track `i` in blocks whose sizes cycle through `blocks`; returns its channels.
fn render(demo: &Demo, i: usize, blocks: &[usize]) -> Vec<Vec<f32>> {
    let mut synth = demo.synth(i);
    let channels = synth.channels();
    let mut out = vec![Vec::new(); channels];
    let mut buf = AudioBuffer::new(channels, *blocks.iter().max().expect("block sizes"));
    for &size in blocks.iter().cycle() {
        buf.set_frames(size);
        let n = synth.fill(&mut buf);
        if n == 0 {
            break;
        }
        for (c, ch) in out.iter_mut().enumerate() {
            ch.extend_from_slice(&buf.channel(c)[..n]);
        }
    }
    out
}

/// FNV-1a over the sample bits: equal renders hash equal.
fn hash(channels: &[Vec<f32>]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for x in channels.iter().flatten() {
        h = (h ^ u64::from(x.to_bits())).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Every track rendered once: its figures, and the mix at unity the way DESIGN §2 sums
/// it (track fader and polarity; mono tracks into the stereo stems with the -3 dB
/// constant-power pan law, stereo tracks balanced; the mono Kick and Bass stems into the
/// mix as dual mono; stems at unity, no processing, no returns).
struct Survey {
    demo: Demo,
    peaks: Vec<f32>,
    mix_peak: f32,
}

fn survey(demo: Demo) -> Survey {
    let sr = f64::from(demo.options().sample_rate);
    let mut mix = vec![vec![0.0_f32; demo.frames() as usize]; 2];
    let mut peaks = Vec::new();
    for (i, t) in demo.tracks().iter().enumerate() {
        let audio = render(&demo, i, &[4096]);
        assert_eq!(audio.len(), t.channels);
        for ch in &audio {
            assert_eq!(ch.len() as u64, t.frames, "{}: length", t.name);
            assert!(ch.iter().all(|x| x.is_finite()), "{}: not finite", t.name);
        }
        peaks.push(audio.iter().flatten().fold(0.0_f32, |m, x| m.max(x.abs())));
        let at = (t.at_seconds * sr).round() as usize;
        let g = 10f32.powf(t.gain_db as f32 / 20.0) * if t.polarity { -1.0 } else { 1.0 };
        let (gl, gr) = match (t.channels, t.stem) {
            (1, "Kick" | "Bass") => (g, g),
            (1, _) => {
                let angle = (t.pan as f32 + 1.0) * std::f32::consts::FRAC_PI_4;
                (g * angle.cos(), g * angle.sin())
            }
            _ => (
                g * (1.0 - t.pan as f32).min(1.0),
                g * (1.0 + t.pan as f32).min(1.0),
            ),
        };
        let (l, r) = (&audio[0], audio.last().expect("a channel"));
        for (k, (&a, &b)) in l.iter().zip(r).enumerate() {
            mix[0][at + k] += a * gl;
            mix[1][at + k] += b * gr;
        }
    }
    let mix_peak = mix.iter().flatten().fold(0.0_f32, |m, x| m.max(x.abs()));
    Survey {
        demo,
        peaks,
        mix_peak,
    }
}

fn sixteen() -> &'static Survey {
    static S: OnceLock<Survey> = OnceLock::new();
    S.get_or_init(|| survey(demo(16, 60.0)))
}

fn forty() -> &'static Survey {
    static S: OnceLock<Survey> = OnceLock::new();
    S.get_or_init(|| survey(demo(40, 60.0)))
}

#[test]
fn every_track_is_full_length_finite_and_at_a_realistic_level() {
    let s = forty();
    for (t, &peak) in s.demo.tracks().iter().zip(&s.peaks) {
        assert!(
            (-18.0..=-3.0).contains(&db(peak)),
            "{}: peak {:.1} dBFS",
            t.name,
            db(peak)
        );
    }
    let mut synth = s.demo.synth(0);
    let mut buf = AudioBuffer::new(synth.channels(), 1 << 20);
    let mut total = 0;
    loop {
        let n = synth.fill(&mut buf);
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    assert_eq!((total, synth.frames_left()), (s.demo.tracks()[0].frames, 0));
}

#[test]
fn the_unity_mix_keeps_headroom_as_tracks_are_added() {
    let (a, b) = (db(sixteen().mix_peak), db(forty().mix_peak));
    assert!(
        (-4.5..=-1.5).contains(&a),
        "16 tracks: mix peak {a:.2} dBFS"
    );
    assert!(b < -1.0, "40 tracks: mix peak {b:.2} dBFS");
}

#[test]
fn synthesis_is_deterministic_and_every_track_differs() {
    let d = demo(20, 20.0);
    let hashes: Vec<u64> = (0..d.tracks().len())
        .map(|i| hash(&render(&d, i, &[4096])))
        .collect();
    assert_eq!(hashes.iter().collect::<HashSet<_>>().len(), hashes.len());
    let again = demo(20, 20.0);
    for i in [0, 7, 13, 19] {
        assert_eq!(hash(&render(&again, i, &[4096])), hashes[i], "track {i}");
    }
}

#[test]
fn block_size_does_not_change_a_sample() {
    let d = Demo::new(&DemoOptions {
        tracks: 30,
        seconds: 14.0,
        sample_rate: 44_100,
        ..DemoOptions::default()
    })
    .expect("valid options");
    for i in 0..d.tracks().len() {
        let big = render(&d, i, &[4096]);
        assert_eq!(
            render(&d, i, &[64]),
            big,
            "{}: 64 vs 4096",
            d.tracks()[i].name
        );
        let odd = render(&d, i, &[1, 7, 31, 33, 500, 2, 4095]);
        assert_eq!(odd, big, "{}: irregular blocks", d.tracks()[i].name);
    }
}

#[test]
fn late_tracks_start_on_their_bar_and_early_ones_start_silent() {
    let d = &sixteen().demo;
    let sr = f64::from(d.options().sample_rate);
    let bar = 240.0 / 124.0;
    let vox = &d.tracks()[index_of(d, "Lead Vox")];
    // Bar 9 (the middle of the verse), on an exact sample.
    assert!((vox.at_seconds - 8.0 * bar).abs() < 1.0 / sr);
    assert_eq!(vox.at_seconds * sr, (vox.at_seconds * sr).round());
    assert_eq!(vox.frames, d.frames() - (vox.at_seconds * sr) as u64);
    let late = d.tracks().iter().filter(|t| t.at_seconds > 0.0).count();
    assert!(late >= 3, "{late} late tracks");
    // The lead sings within its first bar; the riser waits for the build at bar 13.
    let sung = render(d, index_of(d, "Lead Vox"), &[4096]);
    assert!(
        sung[0][..(bar * sr) as usize]
            .iter()
            .any(|x| x.abs() > 1e-3)
    );
    // It fades in from the first control point (every 32 frames) of the build.
    let riser = render(d, index_of(d, "Riser"), &[4096]);
    let first = riser[0].iter().position(|x| *x != 0.0).unwrap();
    let build = (12.0 * bar * sr).round() as usize;
    assert!(
        (build..build + 32).contains(&first),
        "riser starts at {first}, build at {build}"
    );
}

#[test]
fn the_session_parses_and_names_only_what_exists() {
    const TRACK_KEYS: &[&str] = &[
        "name", "file", "stem", "at", "offset", "length", "gain_db", "pan", "mute", "solo",
        "polarity", "inserts",
    ];
    const STEM_KEYS: &[&str] = &["name", "channels", "gain_db", "mute", "inserts", "sends"];
    for processing in [false, true] {
        let d = Demo::new(&DemoOptions {
            tracks: 40,
            processing,
            ..DemoOptions::default()
        })
        .expect("valid options");
        let doc: toml::Table = d.session_toml().parse().expect("session is TOML");
        let session = doc["session"].as_table().unwrap();
        assert_eq!(session["sample_rate"].as_integer(), Some(48_000));
        assert_eq!(session["bpm"].as_float(), Some(124.0));
        assert_eq!(session["key"].as_str(), Some("Am"));

        let array = |key: &str| {
            doc[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_table().unwrap())
        };
        let stems: Vec<&str> = array("stem").map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(stems, ["Kick", "Bass", "Drums", "Synths", "Vocals", "FX"]);
        let returns: HashSet<&str> = array("return")
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(returns.contains("Reverb"));

        let mut types = HashSet::new();
        let mut collect = |inserts: &toml::Value| {
            for i in inserts.as_array().unwrap() {
                types.insert(i["type"].as_str().unwrap().to_owned());
            }
        };
        for s in array("stem") {
            assert!(s.keys().all(|k| STEM_KEYS.contains(&k.as_str())), "{s:?}");
            let mono = matches!(s["name"].as_str(), Some("Kick" | "Bass"));
            assert_eq!(s["channels"].as_integer(), Some(if mono { 1 } else { 2 }));
            collect(&s["inserts"]);
            for send in s["sends"].as_array().unwrap() {
                assert!(returns.contains(send["to"].as_str().unwrap()), "{send}");
            }
        }
        for r in array("return") {
            collect(&r["inserts"]);
        }
        let tracks: Vec<_> = array("track").collect();
        assert_eq!(tracks.len(), d.tracks().len());
        for (t, want) in tracks.iter().zip(d.tracks()) {
            assert!(t.keys().all(|k| TRACK_KEYS.contains(&k.as_str())), "{t:?}");
            assert_eq!(t["name"].as_str(), Some(want.name.as_str()));
            assert_eq!(t["file"].as_str(), Some(want.file_name.as_str()));
            assert_eq!(t["stem"].as_str(), Some(want.stem));
            assert!(stems.contains(&want.stem));
            assert_eq!(t["at"].as_float(), Some(want.at_seconds));
            assert_eq!(t["gain_db"].as_float(), Some(want.gain_db));
            assert_eq!(t["pan"].as_float(), Some(want.pan));
            if let Some(i) = t.get("inserts") {
                collect(i);
            }
        }
        if let Some(m) = doc.get("master").and_then(|m| m.get("inserts")) {
            collect(m);
        }
        if processing {
            for t in ["compressor", "saturation", "reverb", "delay", "limiter"] {
                assert!(types.contains(t), "{t} missing from {types:?}");
            }
            let reverb = &array("return")
                .find(|r| r["name"].as_str() == Some("Reverb"))
                .unwrap()["inserts"][0];
            assert_eq!(reverb["decay_s"].as_float(), Some(1.8));
            assert_eq!(reverb["predelay_ms"].as_float(), Some(20.0));
        } else {
            assert_eq!(
                types,
                ["eq", "gain"].map(str::to_owned).into_iter().collect()
            );
        }
    }
}

/// Power of `x` in frequency bands, summed over Hann-windowed frames of 2048 samples
/// taken at `starts`, by a plain DFT.
fn band_power(x: &[f32], starts: &[usize], sr: f64, edges: &[f64]) -> Vec<f64> {
    const N: usize = 2048;
    let twiddle: Vec<(f64, f64)> = (0..N)
        .map(|k| {
            let w = 2.0 * std::f64::consts::PI * k as f64 / N as f64;
            (w.cos(), -w.sin())
        })
        .collect();
    let mut power = vec![0.0; edges.len() - 1];
    for &s in starts {
        let frame: Vec<f64> = (0..N)
            .map(|n| f64::from(x[s + n]) * (0.5 - 0.5 * twiddle[n].0))
            .collect();
        for bin in 1..N / 2 {
            let (mut re, mut im) = (0.0, 0.0);
            for (n, &v) in frame.iter().enumerate() {
                let (c, s) = twiddle[(bin * n) % N];
                re += v * c;
                im += v * s;
            }
            let hz = bin as f64 * sr / N as f64;
            if let Some(b) = edges.windows(2).position(|e| (e[0]..e[1]).contains(&hz)) {
                power[b] += re * re + im * im;
            }
        }
    }
    power
}

/// Eight frames spread over where a track sounds (frames within 30 dB of its loudest).
fn sounding_frames(x: &[f32]) -> Vec<usize> {
    let energy = |s: usize| {
        x[s..s + 2048]
            .iter()
            .map(|v| f64::from(*v).powi(2))
            .sum::<f64>()
    };
    let candidates: Vec<usize> = (0..x.len() - 2048).step_by(2048).collect();
    let loudest = candidates.iter().map(|&s| energy(s)).fold(0.0, f64::max);
    let active: Vec<usize> = candidates
        .into_iter()
        .filter(|&s| energy(s) > loudest * 1e-3)
        .collect();
    (0..8).map(|k| active[k * active.len() / 8]).collect()
}

/// Share of the time (10 ms frames where the track sounds) spent within 10 dB of its
/// loud level: low for a drum that hits and dies, high for a held note.
fn sustain(x: &[f32], sr: f64) -> f64 {
    let n = (0.01 * sr) as usize;
    let mut e: Vec<f64> = x
        .chunks_exact(n)
        .map(|c| c.iter().map(|v| f64::from(*v).powi(2)).sum())
        .collect();
    e.retain(|&v| v > 0.0);
    let mut sorted = e.clone();
    sorted.sort_by(f64::total_cmp);
    let loud = sorted[sorted.len() * 95 / 100];
    let active: Vec<f64> = e.into_iter().filter(|&v| v > loud * 1e-4).collect();
    active.iter().filter(|&&v| v > loud * 0.1).count() as f64 / active.len() as f64
}

/// The later grouping by audio features relies on these: kick low and transient, bass
/// low and sustained, hats high, the drum pair broadband, vocals in the formant band.
#[test]
fn each_instrument_sounds_like_itself() {
    let d = &sixteen().demo;
    let sr = f64::from(d.options().sample_rate);
    let share = |name: &str, lo: f64, hi: f64| {
        let x = &render(d, index_of(d, name), &[4096])[0];
        let p = band_power(x, &sounding_frames(x), sr, &[0.0, lo, hi, sr / 2.0]);
        p[1] / p.iter().sum::<f64>()
    };
    let kick = share("Kick In", 20.0, 150.0);
    assert!(kick > 0.8, "kick below 150 Hz: {kick:.3}");
    let hats = share("Hi-Hat", 5_000.0, 24_000.0);
    assert!(hats > 0.9, "hats above 5 kHz: {hats:.3}");
    let vox = share("Lead Vox", 300.0, 3_000.0);
    assert!(vox > 0.8, "vocal in 300 Hz - 3 kHz: {vox:.3}");
    let bass = share("Bass DI", 20.0, 500.0);
    assert!(bass > 0.8, "bass below 500 Hz: {bass:.3}");
    let oh_top = share("OH", 2_000.0, 24_000.0);
    assert!(
        (0.2..0.9).contains(&oh_top),
        "overheads above 2 kHz: {oh_top:.3}"
    );

    let held = |name: &str| sustain(&render(d, index_of(d, name), &[4096])[0], sr);
    let (k, b) = (held("Kick In"), held("Bass DI"));
    assert!(k < 0.4 && b > 0.6, "sustain: kick {k:.2}, bass {b:.2}");
}

/// Extreme but valid options: tiny songs of one bar, low and high rates, slow and fast
/// tempos. Every file has its length, and every sample is finite and within ±1.
#[test]
fn extreme_options_still_give_sane_audio() {
    for (tracks, seconds, sample_rate, bpm) in [
        (6, 1.0, 8_000, 300.0),
        (31, 5.0, 192_000, 40.0),
        (47, 3.0, 22_050, 124.0),
    ] {
        let d = Demo::new(&DemoOptions {
            tracks,
            seconds,
            sample_rate,
            bpm,
            processing: false,
        })
        .expect("valid options");
        for (i, t) in d.tracks().iter().enumerate() {
            let audio = render(&d, i, &[1000]);
            assert!(
                audio.iter().all(|c| c.len() as u64 == t.frames),
                "{}",
                t.name
            );
            assert!(audio.iter().flatten().all(|x| x.is_finite()), "{}", t.name);
            let peak = audio.iter().flatten().fold(0.0_f32, |m, x| m.max(x.abs()));
            assert!(
                peak <= 1.0,
                "{} at {sample_rate} Hz, {bpm} BPM: peak {peak}",
                t.name
            );
        }
    }
}

/// Tracks can be synthesised on several threads at once.
#[test]
fn synths_can_move_to_other_threads() {
    fn send<T: Send>(_: &T) {}
    let d = demo(6, 5.0);
    send(&d.synth(0));
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let mut synth = d.synth(i);
            std::thread::spawn(move || {
                let mut buf = AudioBuffer::new(synth.channels(), 512);
                while synth.fill(&mut buf) > 0 {}
                synth.frames_left()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("thread"), 0);
    }
}
