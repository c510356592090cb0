//! Saturation: aliasing, latency, small-signal transparency and the documented curves.

mod common;

use common::{MAX_BLOCK, db, prepared, recovers_after_non_finite, run, sine, spectrum};

const RATE: f64 = 48_000.0;
const CHARACTERS: [&str; 3] = ["tape", "tube", "clip"];

fn saturation(character: &str, drive_db: f64) -> String {
    format!("type = \"saturation\"\ncharacter = \"{character}\"\ndrive_db = {drive_db}")
}

#[test]
fn aliasing_of_a_driven_5k_sine() {
    // 2 s of a full-scale 5 kHz sine; the analysis second is the last one, so the filters
    // and the DC blocker have settled. 5 kHz is a whole bin of a 48000-point FFT, and all
    // its aliases land on odd multiples of 1 kHz, away from its harmonics.
    let x = sine(5000.0, 1.0, 0.0, RATE, 2 * 48_000);
    for character in CHARACTERS {
        let mut p = prepared(&saturation(character, 18.0), RATE, 1);
        let y = run(p.as_mut(), std::slice::from_ref(&x), None, MAX_BLOCK).remove(0);
        let mag = spectrum(&y[48_000..]);
        let fundamental = mag[5000];
        let harmonic = |bin: usize| bin < 20 || (1..=4).any(|k| bin.abs_diff(k * 5000) <= 8);
        let (worst_bin, worst) = mag
            .iter()
            .enumerate()
            .filter(|&(bin, _)| !harmonic(bin))
            .map(|(bin, &m)| (bin, db(m / fundamental)))
            .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
        println!("{character}: strongest alias {worst:.1} dB at {worst_bin} Hz");
        assert!(
            worst < -70.0,
            "{character}: alias at {worst_bin} Hz is {worst:.1} dB"
        );
    }
}

/// Content between 20 and 24 kHz must not meet its own images in the curve: with an
/// interpolator whose stopband starts above the base Nyquist frequency, the image of a
/// 22 kHz sine (at 26 kHz) passes, and their intermodulation (3 · 22 − 48 = 18 kHz) lands in
/// the band. Everything from 20 Hz to 20 kHz but the fundamental's own bins must stay
/// 90 dB under the input for a -20 dBFS sine at 18 dB of drive (a half-band interpolator
/// gave -48, -28 and -48 dB at 21, 22 and 23 kHz).
#[test]
fn content_above_20k_leaves_the_band_clean() {
    for f in [21_000_usize, 22_000, 23_000] {
        let x = sine(f as f64, 0.1, 0.0, RATE, 2 * 48_000);
        let mut p = prepared(&saturation("tape", 18.0), RATE, 1);
        let y = run(p.as_mut(), std::slice::from_ref(&x), None, MAX_BLOCK).remove(0);
        let mag = spectrum(&y[48_000..]);
        let (bin, worst) = (20_usize..=20_000)
            .filter(|&bin| bin.abs_diff(f) > 8)
            .map(|bin| (bin, db(mag[bin] / 0.1)))
            .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
        println!("{f} Hz: strongest in-band product {worst:.1} dB at {bin} Hz");
        assert!(worst < -90.0, "{f} Hz: {worst:.1} dB at {bin} Hz");
    }
}

/// A row of `fixtures/oversampler_reference.csv` (the oversampler's cascade run with scipy,
/// script `oversampler_reference.py`).
fn oversampler_reference(quantity: &str, at: &str) -> f64 {
    include_str!("fixtures/oversampler_reference.csv")
        .lines()
        .map(|line| line.split(',').collect::<Vec<_>>())
        .find(|f| f[0] == quantity && f[1] == at)
        .and_then(|f| f[2].parse().ok())
        .unwrap_or_else(|| panic!("no {quantity},{at} in the reference"))
}

