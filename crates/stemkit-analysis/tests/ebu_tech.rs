//! EBU Tech 3341 (loudness meters, cases 1-6 and 9-23) and Tech 3342 (loudness range,
//! cases 1-4), with each test signal synthesised from its published definition.
//! Cases 7-8 of 3341 and 5-6 of 3342 are recorded programme, which cannot be rebuilt;
//! the music-like fixtures checked against pyloudnorm and ffmpeg stand in for them.

use std::f64::consts::PI;

use stemkit_analysis::{Meter, measure};
use stemkit_core::AudioBuffer;

const FS: u32 = 48_000;

/// A stereo 1 kHz sine, phase-continuous across segments of `(dBFS, seconds)`; `None`
/// is silence. "dBFS" is the peak level of each channel, as in the Tech documents.
fn tones(segments: &[(Option<f64>, f64)]) -> AudioBuffer {
    let mut out = Vec::new();
    for &(level, seconds) in segments {
        let amp = level.map_or(0.0, |db| 10f64.powf(db / 20.0));
        let n = (seconds * f64::from(FS)).round() as usize;
        let start = out.len();
        out.extend(
            (start..start + n)
                .map(|i| (amp * (2.0 * PI * 1000.0 * i as f64 / f64::from(FS)).sin()) as f32),
        );
    }
    AudioBuffer::from_channels(&[out.clone(), out])
}

fn on(db: f64, s: f64) -> (Option<f64>, f64) {
    (Some(db), s)
}

fn off(s: f64) -> (Option<f64>, f64) {
    (None, s)
}

/// Feeds `signal` in blocks of `block` frames, calling `each` after every block.
fn feed(
    meter: &mut Meter,
    signal: &AudioBuffer,
    block: usize,
    mut each: impl FnMut(&Meter, usize),
) {
    let mut buf = AudioBuffer::new(signal.channels(), block);
    let mut at = 0;
    while at < signal.frames() {
        let n = block.min(signal.frames() - at);
        buf.set_frames(n);
        for c in 0..signal.channels() {
            buf.channel_mut(c)
                .copy_from_slice(&signal.channel(c)[at..at + n]);
        }
        meter.add(&buf);
        at += n;
        each(meter, at);
    }
}

fn near(got: Option<f64>, want: f64, tol: f64, what: &str) {
    let got = got.unwrap_or_else(|| panic!("{what}: no reading"));
    assert!(
        (got - want).abs() <= tol,
        "{what}: {got:.3}, want {want} ± {tol}"
    );
}

#[test]
fn tech3341_cases_1_and_2_steady_tone() {
    for level in [-23.0, -33.0] {
        let m = measure(&tones(&[on(level, 20.0)]), FS).unwrap();
        near(m.integrated_lufs, level, 0.1, "I");
        near(m.max_momentary_lufs, level, 0.1, "max M");
        near(m.max_short_term_lufs, level, 0.1, "max S");
    }
}

#[test]
fn tech3341_cases_3_to_5_gating() {
    let cases: [Segments; 3] = [
        &[on(-36.0, 10.0), on(-23.0, 60.0), on(-36.0, 10.0)],
        &[
            on(-72.0, 10.0),
            on(-36.0, 10.0),
            on(-23.0, 60.0),
            on(-36.0, 10.0),
            on(-72.0, 10.0),
        ],
        &[on(-26.0, 20.0), on(-20.0, 20.1), on(-26.0, 20.0)],
    ];
    for (i, segments) in cases.iter().enumerate() {
        let m = measure(&tones(segments), FS).unwrap();
        near(m.integrated_lufs, -23.0, 0.1, &format!("case {}", i + 3));
    }
}

#[test]
fn tech3341_case_6_five_channels_weighted() {
    let n = 20 * FS as usize;
    let ch = |db: f64| -> Vec<f32> {
        let a = 10f64.powf(db / 20.0);
        (0..n)
            .map(|i| (a * (2.0 * PI * 1000.0 * i as f64 / f64::from(FS)).sin()) as f32)
            .collect()
    };
    // L, R, C, Ls, Rs: the surrounds carry +1.5 dB of weight.
    let signal =
        AudioBuffer::from_channels(&[ch(-28.0), ch(-28.0), ch(-24.0), ch(-30.0), ch(-30.0)]);
    near(
        measure(&signal, FS).unwrap().integrated_lufs,
        -23.0,
        0.1,
        "case 6",
    );
}

#[test]
fn tech3341_case_9_short_term_steady_after_3_s() {
    let segments: Vec<_> = (0..5)
        .flat_map(|_| [on(-20.0, 1.34), on(-30.0, 1.66)])
        .collect();
    let signal = tones(&segments);
    let mut meter = Meter::new(2, FS).unwrap();
    let mut checked = 0;
    feed(&mut meter, &signal, 480, |m, at| {
        if at >= 3 * FS as usize {
            near(m.short_term_lufs(), -23.0, 0.1, &format!("S at frame {at}"));
            checked += 1;
        }
    });
    assert!(checked > 1000);
}

