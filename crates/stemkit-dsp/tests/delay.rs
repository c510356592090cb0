//! Delay: synced times on the exact sample, feedback per echo, filters in the loop,
//! ping-pong, tail, linearity.

mod common;

use common::{MAX_BLOCK, prepared, recovers_after_non_finite, run, spec};
use stemkit_core::Processor;
use stemkit_dsp::Delay;
use stemkit_dsp::params::{InsertSpec, ParamContext};

const RATE: f64 = 48_000.0;
/// -96 dBFS as an amplitude.
const SILENCE: f64 = 1.584_893_192_461_114e-5;

fn delay(extra: &str) -> String {
    format!("type = \"delay\"\n{extra}")
}

/// A delay at `bpm` (the shared helper prepares at 120 bpm).
fn delay_at(text: &str, bpm: f64, channels: usize) -> Delay {
    let InsertSpec::Delay(params) = common::insert(text) else {
        panic!("not a delay: {text}")
    };
    let ctx = ParamContext {
        sample_rate: RATE,
        bpm: Some(bpm),
    };
    let mut d = Delay::new(&params, &ctx).expect("delay builds");
    d.prepare(spec(RATE, channels));
    d
}

fn impulse(frames: usize) -> Vec<f32> {
    let mut x = vec![0.0; frames];
    x[0] = 1.0;
    x
}

#[test]
fn synced_echoes_land_on_the_exact_sample() {
    // (time, bpm, samples): note values at 120 bpm are whole samples at 48 kHz; at 124 bpm
    // 1/8t is 7741.94 samples and 1/8. is 17419.35, rounded to the nearest sample.
    let cases = [
        ("\"1/4\"", 120.0, 24_000),
        ("\"1/8.\"", 120.0, 18_000),
        ("\"1/8t\"", 120.0, 8_000),
        ("\"1/8t\"", 124.0, 7_742),
        ("\"1/8.\"", 124.0, 17_419),
        ("\"1/16\"", 124.0, 5_806),
        ("250.0", 124.0, 12_000),
        ("10.01", 124.0, 480),
    ];
    for (time, bpm, samples) in cases {
        let mut d = delay_at(&delay(&format!("time = {time}\nfeedback = 0.0")), bpm, 1);
        assert_eq!(d.delay_samples(), samples, "{time} at {bpm} bpm");
        let y = run(&mut d, &[impulse(samples + 100)], None, MAX_BLOCK).remove(0);
        let nonzero: Vec<usize> = (0..y.len()).filter(|&i| y[i] != 0.0).collect();
        assert_eq!(nonzero, [samples], "{time} at {bpm} bpm");
        assert_eq!(y[samples], 1.0);
    }
}

#[test]
fn each_echo_is_feedback_times_the_one_before() {
    let mut p = prepared(&delay("time = \"1/8\"\nfeedback = 0.5"), RATE, 1);
    let n = 12_000;
    let y = run(p.as_mut(), &[impulse(n * 8 + 10)], None, MAX_BLOCK).remove(0);
    for (i, &v) in y.iter().enumerate() {
        let expected = if i > 0 && i % n == 0 {
            0.5_f32.powi((i / n) as i32 - 1)
        } else {
            0.0
        };
        assert_eq!(v, expected, "sample {i}");
    }
}

/// Magnitude at `freq` of the 2nd-order Butterworth low-pass (or high-pass) with corner
/// `corner`, bilinear with pre-warping: 1 / sqrt(1 + (Ω/Ωc)^±4), Ω = tan(π f / fs).
fn butterworth(freq: f64, corner: f64, highpass: bool) -> f64 {
    let w = |f: f64| (std::f64::consts::PI * f / RATE).tan();
    let ratio = if highpass {
        w(corner) / w(freq)
    } else {
        w(freq) / w(corner)
    };
    1.0 / (1.0 + ratio.powi(4)).sqrt()
}

