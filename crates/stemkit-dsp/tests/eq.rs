//! The EQ against its analytic response, its measured impulse response, and scipy.

mod common;

use common::{MAX_BLOCK, db, prepared, run, sine, spec};
use realfft::RealFftPlanner;
use stemkit_core::Processor;
use stemkit_dsp::Eq;
use stemkit_dsp::params::{BandShape, EqBand, EqParams};

const RATES: [f64; 3] = [44_100.0, 48_000.0, 96_000.0];

/// Every shape, both slopes, resonant and gentle settings, in one chain.
const CHAIN: &str = r#"type = "eq"
bands = [
  { shape = "highpass", freq = 30.0, slope = 24 },
  { shape = "highpass", freq = 45.0, q = 1.4 },
  { shape = "lowshelf", freq = 150.0, gain_db = 4.0 },
  { shape = "bell", freq = 1000.0, q = 2.0, gain_db = -6.0 },
  { shape = "notch", freq = 3000.0, q = 8.0 },
  { shape = "bell", freq = 6500.0, q = 0.5, gain_db = 2.5 },
  { shape = "highshelf", freq = 8000.0, q = 1.0, gain_db = -3.0 },
  { shape = "lowpass", freq = 18000.0, slope = 24, q = 0.9 },
]"#;

fn eq_params(text: &str) -> EqParams {
    match common::insert(text) {
        stemkit_dsp::params::InsertSpec::Eq(p) => p,
        other => panic!("not an eq: {other:?}"),
    }
}

/// Compares two magnitudes: within 0.01 dB, or (where the response is a deep notch,
/// below −100 dB) within 1e-5 in linear terms. Returns the dB error where the response
/// is above −100 dB (0 otherwise), for the summary line.
fn assert_close(what: &str, freq: f64, got: f64, want: f64) -> f64 {
    let err = (db(got) - db(want)).abs();
    let ok = err < 0.01 || (want < 1e-5 && (got - want).abs() < 1e-5);
    assert!(
        ok,
        "{what} at {freq:.2} Hz: {:.5} dB, expected {:.5} dB",
        db(got),
        db(want)
    );
    if want < 1e-5 { 0.0 } else { err }
}

/// The processor's impulse response, measured through `process` in blocks, transformed:
/// the magnitude at every FFT bin from 20 Hz to 20 kHz matches `Eq::response` within
/// 0.01 dB at 44.1, 48 and 96 kHz.
#[test]
fn measured_impulse_response_matches_the_analytic_response() {
    const N: usize = 1 << 17;
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(N);
    for rate in RATES {
        let mut eq = Eq::new(&eq_params(CHAIN));
        eq.prepare(spec(rate, 1));
        let mut impulse = vec![0.0_f32; N];
        impulse[0] = 1.0;
        let ir = run(&mut eq, &[impulse], None, MAX_BLOCK).remove(0);
        let mut input: Vec<f64> = ir.iter().map(|&x| f64::from(x)).collect();
        let mut spectrum = fft.make_output_vec();
        fft.process(&mut input, &mut spectrum)
            .expect("fft sizes match");
        let (mut checked, mut worst) = (0, 0.0_f64);
        for (k, bin) in spectrum.iter().enumerate() {
            let f = k as f64 * rate / N as f64;
            if (20.0..=20_000.0).contains(&f) {
                worst = worst.max(assert_close(
                    &format!("{rate} Hz chain"),
                    f,
                    bin.norm(),
                    eq.response(f),
                ));
                checked += 1;
            }
        }
        assert!(checked > 27_000, "{checked} bins");
        println!("{rate} Hz: {checked} bins, largest deviation {worst:.2e} dB");
    }
}

/// `Eq::response` of single bands against `tests/fixtures/eq_reference.csv`: scipy
/// Butterworth designs for the default-Q pass bands, the cookbook written out in numpy for
/// the rest, magnitudes from `scipy.signal.sosfreqz` (script: `eq_reference.py`).
#[test]
fn response_matches_scipy_reference() {
    let csv = include_str!("fixtures/eq_reference.csv");
    let (mut rows, mut worst) = (0, 0.0_f64);
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let num = |i: usize| {
            f[i].parse::<f64>()
                .unwrap_or_else(|_| panic!("bad number in {line}"))
        };
        let shape = match f[1] {
            "bell" => "bell",
            "lowshelf" => "lowshelf",
            "highshelf" => "highshelf",
            "notch" => "notch",
            "highpass" => "highpass",
            "lowpass" => "lowpass",
            other => panic!("unknown shape {other}"),
        };
        let text = format!(
            "type = \"eq\"\nbands = [ {{ shape = \"{shape}\", freq = {}, q = {}, gain_db = {}, slope = {} }} ]",
            num(2),
            num(3),
            num(4),
            num(5)
        );
        let mut eq = Eq::new(&eq_params(&text));
        eq.prepare(spec(num(0), 1));
        let want = 10f64.powf(num(8) / 20.0);
        worst = worst.max(assert_close(
            &format!("{} {line}", f[6]),
            num(7),
            eq.response(num(7)),
            want,
        ));
        rows += 1;
    }
    assert_eq!(rows, 1440);
    println!("{rows} reference points, largest deviation {worst:.2e} dB");
}

