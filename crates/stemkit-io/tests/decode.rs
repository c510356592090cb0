//! Decoding the committed fixtures (see tests/fixtures/make_fixtures.sh) through
//! `SourceReader` at their own rate: PCM and FLAC bit-exact, lossy codecs close and on time.

mod common;

use common::*;
use stemkit_io::{IoError, SourceReader, probe};

const PCM_CASES: &[(&str, u32)] = &[
    ("pcm16.wav", 16),
    ("pcm24.wav", 24),
    ("pcm32.wav", 32),
    ("pcm24_ext.wav", 24),
    ("pcm16.aiff", 16),
    ("pcm24.aiff", 24),
    ("pcm16.flac", 16),
    ("pcm24.flac", 24),
];

#[test]
fn integer_pcm_and_flac_decode_exactly_in_any_block_size() {
    for &(name, bits) in PCM_CASES {
        let left = full_scale(&lcg_codes(bits), bits);
        let right = full_scale(&impulse_codes(bits), bits);
        for block in [1, 7, 256, 4096] {
            let got = decode_file(name, FIXTURE_RATE, 0.0, block);
            assert_eq!(got.len(), 2, "{name}");
            assert_eq!(got[0].len(), FIXTURE_FRAMES, "{name} block {block}");
            assert!(got[0] == left, "{name} block {block}: left channel differs");
            assert!(
                got[1] == right,
                "{name} block {block}: right channel differs"
            );
        }
    }
}

#[test]
fn int16_full_scale_is_code_over_32768() {
    let got = decode_file("pcm16.wav", FIXTURE_RATE, 0.0, 512);
    assert_eq!(got[0][10], 32767.0 / 32768.0);
    assert_eq!(got[0][11], -1.0);
    assert_eq!(got[1][1000], 32767.0 / 32768.0);
    assert_eq!(got[1][1500], -0.5);
}

#[test]
fn float_wav_passes_through_unclipped() {
    let mut want = full_scale(&lcg_codes(24), 24);
    want[12] = 1.5;
    let got = decode_file("float32.wav", FIXTURE_RATE, 0.0, 300);
    assert!(got[0] == want);
    assert!(got[1] == full_scale(&impulse_codes(24), 24));
}

#[test]
fn mono_stays_mono() {
    let got = decode_file("mono16.wav", FIXTURE_RATE, 0.0, 1000);
    assert_eq!(got.len(), 1);
    assert!(got[0] == full_scale(&lcg_codes(16), 16));
}

#[test]
fn probe_reads_the_header() {
    let cases = [
        ("pcm16.wav", "pcm_s16le", "wav", Some(16)),
        ("pcm24.wav", "pcm_s24le", "wav", Some(24)),
        ("pcm32.wav", "pcm_s32le", "wav", Some(32)),
        ("float32.wav", "pcm_f32le", "wav", Some(32)),
        ("pcm24_ext.wav", "pcm_s24le", "wav", Some(24)),
        ("pcm16.aiff", "pcm_s16be", "aiff", Some(16)),
        ("pcm24.aiff", "pcm_s24be", "aiff", Some(24)),
        ("pcm24.flac", "flac", "flac", Some(24)),
    ];
    for (name, codec, container, bits) in cases {
        let info = probe(&fixture(name)).unwrap();
        assert_eq!(
            (
                info.codec.as_str(),
                info.container.as_str(),
                info.bits_per_sample
            ),
            (codec, container, bits),
            "{name}"
        );
        assert_eq!(
            (info.sample_rate, info.channels),
            (FIXTURE_RATE, 2),
            "{name}"
        );
        assert_eq!(info.frames, Some(FIXTURE_FRAMES as u64), "{name}");
        assert_eq!(info.path, fixture(name));
    }
    let mp3 = probe(&fixture("tone.mp3")).unwrap();
    assert_eq!((mp3.codec.as_str(), mp3.container.as_str()), ("mp3", "mp3"));
    assert_eq!(
        (mp3.sample_rate, mp3.channels, mp3.bits_per_sample),
        (48_000, 2, None)
    );
    let ogg = probe(&fixture("tone.ogg")).unwrap();
    assert_eq!(
        (ogg.codec.as_str(), ogg.container.as_str()),
        ("vorbis", "ogg")
    );
}

