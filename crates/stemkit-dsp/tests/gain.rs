//! The gain processor: level, polarity, mid/side width, and its ramps.

mod common;

use common::{insert, prepared, run, sine};
use stemkit_core::Processor;
use stemkit_dsp::Gain;
use stemkit_dsp::params::InsertSpec;

fn stereo_pair() -> [Vec<f32>; 2] {
    [
        sine(440.0, 0.5, 0.0, 48_000.0, 2000),
        sine(660.0, 0.3, 1.0, 48_000.0, 2000),
    ]
}

/// Static settings against the matrix `g·[[1+w, 1−w], [1−w, 1+w]]/2` computed here.
#[test]
fn level_polarity_and_width_follow_the_matrix() {
    let [l, r] = stereo_pair();
    for (gain_db, polarity, width) in [
        (0.0, false, 1.0),
        (-6.0, false, 1.0),
        (3.0, true, 1.0),
        (0.0, false, 0.0),
        (-2.0, true, 1.7),
    ] {
        let text =
            format!("type = \"gain\"\ngain_db = {gain_db}\npolarity = {polarity}\nwidth = {width}");
        let mut p = prepared(&text, 48_000.0, 2);
        let out = run(p.as_mut(), &[l.clone(), r.clone()], None, 512);
        let g = 10f64.powf(gain_db / 20.0) * if polarity { -1.0 } else { 1.0 };
        let (d, c) = (g * (1.0 + width) / 2.0, g * (1.0 - width) / 2.0);
        for n in 0..l.len() {
            let (x, y) = (f64::from(l[n]), f64::from(r[n]));
            assert!(
                (f64::from(out[0][n]) - (d * x + c * y)).abs() < 1e-6,
                "{text}: left {n}"
            );
            assert!(
                (f64::from(out[1][n]) - (c * x + d * y)).abs() < 1e-6,
                "{text}: right {n}"
            );
        }
        assert!(p.is_linear() && p.latency() == 0 && p.tail() == 0);
    }
}

#[test]
fn width_zero_is_mono_and_mono_material_is_untouched_by_width() {
    let [l, r] = stereo_pair();
    let mut mono = prepared("type = \"gain\"\nwidth = 0.0", 48_000.0, 2);
    let out = run(mono.as_mut(), &[l.clone(), r], None, 512);
    assert!(out[0] == out[1], "width 0 left the channels different");
    let mut wide = prepared("type = \"gain\"\nwidth = 2.0", 48_000.0, 2);
    let out = run(wide.as_mut(), &[l.clone(), l.clone()], None, 512);
    assert!(
        out[1].iter().zip(&l).all(|(o, x)| (o - x).abs() < 1e-7),
        "width changed a centred signal"
    );
    let mut one = prepared("type = \"gain\"\ngain_db = -6.0\nwidth = 2.0", 48_000.0, 1);
    let out = run(one.as_mut(), std::slice::from_ref(&l), None, 512).remove(0);
    assert!(
        out.iter()
            .zip(&l)
            .all(|(&o, &x)| (f64::from(o) - f64::from(x) * 10f64.powf(-0.3)).abs() < 1e-6)
    );
}

/// A live change ramps linearly over 20 ms and lands exactly; a polarity flip passes
/// through zero instead of jumping.
#[test]
fn changes_ramp_over_20_ms() {
    let InsertSpec::Gain(params) = insert("type = \"gain\"") else {
        panic!("not gain")
    };
    let mut g = Gain::new(&params);
    g.prepare(common::spec(48_000.0, 1));
    let ones = vec![1.0_f32; 2000];
    g.set_polarity(true);
    let out = run(&mut g, std::slice::from_ref(&ones), None, 100).remove(0);
    // Ramp of 960 samples from +1 to −1.
    assert!((out[479] - 0.0).abs() < 0.01, "midpoint {}", out[479]);
    assert!(out.windows(2).all(|w| (w[1] - w[0]).abs() < 2.1 / 960.0));
    assert_eq!(out[959], -1.0);
    assert!(out[960..].iter().all(|&x| x == -1.0));
    g.set_gain_db(-6.0);
    g.set_width(0.5);
    let out = run(&mut g, &[ones], None, 64).remove(0);
    let want = -(10f64.powf(-6.0 / 20.0)) as f32;
    assert!((out[959] - want).abs() < 1e-6 && out[1500] == out[959]);
}
