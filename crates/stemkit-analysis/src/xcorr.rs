//! Offset of a stem against the mix, by FFT cross-correlation of a window of a few
//! seconds around the stem's strongest onset.
//!
//! The stem window is [`WINDOW`] frames starting a quarter window before the onset; the
//! target is the same span of `mix - (sum of the other stems)` widened by [`MAX_LAG`]
//! frames on each side, so offsets up to ±`MAX_LAG` frames (±1.36 s at 48 kHz) are
//! found. Correlating against the residual plus the stem, rather than the mix, removes
//! the other stems, so a kick and a bass that hit together do not pull each other.
//!
//! The residual still holds the errors of the *other* stems (one printed 3 dB low, one
//! shifted), and for low, broad correlation peaks that can move the peak by a few frames.
//! So a peak away from zero is only taken when moving the stem there at least halves the
//! residual energy in its window; otherwise the stem is reported where it is.

use realfft::RealFftPlanner;

/// Frames of stem audio correlated.
pub const WINDOW: usize = 1 << 16;
/// Largest offset searched, in frames, either way.
pub const MAX_LAG: usize = 1 << 16;

/// Where a stem's content sits relative to where the mix has it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lag {
    /// Frames the stem is late (negative: early).
    pub frames: i64,
    /// Normalised correlation at that offset (1 = identical shape).
    pub confidence: f64,
}

/// `stem` is [`WINDOW`] frames from file frame `a`; `target` is `WINDOW + 2 * MAX_LAG`
/// frames from `a - MAX_LAG`. `None` when either is silent.
#[must_use]
pub fn find_lag(stem: &[f32], target: &[f32]) -> Option<Lag> {
    let size = (stem.len() + target.len()).next_power_of_two();
    let mut planner = RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(size);
    let inv = planner.plan_fft_inverse(size);
    let spectrum = |x: &[f32]| {
        let mut buf = fwd.make_input_vec();
        for (d, &s) in buf.iter_mut().zip(x) {
            *d = f64::from(s);
        }
        let mut out = fwd.make_output_vec();
        fwd.process(&mut buf, &mut out)
            .expect("buffer sizes come from the plan");
        out
    };
    let s = spectrum(stem);
    let t = spectrum(target);
    let mut product: Vec<_> = s.iter().zip(&t).map(|(a, b)| a.conj() * b).collect();
    let mut corr = inv.make_output_vec();
    inv.process(&mut product, &mut corr)
        .expect("buffer sizes come from the plan");
    // corr[q] = sum_n stem[n] * target[n + q] (times `size`), for q in 0..=target - stem.
    let lags = target.len().saturating_sub(stem.len()) + 1;
    let (q, &peak) = corr[..lags]
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    let energy = |x: &[f32]| x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>();
    let stem_energy = energy(stem);
    let half = (target.len() - stem.len()) / 2;
    let at = |q: usize, c: f64| {
        let t = energy(&target[q..q + stem.len()]);
        // Correlation, and the residual energy left with the stem moved to q.
        (
            (t > 0.0).then(|| c / (stem_energy * t).sqrt()),
            t - 2.0 * c + stem_energy,
        )
    };
    if stem_energy <= 0.0 || peak <= 0.0 {
        return None;
    }
    let (confidence, moved) = at(q, peak / size as f64);
    let here: f64 = stem
        .iter()
        .zip(&target[half..])
        .map(|(&a, &b)| f64::from(a) * f64::from(b))
        .sum();
    let (confidence_here, stays) = at(half, here);
    // target[q] lines up with stem[0]: the stem's content is found q - half frames later
    // in the mix than in the file, so the file is late by half - q.
    if q != half && moved <= 0.5 * stays {
        Some(Lag {
            frames: half as i64 - q as i64,
            confidence: confidence?,
        })
    } else {
        Some(Lag {
            frames: 0,
            confidence: confidence_here?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            })
            .collect()
    }

    #[test]
    fn finds_a_late_and_an_early_stem() {
        let truth = noise(4000 + 2 * 500, 7);
        let target = truth.clone();
        for late in [37_i64, -120, 0] {
            // The file holds the truth `late` frames later than the mix does.
            let a = 500_i64;
            let stem: Vec<f32> = (0..4000).map(|n| truth[(a + n - late) as usize]).collect();
            let mut t = target.clone();
            t.truncate(4000 + 1000);
            let lag = find_lag(&stem, &t).unwrap();
            assert_eq!(lag.frames, late);
            assert!(lag.confidence > 0.99, "{lag:?}");
        }
    }

    #[test]
    fn a_peak_that_does_not_halve_the_residual_is_not_an_offset() {
        // A low tone: its correlation peak is broad, and an interfering second tone in the
        // target tilts it off zero, but moving the stem there leaves as much residual.
        let n = 6000;
        let tone =
            |f: f64, k: usize| (2.0 * std::f64::consts::PI * f * k as f64 / 48_000.0).sin() as f32;
        let target: Vec<f32> = (0..n)
            .map(|k| tone(50.0, k) + 0.5 * tone(61.7, k + 300))
            .collect();
        let stem: Vec<f32> = (1000..5000).map(|k| tone(50.0, k)).collect();
        assert_eq!(find_lag(&stem, &target).unwrap().frames, 0);
    }

    #[test]
    fn silence_has_no_lag() {
        assert_eq!(find_lag(&[0.0; 100], &noise(300, 1)), None);
    }
}