#[test]
fn offsets_start_on_the_nearest_source_frame() {
    let full = decode_file("pcm24.wav", FIXTURE_RATE, 0.0, 4096);
    let frame = |f: f64| f / f64::from(FIXTURE_RATE);
    for (offset, first) in [
        (frame(1000.0), 1000),
        (frame(1000.4), 1000),
        (frame(1000.6), 1001),
        (frame(3.0), 3),
    ] {
        let mut r = SourceReader::open(&fixture("pcm24.wav"), FIXTURE_RATE, offset).unwrap();
        assert_eq!(r.remaining_frames(), Some((FIXTURE_FRAMES - first) as u64));
        let got = read_all(&mut r, 333).unwrap();
        assert!(got[0] == full[0][first..], "offset {offset}");
        assert!(got[1] == full[1][first..], "offset {offset}");
    }
}

#[test]
fn offsets_seek_the_same_in_every_lossless_format() {
    for &(name, _) in PCM_CASES {
        let full = decode_file(name, FIXTURE_RATE, 0.0, 4096);
        let got = decode_file(name, FIXTURE_RATE, 1234.0 / f64::from(FIXTURE_RATE), 100);
        assert!(
            got[0] == full[0][1234..] && got[1] == full[1][1234..],
            "{name}"
        );
    }
}

#[test]
fn negative_offset_leads_with_silence_and_past_the_end_yields_nothing() {
    let full = decode_file("pcm16.wav", FIXTURE_RATE, 0.0, 4096);
    let got = decode_file(
        "pcm16.wav",
        FIXTURE_RATE,
        -25.0 / f64::from(FIXTURE_RATE),
        64,
    );
    assert_eq!(got[0].len(), FIXTURE_FRAMES + 25);
    assert!(got[0][..25].iter().all(|&s| s == 0.0));
    assert!(got[0][25..] == full[0][..]);

    let mut r = SourceReader::open(&fixture("pcm16.wav"), FIXTURE_RATE, 10.0).unwrap();
    assert_eq!(r.remaining_frames(), Some(0));
    assert!(read_all(&mut r, 64).unwrap()[0].is_empty());
}

/// Best alignment of `got` against the analytic tone, searched over +-`range` frames,
/// compared over the frames `window`.
fn best_lag(
    got: &[f32],
    rate: f64,
    channel: usize,
    range: i64,
    window: std::ops::Range<usize>,
) -> (i64, f64) {
    let mut best = (0, f64::MAX);
    for lag in -range..=range {
        let mut err = 0.0;
        for (i, &g) in got.iter().enumerate().take(window.end).skip(window.start) {
            let t = (i as i64 - lag) as f64 / rate;
            let (l, r) = tone(t);
            let want = if channel == 0 { l } else { r };
            err += (f64::from(g) - want).powi(2);
        }
        if err < best.1 {
            best = (lag, err);
        }
    }
    best
}

#[test]
fn lossy_codecs_decode_gapless_and_on_time() {
    for name in ["tone.mp3", "tone.ogg"] {
        let info = probe(&fixture(name)).unwrap();
        assert_eq!(
            info.frames,
            Some(48_000),
            "{name}: encoder delay and padding must be trimmed"
        );
        let got = decode_file(name, 48_000, 0.0, 1000);
        assert_eq!(got[0].len(), 48_000, "{name}");
        // The 3 kHz burst on the right channel pins timing; the 1 kHz left channel too.
        for (ch, samples) in got.iter().enumerate() {
            let (lag, _) = best_lag(samples, 48_000.0, ch, 40, 2_000..46_000);
            assert_eq!(lag, 0, "{name} channel {ch} is {lag} frames late");
        }
        let want: Vec<f64> = (0..48_000)
            .map(|i| tone(f64::from(i) / 48_000.0).0)
            .collect();
        let err = max_err_db(&got[0][1000..47_000], &want[1000..47_000]);
        assert!(err < -30.0, "{name}: error {err:.1} dB");
        eprintln!("{name}: peak error on the 1 kHz channel {err:.1} dBFS");
    }
}

