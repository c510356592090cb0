//! The limiter's output true peak, measured by an interpolator of this test (8×, 128-tap
//! Kaiser-windowed sinc per phase: independent of, and far longer than, the limiter's own
//! 4× detector), and its latency.

mod common;

use std::f64::consts::PI;

use common::{db, insert, noise, prepared, run, sine};
use stemkit_core::{AudioBuffer, Processor};
use stemkit_dsp::Limiter;
use stemkit_dsp::params::InsertSpec;

const OVERSAMPLE: usize = 8;
const HALF: i64 = 64;

fn bessel_i0(x: f64) -> f64 {
    (1..60)
        .scan(1.0, |t, k| {
            *t *= (x / (2.0 * f64::from(k))).powi(2);
            Some(*t)
        })
        .sum::<f64>()
        + 1.0
}

/// Largest magnitude of the band-limited reconstruction of `x` (zeros outside), on an
/// 8× grid.
fn true_peak(x: &[f32]) -> f64 {
    let beta = 12.0;
    let kernel: Vec<Vec<f64>> = (0..OVERSAMPLE)
        .map(|j| {
            let frac = j as f64 / OVERSAMPLE as f64;
            (-HALF + 1..=HALF)
                .map(|k| {
                    let d = frac - k as f64;
                    let sinc = if d == 0.0 {
                        1.0
                    } else {
                        (PI * d).sin() / (PI * d)
                    };
                    let w = (1.0 - (d / HALF as f64).powi(2)).max(0.0).sqrt();
                    sinc * bessel_i0(beta * w) / bessel_i0(beta)
                })
                .collect()
        })
        .collect();
    let n = x.len() as i64;
    let mut peak = 0.0_f64;
    for i in 0..n {
        for phase in &kernel {
            let mut y = 0.0;
            for (t, k) in (-HALF + 1..=HALF).enumerate() {
                let idx = i + k;
                if (0..n).contains(&idx) {
                    y += f64::from(x[idx as usize]) * phase[t];
                }
            }
            peak = peak.max(y.abs());
        }
    }
    peak
}

/// The hard cases: a quarter-rate sine sampled at ±45° with full-scale samples (true peak
/// +3 dBTP), naive full-scale square waves (period 10 has a component at Nyquist), clipped
/// drums, material 12 dB over, and a loud sine close to Nyquist.
fn hard_signals(rate: f64) -> Vec<(&'static str, Vec<f32>)> {
    let frames = (0.5 * rate) as usize;
    let quarter: Vec<f32> = (0..frames)
        .map(|n| (2f64.sqrt() * (PI / 2.0 * n as f64 + PI / 4.0).sin()) as f32)
        .collect();
    let square = |period: usize| -> Vec<f32> {
        (0..frames)
            .map(|n| if (n % period) < period / 2 { 1.0 } else { -1.0 })
            .collect()
    };
    let beat = (0.25 * rate) as usize;
    let hiss = noise(frames, 7);
    let drums: Vec<f32> = (0..frames)
        .map(|n| {
            let t = (n % beat) as f64 / rate;
            let kick = (2.0 * PI * (50.0 * t + 300.0 * (1.0 - (-t / 0.03).exp()) * 0.03)).sin()
                * (-t / 0.15).exp();
            let snare = if (n / beat) % 2 == 1 {
                f64::from(hiss[n]) * (-t / 0.08).exp()
            } else {
                0.0
            };
            let hat = f64::from(hiss[(n * 7) % frames] - hiss[(n * 7 + 1) % frames])
                * (-t / 0.02).exp()
                * 0.5;
            (3.0 * (kick + snare + hat)).clamp(-1.0, 1.0) as f32
        })
        .collect();
    let mut hot: Vec<f32> = (0..frames)
        .map(|n| {
            let t = n as f64 / rate;
            let tones: f64 = [
                (61.0, 1.0),
                (440.0, 0.6),
                (1234.5, 0.4),
                (5003.0, 0.3),
                (11_025.5, 0.25),
            ]
            .iter()
            .map(|&(f, a)| a * (2.0 * PI * f * t).sin())
            .sum();
            tones + 0.3 * f64::from(hiss[n])
        })
        .map(|s| s as f32)
        .collect();
    let scale = 4.0 / common::peak(&hot) as f32;
    hot.iter_mut().for_each(|s| *s *= scale);
    vec![
        ("quarter-rate sine at 45°", quarter),
        ("square period 48", square(48)),
        ("square period 10", square(10)),
        ("square period 7", square(7)),
        ("clipped drums", drums),
        ("+12 dB material", hot),
        (
            "sine at 0.45 × rate, +6 dB",
            sine(0.45 * rate, 2.0, 0.7, rate, frames),
        ),
    ]
}

