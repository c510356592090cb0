//! The compressor against its static-curve formula and its timing definitions.
//!
//! Gain reduction is measured from the audio: `GR = −20·log10(out / in)` per sample on
//! DC steps (timing), and from output peaks on steady sines (static curve).

mod common;

use common::{db, insert, peak, prepared, run, sine};
use stemkit_core::{AudioBuffer, Processor};
use stemkit_dsp::Compressor;
use stemkit_dsp::params::InsertSpec;

/// Gain reduction (dB, ≥ 0) the documented curves give for a level: the piecewise
/// soft-knee form of Giannoulis, Massberg & Reiss (JAES 2012) for bus and clean, and the
/// varimu curve `GR = e − (20/ratio)·ln(1 + e/20)` on the soft-knee overshoot `e`.
fn formula_gr(varimu: bool, level: f64, threshold: f64, ratio: f64, knee: f64) -> f64 {
    let d = level - threshold;
    if !varimu {
        let out = if 2.0 * d < -knee {
            level
        } else if knee > 0.0 && 2.0 * d.abs() <= knee {
            level + (1.0 / ratio - 1.0) * (d + knee / 2.0).powi(2) / (2.0 * knee)
        } else {
            threshold + d / ratio
        };
        return level - out;
    }
    let e = if 2.0 * d < -knee {
        0.0
    } else if knee > 0.0 && 2.0 * d.abs() <= knee {
        (d + knee / 2.0).powi(2) / (2.0 * knee)
    } else {
        d
    };
    e - 20.0 / ratio * (e / 20.0).ln_1p()
}

/// Steady-state output level (dB) of a 1 kHz sine of peak level `level_db`.
fn steady_output_db(text: &str, level_db: f64) -> f64 {
    let rate = 48_000.0;
    let mut c = prepared(text, rate, 2);
    let x = sine(1000.0, 10f64.powf(level_db / 20.0), 0.0, rate, 72_000);
    let out = run(c.as_mut(), &[x.clone(), x], None, 512);
    db(peak(&out[0][60_000..]).max(peak(&out[1][60_000..])))
}

#[test]
fn static_curve_matches_the_formula_within_a_tenth_of_a_db() {
    // (insert, varimu, threshold, ratio, knee, levels)
    let cases = [
        (
            "type = \"compressor\"\nstyle = \"bus\"\nthreshold_db = -20.0\nratio = 4.0\nattack_ms = 5.0\nrelease = 200.0",
            false,
            -20.0,
            4.0,
            0.0,
        ),
        (
            "type = \"compressor\"\nstyle = \"bus\"\nthreshold_db = -12.0",
            false,
            -12.0,
            2.0,
            0.0,
        ),
        (
            "type = \"compressor\"\nstyle = \"clean\"\nthreshold_db = -24.0\nratio = 3.0\nknee_db = 12.0\nrelease = 300.0",
            false,
            -24.0,
            3.0,
            12.0,
        ),
        (
            "type = \"compressor\"\nstyle = \"varimu\"\nthreshold_db = -30.0",
            true,
            -30.0,
            1.5,
            6.0,
        ),
        (
            "type = \"compressor\"\nstyle = \"varimu\"\nthreshold_db = -36.0\nratio = 3.0\nknee_db = 10.0",
            true,
            -36.0,
            3.0,
            10.0,
        ),
    ];
    let mut worst = 0.0_f64;
    for (text, varimu, threshold, ratio, knee) in cases {
        for step in 0..=20 {
            let level = -40.0 + 2.0 * f64::from(step);
            let measured = level - steady_output_db(text, level);
            let want = formula_gr(varimu, level, threshold, ratio, knee);
            let err = (measured - want).abs();
            assert!(
                err < 0.1,
                "{text}\nat {level} dBFS: GR {measured:.3} dB, formula {want:.3} dB"
            );
            worst = worst.max(err);
        }
    }
    println!("static curve: largest deviation {worst:.4} dB");
}

/// Makeup scales the compressed path and `mix` blends the dry input back in:
/// `out = (1 − mix)·x + mix·makeup·g·x`.
#[test]
fn makeup_and_parallel_mix_follow_their_definition() {
    let text = "type = \"compressor\"\nstyle = \"clean\"\nthreshold_db = -20.0\nratio = 4.0\nknee_db = 0.0\nmakeup_db = 6.0\nmix = 0.5";
    for level in [-30.0, -10.0, 0.0] {
        let g = 10f64.powf(-formula_gr(false, level, -20.0, 4.0, 0.0) / 20.0);
        let want = db(0.5 + 0.5 * 10f64.powf(6.0 / 20.0) * g);
        let got = steady_output_db(text, level) - level;
        assert!(
            (got - want).abs() < 0.1,
            "at {level}: {got:.3} dB, expected {want:.3} dB"
        );
    }
}