#[test]
fn filters_in_the_loop_shape_every_pass() {
    // Echo k has passed the filters k times: the spectrum of echo k+1 over that of echo k
    // is feedback · |H_hp · H_lp| at every frequency.
    let n = 24_000;
    let text = delay("time = \"1/4\"\nfeedback = 0.6\nlowcut = 200.0\nhighcut = 5000.0");
    let mut p = prepared(&text, RATE, 1);
    let y = run(p.as_mut(), &[impulse(n * 4)], None, MAX_BLOCK).remove(0);
    let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let echo = |k: usize| {
        let mut seg: Vec<f64> = y[k * n..(k + 1) * n]
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        let mut out = fft.make_output_vec();
        fft.process(&mut seg, &mut out).expect("FFT sizes match");
        out
    };
    let (e1, e2, e3) = (echo(1), echo(2), echo(3));
    // 24000 points at 48 kHz: 2 Hz bins.
    for freq in [60.0, 200.0, 1000.0, 3000.0, 5000.0, 10_000.0] {
        let bin = (freq / 2.0) as usize;
        let h = butterworth(freq, 200.0, true) * butterworth(freq, 5000.0, false);
        // Echo 1 has passed the filters once, with no feedback yet.
        let first = e1[bin].norm();
        assert!(
            (first / h - 1.0).abs() < 1e-3,
            "{freq} Hz: echo 1 {first}, |H| {h}"
        );
        for (a, b) in [(&e1, &e2), (&e2, &e3)] {
            let ratio = b[bin].norm() / a[bin].norm();
            assert!(
                (ratio / (0.6 * h) - 1.0).abs() < 1e-3,
                "{freq} Hz: ratio {ratio}, expected {}",
                0.6 * h
            );
        }
    }
}

#[test]
fn pingpong_alternates_left_and_right() {
    let n = 12_000;
    let mut p = prepared(
        &delay("time = \"1/8\"\nfeedback = 0.5\npingpong = true"),
        RATE,
        2,
    );
    // A centred source: both channels carry the impulse.
    let y = run(
        p.as_mut(),
        &[impulse(n * 5 + 10), impulse(n * 5 + 10)],
        None,
        MAX_BLOCK,
    );
    for k in 1..=5 {
        let (on, off) = if k % 2 == 1 { (0, 1) } else { (1, 0) };
        assert_eq!(y[on][k * n], 0.5_f32.powi(k as i32 - 1), "echo {k}");
        assert_eq!(y[off][k * n], 0.0, "echo {k} on the wrong side");
    }
    let count = |ch: &[f32]| ch.iter().filter(|v| **v != 0.0).count();
    assert_eq!((count(&y[0]), count(&y[1])), (3, 2));
    // Without ping-pong each side echoes itself only.
    let mut plain = prepared(&delay("time = \"1/8\"\nfeedback = 0.5"), RATE, 2);
    let y = run(
        plain.as_mut(),
        &[impulse(n * 3 + 10), vec![0.0; n * 3 + 10]],
        None,
        MAX_BLOCK,
    );
    assert_eq!((y[0][n], y[0][2 * n], count(&y[1])), (1.0, 0.5, 0));
    // On a mono bus there is nothing to alternate: a plain mono delay.
    let mut mono = prepared(
        &delay("time = \"1/8\"\nfeedback = 0.5\npingpong = true"),
        RATE,
        1,
    );
    let y = run(mono.as_mut(), &[impulse(n * 3 + 10)], None, MAX_BLOCK).remove(0);
    assert_eq!((y[n], y[2 * n], y[3 * n]), (1.0, 0.5, 0.25));
}