#[test]
fn reference_meter_reads_known_true_peaks() {
    // Faded in and out over 200 samples, so the edges add no overshoot of their own.
    let fade = |x: Vec<f32>| -> Vec<f32> {
        let n = x.len();
        x.iter()
            .enumerate()
            .map(|(i, &s)| s * (i.min(n - 1 - i) as f32 / 200.0).min(1.0))
            .collect()
    };
    let quarter = fade(
        (0..4000)
            .map(|n| (PI / 2.0 * f64::from(n) + PI / 4.0).sin() as f32)
            .collect(),
    );
    assert!(
        db(true_peak(&quarter)).abs() < 0.01,
        "{}",
        db(true_peak(&quarter))
    );
    let s = fade(sine(997.0, 0.5, 0.3, 48_000.0, 4000));
    assert!(
        (db(true_peak(&s)) - db(0.5)).abs() < 0.01,
        "{}",
        db(true_peak(&s))
    );
}

/// Output true peak ≤ ceiling + 0.1 dB on every hard signal, at three rates and two
/// ceilings (and not limited more than 1 dB below the ceiling).
#[test]
fn output_true_peak_stays_under_the_ceiling() {
    let (mut report, mut over) = (Vec::new(), Vec::new());
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        for ceiling in [-1.0, 0.0] {
            let text = format!("type = \"limiter\"\nceiling_dbtp = {ceiling}");
            for (name, mut x) in hard_signals(rate) {
                let input_tp = db(true_peak(&x));
                let mut lim = prepared(&text, rate, 2);
                x.extend(std::iter::repeat_n(0.0, lim.latency() + 200));
                let y = run(lim.as_mut(), &[x.clone(), x], None, 512);
                let tp = db(true_peak(&y[0]));
                report.push(format!("{rate} Hz, ceiling {ceiling}: {name}: in {input_tp:+.2} dBTP, out {tp:+.3} dBTP"));
                if tp > ceiling + 0.1 || tp < ceiling - 1.0 {
                    over.push(report.last().cloned().unwrap_or_default());
                }
            }
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        over.is_empty(),
        "outside ceiling − 1 dB ..= ceiling + 0.1 dB:\n{}",
        over.join("\n")
    );
}

/// A low-level impulse comes out exactly `latency()` samples later, unchanged, at every
/// rate and lookahead: the engine's delay compensation lines it up to the sample.
#[test]
fn latency_is_exact_and_quiet_signals_pass_unchanged() {
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        for lookahead in [0.1, 1.5, 5.0] {
            let text = format!("type = \"limiter\"\nlookahead_ms = {lookahead}");
            let mut lim = prepared(&text, rate, 1);
            let latency = lim.latency();
            assert!(latency >= (lookahead * 1e-3 * rate) as usize);
            let mut x = vec![0.0_f32; 4000];
            x[1000] = 0.1;
            x[1500] = -0.3;
            let y = run(lim.as_mut(), &[x.clone()], None, 300).remove(0);
            let mut want = vec![0.0_f32; 4000];
            want[1000 + latency] = 0.1;
            want[1500 + latency] = -0.3;
            assert_eq!(
                y, want,
                "{rate} Hz, lookahead {lookahead} ms, latency {latency}"
            );
        }
    }
}

