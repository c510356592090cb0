//! `compressor`: feed-forward, stereo-linked, log-domain (DESIGN §4).
//!
//! Parameters (see [`CompressorParams`]); unset ones take the style's defaults:
//!
//! | key | range | bus | varimu | clean |
//! | --- | --- | --- | --- | --- |
//! | `threshold_db` | −60 ..= 0 dBFS | −18 | −18 | −18 |
//! | `ratio` | 1 ..= 100 | 2 | 1.5 (rising) | 2 |
//! | `attack_ms` | 0.01 ..= 500 ms | 10 | 30 | 10 |
//! | `release` | 1 ..= 5000 ms or `"auto"` | auto | auto (slow) | 100 |
//! | `knee_db` | 0 ..= 24 dB | 0 (hard) | 6 | 6 |
//! | `makeup_db` | −24 ..= 24 dB | 0 | 0 | 0 |
//! | `mix` | 0 ..= 1 | 1 | 1 | 1 |
//! | `key` | a track or stem name | input | input | input |
//!
//! **Level** is the peak of the linked channels, `L = 20·log10(max_c |x_c|)` per frame, so
//! a steady sine's level is its peak level. **Static curve**: with overshoot
//! `d = L − threshold` and knee width `W`, the soft-knee overshoot is
//! `e = 0` for `d ≤ −W/2`, `(d + W/2)² / (2W)` inside the knee, `d` above it, and the
//! gain reduction is `GR = e − e/ratio` (bus, clean: the usual curve of Giannoulis,
//! Massberg & Reiss, "Digital Dynamic Range Compressor Design", JAES 2012) or
//! `GR = e − (20/ratio)·ln(1 + e/20)` (varimu: the slope of the curve falls as
//! `1 / (ratio · (1 + e/20))`, so the effective ratio `e / (e − GR)` starts at `ratio` and
//! rises with gain reduction, as a remote-cutoff tube's does).
//!
//! **Timing**, measured in the dB domain on a step of the key level: `attack_ms` is the
//! time the gain reduction takes to cover 63 % (1 − 1/e) of a step up; `release` the time
//! it takes to fall to 37 % (1/e) after the key drops below threshold. The detector is a
//! peak follower (instant rise, release stage) followed by a one-pole attack smoother;
//! the release stage's time constant is solved for so that the whole chain meets the set
//! release time (a release shorter than the attack cannot be met and falls at the
//! attack's rate). `release = "auto"` adds a second, slow branch that charges only under
//! sustained reduction: a short transient recovers at the fast rate, a long passage of
//! reduction at the slow one (fast / slow release and slow charge time: bus and clean
//! 100 ms / 1 s / 0.5 s, varimu 300 ms / 3 s / 1 s).
//!
//! With `key` set, the detector reads the `sidechain` the engine passes to `process`
//! (channels linked, any count); without one it falls back to the input.
//!
//! `mix` blends the dry input back in (parallel compression) and `makeup_db` scales the
//! compressed part; both are folded into the computed gain, so the output is always the
//! input times one gain per frame and the compressor stays distributable over stems.

use stemkit_core::{AudioBuffer, ProcessSpec};

use stemkit_simd::{Isa, Kernel};

use crate::denormal::flush;
use crate::dynamics::{Dynamics, GainComputer};
use crate::fastmath;
use crate::params::{CompressorParams, CompressorStyle, Release};

/// A compressor: [`CompressorGain`] plus the applier.
pub type Compressor = Dynamics<CompressorGain>;

/// Overshoot (dB) at which the varimu curve's local ratio has doubled.
const VARIMU_SPREAD_DB: f32 = 20.0;
/// Key levels are clamped to −200 ..= +60 dBFS: silence reads as −200 (NaN never gets
/// this far, see `compute`), an infinity as +60, so one bad sample cannot drive the
/// envelopes beyond recovery.
const LEVEL_MIN: f32 = 1e-10;
const LEVEL_MAX: f32 = 1e3;
/// Envelope values (dB of gain reduction) below this are 0.
const ENVELOPE_FLOOR: f64 = 1e-9;
const DEFAULT_RATE: f64 = 48_000.0;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Curve {
    Linear,
    Varimu,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum ReleaseMode {
    Fixed(f64),
    /// Fast release, slow release and the slow branch's charge time, ms.
    Auto {
        fast: f64,
        slow: f64,
        charge: f64,
    },
}

/// The parameters with the style defaults filled in.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Settings {
    curve: Curve,
    threshold_db: f64,
    ratio: f64,
    knee_db: f64,
    attack_ms: f64,
    release: ReleaseMode,
    makeup_db: f64,
    mix: f64,
    keyed: bool,
}