/// Per-sample GR (dB) of `c` on a DC input stepping between `low` and `high`.
fn dc_steps(c: &mut dyn Processor, segments: &[(f32, usize)]) -> Vec<f64> {
    let x: Vec<f32> = segments
        .iter()
        .flat_map(|&(v, n)| std::iter::repeat_n(v, n))
        .collect();
    let out = run(c, std::slice::from_ref(&x), None, 512).remove(0);
    out.iter()
        .zip(&x)
        .map(|(&o, &i)| -db(f64::from(o) / f64::from(i)))
        .collect()
}

/// First index from `start` where `pred(gr)` holds.
fn first(gr: &[f64], start: usize, pred: impl Fn(f64) -> bool) -> usize {
    start
        + gr[start..]
            .iter()
            .position(|&g| pred(g))
            .expect("threshold never crossed")
}

/// Attack: the time the GR takes to cover 63 % of a step up; release: the time it takes
/// to fall to 37 % after the key drops below threshold. Both within 10 % of the settings.
#[test]
fn attack_and_release_times_match_the_settings() {
    for (attack, release, rate) in [
        (10.0, 100.0, 48_000.0),
        (1.0, 50.0, 44_100.0),
        (30.0, 500.0, 96_000.0),
        (2.0, 1000.0, 48_000.0),
        (0.2, 20.0, 48_000.0),
    ] {
        let text = format!(
            "type = \"compressor\"\nstyle = \"bus\"\nthreshold_db = -20.0\nratio = 4.0\nattack_ms = {attack}\nrelease = {release}"
        );
        let mut c = prepared(&text, rate, 1);
        let (pre, hold) = ((0.1 * rate) as usize, (1.5 * rate) as usize);
        let gr = dc_steps(
            c.as_mut(),
            &[(0.01, pre), (1.0, hold), (0.01, (3.0 * rate) as usize)],
        );
        let full = gr[pre + hold - 1];
        assert!((full - 15.0).abs() < 0.01, "settled GR {full}");
        let attack_measured = (first(&gr, pre, |g| g >= 0.632_12 * full) - pre) as f64 / rate * 1e3;
        let release_measured =
            (first(&gr, pre + hold, |g| g <= 0.367_88 * full) - pre - hold) as f64 / rate * 1e3;
        println!(
            "set {attack}/{release} ms at {rate} Hz: measured {attack_measured:.3}/{release_measured:.2} ms"
        );
        assert!(
            (attack_measured / attack - 1.0).abs() < 0.1,
            "attack {attack_measured} ms for {attack}"
        );
        assert!(
            (release_measured / release - 1.0).abs() < 0.1,
            "release {release_measured} ms for {release}"
        );
    }
}

/// Auto release: after a 20 ms burst the gain recovers (63 %) at the fast rate, after 3 s
/// of sustained reduction at the slow one.
#[test]
fn auto_release_recovers_faster_after_a_transient() {
    let rate = 48_000.0;
    let recovery = |burst_ms: f64| {
        let text = "type = \"compressor\"\nstyle = \"bus\"\nthreshold_db = -30.0\nratio = 4.0\nattack_ms = 1.0";
        let mut c = prepared(text, rate, 1);
        let (pre, burst) = ((0.1 * rate) as usize, (burst_ms * 1e-3 * rate) as usize);
        let gr = dc_steps(
            c.as_mut(),
            &[(0.001, pre), (1.0, burst), (0.001, (5.0 * rate) as usize)],
        );
        let at_end = gr[pre + burst - 1];
        (first(&gr, pre + burst, |g| g <= 0.367_88 * at_end) - pre - burst) as f64 / rate * 1e3
    };
    let (short, long) = (recovery(20.0), recovery(3000.0));
    println!("auto release: 63 % recovery {short:.1} ms after 20 ms, {long:.1} ms after 3 s");
    assert!(
        (short / 100.0 - 1.0).abs() < 0.1,
        "after a transient: {short} ms"
    );
    assert!(
        (long / 1000.0 - 1.0).abs() < 0.1,
        "after sustained reduction: {long} ms"
    );
}

/// The vari-mu's local ratio (input dB per output dB between neighbouring levels) rises
/// with the gain reduction, measured on the audio.
#[test]
fn varimu_ratio_rises_with_gain_reduction() {
    let text = "type = \"compressor\"\nstyle = \"varimu\"\nthreshold_db = -40.0";
    let levels: Vec<f64> = (0..8).map(|i| -36.0 + 5.0 * f64::from(i)).collect();
    let outs: Vec<f64> = levels.iter().map(|&l| steady_output_db(text, l)).collect();
    let ratios: Vec<f64> = levels
        .windows(2)
        .zip(outs.windows(2))
        .map(|(l, o)| (l[1] - l[0]) / (o[1] - o[0]))
        .collect();
    println!(
        "varimu local ratios from {} dB overshoot: {ratios:.2?}",
        levels[0] + 40.0
    );
    assert!(ratios.windows(2).all(|r| r[1] > r[0]), "{ratios:?}");
    assert!(
        ratios[0] > 1.5 && *ratios.last().expect("ratios") > 2.0 * ratios[0],
        "{ratios:?}"
    );
}