/// Where blocks end changes no bit of the output: the live host's 64-frame blocks and the
/// render's long ones limit a master alike. Loud noise keeps the gain moving every sample,
/// so a running sum re-started at block boundaries would round differently somewhere in
/// the 20 s.
#[test]
fn block_boundaries_change_no_sample() {
    let x = noise(20 * 48_000, 5);
    let output = |block: usize| {
        let mut lim = prepared(
            "type = \"limiter\"\nceiling_dbtp = -6.0\nrelease_ms = 30.0",
            48_000.0,
            1,
        );
        run(lim.as_mut(), std::slice::from_ref(&x), None, block).remove(0)
    };
    let whole = output(512);
    assert!(
        whole.iter().zip(&x).any(|(y, v)| y != v),
        "the limiter acts"
    );
    for block in [37, 64, 300] {
        let cut = output(block);
        let differ = whole
            .iter()
            .zip(&cut)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(differ, 0, "blocks of {block}: {differ} samples differ");
    }
}

/// Computed gains applied to the input delayed by `lookahead()` give the output.
#[test]
fn computed_gain_applied_to_the_delayed_input_equals_the_output() {
    let rate = 48_000.0;
    let InsertSpec::Limiter(params) =
        insert("type = \"limiter\"\nceiling_dbtp = -3.0\nrelease_ms = 30.0")
    else {
        panic!("not a limiter")
    };
    let (mut a, mut b) = (Limiter::new(&params), Limiter::new(&params));
    a.prepare(common::spec(rate, 2));
    b.prepare(common::spec(rate, 2));
    let l: Vec<f32> = noise(12_000, 3).iter().map(|s| s * 2.0).collect();
    let r = sine(300.0, 1.5, 0.0, rate, 12_000);
    let out = run(&mut a, &[l.clone(), r.clone()], None, 256);
    let mut gains = Vec::new();
    for start in (0..12_000).step_by(256) {
        let end = (start + 256).min(12_000);
        let key = AudioBuffer::from_channels(&[l[start..end].to_vec(), r[start..end].to_vec()]);
        let mut g = vec![0.0; end - start];
        b.compute_gain(&key, &mut g);
        gains.extend(g);
    }
    let delay = b.lookahead();
    assert_eq!(delay, a.latency());
    for (c, x) in [&l, &r].into_iter().enumerate() {
        let applied: Vec<f32> = (0..12_000)
            .map(|n| {
                if n < delay {
                    0.0
                } else {
                    x[n - delay] * gains[n]
                }
            })
            .collect();
        assert_eq!(out[c], applied);
    }
    assert!(
        a.gain_reduction_db() < -3.0,
        "meter {}",
        a.gain_reduction_db()
    );
}

/// After a peak the gain returns to unity with the release time constant.
#[test]
fn gain_recovers_after_a_peak() {
    let rate = 48_000.0;
    let mut lim = prepared(
        "type = \"limiter\"\nceiling_dbtp = -6.0\nrelease_ms = 50.0",
        rate,
        1,
    );
    let mut x = vec![0.1_f32; 48_000];
    x[1000] = 1.0;
    let y = run(lim.as_mut(), &[x], None, 512).remove(0);
    let lat = lim.latency();
    // 63 % of the way back (linear gain) 50 ms after the hold ends, give or take the
    // lookahead average; fully back after 1 s.
    let g = |n: usize| f64::from(y[n + lat]) / 0.1;
    let floor = g(1000 - 1);
    assert!(floor < 0.6, "gain at the peak {floor}");
    let later = g(1000 + 2400 + 100);
    assert!(
        (later - (1.0 - (1.0 - floor) * (-1.0_f64).exp())).abs() < 0.05,
        "gain after 50 ms: {later}"
    );
    assert_eq!(y[47_000], 0.1);
    assert!(!lim.is_linear() && lim.tail() == 0);
}