impl Settings {
    fn resolve(p: &CompressorParams) -> Self {
        let (curve, ratio, attack, knee, auto) = match p.style {
            CompressorStyle::Bus => (Curve::Linear, 2.0, 10.0, 0.0, (100.0, 1000.0, 500.0)),
            CompressorStyle::Varimu => (Curve::Varimu, 1.5, 30.0, 6.0, (300.0, 3000.0, 1000.0)),
            CompressorStyle::Clean => (Curve::Linear, 2.0, 10.0, 6.0, (100.0, 1000.0, 500.0)),
        };
        let release = match p.release {
            Some(Release::Ms(ms)) => ReleaseMode::Fixed(ms),
            Some(Release::Auto(_)) => ReleaseMode::Auto {
                fast: auto.0,
                slow: auto.1,
                charge: auto.2,
            },
            None if p.style == CompressorStyle::Clean => ReleaseMode::Fixed(100.0),
            None => ReleaseMode::Auto {
                fast: auto.0,
                slow: auto.1,
                charge: auto.2,
            },
        };
        Self {
            curve,
            threshold_db: p.threshold_db,
            ratio: p.ratio.unwrap_or(ratio),
            knee_db: p.knee_db.unwrap_or(knee),
            attack_ms: p.attack_ms.unwrap_or(attack),
            release,
            makeup_db: p.makeup_db,
            mix: p.mix,
            keyed: p.key.is_some(),
        }
    }
}