/// A bass line keyed from a kick: the bass ducks on each hit and is untouched between.
#[test]
fn keyed_compressor_ducks_the_bass_on_kick_hits_only() {
    let rate = 48_000.0;
    let frames = (2.0 * rate) as usize;
    let bass = sine(55.0, 0.3, 0.0, rate, frames);
    let hit = (0.5 * rate) as usize;
    let kick: Vec<f32> = (0..frames)
        .map(|n| {
            let t = (n % hit) as f64 / rate;
            ((2.0 * std::f64::consts::PI * 60.0 * t).sin() * (-t / 0.05).exp()) as f32
        })
        .collect();
    let settings = "type = \"compressor\"\nstyle = \"clean\"\nthreshold_db = -20.0\nratio = 8.0\nattack_ms = 1.0\nrelease = 40.0\nknee_db = 0.0";
    let keyed_text = format!("{settings}\nkey = \"Kick\"");
    let mut keyed = prepared(&keyed_text, rate, 1);
    let ducked = run(
        keyed.as_mut(),
        std::slice::from_ref(&bass),
        Some(&[kick]),
        512,
    )
    .remove(0);
    let mut plain = prepared(settings, rate, 1);
    let squashed = run(plain.as_mut(), std::slice::from_ref(&bass), None, 512).remove(0);
    let rms =
        |x: &[f32]| (x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    let gr = |y: &[f32], from_ms: f64, to_ms: f64, h: usize| {
        let (a, b) = (
            h * hit + (from_ms * 1e-3 * rate) as usize,
            h * hit + (to_ms * 1e-3 * rate) as usize,
        );
        -db(rms(&y[a..b]) / rms(&bass[a..b]))
    };
    for h in 1..4 {
        let (on, between) = (gr(&ducked, 5.0, 40.0, h), gr(&ducked, 300.0, 480.0, h));
        assert!(on > 8.0, "hit {h}: only {on:.2} dB on the kick");
        assert!(between < 0.1, "hit {h}: {between:.3} dB between kicks");
        assert!(
            gr(&squashed, 300.0, 480.0, h) > 6.0,
            "unkeyed reference should compress the bass"
        );
    }
}

/// The gain computer alone gives the processor's gain: input × computed gain = output,
/// sample for sample, keyed or not.
#[test]
fn computed_gain_applied_to_the_input_equals_the_output() {
    let rate = 48_000.0;
    let x = sine(220.0, 0.8, 0.0, rate, 9000);
    let k = sine(3.0, 1.0, 0.0, rate, 9000);
    for text in [
        "type = \"compressor\"\nstyle = \"varimu\"\nthreshold_db = -20.0\nmix = 0.7\nmakeup_db = 3.0",
        "type = \"compressor\"\nstyle = \"bus\"\nthreshold_db = -20.0\nkey = \"Kick\"",
    ] {
        let InsertSpec::Compressor(params) = insert(text) else {
            panic!("not a compressor")
        };
        let (mut a, mut b) = (Compressor::new(&params), Compressor::new(&params));
        a.prepare(common::spec(rate, 2));
        b.prepare(common::spec(rate, 2));
        let out = run(
            &mut a,
            &[x.clone(), k.clone()],
            Some(std::slice::from_ref(&k)),
            300,
        );
        let key_src = if params.key.is_some() {
            vec![k.clone()]
        } else {
            vec![x.clone(), k.clone()]
        };
        let mut gains = Vec::new();
        for start in (0..9000).step_by(300) {
            let key = AudioBuffer::from_channels(
                &key_src
                    .iter()
                    .map(|c| c[start..start + 300].to_vec())
                    .collect::<Vec<_>>(),
            );
            let mut g = vec![0.0; 300];
            b.compute_gain(&key, &mut g);
            gains.extend(g);
        }
        assert_eq!(b.lookahead(), 0);
        let applied: Vec<f32> = x.iter().zip(&gains).map(|(&s, &g)| s * g).collect();
        assert_eq!(out[0], applied, "{text}");
        assert!(gains.iter().any(|&g| g < 0.9), "no compression in {text}");
    }
}

/// The meter hook reports the current reduction and returns to 0 after release.
#[test]
fn meter_reports_gain_reduction() {
    let rate = 48_000.0;
    let text = "type = \"compressor\"\nstyle = \"clean\"\nthreshold_db = -20.0\nratio = 4.0\nknee_db = 0.0\nrelease = 50.0";
    let mut c = prepared(text, rate, 1);
    assert_eq!(c.gain_reduction_db(), 0.0);
    run(c.as_mut(), &[vec![0.5; 24_000]], None, 512);
    let want = -formula_gr(false, db(0.5), -20.0, 4.0, 0.0);
    assert!(
        (f64::from(c.gain_reduction_db()) - want).abs() < 0.01,
        "{} vs {want}",
        c.gain_reduction_db()
    );
    run(c.as_mut(), &[vec![0.0; 48_000]], None, 512);
    assert!(c.gain_reduction_db() > -0.001);
    assert!(!c.is_linear() && c.latency() == 0 && c.tail() == 0);
}
