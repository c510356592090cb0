//! What each live control does to the sound, measured on two tones and a return, through
//! the offline driver with a capture file written by hand.

mod common;

use stemkit_live::render_automation;

/// Amplitude of `freq` over `n` frames from `at` (a whole number of cycles).
fn tone(x: &[f32], freq: f64, at: usize, n: usize) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / 48_000.0;
    let (re, im) = x[at..at + n]
        .iter()
        .enumerate()
        .fold((0.0, 0.0), |(re, im), (i, &v)| {
            let p = w * (at + i) as f64;
            (re + f64::from(v) * p.cos(), im - f64::from(v) * p.sin())
        });
    2.0 * (re * re + im * im).sqrt() / n as f64
}

#[test]
fn mute_solo_sends_returns_and_the_filter_do_what_they_say() {
    let dir = common::temp();
    common::write_wav(
        &dir.path().join("a.wav"),
        2,
        48_000,
        96_000,
        common::sine(440.0, 0.25),
    );
    common::write_wav(
        &dir.path().join("b.wav"),
        2,
        48_000,
        96_000,
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
stem = "A"

[[track]]
name = "B"
file = "b.wav"
stem = "B"

[[stem]]
name = "A"

[[stem]]
name = "B"

[[return]]
name = "R"
"#,
    );
    let auto = dir.path().join("mix.automation");
    std::fs::write(
        &auto,
        "# stemkit automation 1\n# sample_rate 48000\n# block 64\n\
         0 /stemkit/transport/play\n0 /stemkit/master/limiter 0\n\
         9600 /stemkit/stem/B/send/R 0\n\
         19200 /stemkit/stem/A/solo 1\n\
         28800 /stemkit/stem/A/solo 0\n28800 /stemkit/stem/B/mute 1\n\
         38400 /stemkit/stem/B/mute 0\n38400 /stemkit/return/R/mute 1\n\
         48000 /stemkit/stem/A/filter -1\n\
         57600 /stemkit/end\n",
    )
    .expect("automation");
    let out = dir.path().join("mix.wav");
    render_automation(&session, &auto, &out).expect("replay");
    let y = &common::read_wav(&out)[0];
    // The middle 0.1 s of each 0.2 s segment: well after every glide and the latency.
    let at = |segment: usize| segment * 9_600 + 2_400;
    let db = |a: f64| 20.0 * a.max(1e-12).log10();
    let level = |segment: usize, f: f64| db(tone(y, f, at(segment), 4_800));
    let unity = db(0.25);
    let near = |got: f64, want: f64, what: &str| {
        assert!(
            (got - want).abs() < 0.05,
            "{what}: {got:.2} dB, want {want:.2} dB"
        )
    };
    near(level(0, 440.0), unity, "A at the start");
    near(level(0, 1000.0), unity, "B at the start");
    // A send at 0 dB to a return with no inserts: B is heard twice (+6 dB).
    near(level(1, 1000.0), unity + 6.0206, "B plus its send");
    // Solo A: B and its send are gone, A stays.
    near(level(2, 440.0), unity, "A soloed");
    assert!(
        level(2, 1000.0) < -120.0,
        "B under A's solo: {}",
        level(2, 1000.0)
    );
    // Mute B: its send goes with it.
    assert!(level(3, 1000.0) < -120.0, "B muted: {}", level(3, 1000.0));
    near(level(3, 440.0), unity, "A while B is muted");
    // Mute the return: B is back, once.
    near(level(4, 1000.0), unity, "B with the return muted");
    // The filter hard left: a 60 Hz low-pass, 12 dB/oct: 440 Hz is down by about
    // 40 log10(440 / 60) = 34.6 dB (the analogue asymptote; the section is within 1 dB).
    let cut = level(5, 440.0) - unity;
    assert!(
        (cut + 34.6).abs() < 1.0,
        "A through the filter: {cut:.1} dB"
    );
    near(level(5, 1000.0), unity, "B untouched by A's filter");
}
