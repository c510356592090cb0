//! Reverb: RT60 by Schroeder integration, tail, predelay, width, mix, level, linearity.

mod common;

use common::{MAX_BLOCK, prepared, recovers_after_non_finite, run};
use stemkit_dsp::biquad::{BiquadState, Coeffs};

/// -96 dBFS as an amplitude.
const SILENCE: f64 = 1.584_893_192_461_114e-5;

fn reverb(extra: &str) -> String {
    format!("type = \"reverb\"\n{extra}")
}

/// Response of a stereo reverb to a unit impulse into the left input only (or both when
/// `both`), `frames` long.
fn impulse_response(text: &str, rate: f64, frames: usize, both: bool) -> Vec<Vec<f32>> {
    let mut p = prepared(text, rate, 2);
    let mut x = vec![0.0_f32; frames];
    x[0] = 1.0;
    let r = if both { x.clone() } else { vec![0.0; frames] };
    run(p.as_mut(), &[x, r], None, MAX_BLOCK)
}

/// T30: the decay rate of the Schroeder backward-integrated energy between -5 and
/// -35 dB (least-squares line), extrapolated to 60 dB, in seconds.
fn t30(h: &[f64], rate: f64) -> f64 {
    let mut edc = vec![0.0; h.len()];
    let mut acc = 0.0;
    for i in (0..h.len()).rev() {
        acc += h[i] * h[i];
        edc[i] = acc;
    }
    let total = edc[0];
    let points: Vec<(f64, f64)> = edc
        .iter()
        .enumerate()
        .map(|(i, &e)| (i as f64 / rate, 10.0 * (e / total).log10()))
        .filter(|&(_, d)| (-35.0..=-5.0).contains(&d))
        .collect();
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(a, b), &(x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    -60.0 / (sxy / sxx)
}

fn as_f64(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| f64::from(v)).collect()
}

/// `x` through an octave band around `centre` (two Butterworth high-passes at
/// centre/√2 and two low-passes at centre·√2).
fn octave_band(x: &[f64], centre: f64, rate: f64) -> Vec<f64> {
    let q = std::f64::consts::FRAC_1_SQRT_2;
    let edge = std::f64::consts::SQRT_2;
    let sections = [
        Coeffs::highpass(centre / edge, q, rate),
        Coeffs::highpass(centre / edge, q, rate),
        Coeffs::lowpass(centre * edge, q, rate),
        Coeffs::lowpass(centre * edge, q, rate),
    ];
    let mut y = x.to_vec();
    for c in &sections {
        BiquadState::default().run(c, &mut y);
    }
    y
}

#[test]
fn rt60_without_damping_matches_decay_broadband() {
    for rate in [48_000.0, 44_100.0] {
        for decay in [0.5, 1.0, 2.0, 5.0] {
            let text = reverb(&format!("decay_s = {decay}\ndamping = 0.0"));
            let frames = ((2.0 * decay + 0.5) * rate) as usize;
            let ir = impulse_response(&text, rate, frames, false);
            for (side, ch) in ["L", "R"].iter().zip(&ir) {
                let t = t30(&as_f64(ch), rate);
                println!("{rate} Hz, decay {decay} s, {side}: T30 {t:.3} s");
                assert!(
                    (t / decay - 1.0).abs() < 0.10,
                    "{rate} Hz {side}: T30 {t} for {decay}"
                );
            }
        }
    }
}

/// What a user measures first: the broadband T30 of an impulse at the default damping.
#[test]
fn rt60_at_default_damping_matches_decay_broadband() {
    for rate in [48_000.0, 44_100.0] {
        for decay in [0.5, 1.0, 2.0, 5.0] {
            let text = reverb(&format!("decay_s = {decay}"));
            let h = impulse_response(&text, rate, (decay * rate * 1.6) as usize + 24_000, false);
            let t = t30(&as_f64(&h[0]), rate);
            assert!(
                (t / decay - 1.0).abs() < 0.1,
                "{rate} Hz, decay {decay} s: T30 {t:.3} s"
            );
        }
    }
}