/// Time constant (ms) of a release stage that, followed by a one-pole smoother of
/// `attack_ms`, makes the chain's step response fall to 1/e after `release_ms`.
///
/// The chain's response is `(r·e^{−t/r} − a·e^{−t/a}) / (r − a)`; it rises with `r`,
/// so bisection finds `r`. A release shorter than the attack cannot be met: the release
/// stage then becomes instant and the attack smoother alone sets the fall.
fn release_stage_ms(release_ms: f64, attack_ms: f64) -> f64 {
    let (t, a) = (release_ms, attack_ms);
    let target = (-1.0_f64).exp();
    let response = |r: f64| {
        if (r - a).abs() < 1e-6 * a {
            (1.0 + t / a) * (-t / a).exp()
        } else {
            (r * (-t / r).exp() - a * (-t / a).exp()) / (r - a)
        }
    };
    let (mut lo, mut hi) = (1e-6, t);
    if response(lo) >= target {
        return lo;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if response(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// One-pole coefficient for a time constant of `ms` at `sample_rate`.
fn pole(ms: f64, sample_rate: f64) -> f64 {
    (-1.0 / (ms * 1e-3 * sample_rate)).exp()
}

/// The compressor's gain computer: linked peak level → static curve → envelope → gain.
pub struct CompressorGain {
    settings: Settings,
    /// Pole of the attack smoother, the (fast) release stage, and the slow branch's
    /// charge and release (auto release only).
    attack: f64,
    release: f64,
    charge: f64,
    slow_release: f64,
    /// Envelope states, dB of gain reduction (≥ 0).
    fast: f64,
    slow: f64,
    smooth: f64,
    /// Per-frame key level, then target gain reduction.
    level: Vec<f32>,
    /// Per-frame smoothed gain reduction, dB.
    reduction: Vec<f64>,
}

impl CompressorGain {
    fn new(params: &CompressorParams) -> Self {
        let mut computer = Self {
            settings: Settings::resolve(params),
            attack: 0.0,
            release: 0.0,
            charge: 0.0,
            slow_release: 0.0,
            fast: 0.0,
            slow: 0.0,
            smooth: 0.0,
            level: Vec::new(),
            reduction: Vec::new(),
        };
        computer.set_rate(DEFAULT_RATE);
        computer
    }

    fn set_rate(&mut self, sample_rate: f64) {
        let s = &self.settings;
        self.attack = pole(s.attack_ms, sample_rate);
        let fast = match s.release {
            ReleaseMode::Fixed(ms) | ReleaseMode::Auto { fast: ms, .. } => ms,
        };
        self.release = pole(release_stage_ms(fast, s.attack_ms), sample_rate);
        if let ReleaseMode::Auto { slow, charge, .. } = s.release {
            self.charge = pole(charge, sample_rate);
            self.slow_release = pole(release_stage_ms(slow, s.attack_ms), sample_rate);
        }
    }

    /// Replaces each key level (linear peak) with its target gain reduction in dB.
    fn static_curve(&mut self, frames: usize) {
        let s = &self.settings;
        let curve = Overshoot {
            threshold: s.threshold_db as f32,
            knee: (s.knee_db as f32).max(1e-6),
        };
        let levels = &mut self.level[..frames];
        let slope = 1.0 / s.ratio as f32;
        match s.curve {
            Curve::Linear => stemkit_simd::best(LinearCurve {
                levels,
                curve,
                scale: 1.0 - slope,
            }),
            Curve::Varimu => {
                let spread = VARIMU_SPREAD_DB * slope;
                levels.iter_mut().for_each(|l| {
                    let e = curve.of(*l);
                    *l = e - spread * (e / VARIMU_SPREAD_DB).ln_1p();
                });
            }
        }
    }

    /// Runs the envelope over the target reductions and writes the final gains.
    fn envelope<const AUTO: bool>(&mut self, gains: &mut [f32]) {
        let s = &self.settings;
        let wet = s.mix * 10f64.powf(s.makeup_db / 20.0);
        let dry = 1.0 - s.mix;
        let (attack, release, charge, slow_release) =
            (self.attack, self.release, self.charge, self.slow_release);
        let (mut fast, mut slow, mut smooth) = (self.fast, self.slow, self.smooth);
        let db_to_exp = -std::f64::consts::LN_10 / 20.0;
        let reduction = &mut self.reduction[..gains.len()];
        for (r, &target) in reduction.iter_mut().zip(&self.level) {
            let c = f64::from(target);
            fast = c.max(c + release * (fast - c));
            let held = if AUTO {
                slow = c + if c > slow { charge } else { slow_release } * (slow - c);
                fast.max(slow)
            } else {
                fast
            };
            smooth = held + attack * (smooth - held);
            *r = smooth;
        }
        stemkit_simd::best(Gains {
            reduction,
            gains,
            dry,
            wet,
            db_to_exp,
        });
        self.fast = flush(fast, ENVELOPE_FLOOR);
        self.slow = flush(slow, ENVELOPE_FLOOR);
        self.smooth = flush(smooth, ENVELOPE_FLOOR);
    }
}

/// How far a key level goes past the threshold, dB, through the soft knee.
#[derive(Clone, Copy)]
struct Overshoot {
    threshold: f32,
    knee: f32,
}

impl Overshoot {
    #[inline(always)]
    fn of(self, level: f32) -> f32 {
        let d = fastmath::db(f64::from(level.clamp(LEVEL_MIN, LEVEL_MAX))) as f32 - self.threshold;
        let half = 0.5 * self.knee;
        let k = (d + half).clamp(0.0, self.knee);
        k * k / (2.0 * self.knee) + (d - half).max(0.0)
    }
}

/// The linear static curve over a block of key levels, for [`stemkit_simd::best`].
struct LinearCurve<'a> {
    levels: &'a mut [f32],
    curve: Overshoot,
    scale: f32,
}

impl Kernel for LinearCurve<'_> {
    #[inline(always)]
    fn run(self, _isa: Isa) {
        for l in self.levels {
            *l = self.curve.of(*l) * self.scale;
        }
    }
}

/// Gain reductions (dB) to gains, mixed with the dry share, for [`stemkit_simd::best`].
struct Gains<'a> {
    reduction: &'a [f64],
    gains: &'a mut [f32],
    dry: f64,
    wet: f64,
    db_to_exp: f64,
}