#[test]
fn tail_follows_feedback_to_minus_96_db() {
    // Without filters: the last echo at or above -96 dBFS is echo 1 + ⌊ln(-96 dB)/ln(fb)⌋.
    for (fb, echoes) in [(0.0, 1), (0.5, 16), (0.8, 50)] {
        let p = prepared(&delay(&format!("time = 100.0\nfeedback = {fb}")), RATE, 2);
        let analytic = 1 + if fb > 0.0 {
            (SILENCE.ln() / f64::ln(fb)).floor() as usize
        } else {
            0
        };
        assert_eq!(analytic, echoes);
        assert_eq!(p.tail(), echoes * 4800, "feedback {fb}");
    }
    // Capped at 30 s.
    let p = prepared(&delay("time = \"1/4\"\nfeedback = 0.95"), RATE, 2);
    assert_eq!(p.tail(), 30 * 48_000);
    // With filters the loop rings a little longer; the response after tail() is silent.
    for extra in [
        "time = 10.0\nfeedback = 0.9\nlowcut = 20.0",
        "time = 3.0\nfeedback = 0.9\nhighcut = 20.0",
        "time = \"1/16\"\nfeedback = 0.7\nlowcut = 300.0\nhighcut = 2000.0",
    ] {
        let text = delay(extra);
        let mut p = prepared(&text, RATE, 1);
        let tail = p.tail();
        let y = run(p.as_mut(), &[impulse(tail + 48_000)], None, MAX_BLOCK).remove(0);
        let last_loud = y
            .iter()
            .rposition(|&v| f64::from(v).abs() >= SILENCE)
            .unwrap();
        assert_eq!(last_loud, tail, "{extra:?}");
    }
}

#[test]
fn mix_and_superposition() {
    let text =
        delay("time = \"1/16\"\nfeedback = 0.6\nlowcut = 150.0\nhighcut = 6000.0\npingpong = true");
    let a = common::noise(40_000, 21);
    let b = common::noise(40_000, 22);
    let out = |l: &[f32], r: &[f32], text: &str| {
        let mut p = prepared(text, RATE, 2);
        run(p.as_mut(), &[l.to_vec(), r.to_vec()], None, MAX_BLOCK)
    };
    let silent = vec![0.0; a.len()];
    let (ya, yb, yab) = (
        out(&a, &silent, &text),
        out(&silent, &b, &text),
        out(&a, &b, &text),
    );
    for c in 0..2 {
        let err = (0..a.len()).fold(0.0_f32, |m, i| {
            m.max((yab[c][i] - ya[c][i] - yb[c][i]).abs())
        });
        assert!(err < 1e-5, "superposition error {err}");
    }
    let mixed = out(&a, &b, &format!("{text}\nmix = 0.4"));
    for (c, x) in [&a, &b].into_iter().enumerate() {
        for i in 0..x.len() {
            let expected = 0.6 * x[i] + 0.4 * yab[c][i];
            assert!((mixed[c][i] - expected).abs() < 1e-6, "ch {c} sample {i}");
        }
    }
}

#[test]
fn silence_decays_to_exact_zeros_not_subnormals() {
    let mut p = prepared(
        &delay("time = 5.0\nfeedback = 0.9\nhighcut = 3000.0\nlowcut = 40.0"),
        RATE,
        1,
    );
    let mut x = common::noise(4800, 4);
    x.extend(std::iter::repeat_n(0.0, 48_000 * 6));
    let y = run(p.as_mut(), &[x], None, MAX_BLOCK).remove(0);
    assert!(
        y.iter().all(|v| *v == 0.0 || v.is_normal()),
        "subnormal output"
    );
    assert!(
        y[48_000 * 5..].iter().all(|v| *v == 0.0),
        "not silent after 5 s"
    );
}

#[test]
fn recovers_after_nan_and_infinity() {
    let signal = common::sine(220.0, 0.5, 0.0, RATE, 96_000);
    let text = delay("time = 100.0\nfeedback = 0.5\nlowcut = 100.0\nhighcut = 8000.0");
    recovers_after_non_finite(&text, RATE, 2, &signal);
    recovers_after_non_finite(&format!("{text}\npingpong = true"), RATE, 2, &signal);
    recovers_after_non_finite(&text, RATE, 1, &signal);
}