#[test]
fn rt60_with_damping_matches_decay_in_the_mid_bands_and_highs_decay_faster() {
    // Damping makes the decay frequency dependent; decay_s is the RT60 of the lows and
    // mids (as rooms are rated, ISO 3382's T_mid), so it is measured in octave bands.
    for rate in [48_000.0, 44_100.0] {
        for (decay, damping) in [(0.5, 0.5), (2.0, 0.5), (5.0, 0.5), (2.0, 1.0)] {
            let text = reverb(&format!("decay_s = {decay}\ndamping = {damping}"));
            let frames = ((2.0 * decay + 0.5) * rate) as usize;
            let ir = as_f64(&impulse_response(&text, rate, frames, false)[0]);
            let [b500, b1k, b8k] =
                [500.0, 1000.0, 8000.0].map(|f| t30(&octave_band(&ir, f, rate), rate));
            let broad = t30(&ir, rate);
            println!(
                "{rate} Hz, decay {decay} s, damping {damping}: T30 500 Hz {b500:.3} s, 1 kHz {b1k:.3} s, \
                 8 kHz {b8k:.3} s, broadband {broad:.3} s"
            );
            for (band, t) in [("500 Hz", b500), ("1 kHz", b1k)] {
                assert!(
                    (t / decay - 1.0).abs() < 0.10,
                    "{rate} Hz: {band} T30 {t} for {decay}"
                );
            }
            assert!(
                b8k < 0.85 * b500,
                "{rate} Hz: 8 kHz T30 {b8k} not shorter than {b500}"
            );
        }
    }
}

#[test]
fn tail_covers_the_decay_to_minus_96_dbfs() {
    // (parameters, whether the tail must also be tight: without damping every frequency
    // decays at the rate the tail assumes).
    let cases = [
        ("decay_s = 0.5\ndamping = 0.0\nsize = 0.0", true),
        (
            "decay_s = 0.5\ndamping = 1.0\nsize = 1.0\npredelay_ms = 500.0",
            false,
        ),
        ("decay_s = 2.0", false),
        (
            "decay_s = 5.0\ndamping = 0.0\nsize = 1.0\npredelay_ms = 120.0",
            true,
        ),
        ("decay_s = 1.0\nwidth = 0.0\ndamping = 0.0", true),
        ("decay_s = 0.1\nsize = 1.0", false),
        ("decay_s = 0.1\nsize = 0.0\ndamping = 0.0", false),
        ("decay_s = 20.0\nsize = 0.2\ndamping = 0.0", true),
    ];
    for (extra, tight) in cases {
        let text = reverb(extra);
        let tail = prepared(&text, 48_000.0, 2).tail();
        let ir = impulse_response(&text, 48_000.0, tail + 24_000, true);
        let last_loud = ir
            .iter()
            .filter_map(|ch| ch.iter().rposition(|&v| f64::from(v).abs() >= SILENCE))
            .max()
            .unwrap();
        println!("{extra:?}: tail {tail}, last sample above -96 dBFS {last_loud}");
        assert!(
            last_loud < tail,
            "{extra:?}: loud at {last_loud}, tail {tail}"
        );
        if tight {
            assert!(
                tail < last_loud + last_loud * 3 / 10,
                "{extra:?}: tail {tail} for {last_loud}"
            );
        }
    }
}

#[test]
fn predelay_shifts_the_response_by_exact_samples() {
    for (rate, ms, samples) in [
        (48_000.0, 20.0, 960),
        (44_100.0, 20.0, 882),
        (48_000.0, 10.01, 480),
    ] {
        let base = impulse_response(&reverb("decay_s = 0.3"), rate, 20_000, false);
        let text = reverb(&format!("decay_s = 0.3\npredelay_ms = {ms}"));
        let shifted = impulse_response(&text, rate, 20_000, false);
        for (b, s) in base.iter().zip(&shifted) {
            assert!(
                s[..samples].iter().all(|&v| v == 0.0),
                "{ms} ms: output before the predelay"
            );
            assert_eq!(
                &s[samples..],
                &b[..b.len() - samples],
                "{ms} ms at {rate} Hz"
            );
        }
    }
}

#[test]
fn width_zero_is_mono_and_full_width_is_decorrelated() {
    let mono = impulse_response(&reverb("width = 0.0"), 48_000.0, 48_000, false);
    assert_eq!(mono[0], mono[1]);
    // Interaural-style correlation of the two outputs, for a source on one side and in
    // the centre.
    for both in [false, true] {
        let wide = impulse_response(&reverb("width = 1.0"), 48_000.0, 48_000, both);
        let (l, r) = (as_f64(&wide[0]), as_f64(&wide[1]));
        let dot: f64 = l.iter().zip(&r).map(|(a, b)| a * b).sum();
        let norm =
            (l.iter().map(|a| a * a).sum::<f64>() * r.iter().map(|b| b * b).sum::<f64>()).sqrt();
        let corr = dot / norm;
        println!("both inputs {both}: L/R correlation {corr:.3}");
        assert!(
            corr.abs() < 0.2,
            "both inputs {both}: L/R correlation {corr}"
        );
    }
    let wide = impulse_response(&reverb("width = 1.0"), 48_000.0, 48_000, false);
    // The mid is the same whatever the width.
    for i in 0..48_000 {
        let m = 0.5 * (wide[0][i] + wide[1][i]);
        assert!((m - mono[0][i]).abs() < 1e-6, "mid differs at {i}");
    }
}