#[test]
fn tech3341_case_10_max_short_term_wherever_the_burst_falls() {
    for i in 0..20 {
        let signal = tones(&[off(i as f64 * 0.15), on(-23.0, 3.0), off(1.0)]);
        near(
            measure(&signal, FS).unwrap().max_short_term_lufs,
            -23.0,
            0.1,
            &format!("segment {i}"),
        );
    }
}

#[test]
fn tech3341_case_11_max_short_term_follows_each_step() {
    let segments: Vec<_> = (0..20)
        .flat_map(|i| {
            let pre = i as f64 * 0.15;
            [off(pre), on(-38.0 + i as f64, 3.0), off(3.0 - pre)]
        })
        .collect();
    let signal = tones(&segments);
    let mut meter = Meter::new(2, FS).unwrap();
    let step = 6 * FS as usize;
    feed(&mut meter, &signal, 4800, |m, at| {
        if at % step == 0 {
            let i = at / step - 1;
            near(
                m.finish().max_short_term_lufs,
                -38.0 + i as f64,
                0.1,
                &format!("step {i}"),
            );
        }
    });
}

#[test]
fn tech3341_case_12_momentary_steady_after_1_s() {
    let segments: Vec<_> = (0..25)
        .flat_map(|_| [on(-20.0, 0.18), on(-30.0, 0.22)])
        .collect();
    let signal = tones(&segments);
    let mut meter = Meter::new(2, FS).unwrap();
    feed(&mut meter, &signal, 480, |m, at| {
        if at >= FS as usize {
            near(m.momentary_lufs(), -23.0, 0.1, &format!("M at frame {at}"));
        }
    });
}

#[test]
fn tech3341_case_13_max_momentary_wherever_the_burst_falls() {
    for i in 0..20 {
        let signal = tones(&[off(i as f64 * 0.02), on(-23.0, 0.4), off(1.0)]);
        near(
            measure(&signal, FS).unwrap().max_momentary_lufs,
            -23.0,
            0.1,
            &format!("segment {i}"),
        );
    }
}

#[test]
fn tech3341_case_14_max_momentary_follows_each_step() {
    let segments: Vec<_> = (0..20)
        .flat_map(|i| {
            let pre = i as f64 * 0.02;
            [off(pre), on(-38.0 + i as f64, 0.4), off(0.4 - pre)]
        })
        .collect();
    let signal = tones(&segments);
    let mut meter = Meter::new(2, FS).unwrap();
    let step = (0.8 * f64::from(FS)) as usize;
    feed(&mut meter, &signal, 480, |m, at| {
        if at % step == 0 {
            let i = at / step - 1;
            near(
                m.finish().max_momentary_lufs,
                -38.0 + i as f64,
                0.1,
                &format!("step {i}"),
            );
        }
    });
}

/// A stereo sine at `fs / divisor`, peak `amplitude`, starting at `phase_deg`, 1 s long
/// with 10 ms raised-cosine tapers at both ends.
fn tp_tone(divisor: f64, amplitude: f64, phase_deg: f64) -> AudioBuffer {
    let n = FS as usize;
    let taper = FS as usize / 100;
    let x: Vec<f32> = (0..n)
        .map(|i| {
            let edge = i.min(n - 1 - i);
            let w = if edge < taper {
                0.5 - 0.5 * (PI * edge as f64 / taper as f64).cos()
            } else {
                1.0
            };
            (w * amplitude * (2.0 * PI * i as f64 / divisor + phase_deg.to_radians()).sin()) as f32
        })
        .collect();
    AudioBuffer::from_channels(&[x.clone(), x])
}

/// True peak within the Tech 3341 tolerance of +0.2 / -0.4 dB.
fn true_peak_within(signal: &AudioBuffer, rate: u32, want: f64, what: &str) {
    let tp = measure(signal, rate)
        .expect("meter")
        .true_peak_dbtp
        .expect("a true peak");
    assert!(
        (want - 0.4..=want + 0.2).contains(&tp),
        "{what}: {tp:.3} dBTP, want {want} +0.2/-0.4"
    );
}

#[test]
fn tech3341_cases_15_to_19_inter_sample_peaks() {
    true_peak_within(&tp_tone(4.0, 0.5, 0.0), FS, -6.0, "case 15");
    true_peak_within(&tp_tone(4.0, 0.5, 45.0), FS, -6.0, "case 16");
    true_peak_within(&tp_tone(6.0, 0.5, 60.0), FS, -6.0, "case 17");
    true_peak_within(&tp_tone(8.0, 0.5, 67.5), FS, -6.0, "case 18");
    true_peak_within(&tp_tone(4.0, 1.41, 45.0), FS, 3.0, "case 19");
    // The sample peak of case 16 sits 3 dB below its true peak: the meter does interpolate.
    let sp = measure(&tp_tone(4.0, 0.5, 45.0), FS)
        .unwrap()
        .sample_peak_dbfs
        .unwrap();
    assert!((sp + 9.03).abs() < 0.05, "case 16 sample peak {sp:.3}");
}