/// A band change ramps: no sample-to-sample jump beyond what the sine itself does, the
/// new response is reached after the ramp, and the result does not depend on the block
/// size (the step grid runs across blocks).
#[test]
fn set_band_ramps_to_the_new_response_independently_of_block_size() {
    let rate = 48_000.0;
    let x = sine(1000.0, 0.5, 0.0, rate, 24_000);
    let render = |block: usize| {
        let mut eq = Eq::new(&eq_params(
            "type = \"eq\"\nbands = [ { shape = \"bell\", freq = 1000.0, q = 1.0, gain_db = 0.0 } ]",
        ));
        eq.prepare(spec(rate, 1));
        let first = run(&mut eq, &[x[..4800].to_vec()], None, block).remove(0);
        let new = EqBand {
            shape: BandShape::Highpass,
            freq: 2000.0,
            q: 0.707,
            gain_db: 0.0,
            slope: 24,
        };
        eq.set_band(0, new).expect("valid band");
        let rest = run(&mut eq, &[x[4800..].to_vec()], None, block).remove(0);
        (eq.response(1000.0), [first, rest].concat())
    };
    let (response, y) = render(MAX_BLOCK);
    let (_, y_small) = render(37);
    assert_eq!(y, y_small, "block size changed the output");
    // Max step of the input sine: 0.5 · 2π · 1000 / 48000.
    let max_step = y
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0_f32, f32::max);
    assert!(max_step < 0.07, "jump of {max_step}");
    // Ramp done (20 ms) and the new filter settled: the level is the new response.
    let tail_peak = common::peak(&y[16_000..]);
    assert!(
        (db(tail_peak) - db(0.5 * response)).abs() < 0.01,
        "{} vs {}",
        db(tail_peak),
        db(0.5 * response)
    );
    // Halfway through the ramp the level is between the old and new ones.
    let mid = common::peak(&y[4800 + 400..4800 + 560]);
    assert!(
        mid < 0.49 && mid > 0.5 * response + 0.01,
        "mid-ramp level {mid}"
    );
}

#[test]
fn set_band_names_the_bad_key() {
    let mut eq = Eq::new(&eq_params(
        "type = \"eq\"\nbands = [ { shape = \"bell\", freq = 100.0 } ]",
    ));
    eq.prepare(spec(48_000.0, 2));
    let band = EqBand {
        shape: BandShape::Bell,
        freq: 30_000.0,
        q: 1.0,
        gain_db: 0.0,
        slope: 12,
    };
    assert_eq!(eq.set_band(0, band).unwrap_err().key, "bands[0].freq");
    assert_eq!(eq.set_band(3, band).unwrap_err().key, "bands[3]");
}

/// `tail()` covers the ring-out: past it the impulse response is below −80 dB.
#[test]
fn tail_covers_the_ring_out() {
    let mut eq = prepared(CHAIN, 48_000.0, 1);
    let tail = eq.tail();
    assert!(tail > 100 && tail < 48_000, "tail {tail}");
    let mut impulse = vec![0.0_f32; tail + 10_000];
    impulse[0] = 1.0;
    let ir = run(eq.as_mut(), &[impulse], None, MAX_BLOCK).remove(0);
    let late = common::peak(&ir[tail..]);
    assert!(late < 1e-4, "{} dB after the tail", db(late));
    assert!(eq.is_linear() && eq.latency() == 0);
}

/// Stereo channels are filtered independently with the same response.
#[test]
fn channels_are_independent() {
    let mut eq = prepared(CHAIN, 48_000.0, 2);
    let l = sine(440.0, 0.3, 0.0, 48_000.0, 4096);
    let silent = vec![0.0; 4096];
    let out = run(eq.as_mut(), &[l.clone(), silent], None, 300);
    assert!(out[1].iter().all(|&s| s == 0.0));
    let mut mono = prepared(CHAIN, 48_000.0, 1);
    assert_eq!(run(mono.as_mut(), &[l], None, 300)[0], out[0]);
}