#[test]
fn low_level_impulse_lands_on_the_latency_with_its_sign() {
    let expected_latency = oversampler_reference("impulse", "latency") as usize;
    let in_band = oversampler_reference("impulse", "peak") as f32;
    for character in CHARACTERS {
        for sign in [1.0_f32, -1.0] {
            let mut p = prepared(&saturation(character, 0.0), RATE, 2);
            let latency = p.latency();
            assert_eq!(latency, expected_latency);
            let mut x = vec![0.0_f32; 1024];
            x[100] = sign * 1e-3;
            let y = run(p.as_mut(), &[x.clone(), x], None, MAX_BLOCK);
            for ch in &y {
                let peak = (0..ch.len())
                    .max_by(|&a, &b| ch[a].abs().total_cmp(&ch[b].abs()))
                    .unwrap();
                assert_eq!(peak, 100 + latency, "{character}");
                assert_eq!(ch[peak].signum(), sign, "{character}: polarity");
                // The in-band share of a one-sample impulse (the filters' cutoffs); clip's
                // half-sample average and tube's DC blocker take a little off.
                assert!(
                    (ch[peak] / (sign * 1e-3) - in_band).abs() < 0.01,
                    "{character}: {}",
                    ch[peak]
                );
            }
        }
    }
}

/// Amplitude and phase of `freq` in `y` (sample `i` at time `i + offset`), by
/// correlation over whole periods.
fn tone(y: &[f32], freq: f64, offset: usize) -> (f64, f64) {
    let (mut s, mut c) = (0.0, 0.0);
    for (i, &v) in y.iter().enumerate() {
        let ph = 2.0 * std::f64::consts::PI * freq * (i + offset) as f64 / RATE;
        s += f64::from(v) * ph.sin();
        c += f64::from(v) * ph.cos();
    }
    let n = y.len() as f64;
    ((s * s + c * c).sqrt() * 2.0 / n, c.atan2(s))
}

#[test]
fn drive_0_is_transparent_at_low_level() {
    // -40 dBFS at 1 kHz: unity gain (the antiderivative stage's cos(π f / 8 fs) is
    // -0.0003 dB here) and, once the latency is removed, no phase shift but the DC
    // blocker's.
    let x = sine(1000.0, 0.01, 0.0, RATE, 9600);
    for character in CHARACTERS {
        let mut p = prepared(&saturation(character, 0.0), RATE, 1);
        let y = run(p.as_mut(), std::slice::from_ref(&x), None, MAX_BLOCK).remove(0);
        let settled = &y[4800..9600];
        let (amp, phase) = tone(settled, 1000.0, 4800 - p.latency());
        assert!(
            db(amp / 0.01).abs() < 0.01,
            "{character}: {:.4} dB",
            db(amp / 0.01)
        );
        // Tube's 3 Hz DC blocker (1 - z⁻¹) / (1 - r z⁻¹) leads by its analytic phase.
        let expected = if character == "tube" {
            let r = (-2.0 * std::f64::consts::PI * 3.0 / RATE).exp();
            let w = 2.0 * std::f64::consts::PI * 1000.0 / RATE;
            let num = (1.0 - w.cos(), w.sin());
            let den = (1.0 - r * w.cos(), r * w.sin());
            num.1.atan2(num.0) - den.1.atan2(den.0)
        } else {
            0.0
        };
        assert!(
            (phase - expected).abs() < 1e-5,
            "{character}: phase {phase}, expected {expected}"
        );
        // Everything but the fundamental: tube's square term gives its second harmonic
        // about 0.2 · 0.01 / 2 = 1e-3 of the fundamental (-60 dB); tape's third is -84 dB.
        let residual: f64 = settled
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let ph =
                    2.0 * std::f64::consts::PI * 1000.0 * (i + 4800 - p.latency()) as f64 / RATE;
                (f64::from(v) - amp * (ph + phase).sin()).powi(2)
            })
            .sum::<f64>();
        let thd = db((residual / settled.len() as f64 * 2.0).sqrt() / amp);
        let limit = if character == "tube" { -58.0 } else { -80.0 };
        assert!(thd < limit, "{character}: residual {thd:.1} dB");
    }
}

/// Fourier sine/cosine amplitude of harmonic `k` of `curve(a · sin θ)`, by numeric
/// integration of the documented formula.
fn curve_harmonic(curve: impl Fn(f64) -> f64, a: f64, k: usize) -> f64 {
    let n = 1 << 16;
    let (mut s, mut c) = (0.0, 0.0);
    for i in 0..n {
        let th = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
        let y = curve(a * th.sin());
        s += y * (k as f64 * th).sin();
        c += y * (k as f64 * th).cos();
    }
    (s * s + c * c).sqrt() * 2.0 / n as f64
}