/// Cases 20-23: a 0.5 FS sine at fs/6 holding one period of fs/4 at full scale,
/// synthesised at 4·fs, low-passed and decimated by 4 at each of the four phases.
#[test]
fn tech3341_cases_20_to_23_one_full_scale_period_at_every_decimation_phase() {
    let up = 4 * FS as usize;
    let n = up; // 1 s at 4·fs
    let splice = n / 2 / 24 * 24; // a zero crossing of the fs/6 tone (24 samples a period at 4·fs)
    let hi: Vec<f64> = (0..n)
        .map(|i| {
            if (splice..splice + 16).contains(&i) {
                (2.0 * PI * (i - splice) as f64 / 16.0).sin() // fs/4 at 4·fs: 16 samples
            } else {
                let j = if i < splice { i } else { i - 16 };
                0.5 * (2.0 * PI * j as f64 / 24.0).sin()
            }
        })
        .collect();
    // Windowed-sinc low-pass at 0.45·fs (of the target rate), Blackman window, 511 taps.
    let taps = 511;
    let cutoff = 0.45 / 4.0;
    let h: Vec<f64> = (0..taps)
        .map(|k| {
            let m = k as f64 - (taps - 1) as f64 / 2.0;
            let sinc = if m == 0.0 {
                2.0 * cutoff
            } else {
                (2.0 * PI * cutoff * m).sin() / (PI * m)
            };
            let w = 0.42 - 0.5 * (2.0 * PI * k as f64 / (taps - 1) as f64).cos()
                + 0.08 * (4.0 * PI * k as f64 / (taps - 1) as f64).cos();
            sinc * w
        })
        .collect();
    let filtered: Vec<f64> = (0..n)
        .map(|i| {
            (0..taps)
                .filter_map(|k| {
                    (i + k)
                        .checked_sub(taps / 2)
                        .and_then(|j| hi.get(j))
                        .map(|x| x * h[k])
                })
                .sum()
        })
        .collect();
    for offset in 0..4 {
        let x: Vec<f32> = filtered
            .iter()
            .skip(offset)
            .step_by(4)
            .map(|&v| v as f32)
            .collect();
        let signal = AudioBuffer::from_channels(&[x.clone(), x]);
        true_peak_within(&signal, FS, 0.0, &format!("case {}", 20 + offset));
    }
}

type Segments<'a> = &'a [(Option<f64>, f64)];

#[test]
fn tech3342_cases_1_to_4_loudness_range() {
    let cases: [(Segments, f64); 4] = [
        (&[on(-20.0, 20.0), on(-30.0, 20.0)], 10.0),
        (&[on(-20.0, 20.0), on(-15.0, 20.0)], 5.0),
        (&[on(-40.0, 20.0), on(-20.0, 20.0)], 20.0),
        (
            &[
                on(-50.0, 20.0),
                on(-35.0, 20.0),
                on(-20.0, 20.0),
                on(-35.0, 20.0),
                on(-50.0, 20.0),
            ],
            15.0,
        ),
    ];
    for (i, (segments, lra)) in cases.iter().enumerate() {
        let m = measure(&tones(segments), FS).unwrap();
        near(
            m.loudness_range_lu,
            *lra,
            1.0,
            &format!("3342 case {}", i + 1),
        );
    }
}

#[test]
fn dc_offset_and_dual_mono_are_seen() {
    let n = FS as usize;
    let tone: Vec<f32> = (0..n)
        .map(|i| (0.25 * (2.0 * PI * 440.0 * i as f64 / f64::from(FS)).sin()) as f32)
        .collect();
    let m = measure(
        &AudioBuffer::from_channels(&[tone.clone(), tone.clone()]),
        FS,
    )
    .unwrap();
    let st = m.stereo.unwrap();
    assert!(st.dual_mono);
    assert!((st.correlation.unwrap() - 1.0).abs() < 1e-9);

    let shifted: Vec<f32> = tone.iter().map(|s| s + 0.01).collect();
    let other: Vec<f32> = tone.iter().rev().copied().collect();
    let m = measure(&AudioBuffer::from_channels(&[shifted, other]), FS).unwrap();
    assert!((m.dc_offset[0] - 0.01).abs() < 1e-4, "{:?}", m.dc_offset);
    assert!(m.dc_offset[1].abs() < 1e-4);
    assert!(!m.stereo.unwrap().dual_mono);
}

#[test]
fn silence_reads_as_no_level_not_minus_infinity() {
    let m = measure(&AudioBuffer::new(2, FS as usize), FS).unwrap();
    assert_eq!(m.integrated_lufs, None);
    assert_eq!(m.true_peak_dbtp, None);
    assert_eq!(m.max_momentary_lufs, None);
    let json = serde_json::to_string(&m).unwrap();
    assert!(json.contains("\"integrated_lufs\":null"), "{json}");
}