#[test]
fn mix_blends_dry_and_wet_and_mono_bus_is_the_mid() {
    let x = common::noise(24_000, 5);
    let wet = {
        let mut p = prepared(&reverb("decay_s = 0.8"), 48_000.0, 2);
        run(p.as_mut(), &[x.clone(), x.clone()], None, MAX_BLOCK)
    };
    let mut p = prepared(&reverb("decay_s = 0.8\nmix = 0.3"), 48_000.0, 2);
    let mixed = run(p.as_mut(), &[x.clone(), x.clone()], None, MAX_BLOCK);
    for c in 0..2 {
        for i in 0..x.len() {
            let expected = 0.7 * x[i] + 0.3 * wet[c][i];
            assert!((mixed[c][i] - expected).abs() < 1e-6, "ch {c} sample {i}");
        }
    }
    let mut dry = prepared(&reverb("mix = 0.0"), 48_000.0, 2);
    assert_eq!(
        run(dry.as_mut(), &[x.clone(), x.clone()], None, MAX_BLOCK)[0],
        x
    );
    // One channel: the input feeds both sides, the output is (L + R) / 2.
    let mut m = prepared(&reverb("decay_s = 0.8"), 48_000.0, 1);
    let mono = run(m.as_mut(), std::slice::from_ref(&x), None, MAX_BLOCK).remove(0);
    for i in 0..x.len() {
        let mid = 0.5 * (wet[0][i] + wet[1][i]);
        assert!((mono[i] - mid).abs() < 1e-6, "mono bus differs at {i}");
    }
}

#[test]
fn level_is_unity_energy_at_the_default_decay_whatever_the_size() {
    for (decay, expected_db) in [(1.5, 0.0), (3.0, 3.01)] {
        for size in [0.0, 0.5, 1.0] {
            let text = reverb(&format!("decay_s = {decay}\ndamping = 0.0\nsize = {size}"));
            let ir = impulse_response(&text, 48_000.0, (decay * 2.5 * 48_000.0) as usize, false);
            for ch in &ir {
                let energy_db = 10.0
                    * ch.iter()
                        .map(|&v| f64::from(v).powi(2))
                        .sum::<f64>()
                        .log10();
                println!("decay {decay}, size {size}: Σh² {energy_db:.2} dB");
                assert!(
                    (energy_db - expected_db).abs() < 1.5,
                    "decay {decay} size {size}: {energy_db:.2} dB"
                );
            }
        }
    }
}

#[test]
fn superposition_and_time_invariance_hold() {
    let a = common::noise(30_000, 11);
    let b: Vec<f32> = common::noise(30_000, 12).iter().map(|v| 0.5 * v).collect();
    let sum: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    let text = reverb("decay_s = 1.0\npredelay_ms = 7.0");
    let out = |x: &[f32]| {
        let mut p = prepared(&text, 48_000.0, 2);
        let silent = vec![0.0; x.len()];
        run(p.as_mut(), &[x.to_vec(), silent], None, MAX_BLOCK)
    };
    let (ya, yb, ys) = (out(&a), out(&b), out(&sum));
    for c in 0..2 {
        let err = (0..a.len()).fold(0.0_f32, |m, i| {
            m.max((ys[c][i] - ya[c][i] - yb[c][i]).abs())
        });
        assert!(err < 1e-5, "superposition error {err}");
    }
    // The same input 777 samples later gives the same output 777 samples later.
    let late: Vec<f32> = std::iter::repeat_n(0.0, 777)
        .chain(a.iter().copied())
        .collect();
    let yl = out(&late);
    for c in 0..2 {
        assert_eq!(&yl[c][777..], &ya[c][..a.len()], "time-variant");
    }
}

#[test]
fn silence_decays_to_exact_zeros_not_subnormals() {
    let mut p = prepared(&reverb("decay_s = 0.3\ndamping = 0.7"), 48_000.0, 2);
    let mut x = common::noise(4800, 9);
    x.extend(std::iter::repeat_n(0.0, 48_000 * 8));
    let y = run(p.as_mut(), &[x.clone(), x], None, MAX_BLOCK);
    for ch in &y {
        assert!(
            ch.iter().all(|v| *v == 0.0 || v.is_normal()),
            "subnormal output"
        );
        assert!(
            ch[48_000 * 7..].iter().all(|v| *v == 0.0),
            "not silent after 7 s"
        );
    }
}

#[test]
fn recovers_after_nan_and_infinity() {
    let signal = common::sine(330.0, 0.5, 0.0, 48_000.0, 96_000);
    recovers_after_non_finite(
        &reverb("decay_s = 0.5\npredelay_ms = 30.0"),
        48_000.0,
        2,
        &signal,
    );
    recovers_after_non_finite(&reverb("decay_s = 0.5"), 48_000.0, 1, &signal);
}