#[test]
fn harmonics_follow_the_documented_curves() {
    // 1 kHz at -6 dBFS with 12 dB of drive: the output's harmonics must be those of the
    // formula in the module doc (drive 12 dB: u = 3.98 · x).
    let drive = 10f64.powf(12.0 / 20.0);
    let tape = |u: f64| u.tanh();
    let tube = |u: f64| u.tanh() + 0.2 * u.tanh() * u.tanh();
    let clip = |u: f64| u.clamp(-1.0, 1.0);
    let x = sine(1000.0, 0.5, 0.0, RATE, 48_000);
    type Curve<'a> = &'a dyn Fn(f64) -> f64;
    let cases: [(&str, Curve, &[usize]); 3] = [
        ("tape", &tape, &[1, 3, 5]),
        ("tube", &tube, &[1, 2, 3, 4]),
        ("clip", &clip, &[1, 3, 5]),
    ];
    for (character, curve, harmonics) in cases {
        let mut p = prepared(&saturation(character, 12.0), RATE, 1);
        let y = run(p.as_mut(), std::slice::from_ref(&x), None, MAX_BLOCK).remove(0);
        let mag = spectrum(&y[9600..9600 + 38_400]);
        // 38400 points at 48 kHz: 1.25 Hz bins, so harmonic k sits on bin 800 k.
        for &k in harmonics {
            let expected = curve_harmonic(curve, 0.5 * drive, k);
            let measured = mag[800 * k];
            let err = db(measured / expected);
            assert!(
                err.abs() < 0.05,
                "{character} H{k}: {measured} vs {expected} ({err:.3} dB)"
            );
        }
        // Tape and clip are symmetric: no even harmonics.
        if character != "tube" {
            let h2 = db(mag[1600] / mag[800]);
            assert!(h2 < -100.0, "{character}: second harmonic {h2:.1} dB");
        }
    }
}

#[test]
fn tube_dc_is_blocked_and_the_tail_covers_it() {
    // Heavy drive on a tone: the curve's offset (about 0.2) must not reach the output,
    // and after the input stops, the blocker's decay stays within tail().
    let mut p = prepared(&saturation("tube", 24.0), RATE, 1);
    let mut x = sine(100.0, 1.0, 0.0, RATE, 96_000);
    x.extend(std::iter::repeat_n(0.0, 48_000));
    let y = run(p.as_mut(), &[x], None, MAX_BLOCK).remove(0);
    let dc = y[48_000..96_000].iter().map(|&v| f64::from(v)).sum::<f64>() / 48_000.0;
    assert!(dc.abs() < 1e-3, "offset {dc}");
    let tail = p.tail();
    assert!(tail > 5000 && tail < 48_000, "tail {tail}");
    let after = common::peak(&y[96_000 + tail..]);
    assert!(
        after < 10f64.powf(-96.0 / 20.0),
        "{:.1} dBFS after the tail",
        db(after)
    );
}

#[test]
fn mix_and_output_combine_delayed_dry_and_wet() {
    let x = common::noise(4096, 3);
    let wet_only = {
        let mut p = prepared(
            &format!("{}\noutput_db = -6.0", saturation("clip", 6.0)),
            RATE,
            1,
        );
        run(p.as_mut(), std::slice::from_ref(&x), None, MAX_BLOCK).remove(0)
    };
    let mut p = prepared(
        &format!("{}\nmix = 0.25\noutput_db = -6.0", saturation("clip", 6.0)),
        RATE,
        1,
    );
    let latency = p.latency();
    let y = run(p.as_mut(), std::slice::from_ref(&x), None, MAX_BLOCK).remove(0);
    for i in latency..x.len() {
        let expected = 0.75 * x[i - latency] + 0.25 * wet_only[i];
        assert!(
            (y[i] - expected).abs() < 1e-6,
            "sample {i}: {} vs {expected}",
            y[i]
        );
    }
    // mix 0 is the input, delayed by the latency, exactly.
    let mut dry = prepared(&format!("{}\nmix = 0.0", saturation("tape", 24.0)), RATE, 1);
    let y = run(dry.as_mut(), std::slice::from_ref(&x), None, MAX_BLOCK).remove(0);
    assert_eq!(&y[latency..], &x[..x.len() - latency]);
}

#[test]
fn recovers_after_nan_and_infinity() {
    let signal = sine(440.0, 0.7, 0.3, RATE, 48_000);
    for character in CHARACTERS {
        recovers_after_non_finite(&saturation(character, 12.0), RATE, 2, &signal);
    }
}