#[test]
fn lossy_offsets_match_decoding_from_the_start() {
    for name in ["tone.mp3", "tone.ogg"] {
        let full = decode_file(name, 48_000, 0.0, 4096);
        let start = 30_001;
        let got = decode_file(name, 48_000, f64::from(start) / 48_000.0, 500);
        assert_eq!(got[0].len(), 48_000 - start as usize, "{name}");
        let diff = got[1]
            .iter()
            .zip(&full[1][start as usize..])
            .fold(0.0_f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(diff < 1e-6, "{name}: seeking changes the audio by {diff}");
    }
}

fn open_err(name: &str) -> IoError {
    match SourceReader::open(&fixture(name), 48_000, 0.0) {
        Err(e) => e,
        Ok(mut r) => read_all(&mut r, 512).expect_err(&format!("{name} must fail")),
    }
}

#[test]
fn bad_files_give_errors_that_name_them() {
    type IsExpected = fn(&IoError) -> bool;
    let cases: [(&str, IsExpected); 5] = [
        ("not_audio.wav", |e| matches!(e, IoError::NotAudio { .. })),
        ("truncated.wav", |e| matches!(e, IoError::Truncated { .. })),
        ("truncated.flac", |e| matches!(e, IoError::Truncated { .. })),
        ("six_channels.wav", |e| {
            matches!(e, IoError::Channels { channels: 6, .. })
        }),
        ("missing.wav", |e| matches!(e, IoError::NotFound { .. })),
    ];
    for (name, is_expected) in cases {
        let e = open_err(name);
        let msg = e.to_string();
        eprintln!("{msg}");
        assert!(is_expected(&e), "{name}: {e:?}");
        assert!(
            msg.starts_with(&fixture(name).display().to_string()),
            "{msg}"
        );
        assert_eq!(e.path(), fixture(name));
    }
    assert!(
        open_err("six_channels.wav")
            .to_string()
            .ends_with("has 6 channels; stemkit v1 takes mono or stereo sources")
    );
    assert!(open_err("truncated.wav").to_string().contains("truncated"));
}

#[test]
fn reading_into_the_wrong_channel_count_is_an_error() {
    let mut r = SourceReader::open(&fixture("pcm16.wav"), FIXTURE_RATE, 0.0).unwrap();
    let mut mono = stemkit_core::AudioBuffer::new(1, 16);
    assert!(matches!(r.read(&mut mono), Err(IoError::Invalid { .. })));
}

#[test]
fn untagged_mp3_keeps_the_decoder_delay_and_promises_no_length() {
    let info = probe(&fixture("tone_notag.mp3")).unwrap();
    assert_eq!(
        info.frames, None,
        "a length guessed from the file size is not promised"
    );
    let mut r = SourceReader::open(&fixture("tone_notag.mp3"), 48_000, 0.0).unwrap();
    assert_eq!(r.remaining_frames(), None);
    let got = read_all(&mut r, 1000).unwrap();
    // Without the tag nothing says how much to trim: the burst comes late by LAME's
    // encoder delay plus the decoder's 529 frames, as in every player.
    // The burst sits at frame 24000.
    let (lag, _) = best_lag(&got[1], 48_000.0, 1, 1_300, 23_500..26_000);
    eprintln!(
        "untagged mp3: {} frames, burst {lag} frames late",
        got[0].len()
    );
    assert!(got[0].len() > 48_000);
    assert!((1_000..1_300).contains(&lag), "lag {lag}");
}
