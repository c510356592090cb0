//! The meter against pyloudnorm and ffmpeg's ebur128 filter on music-like fixtures.
//! `tests/fixtures/make_loudness_fixtures.py` wrote the WAVs and the reference figures.

use std::path::PathBuf;

use stemkit_analysis::Meter;
use stemkit_core::AudioBuffer;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Decodes a fixture with hound, independent of stemkit-io, and meters it in 4096-frame
/// blocks as the render does.
fn meter_file(name: &str) -> stemkit_analysis::Measurements {
    let mut reader = hound::WavReader::open(fixtures().join(name)).expect("fixture opens");
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    let scale = 1.0 / (1_i64 << (spec.bits_per_sample - 1)) as f32;
    let samples: Vec<f32> = reader
        .samples::<i32>()
        .map(|s| s.expect("fixture decodes") as f32 * scale)
        .collect();
    let mut meter = Meter::new(channels, spec.sample_rate).expect("meter takes the fixture");
    let mut block = AudioBuffer::new(channels, 4096);
    for frames in samples.chunks(4096 * channels) {
        block.set_frames(frames.len() / channels);
        for (c, ch) in block.channels_mut().enumerate() {
            for (d, s) in ch.iter_mut().zip(frames.iter().skip(c).step_by(channels)) {
                *d = *s;
            }
        }
        meter.add(&block);
    }
    meter.finish()
}

fn within(what: &str, ours: Option<f64>, theirs: &serde_json::Value, tol: f64) {
    let ours = ours.unwrap_or_else(|| panic!("{what}: no reading"));
    let theirs = theirs
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: no reference"));
    assert!(
        (ours - theirs).abs() <= tol,
        "{what}: ours {ours:.3}, reference {theirs:.3}, tolerance {tol}"
    );
}

#[test]
fn agrees_with_pyloudnorm_and_ffmpeg() {
    let text = std::fs::read_to_string(fixtures().join("loudness_references.json")).unwrap();
    let refs: serde_json::Value = serde_json::from_str(&text).unwrap();
    let list = refs["fixtures"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    for r in list {
        let name = r["file"].as_str().unwrap();
        let m = meter_file(name);
        let ff = &r["ffmpeg"];
        within(
            &format!("{name} I vs pyloudnorm"),
            m.integrated_lufs,
            &r["pyloudnorm"]["integrated_lufs"],
            0.1,
        );
        within(
            &format!("{name} I vs ffmpeg"),
            m.integrated_lufs,
            &ff["integrated_lufs"],
            0.1,
        );
        within(
            &format!("{name} LRA vs ffmpeg"),
            m.loudness_range_lu,
            &ff["loudness_range_lu"],
            0.1,
        );
        within(
            &format!("{name} max S vs ffmpeg"),
            m.max_short_term_lufs,
            &ff["max_short_term_lufs"],
            0.1,
        );
        // ffmpeg prints linear peaks with three decimals: 0.01 dB is its own resolution.
        within(
            &format!("{name} sample peak vs ffmpeg"),
            m.sample_peak_dbfs,
            &ff["sample_peak_dbfs"],
            0.01,
        );
        within(
            &format!("{name} true peak vs ffmpeg"),
            m.true_peak_dbtp,
            &ff["true_peak_dbtp"],
            0.1,
        );
        // ffmpeg reads momentary at 10 Hz, this meter at 100 Hz, so it can only see more.
        let ours = m.max_momentary_lufs.unwrap();
        let theirs = ff["max_momentary_lufs"].as_f64().unwrap();
        assert!(
            (-0.05..=0.3).contains(&(ours - theirs)),
            "{name} max M: ours {ours:.3}, ffmpeg {theirs:.3}"
        );
    }
}