impl Kernel for Gains<'_> {
    #[inline(always)]
    fn run(self, _isa: Isa) {
        for (g, &r) in self.gains.iter_mut().zip(self.reduction) {
            *g = (self.dry + self.wet * fastmath::exp(r * self.db_to_exp)) as f32;
        }
    }
}

impl GainComputer for CompressorGain {
    fn prepare(&mut self, spec: ProcessSpec) {
        self.set_rate(spec.sample_rate);
        self.level = vec![0.0; spec.max_block];
        self.reduction = vec![0.0; spec.max_block];
        self.reset();
    }

    fn reset(&mut self) {
        (self.fast, self.slow, self.smooth) = (0.0, 0.0, 0.0);
    }

    fn compute(&mut self, key: &AudioBuffer, gains: &mut [f32]) {
        let frames = key.frames();
        assert_eq!(gains.len(), frames, "one gain per key frame");
        let levels = &mut self.level[..frames];
        levels.fill(0.0);
        for ch in key.iter_channels() {
            // `max` ignores NaN: a NaN sample reads as silence.
            levels
                .iter_mut()
                .zip(ch)
                .for_each(|(l, &x)| *l = l.max(x.abs()));
        }
        self.static_curve(frames);
        match self.settings.release {
            ReleaseMode::Fixed(_) => self.envelope::<false>(gains),
            ReleaseMode::Auto { .. } => self.envelope::<true>(gains),
        }
    }

    fn keyed(&self) -> bool {
        self.settings.keyed
    }

    fn gain_reduction_db(&self) -> f32 {
        -self.smooth as f32
    }
}

impl Compressor {
    /// A compressor with `params` (style defaults filled in), timed for 48 kHz until
    /// [`stemkit_core::Processor::prepare`].
    #[must_use]
    pub fn new(params: &CompressorParams) -> Self {
        Self::with_computer(CompressorGain::new(params))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The solved stage, cascaded with the attack smoother and simulated sample by
    /// sample, falls to 1/e at the requested time.
    #[test]
    fn solved_release_stage_meets_the_release_time() {
        let fs = 48_000.0;
        for (release, attack) in [(100.0, 10.0), (50.0, 30.0), (1000.0, 1.0)] {
            let r = (-1.0 / (release_stage_ms(release, attack) * 1e-3 * fs)).exp();
            let a = (-1.0 / (attack * 1e-3 * fs)).exp();
            let (mut stage, mut smooth) = (1.0_f64, 1.0_f64);
            let mut n = 0;
            while smooth > (-1.0_f64).exp() {
                stage *= r;
                smooth = stage + a * (smooth - stage);
                n += 1;
            }
            let measured = f64::from(n) / fs * 1e3;
            assert!(
                (measured / release - 1.0).abs() < 0.01,
                "{release}/{attack}: {measured} ms"
            );
        }
    }

    /// Loud key, then silence: every envelope ends exactly at 0 (no subnormals), and an
    /// infinity in the key is survived.
    #[test]
    fn envelopes_flush_to_zero_after_silence_and_survive_infinity() {
        let params = CompressorParams {
            style: CompressorStyle::Varimu,
            threshold_db: -30.0,
            ..Default::default()
        };
        let mut c = CompressorGain::new(&params);
        c.prepare(ProcessSpec {
            sample_rate: 48_000.0,
            max_block: 512,
            channels: 1,
        });
        let mut key = AudioBuffer::new(1, 512);
        key.channel_mut(0).fill(1.0);
        key.channel_mut(0)[3] = f32::INFINITY;
        key.channel_mut(0)[4] = f32::NAN;
        let mut gains = vec![0.0; 512];
        c.compute(&key, &mut gains);
        assert!(gains.iter().all(|g| g.is_finite()) && c.smooth > 1.0);
        key.clear();
        let mut blocks = 0;
        while (c.fast, c.slow, c.smooth) != (0.0, 0.0, 0.0) {
            c.compute(&key, &mut gains);
            blocks += 1;
            assert!(
                blocks < 10_000,
                "envelopes never reached 0: {} {} {}",
                c.fast,
                c.slow,
                c.smooth
            );
        }
        assert!(gains.iter().all(|&g| g == 1.0));
    }
}
